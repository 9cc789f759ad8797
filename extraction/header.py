"""Document type, case number, court, procuratorate and the judgment date.

These are written in fixed places: the first lines (court, title, number), the 公诉机关 line,
and the signature block after the verdict. Reading them only there avoids picking up the
numbers of earlier judgments or indictments cited in the body.
"""

from __future__ import annotations

import re

from extraction.names import edit_distance
from extraction.numbers import find_dates
from extraction.text import DocText, Found

TITLES = (
    "刑事附带民事判决书", "刑事附带民事裁定书", "刑事附带民事调解书", "刑事判决书", "刑事裁定书",
    "刑事调解书", "刑事决定书", "不起诉决定书", "起诉意见书", "起诉书", "量刑建议书", "抗诉书",
    "批准逮捕决定书", "逮捕决定书", "取保候审决定书", "监视居住决定书", "立案决定书", "扣押决定书",
    "拘留证", "逮捕证", "鉴定意见书", "鉴定书", "讯问笔录", "询问笔录", "辨认笔录", "勘验笔录",
    "检查笔录", "搜查笔录", "扣押清单", "受案登记表", "刑事自诉状", "起诉状", "上诉状", "辩护词",
    "刑事裁判书", "判决书", "裁定书", "决定书", "调解书",
)  # fmt: skip
PROCURATORATE_TITLES = frozenset(
    {"起诉书", "不起诉决定书", "量刑建议书", "抗诉书", "批准逮捕决定书", "逮捕决定书"}
)
_TITLE = re.compile("|".join(sorted(TITLES, key=len, reverse=True)))
_AGENCY_END = re.compile(r"(?:法院|检察院|公安局|分局|派出所|看守所)$")
#: a case number: （2017）浙0122刑初77号, （2014）闵刑（知）初字第64号, （2016）赣0102刑初209、395号
# a fax or a typist gives { } for ( ) or doubles the closing bracket: (2014))镇刑二终字第1号
CASE_NUMBER = re.compile(
    r"[(\[{]((?:19|20)\d{2})[)\]}]\)?(?:[^,。;:()\[\]]|\([^()]{1,4}\)){1,40}?号")
_COURT = re.compile(r"(?:人民法院|法院)")
_COURT_NUMBER = re.compile(r"[(（{]\s*((?:19|20)\d{2})\s*[)）}]+\s*")
_FULL_BRACKETS = str.maketrans("()", "（）")
_ADMIN_START = set("省市县区州旗盟自治")
_PLACE_LINE = re.compile(r"[\u4e00-\u9fff]{2,12}(?:省|自治区|市|州|地区|盟)")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PROSECUTOR = re.compile(
    r"(?:公诉机关|抗诉机关(?:\(原公诉机关\))?)(?:暨[^,。]{0,24}?(?:起诉人|原告人|原告))?:?"
    r"([\u4e00-\u9fff]{2,30}?检察院)"
)
_PROSECUTOR_IN_BODY = re.compile(r"(?:^|(?<=[。:;]))([\u4e00-\u9fff]{2,30}?检察院)以")
_SIGNATURE = re.compile(r"审判长|审判员|陪审员")
_ADDRESSEE = re.compile(r"此致:?([\u4e00-\u9fff]{2,30}?法院)")
_ISSUER = re.compile(r"[\u4e00-\u9fff]{2,30}?检察院")
_HEAD_WINDOW = 400
_DATE_AT_END = 120


def find_doc_type(doc: DocText) -> Found[str] | None:
    """The title: preferably the one right after the issuing agency's name, as headers read."""
    number = CASE_NUMBER.search(doc.norm, 0, _HEAD_WINDOW)
    window = doc.norm[: number.start() if number else _HEAD_WINDOW]  # the title precedes the number
    best: Found[str] | None = None
    for match in _TITLE.finditer(window):
        before = window[: match.start()]
        standalone = doc.gap[match.start()] and (
            match.end() >= len(doc.gap) or doc.gap[match.end()]
        )
        if _AGENCY_END.search(before):
            confidence = 0.95
        elif standalone:
            confidence = 0.85
        else:
            confidence = 0.6
        if best is None or confidence > best.confidence:
            best = Found(
                doc.value(match.start(), match.end()), match.start(), match.end(), confidence
            )
    if best is None:
        anywhere = _TITLE.search(doc.norm, 0, _HEAD_WINDOW)
        if anywhere:
            start, end = anywhere.span()
            return Found(doc.value(start, end), start, end, 0.3)
    return best


def find_case_number(doc: DocText, title: Found[str] | None, header_end: int) -> Found[str] | None:
    """The case number after the title, as written: （2017）沪0120刑初684号, 〔2017〕73号; a
    court's number always with full-width （）."""
    start = title.end if title else 0
    limit = max(header_end, start + 80)
    candidates = list(CASE_NUMBER.finditer(doc.norm, start, limit))
    if not candidates and title:
        candidates = list(CASE_NUMBER.finditer(doc.norm, 0, limit))
    if not candidates:
        return None
    match = next((m for m in candidates if "刑" in m.group()), candidates[0])
    begin = match.start()
    if title and title.value in PROCURATORATE_TITLES:
        # indictments put the office prefix before the year: 杭桐检公诉刑诉〔2017〕73号
        while begin > max(title.end, match.start() - 12) and _CJK.match(doc.norm[begin - 1]):
            begin -= 1
    confidence = 0.95 if "刑" in match.group() and match.start() - start < 40 else 0.7
    value = doc.value(begin, match.end())
    court = _COURT_NUMBER.match(value)
    if court:
        # a court's number is written with full-width brackets and no space (the 2016 rules
        # on case numbers); OCR and typists often give ( ), { }, a mix, a doubled bracket or a
        # space: keep one form, or (2017)… and （2017）… would be two cases
        rest = re.sub(r"\s+", "", value[court.end():])
        value = f"({court.group(1)}){rest}".translate(_FULL_BRACKETS)
    return Found(value, begin, match.end(), confidence)


