"""Completeness of a dossier before it moves (流转指引): pure evaluation of the checklists.

The checklists are data (``workflow/checklists``: ``common.toml`` for what every case type needs
and how a material is recognised, one file per case type, ``thresholds.toml`` for the national
and provincial figures). ``evaluate(case_type, business_code, dossier)`` reads a dossier given as
plain data — its documents with their kind, page count, extracted fields and the provenance of
each field — and returns a ``Verdict``: per checklist item whether it is satisfied (✔ with the
document and page that satisfied it), missing or failing (✗), flagged (⚠), exempt, left to a
person, or overridden with a written reason; blocking or only warning; with its legal basis.

No database, no extraction import: ``services`` turns stored documents into a ``Dossier``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from models.records import Extracted
from workflow.errors import UnknownCode, WorkflowError
from workflow.registry import load as load_registry

CHECKLISTS = Path(__file__).with_name("checklists")
COMMON = "common.toml"
THRESHOLDS = "thresholds.toml"

SEVERITIES = ("block", "warn")
ITEM_KINDS = ("require", "flag")
OPS = (">=", ">", "<=", "<", "==", "!=", "any_matches", "count>=")
REDUCES = ("first", "max", "min")

#: what each status means to a user, and its mark
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "satisfied": ("✔", "已具备"),
    "missing": ("✗", "缺少"),
    "failed": ("✗", "不符合"),
    "flagged": ("⚠", "提示"),
    "clear": ("✔", "未触发"),
    "exempt": ("—", "不适用"),
    "manual": ("○", "需人工核对"),
    "overridden": ("✔", "已特批放行"),
}


# ---------------------------------------------------------------------------------- the data
@dataclass(frozen=True)
class Threshold:
    key: str
    value: float
    unit: str
    basis: str
    unverified: bool
    region: str  # 全国 or the province whose figure it is

    def label(self) -> str:
        mark = "⚠" if self.unverified else ""
        value = int(self.value) if float(self.value).is_integer() else self.value
        return f"{self.key} {value}{self.unit}（{self.region}{mark}）"


@dataclass(frozen=True)
class Material:
    name: str
    kinds: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    not_titles: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    manual: bool = False


@dataclass(frozen=True)
class Scale:
    name: str
    values: tuple[str, ...]
    basis: str


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None
    threshold: str | None = None
    value_of: tuple[str, ...] = ()
    reduce: str = "first"
    scale: str | None = None
    party: str | None = None
    says: str = ""


@dataclass(frozen=True)
class Item:
    id: str
    name: str
    kind: str  # require | flag
    businesses: tuple[str, ...]
    severity: str
    basis: str
    materials: tuple[str, ...] = ()
    unverified: bool = False
    condition: Condition | None = None
    unless_forms: tuple[str, ...] = ()
    unless_basis: str = ""
    forms: tuple[str, ...] = ()  # a flag raised when one of these offence forms is read
    when_forms: tuple[str, ...] = ()  # required only when one of these forms is read (致人死亡)


@dataclass(frozen=True)
class Checklist:
    case_type: str
    charges: tuple[str, ...]
    aliases: tuple[str, ...]
    basis: str
    items: tuple[Item, ...]  # the common items first, then the type's own
    source: str

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise UnknownCode(f"「{self.case_type}」清单中没有条目 {item_id!r}")

    def for_business(self, code: str) -> tuple[Item, ...]:
        return tuple(it for it in self.items if code in it.businesses)


@dataclass(frozen=True)
class Library:
    checklists: Mapping[str, Checklist]
    materials: Mapping[str, Material]
    scales: Mapping[str, Scale]
    businesses: tuple[str, ...]
    national: Mapping[str, Threshold]
    provinces: Mapping[str, Mapping[str, Threshold]]
    default_province: str
    #: roles that may override an item (特批放行); common.toml, unverified (⚠) in the law
    override_roles: tuple[str, ...] = ("admin",)

    def province_of(self, region: str | None) -> str | None:
        """The province whose figures apply to an agency of ``region`` (甘肃省兰州市 -> 甘肃),
        None for the national ones."""
        return next((p for p in self.provinces if region and region.startswith(p)), None)

    def checklist(self, case_type: str) -> Checklist:
        try:
            return self.checklists[case_type]
        except KeyError:
            raise UnknownCode(f"没有「{case_type}」案件的流转清单（已有：{'、'.join(self.checklists)}）"
                              ) from None

    def threshold(self, key: str, province: str | None) -> Threshold:
        own = self.provinces.get(province or "", {})
        if key in own:
            return own[key]
        if key in self.national:
            return self.national[key]
        raise WorkflowError(f"清单引用了未配置的数额标准「{key}」（见 workflow/checklists/{THRESHOLDS}）")


def _tuple(raw: Any) -> tuple[str, ...]:
    return tuple(raw) if isinstance(raw, list | tuple) else ((raw,) if raw else ())


def _item(raw: Mapping[str, Any], where: str) -> Item:
    cond = raw.get("condition")
    condition = None
    if cond is not None:
        condition = Condition(field=cond["field"], op=cond["op"], value=cond.get("value"),
                              threshold=cond.get("threshold"),
                              value_of=_tuple(cond.get("value_of")),
                              reduce=cond.get("reduce", "first"), scale=cond.get("scale"),
                              party=cond.get("party"), says=cond.get("says", ""))
    try:
        return Item(id=raw["id"], name=raw["name"], kind=raw.get("kind", "require"),
                    businesses=_tuple(raw["businesses"]), severity=raw["severity"],
                    basis=raw["basis"], materials=_tuple(raw.get("materials")),
                    unverified=bool(raw.get("unverified", False)), condition=condition,
                    unless_forms=_tuple(raw.get("unless_forms")),
                    unless_basis=raw.get("unless_basis", ""), forms=_tuple(raw.get("forms")),
                    when_forms=_tuple(raw.get("when_forms")))
    except KeyError as exc:
        raise WorkflowError(f"{where}: 清单条目缺少 {exc.args[0]}") from None


def parse(common: Mapping[str, Any], types: Mapping[str, Mapping[str, Any]],
          thresholds: Mapping[str, Any]) -> Library:
    """Build and check a Library from the files' contents (``types``: file name -> content)."""
    materials = {
        name: Material(name, _tuple(m.get("kinds")), _tuple(m.get("titles")),
                       _tuple(m.get("not_titles")), _tuple(m.get("subjects")),
                       bool(m.get("manual", False)))
        for name, m in common.get("materials", {}).items()
    }
    scales = {k: Scale(v.get("name", k), tuple(v["values"]), v.get("basis", ""))
              for k, v in common.get("scales", {}).items()}
    shared = tuple(_item(raw, COMMON) for raw in common.get("item", []))
    checklists: dict[str, Checklist] = {}
    for source, raw in sorted(types.items()):
        own = tuple(_item(it, source) for it in raw.get("item", []))
        cl = Checklist(case_type=raw["case_type"], charges=_tuple(raw["charges"]),
                       aliases=_tuple(raw.get("aliases")), basis=raw["basis"],
                       items=shared + own, source=source)
        if cl.case_type in checklists:
            raise WorkflowError(f"案件类型「{cl.case_type}」有两个清单文件")
        checklists[cl.case_type] = cl

    def thresholds_of(section: Mapping[str, Any], region: str) -> dict[str, Threshold]:
        return {key: Threshold(key, float(v["value"]), v.get("unit", ""), v["basis"],
                               bool(v.get("unverified", False)), region)
                for key, v in section.get("values", {}).items()}

    national = thresholds_of(thresholds.get("national", {}),
                             thresholds.get("national", {}).get("name", "全国"))
    provinces = {name: thresholds_of(sec, sec.get("name", name))
                 for name, sec in thresholds.get("province", {}).items()}
    lib = Library(checklists=checklists, materials=materials, scales=scales,
                  businesses=_tuple(common.get("businesses")), national=national,
                  provinces=provinces,
                  default_province=thresholds.get("default_province", "全国"),
                  override_roles=_tuple(common.get("override_roles", ["admin"])))
    _check(lib)
    return lib


