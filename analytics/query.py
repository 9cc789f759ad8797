"""The engine under every statistic: scope, filters, attribution, grouping, aggregation, drill-down.

A statistic's *source* is a query (or, where the value needs Python, a list of rows) with one row
per counted thing and the labelled columns:

* ``case_id`` — the case behind the row (drill-down lists these);
* ``agency_id`` — the agency the row is attributed to (its figure), chosen among the scope;
* ``at`` (an instant, UTC) or ``day`` (a ``YYYY-MM-DD`` string) — the decision date the period
  filters and the month groups by (months and days are China time, UTC+8);
* optional dimensions (``stage``, ``code``, ``charge``, ``court``, ``path`` …), ``amount`` (a
  quantity summed instead of counting cases: pages, fields) or ``value`` (a number whose
  distribution is wanted: days, months, seconds).

Counting: 件 = distinct cases per group; 人 = the persons of those cases (the length of
``case_procedures.persons``, at least 1 per case: the model records persons per case, not per
decision). A rate divides the numerator source's count by the denominator source's, group by
group, both counted the same way.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, Select, String, case, cast, func, or_, select
from sqlalchemy.orm import Session

from analytics.errors import AnalyticsError
from models.schema import Agency, Case, CaseProcedure, Charge, Document
from models.visibility import cases_visible_to

CST = timezone(timedelta(hours=8))

#: the case types of the seed (configurable lists of the charges each covers)
CASE_TYPES: dict[str, tuple[str, ...]] = {
    "危险驾驶": ("危险驾驶罪",),
    "故意伤害": ("故意伤害罪",),
    "盗窃": ("盗窃罪",),
    "交通肇事": ("交通肇事罪",),
    "寻衅滋事": ("寻衅滋事罪",),
    "非法持有、私藏枪支弹药": ("非法持有、私藏枪支、弹药罪", "非法持有、私藏枪支弹药罪"),
}
PROCEDURES = ("普通", "简易", "速裁")
MEASURES = ("件", "人")

#: names of the groupings (dimensions) a statistic may offer
DIMENSIONS = {
    "month": "月份", "day": "日期", "agency": "机关", "procedure": "程序", "stage": "办案阶段",
    "code": "协同业务", "charge": "罪名", "court": "法院", "path": "字段",
}
FILTERS = {
    "from": "起始日期", "to": "截止日期", "agency": "机关", "region": "地区",
    "case_type": "案件类型", "charge": "罪名", "procedure": "程序",
}
OTHER_AGENCY = 0  # the group of cases shared with the scope by an agency outside it
OTHER_AGENCY_LABEL = "其他机关移送、共享的案件"


@dataclass(frozen=True)
class AgencyInfo:
    id: int
    code: str
    name: str
    kind: str
    region: str | None


@dataclass(frozen=True)
class Scope:
    """The agencies whose figures a user may read (``models.visibility.visible_agency_ids``),
    with their codes and names; ``labels`` names dimension keys (business codes …)."""

    agencies: Mapping[int, AgencyInfo]
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(sorted(self.agencies))


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    agency: str | None = None
    region: str | None = None
    case_type: str | None = None
    charge: str | None = None
    procedure: str | None = None
    group_by: tuple[str, ...] = ()
    measure: str | None = None

    def given(self) -> list[str]:
        named = {"from": self.date_from, "to": self.date_to, "agency": self.agency,
                 "region": self.region, "case_type": self.case_type, "charge": self.charge,
                 "procedure": self.procedure}
        return [k for k, v in named.items() if v not in (None, "")]

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None,
                "agency": self.agency, "region": self.region, "case_type": self.case_type,
                "charge": self.charge, "procedure": self.procedure,
                "group_by": list(self.group_by), "measure": self.measure}


def _date(name: str, text: str | None) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise AnalyticsError(f"{FILTERS[name]}（{name}）应为 YYYY-MM-DD 格式的日期，收到 {text!r}") from None


def parse_filters(params: Mapping[str, str | None], *, group_by: Sequence[str],
                  filters: Sequence[str], measures: Sequence[str]) -> Filters:
    """Filters from query parameters, checked against what the statistic accepts (Chinese
    messages for every refusal)."""
    f = Filters(date_from=_date("from", params.get("from")), date_to=_date("to", params.get("to")),
                agency=(params.get("agency") or "").strip() or None,
                region=(params.get("region") or "").strip() or None,
                case_type=(params.get("case_type") or "").strip() or None,
                charge=(params.get("charge") or "").strip() or None,
                procedure=(params.get("procedure") or "").strip() or None)
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise AnalyticsError(f"起始日期 {f.date_from} 晚于截止日期 {f.date_to}")
    for name in f.given():
        if name not in filters:
            accepted = "、".join(FILTERS[n] for n in filters) or "无"
            raise AnalyticsError(f"该统计不接受筛选条件「{FILTERS[name]}」（{name}）；可用：{accepted}")
    if f.case_type and f.case_type not in CASE_TYPES:
        raise AnalyticsError(f"未知的案件类型 {f.case_type!r}；可选：{'、'.join(CASE_TYPES)}")
    if f.procedure and f.procedure not in PROCEDURES:
        raise AnalyticsError(f"未知的程序 {f.procedure!r}；可选：{'、'.join(PROCEDURES)}")
    if f.charge and len(f.charge) > 120:
        raise AnalyticsError("罪名过长（最多 120 字）")
    if f.region and len(f.region) > 100:
        raise AnalyticsError("地区名称过长（最多 100 字）")
    dims = tuple(d.strip() for d in (params.get("group_by") or "").split(",") if d.strip())
    if len(dims) > 2:
        raise AnalyticsError("最多按两个维度分组（如 month,agency）")
    if len(set(dims)) != len(dims):
        raise AnalyticsError("分组维度重复")
    for d in dims:
        if d not in group_by:
            offered = "、".join(f"{DIMENSIONS[g]}（{g}）" for g in group_by) or "无"
            raise AnalyticsError(f"该统计不能按 {d!r} 分组；可用：{offered}")
    measure = (params.get("measure") or "").strip() or None
    if measure is not None:
        if measure not in MEASURES:
            raise AnalyticsError(f"未知的计量单位 {measure!r}：应为 件 或 人")
        if measure not in measures:
            raise AnalyticsError(f"该统计不能按「{measure}」计量")
    return Filters(**{**f.__dict__, "group_by": dims,
                      "measure": measure or (measures[0] if measures else None)})


def narrow(scope: Scope, f: Filters) -> Scope:
    """The scope cut down to the agency / region filters; a filter outside the scope is refused
    without saying whether such an agency exists."""
    agencies = dict(scope.agencies)
    if f.agency:
        agencies = {i: a for i, a in agencies.items() if a.code == f.agency}
        if not agencies:
            raise AnalyticsError(f"机关 {f.agency!r} 不存在，或不在您可查看的范围内")
    if f.region:
        agencies = {i: a for i, a in agencies.items() if a.region == f.region}
        if not agencies:
            raise AnalyticsError(f"地区 {f.region!r} 没有您可查看的机关")
    return Scope(agencies, scope.labels)


# --- the context a source is built in -------------------------------------------------------------
@dataclass
class Ctx:
    s: Session
    scope: Scope
    filters: Filters
    now: datetime

    @property
    def ids(self) -> tuple[int, ...]:
        return self.scope.ids

    @property
    def dialect(self) -> str:
        return self.s.get_bind().dialect.name

    def attribute(self, *cols: Any) -> tuple[Any, Any]:
        """(the agency a row is attributed to, the clause keeping rows of the scope): the first
        of ``cols`` that is an agency of the scope (e.g. the deciding agency, else the receiver)."""
        ids = list(self.ids)
        if len(cols) == 1:
            return cols[0], cols[0].in_(ids)
        expr = case(*[(c.in_(ids), c) for c in cols[:-1]], else_=cols[-1])
        return expr, or_(*[c.in_(ids) for c in cols])

    def owner(self) -> Any:
        """Case-based statistics: the owning agency when it is in the scope, else the group of
        cases shared with the scope by others."""
        return case((Case.agency_id.in_(list(self.ids)), Case.agency_id), else_=OTHER_AGENCY)

    def cases(self, case_col: Any) -> list[Any]:
        """Rows of cases the scope may see (models.visibility's rule) that match the case
        filters (case type, charge, procedure)."""
        out = [case_col.in_(select(Case.id).where(cases_visible_to(self.ids)))]
        f = self.filters
        names: tuple[str, ...] = ()
        if f.case_type:
            names = CASE_TYPES[f.case_type]
        if f.charge:
            names = tuple(n for n in names if n == f.charge) if names else (f.charge,)
            if not names:  # a type and a charge that exclude each other
                out.append(case_col.in_([]))
        if names:
            out.append(case_col.in_(select(Document.case_id).join(
                Charge, Charge.document_id == Document.id).where(Charge.name.in_(names))))
        if f.procedure:
            proc = select(CaseProcedure.case_id).where(CaseProcedure.procedure == f.procedure)
            if f.procedure == "普通":  # a case with no procedure row yet is 普通
                out.append(or_(case_col.in_(proc), case_col.not_in(select(CaseProcedure.case_id))))
            else:
                out.append(case_col.in_(proc))
        return out

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The period as UTC instants: [from 00:00 China time, the day after ``to`` 00:00)."""
        f = self.filters
        lo = datetime.combine(f.date_from, datetime.min.time(), CST).astimezone(UTC) \
            if f.date_from else None
        hi = datetime.combine(f.date_to + timedelta(days=1), datetime.min.time(),
                              CST).astimezone(UTC) if f.date_to else None
        return lo, hi

    def period(self, col: Any) -> list[Any]:
        lo, hi = self.bounds()
        return [c for c in ((col >= lo) if lo else None, (col < hi) if hi else None)
                if c is not None]

    def period_day(self, col: Any) -> list[Any]:
        """The period on a ``YYYY-MM-DD`` string column (dates as the documents state them)."""
        f = self.filters
        out = [col.is_not(None)] if f.date_from or f.date_to else []
        if f.date_from:
            out.append(col >= f.date_from.isoformat())
        if f.date_to:
            out.append(col <= f.date_to.isoformat())
        return out

    def in_period(self, at: datetime | None) -> bool:
        lo, hi = self.bounds()
        if at is None:
            return not (lo or hi)
        a = aware(at)
        return (lo is None or a >= lo) and (hi is None or a < hi)


def aware(at: datetime) -> datetime:
    """A stored instant as aware UTC (SQLite hands back naive UTC)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def month_of(at: datetime) -> str:
    return aware(at).astimezone(CST).strftime("%Y-%m")


def day_of(at: datetime) -> str:
    return aware(at).astimezone(CST).strftime("%Y-%m-%d")


def _time_key(ctx: Ctx, sq: Any, dim: str) -> Any:
    if "day" in sq.c:  # a date string of a document
        return func.substr(sq.c.day, 1, 7 if dim == "month" else 10)
    col = sq.c.at
    if ctx.dialect == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", col),
                            "YYYY-MM" if dim == "month" else "YYYY-MM-DD")
    return func.strftime("%Y-%m" if dim == "month" else "%Y-%m-%d", col, "+8 hours")


def _dim_expr(ctx: Ctx, sq: Any, dim: str) -> Any:
    if dim in ("month", "day"):
        return _time_key(ctx, sq, dim)
    if dim == "agency":
        return sq.c.agency_id
    if dim == "procedure":
        return func.coalesce(CaseProcedure.procedure, "普通")
    return sq.c[dim]


def _weight() -> Any:
    n = func.coalesce(func.json_array_length(CaseProcedure.persons), 0)
    return case((n > 1, n), else_=1)


Key = tuple[Any, ...]


@dataclass
class Counts:
    cases: int = 0
    persons: int = 0
    amount: float = 0.0


def aggregate(ctx: Ctx, src: Select[Any] | list[dict[str, Any]], dims: Sequence[str]
              ) -> dict[Key, Counts]:
    """Counts per group: distinct cases, their persons, and the summed ``amount``."""
    if isinstance(src, list):
        return _aggregate_rows(ctx, src, dims)
    sq = src.subquery()
    keys = [_dim_expr(ctx, sq, d).label(f"k{i}") for i, d in enumerate(dims)]
    out: dict[Key, Counts] = defaultdict(Counts)
    if "amount" in sq.c:
        q = select(*keys, func.coalesce(func.sum(sq.c.amount), 0), func.count(func.distinct(
            sq.c.case_id))).select_from(sq).outerjoin(CaseProcedure,
                                                      CaseProcedure.case_id == sq.c.case_id)
        for row in ctx.s.execute(q.group_by(*keys) if keys else q).all():
            c = out[tuple(row[:len(keys)])]
            c.amount, c.cases = float(row[len(keys)] or 0), int(row[len(keys) + 1] or 0)
        return dict(out)
    inner = (select(*keys, sq.c.case_id.label("case_id")).select_from(sq)
             .outerjoin(CaseProcedure, CaseProcedure.case_id == sq.c.case_id).distinct()
             .subquery())
    ik = [inner.c[f"k{i}"] for i in range(len(dims))]
    q = (select(*ik, func.count(), func.sum(_weight())).select_from(inner)
         .outerjoin(CaseProcedure, CaseProcedure.case_id == inner.c.case_id))
    for row in ctx.s.execute(q.group_by(*ik) if ik else q).all():
        c = out[tuple(row[:len(ik)])]
        c.cases, c.persons = int(row[len(ik)] or 0), int(row[len(ik) + 1] or 0)
    return dict(out)


def persons_of(s: Session, case_ids: Iterable[int]) -> dict[int, int]:
    """Persons per case (at least 1): the length of ``case_procedures.persons``."""
    ids, out = sorted(set(case_ids)), {}
    for i in range(0, len(ids), 900):
        for cid, persons in s.execute(select(CaseProcedure.case_id, CaseProcedure.persons)
                                      .where(CaseProcedure.case_id.in_(ids[i:i + 900]))).all():
            out[int(cid)] = max(1, len(persons or []))
    return {c: out.get(c, 1) for c in ids}


def procedures_of(s: Session, case_ids: Iterable[int]) -> dict[int, str]:
    ids, out = sorted(set(case_ids)), {}
    for i in range(0, len(ids), 900):
        out.update({int(c): str(p) for c, p in s.execute(
            select(CaseProcedure.case_id, CaseProcedure.procedure)
            .where(CaseProcedure.case_id.in_(ids[i:i + 900]))).all()})
    return {c: out.get(c, "普通") for c in ids}


def row_key(row: Mapping[str, Any], dims: Sequence[str], procs: Mapping[int, str]) -> Key:
    out: list[Any] = []
    for d in dims:
        if d in ("month", "day"):
            if row.get("day"):
                out.append(str(row["day"])[: 7 if d == "month" else 10])
            else:
                out.append(month_of(row["at"]) if d == "month" else day_of(row["at"]))
        elif d == "agency":
            out.append(row["agency_id"])
        elif d == "procedure":
            out.append(procs.get(row["case_id"], "普通"))
        else:
            out.append(row.get(d))
    return tuple(out)


def _aggregate_rows(ctx: Ctx, rows: list[dict[str, Any]], dims: Sequence[str]
                    ) -> dict[Key, Counts]:
    procs = procedures_of(ctx.s, [r["case_id"] for r in rows]) if "procedure" in dims else {}
    weights = persons_of(ctx.s, [r["case_id"] for r in rows])
    seen: dict[Key, set[int]] = defaultdict(set)
    out: dict[Key, Counts] = defaultdict(Counts)
    for r in rows:
        k = row_key(r, dims, procs)
        c = out[k]
        if "persons" in r:  # a source that counts persons itself (custody clocks per person)
            c.persons += int(r["persons"])
        if "amount" in r:
            c.amount += float(r["amount"] or 0)
        if r["case_id"] not in seen[k]:
            seen[k].add(r["case_id"])
            c.cases += 1
            if "persons" not in r:
                c.persons += weights.get(r["case_id"], 1)
    return dict(out)


def fetch_rows(ctx: Ctx, src: Select[Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(src, list):
        return src
    return [dict(r._mapping) for r in ctx.s.execute(src).all()]


def describe(values: Sequence[float]) -> dict[str, float | int | None]:
    """n, mean, median, quartiles (inclusive method), min and max, rounded to 0.1."""
    vals = sorted(float(v) for v in values)
    if not vals:
        return {"n": 0, "mean": None, "median": None, "p25": None, "p75": None, "min": None,
                "max": None}
    if len(vals) == 1:
        q1 = q3 = vals[0]
    else:
        q1, _, q3 = statistics.quantiles(vals, n=4, method="inclusive")
    return {"n": len(vals), "mean": round(statistics.fmean(vals), 1),
            "median": round(statistics.median(vals), 1), "p25": round(q1, 1),
            "p75": round(q3, 1), "min": round(vals[0], 1), "max": round(vals[-1], 1)}


def distribution(ctx: Ctx, rows: list[dict[str, Any]], dims: Sequence[str]
                 ) -> dict[Key, dict[str, Any]]:
    procs = procedures_of(ctx.s, [r["case_id"] for r in rows]) if "procedure" in dims else {}
    groups: dict[Key, list[float]] = defaultdict(list)
    for r in rows:
        if r.get("value") is not None:
            groups[row_key(r, dims, procs)].append(float(r["value"]))
    return {k: describe(v) for k, v in groups.items()}


# --- drill-down -------------------------------------------------------------------------------------
def group_clause(ctx: Ctx, sq: Any, dims: Sequence[str], values: Sequence[Any]) -> list[Any]:
    out = []
    for d, v in zip(dims, values, strict=True):
        expr = _dim_expr(ctx, sq, d)
        out.append(expr.is_(None) if v is None else expr == v)
    return out


def drill_cases(ctx: Ctx, src: Select[Any] | list[dict[str, Any]], dims: Sequence[str],
                values: Sequence[Any]) -> set[int]:
    """The cases of one group of a source (values: the group's keys, agencies as ids)."""
    if isinstance(src, list):
        procs = procedures_of(ctx.s, [r["case_id"] for r in src]) if "procedure" in dims else {}
        return {int(r["case_id"]) for r in src
                if row_key(r, dims, procs) == tuple(values)}
    sq = src.subquery()
    q = (select(sq.c.case_id).select_from(sq)
         .outerjoin(CaseProcedure, CaseProcedure.case_id == sq.c.case_id)
         .where(*group_clause(ctx, sq, dims, values)).distinct())
    return {int(c) for c in ctx.s.execute(q).scalars()}


def case_list(s: Session, case_ids: Iterable[int], limit: int) -> list[dict[str, Any]]:
    ids = sorted(set(case_ids))[:limit]
    rows = s.execute(select(Case.id, Case.case_number, Agency.code, Agency.name)
                     .join(Agency, Agency.id == Case.agency_id).where(Case.id.in_(ids))
                     .order_by(Case.id)).all() if ids else []
    return [{"case_id": int(r[0]), "case_number": r[1], "agency": r[2], "agency_name": r[3]}
            for r in rows]


def str_id(col: Any) -> ColumnElement[Any]:
    return cast(col, String)


def label_for(scope: Scope, dim: str, key: Any) -> str:
    if key is None:
        return "（未记录）"
    if dim == "agency":
        if key == OTHER_AGENCY:
            return OTHER_AGENCY_LABEL
        a = scope.agencies.get(int(key))
        return a.name if a else f"机关 {key}"
    if dim == "month":
        y, m = str(key).split("-")[:2]
        return f"{y}年{int(m)}月"
    names = scope.labels.get(dim, {})
    return names.get(str(key), str(key))


def key_out(scope: Scope, dim: str, key: Any) -> Any:
    """A group key as clients see it: agencies by code."""
    if dim == "agency" and key is not None:
        a = scope.agencies.get(int(key))
        return a.code if a else ("other" if key == OTHER_AGENCY else str(key))
    return key


def key_in(scope: Scope, dim: str, text: str) -> Any:
    """A group key from a client (drill-down) back to what the query compares."""
    if dim == "agency":
        if text == "other":
            return OTHER_AGENCY
        for i, a in scope.agencies.items():
            if a.code == text:
                return i
        raise AnalyticsError(f"机关 {text!r} 不存在，或不在您可查看的范围内")
    if dim == "month" and (len(text) != 7 or text[4] != "-"):
        raise AnalyticsError(f"月份应为 YYYY-MM，收到 {text!r}")
    return text


Source = Callable[[Ctx], "Select[Any] | list[dict[str, Any]]"]