def _line_start(doc: DocText, end: int, floor: int) -> int:
    """Start of the header line that ends at ``end`` (lines are separated by whitespace)."""
    start = end - 1
    while start > floor and not doc.gap[start] and _CJK.match(doc.norm[start - 1]):
        start -= 1
    return start


def _plausible_court(name: str) -> bool:
    place = name.removesuffix("人民法院").removesuffix("法院")
    return len(place) >= 2 and place[0] not in _ADMIN_START


def find_court(doc: DocText, header_end: int, title: Found[str] | None = None) -> Found[str] | None:
    """The court named in the header (first line ending in 法院).

    An indictment names no court in its header; it is the court it is addressed to (此致…法院).
    """
    if title is not None and title.value in PROCURATORATE_TITLES:
        addressee = _ADDRESSEE.search(doc.norm)
        if addressee:
            start, end = addressee.span(1)
            return Found(doc.value(start, end), start, end, 0.8)
        return None
    limit = min(max(header_end, 60), _HEAD_WINDOW)
    match = _COURT.search(doc.norm, 0, limit)
    if not match:
        return None
    end = match.end()
    start = _line_start(doc, end, 0)
    confidence = 0.9
    if start > 0:
        before = _line_start(doc, start, 0)
        broken = not _plausible_court(doc.norm[start:end])  # 浙江省余姚 / 市人民法院
        place = _PLACE_LINE.fullmatch(doc.norm[before:start])  # 浙江省杭州市 / 江干区人民法院
        if broken or place:
            start, confidence = before, 0.7
    name = doc.norm[start:end]
    titles = list(_TITLE.finditer(name))
    if titles:  # a case-name line glued on: …一审刑事判决书浙江省余姚市人民法院
        start += titles[-1].end()
    if end - start < 4:
        return None
    return Found(doc.value(start, end), start, end, confidence)


def find_procuratorate(
    doc: DocText, header_end: int, title: Found[str] | None = None
) -> Found[str] | None:
    """The 公诉机关; a header slip (杭州干区) loses to a near-identical name the body repeats.

    For the procuratorate's own documents (起诉书) it is the office named above the title.
    """
    match = _PROSECUTOR.search(doc.norm, 0, max(header_end, 80))
    if not match and title is not None and title.value in PROCURATORATE_TITLES:
        issuer = _ISSUER.search(doc.norm, 0, title.start)
        if issuer:
            start = _line_start(doc, issuer.end(), 0)
            return Found(doc.value(start, issuer.end()), start, issuer.end(), 0.8)
    if not match:
        return None
    name = match.group(1)
    found = Found(doc.value(match.start(1), match.end(1)), match.start(1), match.end(1), 0.9)
    header_count = doc.norm.count(name)
    for body in _PROSECUTOR_IN_BODY.finditer(doc.norm, match.end()):
        other = body.group(1)
        if other == name or edit_distance(other, name) > 2:
            continue
        if doc.norm.count(other) > header_count:
            return Found(doc.value(body.start(1), body.end(1)), body.start(1), body.end(1), 0.7)
    return found


_CN_DIGITS = "〇一二三四五六七八九"
_TRUNCATED_YEAR = re.compile(r"(?<![〇零○◯一二三四五六七八九])([〇零○◯一二三四五六七八九]{1,3})年"
                             r"([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})[日目曰]")


def _truncated_year_date(text: str, case_year: int) -> list[tuple[str, int, int]]:
    """A signature date whose year OCR cut short (一年三月十一日 for 二〇一一年…): the year is
    the first from the case number's year on (a judgment is dated in the year of its number or
    the next two) whose written form ends with what is left."""
    for match in _TRUNCATED_YEAR.finditer(text):
        tail = match.group(1).translate(str.maketrans("零○◯", "〇〇〇"))
        for year in range(case_year, case_year + 3):
            if "".join(_CN_DIGITS[int(d)] for d in str(year)).endswith(tail):
                rest = find_dates(f"{year}年{match.group(2)}月{match.group(3)}日")
                if rest:
                    return [(rest[0][0], match.start(), match.end())]
    return []


def find_judgment_date(doc: DocText, tail_start: int,
                       case_year: int | None = None) -> Found[str] | None:
    """The date in the signature block after the verdict; None when its day is not given.

    Documents without a verdict (起诉书) are dated at their very end. ``case_year`` (of the
    case number) completes a year OCR cut short.
    """
    if tail_start >= len(doc.norm):
        start = max(0, len(doc.norm) - _DATE_AT_END)
        dates = find_dates(doc.norm[start:])
        if not dates or len(dates[-1][0]) != 10:
            return None
        iso, begin, end = dates[-1]
        return Found(iso, start + begin, start + end, 0.6)
    signature = _SIGNATURE.search(doc.norm, tail_start)
    start = signature.start() if signature else tail_start
    dates = find_dates(doc.norm[start:])
    if not dates and start != tail_start:
        dates = find_dates(doc.norm[tail_start:])
        start = tail_start
    confidence = 0.9 if signature else 0.6
    if not dates:  # OCR may have lost the 〇 of the year: 二一五年七月二十七日
        dates = find_dates(doc.norm[start:], lost_zero=True)
        confidence = 0.5
    if not dates and case_year is not None:
        dates = _truncated_year_date(doc.norm[start:], case_year)
        confidence = 0.4
    if not dates:
        return None
    iso, begin, end = dates[0]
    if len(iso) != 10:
        return None
    return Found(iso, start + begin, start + end, confidence)
