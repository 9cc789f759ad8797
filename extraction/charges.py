"""The criminal charge list and matching of charge names as courts write them.

Judgments name a charge in full (盗窃罪), without 罪 (盗窃), or, for a selective charge such as
走私、贩卖、运输、制造毒品罪, only the part that applies (贩卖毒品罪). The part is what the court
convicted of, so it is kept as written; ``canonical_charge`` maps it to the list entry for
grouping and statistics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

from extraction.numbers import fold_width

_DATA = Path(__file__).resolve().parent / "data" / "criminal_charges.txt"
_SEPARATORS = ",，､;；"  # OCR and typists use these where the statute has 、
_TRIM = " \t\r\n\u3000“”\"'‘’《》<>「」『』。.,，:：;；、"
_MAX_LEN = 48

#: names the statute used before an amendment, still found in older judgments -> today's entry
FORMER_NAMES = {
    "非法获取公民个人信息罪": "侵犯公民个人信息罪",  # Amendment IX (2015)
    "出售、非法提供公民个人信息罪": "侵犯公民个人信息罪",
    "强制猥亵、侮辱妇女罪": "强制猥亵、侮辱罪",
    "伪造、变造居民身份证罪": "伪造、变造、买卖身份证件罪",
    "嫖宿幼女罪": "强奸罪",
    "盗窃、侮辱尸体罪": "盗窃、侮辱、故意毁坏尸体、尸骨、骨灰罪",
    "窝藏、转移、收购、销售赃物罪": "掩饰、隐瞒犯罪所得、犯罪所得收益罪",  # Amendment VI (2006)
    "隐匿、故意销毁会计凭证、会计帐簿、财务会计报告罪": (
        "隐匿、故意销毁会计凭证、会计账簿、财务会计报告罪"
    ),
}


#: today's names as courts also write them (seen in LeCaRD's judgments): a 的 added or left out,
#: alternatives in another order, a word of the statute changed, the role in front (积极参加)
WRITTEN_VARIANTS = {
    "提供侵入、非法控制计算机信息系统的程序、工具罪": "提供侵入、非法控制计算机信息系统程序、工具罪",
    "生产、销售不符合安全标准食品罪": "生产、销售不符合安全标准的食品罪",
    "环境污染罪": "污染环境罪",
    "向非国家工作人员行贿罪": "对非国家工作人员行贿罪",
    "非法收购滥伐林木罪": "非法收购、运输盗伐、滥伐的林木罪",
    "非法收购盗伐林木罪": "非法收购、运输盗伐、滥伐的林木罪",
    "非法制造、买卖、邮寄、运输枪支、弹药罪": "非法制造、买卖、运输、邮寄、储存枪支、弹药、爆炸物罪",
    "制造、贩卖毒品罪": "走私、贩卖、运输、制造毒品罪",
    "运输、贩卖毒品罪": "走私、贩卖、运输、制造毒品罪",
    "积极参加黑社会性质组织罪": "组织、领导、参加黑社会性质组织罪",
}
#: a stage or result written inside the name (强奸（未遂）罪, 故意伤害（致死）罪): read as the charge
_STAGE = re.compile(r"\((?:未遂|中止|预备|既遂|致死|致人死亡)\)(?=罪)")


def _unify(text: str) -> str:
    """Whitespace removed, full-width brackets, as the list writes them."""
    text = re.sub(r"\s+", "", fold_width(text))
    return text.replace("(", "（").replace(")", "）")


@lru_cache(maxsize=1)
def charge_list() -> tuple[str, ...]:
    """The canonical charges of the PRC Criminal Law, in statute order."""
    lines = _DATA.read_text(encoding="utf-8").splitlines()
    return tuple(dict.fromkeys(_unify(line) for line in lines if line.strip()))


@lru_cache(maxsize=1)
def _entries() -> dict[str, str]:
    """Every name a judgment may use in full -> the list entry it stands for today."""
    entries = {charge: charge for charge in charge_list()}
    entries.update({former: current for former, current in FORMER_NAMES.items()})
    entries.update({written: current for written, current in WRITTEN_VARIANTS.items()})
    return entries


@lru_cache(maxsize=1)
def _charge_set() -> frozenset[str]:
    return frozenset(_entries())


@lru_cache(maxsize=1)
def _selective() -> tuple[str, ...]:
    """Names with alternatives (、) or optional parts (（边）) that courts may quote in part."""
    return tuple(c for c in _entries() if "、" in c or "（" in c)


@lru_cache(maxsize=1)
def _char_index() -> dict[str, frozenset[int]]:
    index: dict[str, set[int]] = {}
    for i, charge in enumerate(_selective()):
        for ch in charge:
            index.setdefault(ch, set()).add(i)
    return {ch: frozenset(ids) for ch, ids in index.items()}


def _deletable(charge: str, start: int, end: int) -> bool:
    """A part a court may leave out: an alternative next to a 、, a bracketed optional part, or
    just the brackets around it (组织他人偷越国边境罪)."""
    part = charge[start:end]
    if part[0] == "、" or part[-1] == "、":
        return True
    return (part[0] == "（" and part[-1] == "）") or part in ("（", "）")


@lru_cache(maxsize=65536)
def _is_part_of(written: str, charge: str) -> bool:
    """True when ``written`` is ``charge`` with some alternatives / optional parts left out."""
    n, m = len(written), len(charge)

    @cache
    def match(i: int, j: int) -> bool:
        if i == n:
            return j == m
        if j == m:
            return False
        if written[i] == charge[j] and match(i + 1, j + 1):
            return True
        return any(_deletable(charge, j, k) and match(i, k) for k in range(j + 1, m))

    return match(0, 0)


def _valid_shape(written: str) -> bool:
    return (
        len(written) >= 2
        and written.endswith("罪")
        and "罪" not in written[:-1].replace("犯罪", "")
        and not written.startswith("、")
        and "、、" not in written
        and "、罪" not in written
    )


def _parents(written: str, candidates: Iterable[int] | None = None) -> list[str]:
    """List entries of which ``written`` is a valid part, shortest first."""
    if not _valid_shape(written):
        return []
    if written in _charge_set():
        return [_entries()[written]]
    if candidates is None:
        ids: set[int] | frozenset[int] = set(range(len(_selective())))
        for ch in set(written):
            ids = ids & _char_index().get(ch, frozenset())
        candidates = ids
    selective = _selective()
    found = [selective[i] for i in candidates if _is_part_of(written, selective[i])]
    return list(dict.fromkeys(_entries()[name] for name in sorted(found, key=len)))


def _variants(text: str) -> list[str]:
    cleaned = _unify(text).strip(_TRIM)
    if not cleaned:
        return []
    forms = [cleaned]
    if any(sep in cleaned for sep in _SEPARATORS):
        forms.append(re.sub(f"[{_SEPARATORS}]", "、", cleaned))
    forms += [form + "罪" for form in list(forms) if not form.endswith("罪")]
    return forms


def normalise_charge(text: str) -> str | None:
    """The charge as the court wrote it, cleaned (盗窃 / 盗 窃罪 / “盗窃罪” -> 盗窃罪), else None.

    A valid part of a selective charge (贩卖毒品罪 of 走私、贩卖、运输、制造毒品罪) is kept as is.
    """
    for form in _variants(text):
        if _parents(form):
            return form
    return None


def canonical_charge(text: str) -> str | None:
    """The list entry a written charge belongs to: 贩卖毒品罪 -> 走私、贩卖、运输、制造毒品罪."""
    for form in _variants(text):
        parents = _parents(form)
        if parents:
            return parents[0]
    return None


def _squeeze(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace or a stage in brackets before 罪 (width-folded), and the
    original index of each kept char."""
    chars, index = [], []
    for i, ch in enumerate(fold_width(text)):
        if not ch.isspace():
            chars.append(ch)
            index.append(i)
    squeezed = "".join(chars)
    for match in reversed(list(_STAGE.finditer(squeezed))):
        del chars[match.start() : match.end()]
        del index[match.start() : match.end()]
    return "".join(chars), index