def _check(lib: Library) -> None:
    problems = []
    for cl in lib.checklists.values():
        ids = [it.id for it in cl.items]
        for dup in {i for i in ids if ids.count(i) > 1}:
            problems.append(f"{cl.source}: 条目编号 {dup} 重复")
        for it in cl.items:
            where = f"{cl.source}:{it.id}"
            if it.kind not in ITEM_KINDS:
                problems.append(f"{where}: kind 应为 {ITEM_KINDS}")
            if it.severity not in SEVERITIES:
                problems.append(f"{where}: severity 应为 block 或 warn")
            if it.kind == "flag" and it.severity != "warn":
                problems.append(f"{where}: 提示（flag）只能是 warn")
            if it.kind == "require" and not it.materials:
                problems.append(f"{where}: 必备条目须写 materials")
            if it.when_forms and it.kind != "require":
                problems.append(f"{where}: when_forms 只用于必备条目")
            if it.kind == "flag" and it.condition is None and not it.forms:
                problems.append(f"{where}: 提示须写 condition 或 forms")
            for m in it.materials:
                if m not in lib.materials:
                    problems.append(f"{where}: 未定义的材料「{m}」")
            for b in it.businesses:
                if b not in lib.businesses:
                    problems.append(f"{where}: 业务 {b} 不在 common.toml 的 businesses 中")
            c = it.condition
            if c is None:
                continue
            if c.op not in OPS:
                problems.append(f"{where}: 未知的比较 {c.op}")
            if c.reduce not in REDUCES:
                problems.append(f"{where}: reduce 应为 {REDUCES}")
            if c.scale and c.scale not in lib.scales:
                problems.append(f"{where}: 未定义的等级 {c.scale}")
            if c.scale and c.value is not None and c.value not in lib.scales[c.scale].values:
                problems.append(f"{where}: {c.value} 不在等级 {c.scale} 中")
            if c.threshold and c.threshold not in lib.national and not any(
                    c.threshold in p for p in lib.provinces.values()):
                problems.append(f"{where}: 未配置的数额标准 {c.threshold}")
            if (c.threshold is None) == (c.value is None):
                problems.append(f"{where}: 条件须写 value 或 threshold 之一")
    for name, own in lib.provinces.items():
        for key in own:
            if key not in lib.national:
                problems.append(f"{THRESHOLDS}: {name} 的 {key} 没有全国条目")
    if problems:
        raise WorkflowError("流转清单数据有误：" + "；".join(problems))


