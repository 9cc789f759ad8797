"""The sentence in one defendant's verdict item.

A verdict item states a penalty per charge and, when there are several, the penalty to be
executed (决定执行). The executed one is what the defendant serves, so it wins; additional
fines stated per charge still apply when the executed clause does not restate them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extraction.numbers import find_money, term_months
from extraction.text import Found

_PRINCIPAL = re.compile(r"死刑|无期徒刑|有期徒刑|拘役|管制|免予刑事处罚|免除刑事处罚")
_TERM = re.compile(
    r"[0-9零〇一二两三四五六七八九十]+年(?:零|又)?(?:[0-9零〇一二两三四五六七八九十]+个?月)?"
    r"|[0-9零〇一二两三四五六七八九十]+(?:个月|月|个(?![\u4e00-\u9fff]))"
)
_PROBATION = re.compile(r"缓刑")
_FINE = re.compile(r"罚金")
_CONFISCATION = re.compile(r"没收(?:其)?(?:个人)?(?:全部|部分)?财产")
_EXECUTED = re.compile(r"决定执行|合并执行|总和刑期")
_TERMED = frozenset({"有期徒刑", "拘役", "管制"})


@dataclass
class Sentence:
    """Parsed penalty; every part keeps the span (into ``DocText.norm``) it was read from."""

    principal: Found[str] | None = None
    term_months: Found[int] | None = None
    probation_months: Found[int] | None = None
    fine_yuan: Found[int] | None = None
    confiscation: Found[bool] | None = None


def _term_after(text: str, at: int, offset: int) -> Found[int] | None:
    """The term right after ``at``, tolerating a doubled or stray word (有期徒刑有期徒刑)."""
    match = _TERM.search(text, at, at + 10)
    if match and re.search(r"[,。;□]", text[at : match.start()]):
        match = None
    if not match:
        return None
    months = term_months(match.group())
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
        word = principal.group().replace("免除", "免予")
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
