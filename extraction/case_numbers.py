"""One key per case number, whatever its spelling (案号的规范键).

A case is found by its number, and the same number reaches the data pool in many spellings:
typed by a clerk with half-width brackets, read by OCR with 〔〕 or 【】, written before the
2016 rules on case numbers as ``刑初字第00026号`` and after them as ``刑初26号``, with full-width
digits or stray spaces. Two spellings that name one case must give one key, or one judgment
uploaded twice becomes two cases. The key is for comparing only; the case keeps the number as
it was written.
"""

from __future__ import annotations

import re
import unicodedata

#: every bracket a year or an office mark is written in, after NFKC (which already turns
#: （）［］ into ()[] and ﹝﹞ into 〔〕)
_BRACKETS = str.maketrans({"〔": "(", "〕": ")", "[": "(", "]": ")", "【": "(", "】": ")",
                           "〖": "(", "〗": ")", "<": "(", ">": ")", "〈": "(", "〉": ")",
                           "《": "(", "》": ")", "{": "(", "}": ")"})
_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63]")
_INVISIBLE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")
#: 字第123号, 字123号, 第123号: the serial's old-style marks (before the 2016 rules)
_SERIAL_MARKS = re.compile(r"字?第(?=\d)|字(?=\d)")
#: the serial at the end (a list 209、395 or a part 55-1 included); the court code before it
#: keeps its zeros
_SERIAL = re.compile(r"\d+(?:[、\-]\d+)*$")
_LISTS = str.maketrans({",": "、", "號": "号"})


def case_key(number: str | None) -> str | None:
    """The canonical key of a case number: NFKC (full-width digits and brackets), every bracket
    as ``()``, no spaces, 字第/第/字 before the serial dropped, the serial without leading
    zeros, no trailing 号, case folded. None for an empty or blank number.

    ``（2015）宝中刑一终字第00026号``, ``(2015)宝中刑一终26号`` and ``〔２０１５〕宝中刑一终字第26号`` all
    give ``(2015)宝中刑一终26``; the court code keeps its zeros (``沪0120`` is not ``沪120``).
    """
    if not number:
        return None
    key = unicodedata.normalize("NFKC", number)
    key = _INVISIBLE.sub("", key).translate(_BRACKETS).translate(_LISTS)
    key = _DASHES.sub("-", key)
    key = _SERIAL_MARKS.sub("", key)
    key = key.removesuffix("号")
    key = _SERIAL.sub(_without_zeros, key)
    return key.casefold() or None


def _without_zeros(match: re.Match[str]) -> str:
    """第00026号 is 26号: leading zeros of each serial number carry nothing."""
    return "、".join("-".join(n.lstrip("0") or "0" for n in part.split("-"))
                    for part in match.group().split("、"))


def same_case(a: str | None, b: str | None) -> bool:
    """Whether two case numbers name one case (both non-empty and equal keys)."""
    ka = case_key(a)
    return ka is not None and ka == case_key(b)


def serial_of(number: str | None) -> str | None:
    """The last serial number of a case number without leading zeros (``684`` for
    ``（2017）沪0120刑初684号``): a cheap filter before keys are compared, as a database
    ``LIKE`` on the stored spelling. None when the number ends in no digits."""
    key = case_key(number)
    match = re.search(r"(\d+)$", key or "")
    return match.group(1) if match else None


def year_of(key: str | None) -> str | None:
    """The bracketed year of a case key (``2017`` of ``(2017)沪0120刑初684``), or None."""
    match = re.search(r"\(((?:19|20)\d{2})\)", key or "")
    return match.group(1) if match else None