@lru_cache(maxsize=4)
def load(data_dir: Path = CHECKLISTS) -> Library:
    """The checklists of ``data_dir`` (default: the files shipped in this package)."""
    def read(path: Path) -> dict[str, Any]:
        with path.open("rb") as fh:
            return tomllib.load(fh)

    types = {p.name: read(p) for p in sorted(data_dir.glob("*.toml"))
             if p.name not in (COMMON, THRESHOLDS)}
    return parse(read(data_dir / COMMON), types, read(data_dir / THRESHOLDS))


# ---------------------------------------------------------------------------- case type
def _bare(charge: str) -> str:
    text = re.sub(r"\s+", "", charge).replace(",", "、").replace("，", "、")
    return text[:-1] if text.endswith("罪") else text


def case_types_of(charges: Iterable[str], library: Library | None = None) -> list[str]:
    """Every case type the charges name, in the order of the charges (危险驾驶罪 -> 危险驾驶)."""
    lib = library or load()
    names = {_bare(n): cl.case_type for cl in lib.checklists.values()
             for n in (*cl.charges, *cl.aliases, cl.case_type)}
    found: list[str] = []
    for charge in charges:
        kind = names.get(_bare(charge or ""))
        if kind and kind not in found:
            found.append(kind)
    return found


def case_type_of(charges: Iterable[str], library: Library | None = None) -> str | None:
    """The case type of the first charge that has a checklist, None when none has."""
    found = case_types_of(charges, library)
    return found[0] if found else None


# ------------------------------------------------------------------------------- dossier
@dataclass(frozen=True)
class Source:
    """Where a field was read: page (1-based, within its document), span, confidence."""

    page: int | None
    start: int = 0
    end: int = 0
    confidence: float = 1.0


