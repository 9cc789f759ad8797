"""The sentence in one defendant's verdict item.

A verdict item states a penalty per charge and, when there are several, the penalty to be
executed (决定执行). The executed one is what the defendant serves, so it wins; additional
fines stated per charge still apply when the executed clause does not restate them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from extraction.numbers import find_money, term_months
from extraction.text import Found

#: 免除 and 免于 (a common slip for 免予: 犯单位行贿罪，免于刑事处罚) are read as 免予刑事处罚
_PRINCIPAL = re.compile(r"死刑|无期徒刑|有期徒刑|拘役|管制|免[予除于]刑事处罚")
_N = "[0-9零〇一二两三四五六七八九十]"
#: a term, with the days of 拘役二个月十五日 / 有期徒刑一年零十日 (read as a fraction of a month)
_TERM = re.compile(
    rf"{_N}+年(?:零|又)?(?:{_N}+个?半?月)?(?:零|又)?(?:{_N}+[日天])?"
    rf"|{_N}+(?:个半月|个月|月|个(?![\u4e00-\u9fff]))(?:零|又)?(?:{_N}+[日天])?"
)
_PROBATION = re.compile(r"缓刑")
_FINE = re.compile(r"罚金")
_CONFISCATION = re.compile(r"没收(?:其)?(?:个人)?(?:全部|部分)?财产")
_EXECUTED = re.compile(r"决定执行|合并执行|总和刑期")
#: where the per-charge penalties end: the combination (数罪并罚, 连同前罪…, 决定执行 …)
_COMBINED = re.compile(r"[数两二三四五六七八九十]罪并罚|决定执行|合并执行|总和刑期|连同|与前罪|与原判|与未执行")
#: a charge of an earlier judgment taken into the combination: 原犯盗窃罪，判处…; 与（2012）淮刑初字
#: 第165号刑事判决中对向双双犯聚众斗殴罪，判处…数罪并罚 (the match ends where the charge starts)
_EARLIER = re.compile(
    r"(?:原|前)犯|(?:与|连同)[^。;]{0,80}?(?:判决|裁定|前罪|原判)[^。;]{0,40}?犯"
)


def combines(text: str) -> bool:
    """True when ``text`` combines penalties (数罪并罚, 决定执行, 总和刑期, 连同前罪 …)."""
    return _COMBINED.search(text) is not None


def earlier_charges(text: str, names: Iterable[str] = ()) -> set[int]:
    """Offsets in ``text`` where a charge of an earlier judgment begins (not this verdict's).
    A defendant whose name ends in 原 or 前 (罗原犯重大责任事故罪) is not read as 原犯."""
    out = set()
    for match in _EARLIER.finditer(text):
        word = match.group()
        if len(word) == 2 and any(
            n.endswith(word[0]) and text.endswith(n, 0, match.start() + 1) for n in names
        ):
            continue
        out.add(match.end())
    return out
_TERMED = frozenset({"有期徒刑", "拘役", "管制"})


@dataclass
class Sentence:
    """Parsed penalty; every part keeps the span (into ``DocText.norm``) it was read from."""

    principal: Found[str] | None = None
    term_months: Found[int | float] | None = None  # a fraction of a month for days
    probation_months: Found[int | float] | None = None
    fine_yuan: Found[int] | None = None
    confiscation: Found[bool] | None = None


def _term_after(text: str, at: int, offset: int) -> Found[int | float] | None:
    """The term right after ``at``, tolerating a doubled or stray word (有期徒刑有期徒刑)."""
    match = _TERM.search(text, at, at + 10)
    if match and re.search(r"[,。;□]", text[at : match.start()]):
        match = None
    if match:  # not cut by the window: 有期徒刑十一年十一个月二十九日
        match = _TERM.match(text, match.start()) or match
    if not match:
        return None
    written = match.group()
    months = term_months(written + "月" if written.endswith("个") else written)  # 六个；: a typo
    if months is None:
        return None
    return Found(months, offset + match.start(), offset + match.end(), 0.9)


def _fines(text: str, offset: int) -> list[Found[int]]:
    fines = []
    for match in _FINE.finditer(text):
        window = text[match.end() : match.end() + 24]
        money = find_money(window)
        if money and money[0][1] <= 3:
            yuan, start, end = money[0]
            at = offset + match.end()
            fines.append(Found(yuan, at + start, at + end, 0.9))
    return fines


@dataclass
class ChargeTerm:
    """The penalty the verdict gives for one charge before several are combined (数罪并罚)."""

    charge: Found[str]
    sentence: Sentence


def parse_charge_terms(text: str, offset: int, names: Iterable[str] = ()) -> list[ChargeTerm]:
    """Each charge's own penalty in one defendant's verdict item, when the item combines
    penalties (犯A罪，判处…；犯B罪，判处…，决定执行…; or one charge 连同前罪 … 决定执行);
    [] when the item states a single penalty. A charge of an earlier judgment taken into the
    combination (原犯盗窃罪，判处…) bounds the one before it but is not listed."""
    from extraction.charges import find_charges

    mentions = [(w, s, e) for w, s, e in find_charges(text) if text[s - 1 : s] == "犯"]
    combined = _COMBINED.search(text)
    earlier = earlier_charges(text, names)
    terms: list[ChargeTerm] = []
    for k, (written, start, end) in enumerate(mentions):
        if start in earlier or (
            combined and start > combined.start()
        ):
            continue
        stop = mentions[k + 1][1] - 1 if k + 1 < len(mentions) else len(text)
        if combined and combined.start() > end:
            stop = min(stop, combined.start())
        part = text[end:stop]
        principal = _PRINCIPAL.search(part)
        sentence = Sentence()
        at = offset + end
        if principal:
            word = principal.group().replace("免除", "免予").replace("免于", "免予")
            where = at + principal.start()
            sentence.principal = Found(word, where, where + len(principal.group()), 0.85)
            if word in _TERMED:
                sentence.term_months = _term_after(part, principal.end(), at)
        fines = _fines(part, at)
        if fines:
            sentence.fine_yuan = fines[0]
            if sentence.principal is None:
                sentence.principal = Found("单处罚金", fines[0].start, fines[0].end, 0.7)
        if sentence.principal is None:
            continue
        charge = Found(written, offset + start, offset + end, 0.85)
        terms.append(ChargeTerm(charge, sentence))
    if combined is None and len(terms) < 2:
        return []
    return terms


def parse_sentence(text: str, offset: int) -> Sentence:
    """The executed sentence in ``text`` (one defendant's verdict item, notes masked out).

    ``offset`` is where ``text`` starts in ``DocText.norm``, so spans can be located.
    """
    executed = [match.end() for match in _EXECUTED.finditer(text)]
    clause_start = executed[-1] if executed else 0
    clause = text[clause_start:]
    sentence = Sentence()
    principal = _PRINCIPAL.search(clause)
    if principal:
        at = offset + clause_start + principal.start()
        word = principal.group().replace("免除", "免予").replace("免于", "免予")
        sentence.principal = Found(word, at, at + len(principal.group()), 0.9)
        if word in _TERMED:
            sentence.term_months = _term_after(clause, principal.end(), offset + clause_start)
    probation = _PROBATION.search(clause)
    if probation:
        sentence.probation_months = _term_after(clause, probation.end(), offset + clause_start)
    fines = _fines(clause, offset + clause_start) or _fines(text, offset)
    if fines:
        total = sum(f.value for f in fines)
        sentence.fine_yuan = Found(total, fines[0].start, fines[-1].end, 0.85)
    if sentence.principal is None:
        if fines or _FINE.search(text):
            start = fines[0].start if fines else offset
            sentence.principal = Found("单处罚金", start, start + 2, 0.7)
        elif "驱逐出境" in text:
            at = offset + text.index("驱逐出境")
            sentence.principal = Found("驱逐出境", at, at + 4, 0.7)
    confiscation = _CONFISCATION.search(text)
    if confiscation:
        at = offset + confiscation.start()
        sentence.confiscation = Found(True, at, offset + confiscation.end(), 0.9)
    return sentence
