"""Which field paths exist (extraction_gold/SCHEMA.md) and what values they may hold.

A clerk corrects one value by its path ("defendants/0/sentence/term_months", "victims/2",
"doc_type"); this module says whether the path names a SCHEMA field and whether the value fits,
so a typo never lands in the data pool.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from extraction.classify import KINDS

Check = Callable[[Any], bool]


def _str_or_none(v: Any) -> bool:
    return v is None or (isinstance(v, str) and len(v) <= 500)


def _int_or_none(v: Any) -> bool:
    return v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)


def _number_or_none(v: Any) -> bool:
    return v is None or (isinstance(v, int | float) and not isinstance(v, bool) and v >= 0)


def _months_or_none(v: Any) -> bool:
    """A term in months: whole, or with the days as a fraction (拘役二个月十五日 -> 2.5)."""
    return _number_or_none(v) and (v is None or math.isfinite(v))


def _str(v: Any) -> bool:
    return isinstance(v, str) and 0 < len(v) <= 200


def _str_list(v: Any) -> bool:
    return isinstance(v, list) and all(_str(x) for x in v)


def _charge(v: Any) -> bool:
    """A charge of the criminal law (any form a judgment writes: 盗窃罪, 贩卖毒品罪, former
    names), not free text: charges are facets, statistics and sentencing keys."""
    from extraction.charges import canonical_charge

    return _str(v) and canonical_charge(v) is not None


def _charge_list(v: Any) -> bool:
    return isinstance(v, list) and all(_charge(x) for x in v)


def _date(v: Any) -> bool:
    return v is None or (isinstance(v, str) and bool(_DATE.fullmatch(v)))


_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_ID = re.compile(r"\d{17}[\dX]")
PRINCIPALS = ("有期徒刑", "拘役", "管制", "无期徒刑", "死刑", "免予刑事处罚", "单处罚金")

SENTENCE: dict[str, Check] = {
    "principal": lambda v: v is None or v in PRINCIPALS,
    "term_months": _months_or_none,
    "probation_months": _months_or_none,
    "fine_yuan": _int_or_none,
    "confiscation": lambda v: isinstance(v, bool),
}
MEASURES = ("刑事拘留", "司法拘留", "逮捕", "取保候审", "监视居住", "拘传", "羁押", "抓获", "释放")


def _charge_term(v: Any) -> bool:
    return (isinstance(v, dict) and set(v) <= {"charge", "principal", "term_months", "fine_yuan"}
            and _charge(v.get("charge")) and SENTENCE["principal"](v.get("principal"))
            and _months_or_none(v.get("term_months")) and _int_or_none(v.get("fine_yuan")))


def _custody_item(v: Any) -> bool:
    return (isinstance(v, dict) and set(v) <= {"measure", "date", "authority", "place"}
            and v.get("measure") in MEASURES and _date(v.get("date"))
            and _str_or_none(v.get("authority")) and _str_or_none(v.get("place")))


def _long_str(v: Any) -> bool:
    return isinstance(v, str) and 0 < len(v) <= 2000


DEFENDANT: dict[str, Check] = {
    "name": _str_or_none,
    "gender": lambda v: v in (None, "男", "女"),
    "birth_date": _date,
    "ethnicity": _str_or_none,
    "charges": _charge_list,
    # beyond SCHEMA.md: what the header says of each defendant's identity and custody
    "id_number": lambda v: v is None or (isinstance(v, str) and bool(_ID.fullmatch(v))),
    "prior_record": lambda v: isinstance(v, list) and all(_long_str(x) for x in v),
    "custody": lambda v: isinstance(v, list) and all(_custody_item(x) for x in v),
    # beyond SCHEMA.md (issue 19): a 被告单位, other names, each charge's own penalty before
    # 数罪并罚, and on appeal whether the sentence was decided anew (True) or upheld (False)
    "unit": lambda v: isinstance(v, bool),
    "aliases": _str_list,
    "charge_terms": lambda v: isinstance(v, list) and all(_charge_term(x) for x in v),
    "changed": lambda v: v is None or isinstance(v, bool),
}

ITEMS: dict[str, Check] = {"charges": _charge, "prior_record": _long_str, "custody": _custody_item,
                           "aliases": _str, "charge_terms": lambda v: _charge_term(v)}
TOP: dict[str, Check] = {
    "doc_type": _str_or_none,
    "case_number": _str_or_none,
    "court": _str_or_none,
    "procuratorate": _str_or_none,
    "judgment_date": _date,
    "victims": _str_list,
    "defense_counsel": _str_list,
    "mitigating": _str_list,
    "amount_involved_yuan": _int_or_none,
    "blood_alcohol_mg_per_100ml": _number_or_none,
    "instance": lambda v: v in (None, "一审", "二审", "再审"),  # beyond SCHEMA.md (issue 19)
}
LISTS = frozenset({"victims", "defense_counsel", "mitigating"})

# the fields the completeness checklists read from non-judgment documents
# (extraction/dossier_fields.py), each correctable like SCHEMA.md's
GRADES = ("轻微伤", "轻伤", "重伤")
SHARES = ("全部", "主要", "同等", "次要", "无")
FORMS = ("入户盗窃", "扒窃", "携带凶器盗窃", "多次盗窃", "逃逸", "致人死亡")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2})?")
DOSSIER_TOP: dict[str, Check] = {
    "title": _str_or_none,
    "subject": _str_or_none,
    "appraised_value_yuan": _int_or_none,
    "blood_alcohol_mg_per_100ml": _number_or_none,
}
DOSSIER_ROWS: dict[str, dict[str, Check]] = {
    "injuries": {"person": _str_or_none, "grade": lambda v: v in GRADES,
                 "level": lambda v: v in (None, "一级", "二级")},
    "responsibility": {"party": _str_or_none, "share": lambda v: v in SHARES},
    "seized_items": {"name": _str, "quantity": _str_or_none, "notes": _str_or_none},
}
INTERROGATION: dict[str, Check] = {
    "suspect": _str_or_none, "recorder": _str_or_none, "place": _str_or_none,
    "start": lambda v: v is None or (isinstance(v, str) and bool(_DATETIME.fullmatch(v))),
    "end": lambda v: v is None or (isinstance(v, str) and bool(_DATETIME.fullmatch(v))),
    "rights_notified": lambda v: v is None or isinstance(v, bool),
}


def _kind(v: Any) -> bool:
    return v in KINDS

_INDEX = re.compile(r"0|[1-9]\d{0,3}")


def _sentence_ok(v: Any) -> bool:
    return isinstance(v, dict) and set(v) <= set(SENTENCE) and all(
        SENTENCE[k](x) for k, x in v.items()
    )


def _defendant_ok(v: Any) -> bool:
    if not isinstance(v, dict) or not set(v) <= set(DEFENDANT) | {"sentence"}:
        return False
    return all(_sentence_ok(x) if k == "sentence" else DEFENDANT[k](x) for k, x in v.items())


def _row_ok(columns: dict[str, Check]) -> Check:
    return lambda v: (isinstance(v, dict) and set(v) <= set(columns)
                      and all(columns[k](x) for k, x in v.items()))


def dossier_checker(parts: list[str]) -> Check | None:
    """The check of a checklist field path (title, injuries/0/grade, interrogation/start …)."""
    head, rest = parts[0], parts[1:]
    if head in DOSSIER_TOP and not rest:
        return DOSSIER_TOP[head]
    if head in DOSSIER_ROWS and rest and _INDEX.fullmatch(rest[0]):
        columns = DOSSIER_ROWS[head]
        if len(rest) == 1:
            return _row_ok(columns)
        return columns.get(rest[1]) if len(rest) == 2 else None
    if head == "offence_forms" and len(rest) == 1 and _INDEX.fullmatch(rest[0]):
        return lambda v: v in FORMS
    if head == "interrogation" and len(rest) == 1:
        return INTERROGATION.get(rest[0])
    if head == "interrogation" and len(rest) == 2 and rest[0] == "interrogators":
        return _str if _INDEX.fullmatch(rest[1]) else None
    return None


def checker(path: str) -> Check | None:
    """The value check for a field path, or None when the path names no field."""
    parts = path.split("/")
    head, rest = parts[0], parts[1:]
    if head in TOP and not rest:
        return TOP[head]
    if head in LISTS and len(rest) == 1 and _INDEX.fullmatch(rest[0]):
        return _str
    if head == "parts":  # one page range of a multi-document upload: its kind, its own fields
        if len(rest) == 2 and _INDEX.fullmatch(rest[0]) and rest[1] == "kind":
            return _kind
        if len(rest) > 2 and _INDEX.fullmatch(rest[0]) and rest[1] == "fields":
            return dossier_checker(rest[2:])
        return None
    found = dossier_checker(parts)
    if found is not None:
        return found
    if head != "defendants":
        return None
    if not rest:
        return lambda v: isinstance(v, list) and all(_defendant_ok(x) for x in v)
    if not _INDEX.fullmatch(rest[0]):
        return None
    tail = rest[1:]
    if not tail:
        return _defendant_ok
    if len(tail) == 1:
        if tail[0] == "sentence":
            return _sentence_ok
        return DEFENDANT.get(tail[0])
    if len(tail) == 2 and tail[0] in ITEMS and _INDEX.fullmatch(tail[1]):
        return ITEMS[tail[0]]
    if len(tail) == 2 and tail[0] == "sentence":
        return SENTENCE.get(tail[1])
    return None


def is_field_path(path: str) -> bool:
    return checker(path) is not None


def valid(path: str, value: Any) -> bool:
    """True when ``path`` is a SCHEMA field path and ``value`` has that field's type."""
    check = checker(path)
    return check is not None and check(value)