@dataclass(frozen=True)
class DossierDocument:
    """One document of the dossier as the checklists see it.

    ``kind`` is the classifier's kind; ``fields`` the extracted fields (``title``, ``subject``,
    ``blood_alcohol_mg_per_100ml``, ``appraised_value_yuan``, ``injuries``, ``responsibility``,
    ``seized_items``, ``interrogation``, ``offence_forms`` …); ``provenance`` maps a field path
    ("injuries/0/grade") to its Source. ``first_page`` is where the document starts in its upload
    (a part of a multi-document scan), so pages are shown as the clerk sees them."""

    id: int | str
    kind: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, Source] = field(default_factory=dict)
    pages: int = 1
    first_page: int = 1

    @property
    def title(self) -> str:
        return str(self.fields.get("title") or self.fields.get("doc_type") or self.kind or "")

    @classmethod
    def from_extracted(cls, id: int | str, extracted: Extracted, pages: int,
                       first_page: int = 1) -> DossierDocument:
        prov = {path: Source(p.page, p.start, p.end, p.confidence)
                for path, p in extracted.provenance.items()}
        return cls(id=id, kind=extracted.doc_kind or "其他", fields=extracted.fields,
                   provenance=prov, pages=pages, first_page=first_page)


@dataclass(frozen=True)
class Dossier:
    documents: Sequence[DossierDocument]
    suspects: Sequence[str] = ()  # names of the suspects (whose responsibility counts)


@dataclass(frozen=True)
class Evidence:
    """What satisfied (or failed, or raised) an item: the document, its page, the value read."""

    document_id: int | str
    title: str
    page: int
    value: Any = None
    start: int | None = None
    end: int | None = None
    confidence: float | None = None

    def label(self) -> str:
        shown = {True: "是", False: "否"}.get(self.value, self.value) \
            if isinstance(self.value, bool) else self.value
        value = "" if shown is None else f"：{shown}"
        return f"《{self.title}》第{self.page}页{value}"


@dataclass(frozen=True)
class Override:
    item_id: str
    reason: str
    by: str | None = None


@dataclass(frozen=True)
class ItemResult:
    id: str
    name: str
    kind: str
    status: str
    severity: str
    basis: str
    unverified: bool = False
    message: str = ""
    found: tuple[Evidence, ...] = ()
    threshold: Threshold | None = None
    override: Override | None = None
    overridden_status: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == "block" and self.status in ("missing", "failed")

    @property
    def mark(self) -> str:
        return STATUS_LABELS[self.status][0]

    def line(self) -> str:
        """One Chinese line: ✗ 血液酒精鉴定 …：缺少（依据：…）."""
        mark = "⚠" if self.unverified else ""
        what = STATUS_LABELS[self.status][1]
        where = "；".join(e.label() for e in self.found)
        parts = [f"{self.mark} {self.name}{mark}：{what}"]
        if self.message:
            parts.append(self.message)
        if where:
            parts.append(where)
        if self.override:
            parts.append(f"特批理由：{self.override.reason}")
        return "，".join(parts) + f"（依据：{self.basis}）"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "kind": self.kind, "status": self.status,
            "mark": self.mark, "status_label": STATUS_LABELS[self.status][1],
            "severity": self.severity, "blocking": self.blocking, "basis": self.basis,
            "unverified": self.unverified, "message": self.message,
            "found": [e.__dict__ for e in self.found],
            "threshold": None if self.threshold is None else {
                **self.threshold.__dict__, "label": self.threshold.label()},
            "override": None if self.override is None else self.override.__dict__,
            "overridden_status": self.overridden_status,
        }


