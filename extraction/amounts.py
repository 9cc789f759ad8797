"""The money involved in the offence and, in drunk-driving cases, the blood alcohol.

Judgments mention many sums (fines, compensation, thresholds of the law); the offence amount
is one the court ties to the offence (骗取…, 价值…, 共计…). The court's own reasoning is
trusted before the facts, and the facts before the prosecution's charge; within one part the
best-supported sum wins and, among equals, the larger one (a total beats its items).
"""

from __future__ import annotations

import re
from decimal import Decimal

from extraction.numbers import find_money
from extraction.text import Found

_TAKING = re.compile(
    r"骗取|窃取|窃得|盗得|盗窃|劫得|劫取|抢得|抢劫|抢走|收受|受贿|行贿|挪用|侵占|集资|诈骗|吸收"
)
_VALUE = re.compile(r"价值|价格|数额|金额|损失|涉案|赃款|非法获利|违法所得|经营额|标的|总额")
_TOTAL = re.compile(r"共计|合计|总计|累计|总共")
_NOT_OFFENCE = re.compile(
    r"罚金|罚款|赔偿|退赔|退还|返还|缴纳|预缴|保证金|利息|工资|运费|医疗费|费用|租金|补偿|追缴|收益"
)
_SETTLEMENT = re.compile(r"赔偿|退赔|退缴|退赃|退还|返还|罚金|罚款|赔付|调解")
_QUOTED = re.compile(r"“[^”]{0,400}”")
_WINDOW = 14
_ALCOHOL = re.compile(
    r"(?:乙醇|酒精)[^。;]{0,16}?(\d+(?:\.\d+)?)(?:mg|毫克)/(?:100ml|100mL|100ML|100毫升|百毫升)"
)


def _score(text: str, start: int, end: int) -> float:
    """How strongly the words before a sum tie it to the offence (0: not at all)."""
    sentence_start = text.rfind("。", 0, start) + 1
    if _SETTLEMENT.search(text, sentence_start, start) or text.startswith(("以上", "以下"), end):
        return 0.0  # compensation, fines, or a threshold of the law (二十万元以上)
    before = text[max(sentence_start, start - _WINDOW) : start]
    keys = [match for key in (_TAKING, _VALUE, _TOTAL) for match in key.finditer(before)]
    if not keys:
        return 0.0
    last = max(m.end() for m in keys)
    if _NOT_OFFENCE.search(before, last):
        return 0.0
    score = 2.0 if _TAKING.search(before) else 1.0 if _VALUE.search(before) else 0.5
    return score + (1.0 if _TOTAL.search(before) else 0.0)


def _best(text: str, offset: int) -> Found[int] | None | bool:
    """The best sum in one part; False when the part lists several sums but no total."""
    text = _QUOTED.sub(lambda m: "□" * len(m.group()), text)  # quoted arguments are not findings
    scores: dict[int, tuple[float, Found[int]]] = {}
    itemised = set()
    for yuan, start, end in find_money(text):
        score = _score(text, start, end)
        if score <= 0 or yuan <= 0:
            continue
        if score < 2.0 and "价值" in text[max(0, start - 8) : start]:
            itemised.add(yuan)
        old = scores.get(yuan)
        if old is None or score > old[0]:
            scores[yuan] = (score, Found(yuan, offset + start, offset + end, 0.5))
    if not scores:
        return None
    if len(itemised) >= 2 and max(score for score, _ in scores.values()) < 2.0:
        return False  # several items valued one by one and no total stated
    _, best = max(scores.values(), key=lambda item: (item[0], item[1].value))
    return best


def find_amount(parts: list[tuple[str, int]]) -> Found[int] | None:
    """The offence amount from the first of (text, offset) parts that names one."""
    for text, offset in parts:
        best = _best(text, offset)
        if best is False:
            return None
        if isinstance(best, Found):
            return best
    return None


def find_blood_alcohol(text: str, offset: int) -> Found[float] | None:
    """The first blood ethanol measurement (mg/100ml) in ``text``."""
    match = _ALCOHOL.search(text)
    if not match:
        return None
    value = Decimal(match.group(1))
    number = int(value) if value == value.to_integral_value() else float(value)
    return Found(number, offset + match.start(1), offset + match.end(1), 0.8)
