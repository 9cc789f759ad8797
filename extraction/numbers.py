"""Chinese numerals, terms, dates and money as they are written in judgments.

Courts write the same number many ways (二千, 2000, 贰仟, 1.2万, 二〇一七, OCR's 二O一七), so
every field that is a number goes through here instead of through ad-hoc regexes.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "◯": 0, "O": 0, "o": 0, "0": 0,
    "一": 1, "壹": 1, "1": 1,
    "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "2": 2,
    "三": 3, "叁": 3, "參": 3, "3": 3,
    "四": 4, "肆": 4, "4": 4,
    "五": 5, "伍": 5, "5": 5,
    "六": 6, "陆": 6, "陸": 6, "6": 6,
    "七": 7, "柒": 7, "7": 7,
    "八": 8, "捌": 8, "8": 8,
    "九": 9, "玖": 9, "9": 9,
}  # fmt: skip
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}

#: characters that may make up a written number (Chinese or Arabic, with OCR zeros)
NUM_CHARS = "0-9.零〇○◯Oo一壹二贰貳两兩三叁參四肆五伍六陆陸七柒八捌九玖十拾百佰千仟万萬亿億"
_NUM = f"[{NUM_CHARS}]+"
_YEAR_DIGIT = "[0-9零〇○◯Oo一二三四五六七八九]"
_SMALL = "[0-9一二两三四五六七八九十]"
_DASH = "[-—―－]"  # OCR reads the 一 of a written year as a dash: 二〇-〇年
_CN_YEAR_DIGIT = re.compile("[零〇○◯一二三四五六七八九]")


def fold_width(text: str) -> str:
    """Fold full-width ASCII (０-９, Ａ-Ｚ, （）, ，) and the ideographic space to half width."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif code == 0x3000:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _clean(text: str) -> str:
    text = fold_width(text)
    text = re.sub(r"\s+", "", text)
    # thousands separators: 100,000 / 100，000 (folded)
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