@dataclass(frozen=True)
class Verdict:
    case_type: str
    business: str
    province: str
    items: tuple[ItemResult, ...]
    unused_overrides: tuple[Override, ...] = ()
    business_name: str = ""

    @property
    def blocking(self) -> tuple[ItemResult, ...]:
        return tuple(r for r in self.items if r.blocking)

    @property
    def passes(self) -> bool:
        return not self.blocking

    @property
    def warnings(self) -> tuple[ItemResult, ...]:
        return tuple(r for r in self.items if not r.blocking and (
            r.status == "flagged" or r.status in ("missing", "failed") and r.severity == "warn"))

    def result(self, item_id: str) -> ItemResult:
        for r in self.items:
            if r.id == item_id:
                return r
        raise UnknownCode(f"结论中没有条目 {item_id!r}")

    def refusal(self) -> str:
        """The Chinese message of a refused push: every blocking gap, one per line."""
        head = (f"「{self.case_type}」案件办理「{self.business} {self.business_name}」前卷宗不完整，"
                f"{len(self.blocking)}项必备材料缺少或不符合：")
        return "\n".join([head, *(r.line() for r in self.blocking)])

    def to_dict(self) -> dict[str, Any]:
        return {"case_type": self.case_type, "business": self.business,
                "business_name": self.business_name,
                "province": self.province, "passes": self.passes,
                "blocking": [r.id for r in self.blocking],
                "warnings": [r.id for r in self.warnings],
                "items": [r.to_dict() for r in self.items],
                "unused_overrides": [o.__dict__ for o in self.unused_overrides]}


# ---------------------------------------------------------------------------- evaluation
def _get(fields: Mapping[str, Any], path: str) -> Any:
    value: Any = fields
    for part in path.split("/"):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _evidence(doc: DossierDocument, path: str | None, value: Any = None) -> Evidence:
    src = doc.provenance.get(path) if path else None
    if src is None:
        src = doc.provenance.get("title") or doc.provenance.get("doc_type")
    page = doc.first_page + (src.page - 1 if src and src.page else 0)
    return Evidence(doc.id, doc.title, page, value, src.start if src else None,
                    src.end if src else None, src.confidence if src else None)


#: kinds whose documents' titles may match a material with one character misread
FUZZY_KINDS = ("其他", "鉴定意见/鉴定书")


def _names(title: str, word: str, fuzzy: bool = True) -> bool:
    """Whether ``title`` holds ``word``; with ``fuzzy`` a word of 4 or more characters also
    with one character misread (OCR of a worn scan: 到業经过 for 到案经过)."""
    if word in title:
        return True
    n = len(word)
    if not fuzzy or n < 4:
        return False
    return any(sum(a != b for a, b in zip(title[i : i + n], word, strict=True)) <= 1
               for i in range(len(title) - n + 1))


def _matches(doc: DossierDocument, m: Material, lib: Library | None = None) -> bool:
    """Whether a document is this material: its title names it, its subject is one of the
    material's, or its kind is — unless its title names another material (a 受案登记表 whose
    quoted facts made the classifier call it 起诉书 is still a 受案登记表)."""
    title = doc.title
    # one misread character is forgiven unless the classifier named another kind of form
    # (a 询问笔录 is one character from a 讯问笔录)
    fuzzy = doc.kind in (*FUZZY_KINDS, *m.kinds)
    if any(_names(title, t, fuzzy) for t in m.not_titles):
        return False
    if any(_names(title, t, fuzzy) for t in m.titles):
        return True
    if m.subjects and doc.fields.get("subject") in m.subjects:
        return True
    if doc.kind not in m.kinds:
        return False
    others = (lib or load()).materials.values()
    return not any(o.name != m.name and any(_names(title, t, True) for t in o.titles)
                   for o in others)


def _forms(dossier: Dossier, wanted: Sequence[str]) -> list[Evidence]:
    found = []
    for doc in dossier.documents:
        for i, form in enumerate(doc.fields.get("offence_forms") or []):
            if form in wanted:
                found.append(_evidence(doc, f"offence_forms/{i}", form))
    return found


def _party_matches(party: Any, suspects: Sequence[str]) -> bool:
    return isinstance(party, str) and any(s and (s in party or party in s) for s in suspects)


