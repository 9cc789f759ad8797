"""Custody measures with their dates, the prior record and the ID number of one defendant.

The header sentence run of a defendant states them in a fixed order: identity (公民身份号码…),
the prior record (曾因…被判处…，…刑满释放；…被行政拘留…), then this case's measures
(因本案于2016年11月7日被桐庐县公安局刑事拘留，于同月21日被依法逮捕。现押于桐庐县看守所。).
Dates after the first are often relative (同年/同月/次日/当日) and are resolved in order.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from extraction.numbers import cn_int, find_dates
from extraction.text import DocText, Found

#: measure as written -> canonical name (longest first when matching)
MEASURES = {
    "指定居所监视居住": "监视居住", "监视居住": "监视居住", "取保候审": "取保候审",
    "刑事拘留": "刑事拘留", "刑拘": "刑事拘留", "司法拘留": "司法拘留", "拘留": "刑事拘留",
    "逮捕": "逮捕", "拘传": "拘传", "羁押": "羁押", "抓获": "抓获", "释放": "释放",
}  # fmt: skip
_MEASURE = re.compile(
    r"(?<!行政)(?<!不予)(?<!不)(?<!撤销)(?:" + "|".join(sorted(MEASURES, key=len, reverse=True))
    + r")(?!必要性|期限)"
)
_PRIOR = re.compile(r"判处|刑满释放|行政拘留|强制戒毒|行政处罚|劳动教养|社区康复|社区戒毒|曾因|曾于|"
                    r"假释|缓刑考验|罚款")
_CURRENT = re.compile(r"本案|涉嫌|此案|该案")
_ID = re.compile(r"(?<![\dXx])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                 r"(?![\dXx])")
_AUTHORITY = re.compile(
    r"(?:被|经|由)([\u4e00-\u9fff()]{2,30}?(?:公安局|公安分局|分局|检察院|法院|派出所|支队|大队|"
    r"监察委员会|监委|看守所)|本院)"
)
_PLACE = re.compile(r"(?:现?(?:羁押|关押|押|在押)(?:于|在))([\u4e00-\u9fff()]{2,30}?(?:看守所|监狱|拘留所))")
_REL_YEAR = re.compile(r"(同年|次年)(\d{1,2}|[一二三四五六七八九十]{1,3})月(\d{1,2}|[一二三四五六七八九十]{1,3})日")
_REL_MONTH = re.compile(r"(?:同月|当月)(\d{1,2}|[一二三四五六七八九十]{1,3})日")
_REL_DAY = re.compile(r"次日|翌日|第二天|当日|同日|当天")


def _shift(current: date | None, match: re.Match[str]) -> date | None:
    if current is None:
        return None
    try:
        if match.re is _REL_YEAR:
            year = current.year + (1 if match.group(1) == "次年" else 0)
            month, day = cn_int(match.group(2)), cn_int(match.group(3))
            return date(year, month or 0, day or 0)
        if match.re is _REL_MONTH:
            return date(current.year, current.month, cn_int(match.group(1)) or 0)
    except ValueError:
        return None
    return current + timedelta(days=1) if match.group() in ("次日", "翌日", "第二天") else current


def _clause_date(clause: str, current: date | None) -> tuple[date | None, bool]:
    """(the date a clause states, resolved against ``current``; whether it stated one)."""
    for iso, _, _ in find_dates(clause):
        parts = [int(p) for p in iso.split("-")]
        if len(parts) == 3:
            try:
                return date(*parts), True
            except ValueError:
                continue
    for pattern in (_REL_YEAR, _REL_MONTH, _REL_DAY):
        match = pattern.search(clause)
        if match:
            return _shift(current, match), True
    return current, False


def read_custody(
    doc: DocText, segment: tuple[int, int]
) -> tuple[list[Found[dict[str, Any]]], list[Found[str]], Found[str] | None]:
    """(custody measures, prior-record entries, ID number) of one defendant's header run."""
    start, end = segment
    text = doc.norm[start:end]
    id_match = _ID.search(text)
    id_number = (
        Found(id_match.group().upper(), start + id_match.start(), start + id_match.end(), 0.95)
        if id_match else None
    )
    custody: list[Found[dict[str, Any]]] = []
    prior: list[Found[str]] = []
    current: date | None = None
    pos = 0
    for sentence in re.split(r"(?<=[。;])", text):
        s_start = start + pos
        pos += len(sentence)
        body = sentence.rstrip("。;")
        if not body:
            continue
        is_prior = bool(_PRIOR.search(body)) and not _CURRENT.search(body)
        if is_prior:
            prior.append(Found(doc.value(s_start, s_start + len(body)), s_start,
                               s_start + len(body), 0.8))
        offset = 0
        for clause in re.split(r"(?<=,)", body):
            c_start = s_start + offset
            offset += len(clause)
            stated, has_date = _clause_date(clause, current)
            if has_date:
                current = stated
            if is_prior:
                continue
            place = _PLACE.search(clause)
            if place:
                custody.append(Found({"measure": "羁押", "date": None, "authority": None,
                                      "place": place.group(1)},
                                     c_start, c_start + len(clause.rstrip(",")), 0.85))
                continue
            measures = list(_MEASURE.finditer(clause))
            if not measures:
                continue
            authority = _AUTHORITY.search(clause)
            custody.append(Found(
                {"measure": MEASURES[measures[-1].group()],
                 "date": stated.isoformat() if has_date and stated else None,
                 "authority": authority.group(1) if authority else None, "place": None},
                c_start, c_start + len(clause.rstrip(",")), 0.85 if has_date else 0.7))
    return custody, prior, id_number