def _small_number(text: str) -> Decimal | None:
    """Value of a number below 万: 二千零五, 十二, 1.5, 5千, 一千五 (= 1500)."""
    if not text:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return Decimal(text)
    if all(ch in _DIGITS for ch in text):  # digit by digit: 二〇一七, 2O17
        return Decimal("".join(str(_DIGITS[ch]) for ch in text))
    total = Decimal(0)
    digit: Decimal | None = None
    last_unit = 0
    i = 0
    while i < len(text):
        ch = text[i]
        num = re.match(r"\d+(?:\.\d+)?", text[i:])
        if num:
            digit = Decimal(num.group())
            i += len(num.group())
            continue
        if ch in _DIGITS:
            digit = Decimal(_DIGITS[ch])
            last_unit = 0 if _DIGITS[ch] == 0 else last_unit
        elif ch in _UNITS:
            unit = _UNITS[ch]
            total += (digit if digit is not None else Decimal(1)) * unit
            digit = None
            last_unit = unit
        else:
            return None
        i += 1
    if digit is not None:
        # 一千五 means 1500: a bare trailing digit right after a unit counts one unit lower
        total += digit * (last_unit // 10 if last_unit >= 100 and text[-2] in _UNITS else 1)
    return total


def cn_number(text: str) -> Decimal | None:
    """Value of a written number: 二千 -> 2000, 1.2万 -> 12000, 叁拾万 -> 300000."""
    text = _clean(text)
    if not text:
        return None
    total = Decimal(0)
    rest = text
    for big_char, big in sorted(_BIG.items(), key=lambda kv: -kv[1]):
        if big_char in rest:
            head, _, rest = rest.partition(big_char)
            value = _small_number(head) if head else Decimal(1)
            if value is None:
                return None
            total += value * big
            if rest and len(rest) == 1 and rest in _DIGITS and _DIGITS[rest]:
                # 一万五 = 15000, 三亿二 = 320000000
                return total + Decimal(_DIGITS[rest]) * big / 10
    if rest:
        value = _small_number(rest.lstrip("零〇○")) if rest.strip("零〇○") else Decimal(0)
        if value is None:
            return None
        total += value
    return total


def cn_int(text: str) -> int | None:
    """Integer value of a written number (rounded half up): 二千 -> 2000, 二〇一七 -> 2017."""
    value = cn_number(text)
    if value is None:
        return None
    try:
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        return None


_TERM = re.compile(
    rf"(?:(?P<y>{_SMALL}+)年)?(?:零|又)?(?:(?P<m>{_SMALL}+)个?(?P<half>半)?月|(?P<half_y>半)年)?"
    rf"(?:零|又)?(?:(?P<d>{_SMALL}+)[日天])?"
)
#: a month of a term counts 30 days (拘役二个月十五日 -> 2.5), as days are converted when terms
#: are computed (刑期折抵); fractions are kept to two decimals (十日 -> 0.33)
DAYS_PER_MONTH = 30


def _undoubled(number: str | None) -> str | None:
    """A term's number with a Chinese digit read twice made single: courts write 十一年, never
    一一年, so 有期徒刑一一年 is a fax's 一 read twice (one year), not eleven years."""
    if number is None or not re.fullmatch("[一二两三四五六七八九]{2,}", number):
        return number
    return number[0] if len(set(number)) == 1 else number


def term_months(text: str) -> int | float | None:
    """Length of a term in months: 一年六个月 -> 18, 十个月 -> 10, 二年 -> 24; days and half
    months are a fraction of a month (拘役二个月十五日 -> 2.5, 三个半月 -> 3.5, 一个月十日 -> 1.33),
    whole months stay an int."""
    text = _clean(text)
    for match in _TERM.finditer(text):
        years, months, days = match.group("y"), match.group("m"), match.group("d")
        if years is None and months is None and not match.group("half_y"):
            continue  # days alone are not a term here (a date's 十五日)
        years, months = _undoubled(years), _undoubled(months)
        total = 0
        if years is not None:
            value = cn_int(years)
            if value is None:
                continue
            total += value * 12
        if months is not None:
            value = cn_int(months)
            if value is None:
                continue
            total += value
        if match.group("half_y"):
            total += 6
        fraction = Decimal(0)
        if match.group("half"):
            fraction += Decimal("0.5")
        if days is not None:
            value = cn_int(days)
            if value is not None and 0 < value <= 366:
                fraction += Decimal(value) / DAYS_PER_MONTH
        exact = (total + fraction).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return int(exact) if exact == int(exact) else float(exact)
    return None


_DATE = re.compile(
    rf"(?P<y>(?:{_YEAR_DIGIT}|{_DASH}){{4}})年(?P<m>[0-9一二三四五六七八九十]{{1,3}})月"
    rf"(?:(?P<d>[0-9一二三四五六七八九十]{{1,3}})[日目曰])?"  # OCR reads 日 as 目 or 曰
)


#: a written year whose 〇 OCR lost: 二一五年 for 二〇一五年, 二〇八年 for 二〇〇八年 (2000-2029)
_DATE_LOST_ZERO = re.compile(
    rf"(?<!{_YEAR_DIGIT})(?P<y>二[〇零○◯一二][0-9〇零○◯一二三四五六七八九])年"
    r"(?P<m>[一二三四五六七八九十]{1,3})月(?:(?P<d>[一二三四五六七八九十]{1,3})[日目曰])?"
)


def find_dates(text: str, lost_zero: bool = False) -> list[tuple[str, int, int]]:
    """All dates in ``text`` as (iso, start, end); iso is YYYY-MM-DD, or YYYY-MM without a day.

    ``text`` must be width-folded already when offsets matter (folding keeps offsets). With
    ``lost_zero`` only written dates whose year lost its 〇 to OCR (二一五年) are read.
    """
    found = []
    for match in (_DATE_LOST_ZERO if lost_zero else _DATE).finditer(text):
        written = match.group("y")
        if re.search(_DASH, written):
            if not _CN_YEAR_DIGIT.search(written):
                continue  # 2010-2011年 is a range of years, not one
            written = re.sub(_DASH, "一", written)
        year = cn_int("二〇" + written[1:] if lost_zero else written)
        month = cn_int(match.group("m"))
        if year is None or month is None or not 1000 <= year <= 2999 or not 1 <= month <= 12:
            continue
        iso = f"{year:04d}-{month:02d}"
        end = match.end("m") + 1
        if match.group("d"):
            day = cn_int(match.group("d"))
            if day is not None and 1 <= day <= 31:
                iso += f"-{day:02d}"
                end = match.end()
        found.append((iso, match.start(), end))
    return found


def parse_cn_date(text: str) -> str | None:
    """First date in ``text``: 二〇一七年六月二十八日 / 2017年6月28日 -> 2017-06-28.

    Without a day (二〇一二年七月××日) the month is returned: 2012-07.
    """
    dates = find_dates(fold_width(text))
    return dates[0][0] if dates else None


_MONEY = re.compile(
    rf"(?:人民币)?(?P<num>{_NUM}(?:[,，]\d{{3}})*(?:\.\d+)?)(?:余|多)?(?P<big>万|亿)?(?:余|多)?元"
)


def find_money(text: str) -> list[tuple[int, int, int]]:
    """All sums of money in ``text`` as (yuan, start, end): 人民币二千元, 5000元, 1.2万元."""
    found = []
    for match in _MONEY.finditer(text):
        num = match.group("num")
        value = cn_number(num)
        if value is None:
            continue
        if match.group("big"):
            value *= _BIG[match.group("big")]
        yuan = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        found.append((yuan, match.start(), match.end()))
    return found


def parse_money(text: str) -> int | None:
    """First sum of money in ``text`` in whole yuan: 人民币二千元 -> 2000, 1.2万元 -> 12000."""
    found = find_money(fold_width(text))
    return found[0][0] if found else None