def _values(docs: Sequence[DossierDocument], c: Condition, dossier: Dossier
            ) -> list[tuple[Any, Evidence]]:
    """Every value the condition reads from the matched documents, with where it was read."""
    out: list[tuple[Any, Evidence]] = []
    for doc in docs:
        raw = _get(doc.fields, c.field)
        if raw is None:
            continue
        if not c.value_of:
            out.append((raw, _evidence(doc, c.field, raw)))
            continue
        rows = [(i, r) for i, r in enumerate(raw) if isinstance(r, Mapping)] \
            if isinstance(raw, list) else []
        if c.party == "suspect" and dossier.suspects:
            exact = [(i, r) for i, r in rows if r.get("party") in dossier.suspects]
            own = exact or [(i, r) for i, r in rows
                            if _party_matches(r.get("party"), dossier.suspects)]
            rows = own or rows
        for i, row in rows:
            parts = [str(row[k]) for k in c.value_of if row.get(k) not in (None, "")]
            if parts:
                value = "".join(parts)
                out.append((value, _evidence(doc, f"{c.field}/{i}/{c.value_of[0]}", value)))
    return out


class _Unreadable(Exception):
    pass


def _rank(value: Any, scale: Scale | None) -> Any:
    if scale is None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value
        return float(value)
    if value not in scale.values:
        raise _Unreadable(f"「{value}」不是{scale.name}的等级（{'、'.join(scale.values)}）")
    return scale.values.index(value)


def _compare(op: str, left: Any, right: Any) -> bool:
    try:
        if op == ">=":
            return bool(left >= right)
        if op == ">":
            return bool(left > right)
        if op == "<=":
            return bool(left <= right)
        if op == "<":
            return bool(left < right)
    except TypeError:
        raise _Unreadable(f"读出的值「{left}」无法与「{right}」比较") from None
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    raise WorkflowError(f"未知的比较 {op}")


def _test(c: Condition, values: list[tuple[Any, Evidence]], lib: Library, province: str
          ) -> tuple[bool, list[Evidence], Threshold | None]:
    """Whether the condition holds on the values read, the evidence it rests on, the figure."""
    threshold = lib.threshold(c.threshold, province) if c.threshold else None
    target = threshold.value if threshold else c.value
    if c.op == "any_matches":
        hits = [e for v, e in values if re.search(str(target), str(v))]
        return bool(hits), hits or [e for _, e in values], threshold
    if c.op == "count>=":
        return len(values) >= float(target), [e for _, e in values][:3], threshold
    scale = lib.scales.get(c.scale) if c.scale else None
    ranked = [(_rank(v, scale), v, e) for v, e in values]
    if c.reduce == "max":
        ranked = [max(ranked, key=lambda t: t[0])]
    elif c.reduce == "min":
        ranked = [min(ranked, key=lambda t: t[0])]
    else:
        ranked = ranked[:1]
    rank, _, evidence = ranked[0]
    return _compare(c.op, rank, _rank(target, scale)), [evidence], threshold


def _described(c: Condition, threshold: Threshold | None) -> str:
    if threshold is not None:
        return f"标准：{c.op} {threshold.label()}"
    return f"标准：{c.op} {c.value}"


def _result(it: Item, status: str, *, message: str = "", found: Iterable[Evidence] = (),
            threshold: Threshold | None = None) -> ItemResult:
    return ItemResult(id=it.id, name=it.name, kind=it.kind, status=status,
                      severity=it.severity, basis=it.basis,
                      unverified=it.unverified or bool(threshold and threshold.unverified),
                      message=message, found=tuple(found), threshold=threshold)


def _require(it: Item, dossier: Dossier, lib: Library, province: str) -> ItemResult:
    if it.when_forms and not _forms(dossier, it.when_forms):
        return _result(it, "exempt", message=f"不适用：卷宗未载明{'、'.join(it.when_forms)}")
    if it.unless_forms:
        forms = _forms(dossier, it.unless_forms)
        if forms:
            return _result(it, "exempt", found=forms[:3],
                           message=f"不适用：{forms[0].value}（{it.unless_basis}）")
    materials = [lib.materials[m] for m in it.materials]
    if all(m.manual for m in materials):
        return _result(it, "manual", message="系统无法从卷宗文书判断，请人工核对")
    docs = [d for d in dossier.documents if any(_matches(d, m, lib) for m in materials)]
    if not docs:
        return _result(it, "missing", message=f"卷宗中没有{'或'.join(it.materials)}")
    c = it.condition
    if c is None:
        return _result(it, "satisfied", found=[_evidence(d, "title") for d in docs[:3]])
    values = _values(docs, c, dossier)
    threshold = lib.threshold(c.threshold, province) if c.threshold else None
    if not values:
        return _result(it, "failed", threshold=threshold,
                       found=[_evidence(d, "title") for d in docs[:3]],
                       message=f"未能从文书中读出所需内容（{c.field}）：{c.says or '无法核对'}")
    try:
        ok, evidence, threshold = _test(c, values, lib, province)
    except _Unreadable as exc:
        return _result(it, "failed", threshold=threshold, found=[e for _, e in values[:3]],
                       message=str(exc))
    if ok:
        return _result(it, "satisfied", found=evidence, threshold=threshold)
    return _result(it, "failed", found=evidence, threshold=threshold,
                   message=f"{c.says or '不符合条件'}（{_described(c, threshold)}）")