def _longest_ending_at(squeezed: str, end: int) -> tuple[str, int] | None:
    """Longest valid charge that ends with the 罪 at ``squeezed[end - 1]``: (charge, start)."""
    best: tuple[str, int] | None = None
    written = "罪"
    ids: frozenset[int] = frozenset(range(len(_selective())))
    charge_set = _charge_set()
    start = end - 1
    while start > 0 and end - start < _MAX_LEN:
        ch = squeezed[start - 1]
        if ch in _SEPARATORS:
            ch = "、"
        elif ch in "()":
            ch = "（" if ch == "(" else "）"
        elif not ("\u4e00" <= ch <= "\u9fff" or ch in "、（）"):
            break
        if ch == "罪" and squeezed[start - 2 : start - 1] != "犯":
            break  # another charge ends here; 犯罪 inside a name (…犯罪所得罪) is fine
        written = ch + written
        start -= 1
        ids = ids & _char_index().get(ch, frozenset())
        if written in charge_set or (ids and _parents(written, ids)):
            best = (written, start)
        elif not ids and not any(c.endswith(written) for c in _suffix_pool(written[-4:])):
            break
    return best


@lru_cache(maxsize=4096)
def _suffix_pool(tail: str) -> tuple[str, ...]:
    """Plain list entries ending with ``tail`` (keeps the left scan going for long names)."""
    return tuple(c for c in _entries() if c.endswith(tail))


def find_charges(text: str) -> list[tuple[str, int, int]]:
    """Every charge named in ``text`` as (charge as written, start, end) offsets into ``text``.

    Line breaks and spaces inside a name are tolerated (盗\\n窃罪); the longest valid name
    ending at each 罪 wins, so 非法持有毒品罪 is not also reported as 持有毒品罪.
    """
    squeezed, index = _squeeze(text)
    found = []
    for match in re.finditer("罪", squeezed):
        hit = _longest_ending_at(squeezed, match.end())
        if hit is None:
            continue
        written, start = hit
        found.append((written, index[start], index[match.end() - 1] + 1))
    return found
