"""Where the parts of a judgment begin and end.

A criminal judgment always runs header (court, title, number, parties) -> prosecution's charge
-> facts found (经审理查明) -> reasoning (本院认为) -> verdict (判决如下) -> signatures and date.
Each field is read from the one part where courts state it, which keeps e.g. a prior
conviction in the header from being read as this case's sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extraction.header import CASE_NUMBER

Span = tuple[int, int]

_HEADER_END = re.compile(r"指控|提起公诉|提出控告|诉称|审理终结|一案|侦查终结|审查起诉|移送")
_CHARGE = re.compile(r"(?:公诉机关|检察院|自诉人)(?:起诉)?指控|指控[:,]")
_FACTS = re.compile(
    r"(?:经审理|本院审理|二审审理|经本院审理|经(?:依法)?审查|本院经审理)(?:,)?(?:查明|认定|查实)"
    r"|本院(?:经审理)?查明"
)
_REASONING = re.compile(r"本院认为")
_CIVIL = re.compile(r"(?:附带)?民事(?:诉讼)?部分")
_VERDICT = re.compile(r"(?:判决|裁定|决定)如下")
_VERDICT_LOOSE = re.compile(r"(?:判决|裁定|决定)(?:如下)?:")
#: a verdict with neither heading: 判处如下, or its first item right after the cited law (…第十四条
#: 之规定 一、被告人罗进凯犯…罪; …之规定：被告人董志刚犯挪用资金罪，免予刑事处罚)
_VERDICT_BARE = re.compile(
    r"(?:判处|判决意见)如下:?"
    r"|规定[:,]?(?=一、(?:原审)?被告(?:人|单位)"
    r"|(?:原审)?被告(?:人|单位)[^,。;:]{1,30}?犯[^,。;:]{1,40}?罪,?(?:判处|免[予于除]|单处))"
)
_QUOTED_END = re.compile(
    r"宣判后|上诉人[^。]{0,30}(?:上诉|提出)|抗诉机关|本院认为|经审理查明|二审|如不服"
)
_VERDICT_END = re.compile(
    r"如不服本(?:判决|裁定)|如不服|本(?:判决|裁定)为终审|(?:代理)?审判长|(?:代理)?审判员|人民陪审员"
)


@dataclass(frozen=True)
class Sections:
    """Spans (start, end) into ``DocText.norm``; None where the part is missing."""

    header: Span  # from the case number (a case-name line above it is not a party list)
    charge: Span | None
    facts: Span | None
    reasoning: Span | None
    verdict: Span | None
    tail: Span
    quoted_verdicts: tuple[Span, ...] = ()  # earlier judgments an appeal quotes (原判…判决：…)


def _first(pattern: re.Pattern[str], text: str, start: int = 0, end: int | None = None) -> int:
    match = pattern.search(text, start, len(text) if end is None else end)
    return match.start() if match else -1


def _last_match(
    pattern: re.Pattern[str], text: str, start: int = 0, end: int | None = None
) -> re.Match[str] | None:
    found = None
    for match in pattern.finditer(text, start, len(text) if end is None else end):
        found = match
    return found


def _last(pattern: re.Pattern[str], text: str, start: int = 0, end: int | None = None) -> int:
    match = _last_match(pattern, text, start, end)
    return match.start() if match else -1


def find_sections(norm: str) -> Sections:
    """Split a judgment (or indictment) into its parts by the phrases that open them."""
    n = len(norm)
    verdict_match = (_last_match(_VERDICT, norm) or _last_match(_VERDICT_LOOSE, norm)
                     or _last_match(_VERDICT_BARE, norm))
    verdict_at = verdict_match.start() if verdict_match else -1
    verdict: Span | None = None
    tail_start = n
    if verdict_match:
        body_start = verdict_match.end()
        end = _first(_VERDICT_END, norm, body_start)
        end = n if end < 0 else end
        verdict = (body_start, end)
        tail_start = end
    body_end = verdict_at if verdict_at >= 0 else n

    reasoning_at = _last(_REASONING, norm, 0, body_end)
    reasoning = None
    if reasoning_at >= 0:
        civil = _CIVIL.search(norm, reasoning_at, body_end)  # damages are not the crime
        reasoning = (reasoning_at, civil.start() if civil else body_end)
    facts_end = reasoning_at if reasoning_at >= 0 else body_end

    facts_at = _first(_FACTS, norm, 0, facts_end)
    facts = (facts_at, facts_end) if facts_at >= 0 else None

    charge_at = _first(_CHARGE, norm, 0, facts_at if facts_at >= 0 else facts_end)
    charge_end = facts_at if facts_at >= 0 else facts_end
    charge = (charge_at, charge_end) if charge_at >= 0 else None

    number = CASE_NUMBER.search(norm, 0, 400)  # a case-name line above the court may say 指控
    header_end = _first(_HEADER_END, norm, number.end() if number else 0, body_end)
    if header_end < 0:
        header_end = min(x for x in (charge_at, facts_at, reasoning_at, body_end) if x >= 0)
    header_end = _sentence_start(norm, header_end)
    quoted = tuple(
        (m.end(), _quoted_end(norm, m.end(), body_end))
        for m in _VERDICT_LOOSE.finditer(
            norm, header_end, reasoning_at if reasoning_at >= 0 else body_end
        )
    )
    return Sections(
        quoted_verdicts=quoted,
        header=(number.end() if number and number.end() < header_end else 0, header_end),
        charge=charge,
        facts=facts,
        reasoning=reasoning,
        verdict=verdict,
        tail=(tail_start, n),
    )


def _quoted_end(norm: str, start: int, limit: int) -> int:
    """End of a quoted earlier verdict: where the appeal or the next part begins."""
    end = _first(_QUOTED_END, norm, start, min(limit, start + 3000))
    return end if end >= 0 else min(limit, start + 3000)


def _sentence_start(norm: str, at: int) -> int:
    """Back up to the start of the sentence containing ``at`` (the header ends before it)."""
    stop = max(norm.rfind("。", 0, at), norm.rfind(";", 0, at))
    return stop + 1 if stop >= 0 else at