def _flag(it: Item, dossier: Dossier, lib: Library, province: str) -> ItemResult:
    if it.forms:
        forms = _forms(dossier, it.forms)
        if forms:
            return _result(it, "flagged", found=forms[:3], message=f"卷宗载明：{forms[0].value}")
        return _result(it, "clear")
    c = it.condition
    assert c is not None  # checked by _check
    materials = [lib.materials[m] for m in it.materials]
    docs = [d for d in dossier.documents
            if not materials or any(_matches(d, m, lib) for m in materials)]
    values = _values(docs, c, dossier)
    if not values:
        return _result(it, "clear", message="未读出相关数值")
    try:
        raised, evidence, threshold = _test(c, values, lib, province)
    except _Unreadable as exc:
        return _result(it, "clear", message=str(exc))
    if raised and it.unless_forms:
        forms = _forms(dossier, it.unless_forms)
        if forms:
            return _result(it, "clear", threshold=threshold, found=forms[:3],
                           message=f"不提示：{forms[0].value}")
    if raised:
        return _result(it, "flagged", found=evidence, threshold=threshold,
                       message=_described(c, threshold))
    return _result(it, "clear", found=evidence, threshold=threshold)


def _overrides(raw: Mapping[str, str] | Iterable[Override] | None) -> dict[str, Override]:
    if raw is None:
        return {}
    items = ([Override(k, v) for k, v in raw.items()] if isinstance(raw, Mapping)
             else list(raw))
    out = {}
    for o in items:
        if not (o.reason and o.reason.strip()):
            raise WorkflowError(f"特批放行「{o.item_id}」须写明理由")
        out[o.item_id] = Override(o.item_id, o.reason.strip(), o.by)
    return out


def evaluate(case_type: str, business_code: str, dossier: Dossier, *,
             overrides: Mapping[str, str] | Iterable[Override] | None = None,
             province: str | None = None, library: Library | None = None) -> Verdict:
    """The checklist of ``case_type`` for ``business_code`` applied to ``dossier``.

    ``overrides`` (item id -> written reason, or Override records) let a missing, failing or
    flagged item through; the verdict shows it as overridden with the reason. ``province``
    chooses the provincial figures of ``thresholds.toml`` (default: its default_province).
    A business the checklists do not gate (e.g. D3) gives a verdict with no items."""
    lib = library or load()
    cl = lib.checklist(case_type)
    code = business_code.strip().upper()
    business = load_registry().business(code)  # an unknown code: the registry's refusal
    region = province or lib.default_province
    if region != lib.default_province and region not in lib.provinces:
        raise UnknownCode(f"未配置「{region}」的数额标准（workflow/checklists/{THRESHOLDS}）")
    wanted = _overrides(overrides)
    for item_id in wanted:
        cl.item(item_id)  # unknown item: refused
    results = []
    used = set()
    for it in cl.for_business(code):
        r = (_require if it.kind == "require" else _flag)(it, dossier, lib, region)
        o = wanted.get(it.id)
        if o is not None and r.status in ("missing", "failed", "flagged"):
            used.add(it.id)
            r = replace(r, status="overridden", override=o, overridden_status=r.status)
        results.append(r)
    unused = tuple(o for k, o in wanted.items() if k not in used)
    return Verdict(cl.case_type, code, region, tuple(results), unused, business.name)
