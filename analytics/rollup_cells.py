"""Pre-counted cells (``analytics_counts``): distinct cases over a period as sums of cells.

For one spec and grouping keyset, each case contributes one row per distinct (agency, stage,
China day) it has rows on — with ``prev``, the month of its previous such day. Over a period
that starts on a month's first day (or has no start), the cases of a group are exactly the rows
whose ``prev`` lies before the period (no month grouping) or before the row's month (by month):
the first day each case shows in that span. By day, every row counts. So the dashboards' periods
(the first of a month to today) read a few hundred cells; any other start, or a case-type or
charge filter (cells do not know charges), reads the rows (analytics/rollup.py). Amount specs
(businesses counted, not cases) are additive and sum over any period.

Cells are kept incrementally: a rebuilt case's old contribution is subtracted and its new one
added (a case's rows never depend on another case's), and emptied cells removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, cast, delete, func, insert, literal, null, select, true, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from analytics.query import Counts, Filters, Key
from analytics.rollup_specs import Spec, counted
from models.schema import AnalyticsCount

COLS = ("scope", "spec", "keyset", "day", "prev", "agency_id", "stage", "procedure", "cases",
        "persons")
_NOW = datetime(2000, 1, 1, tzinfo=UTC)  # cells hold no snapshot: conditions need no real now


def _cells(spec: Spec, keyset: int, cases: Sequence[int] | None, sign: int) -> Any:
    t = spec.table
    agency = getattr(t, spec.agency) if keyset & 1 else literal(0)
    stage = spec.dimension if keyset & 2 else literal("")
    # a snapshot (no date: 存案) is one cell per case and key, with no day
    day = getattr(t, spec.day) if spec.day else literal("")
    where = [*spec.where(_NOW), *([day.is_not(None)] if spec.day else [])]
    if cases is not None:
        where.append(t.case_id.in_(list(cases)))
    if spec.amount:
        return (select(t.scope, literal(spec.name), literal(keyset), day, literal(""),
                       agency, stage, t.procedure, func.count() * sign, literal(0))
                .where(*where).group_by(t.scope, day, agency, stage, t.procedure))
    r = (select(t.scope.label("scope"), t.case_id.label("case_id"), agency.label("a"),
                stage.label("st"), day.label("d"), t.procedure.label("p"),
                t.persons.label("n")).where(*where).distinct().subquery())
    prev = func.lag(r.c.d).over(partition_by=(r.c.scope, r.c.case_id, r.c.a, r.c.st),
                                order_by=r.c.d)
    w = select(r.c.scope, r.c.a, r.c.st, r.c.d, r.c.p, r.c.n,
               func.coalesce(func.substr(prev, 1, 7), "").label("pv")).subquery()
    return (select(w.c.scope, literal(spec.name), literal(keyset), w.c.d, w.c.pv, w.c.a,
                   w.c.st, w.c.p, func.count() * sign, func.sum(w.c.n) * sign)
            .where(true()).group_by(w.c.scope, w.c.d, w.c.pv, w.c.a, w.c.st, w.c.p))


def build(s: Session) -> None:
    """Every cell, from the facts tables as they stand (a full rebuild; the table is empty)."""
    for spec in counted():
        for keyset in spec.keys:
            s.execute(insert(AnalyticsCount).from_select(list(COLS),
                                                         _cells(spec, keyset, None, 1)))


def add(s: Session, cases: Sequence[int], sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) these cases' contribution, from the facts as they
    stand."""
    dialect = s.get_bind().dialect.name
    make: Any = pg_insert if dialect == "postgresql" else sqlite_insert
    for spec in counted():
        for keyset in spec.keys:
            stmt = make(AnalyticsCount).from_select(list(COLS), _cells(spec, keyset, cases, sign))
            s.execute(stmt.on_conflict_do_update(
                index_elements=list(COLS[:8]),
                set_={"cases": AnalyticsCount.cases + stmt.excluded.cases,
                      "persons": AnalyticsCount.persons + stmt.excluded.persons}))


def prune(s: Session) -> None:
    s.execute(delete(AnalyticsCount).where(AnalyticsCount.cases == 0))


def _query(key: str, spec: Spec, dims: Sequence[str], f: Filters) -> Any | None:
    """The select of one spec's counts per group (keys as text, k0 and k1), or None when the
    cells cannot answer exactly."""
    keyset = 3 if spec.amount else ((1 if "agency" in dims else 0)
                                    | (2 if {"stage", "code"} & set(dims) else 0))
    if keyset not in spec.keys or f.case_type or f.charge or len(dims) > 2:
        return None
    by_day, by_month = "day" in dims, "month" in dims
    if not spec.amount and not by_day and f.date_from and f.date_from.day != 1:
        return None
    t = AnalyticsCount
    where = [t.scope == key, t.spec == spec.name, t.keyset == keyset]
    if f.date_from:
        where.append(t.day >= f.date_from.isoformat())
    if f.date_to:
        where.append(t.day <= f.date_to.isoformat())
    if f.procedure:
        where.append(t.procedure == f.procedure)
    if not spec.amount and not by_day:
        if by_month:
            where.append(t.prev < func.substr(t.day, 1, 7))
        elif f.date_from:
            where.append(t.prev < f.date_from.isoformat()[:7])
        else:
            where.append(t.prev == "")

    def col(d: str) -> Any:
        if d in ("month", "day"):
            return func.substr(t.day, 1, 7 if d == "month" else 10)
        return {"agency": cast(t.agency_id, String), "procedure": t.procedure}.get(d, t.stage)

    keys = [col(d) for d in dims]
    padded = [*keys, *[null() for _ in range(2 - len(keys))]]
    return (select(*[cast(k, String).label(f"k{i}") for i, k in enumerate(padded)],
                   func.sum(t.cases).label("cases"), func.sum(t.persons).label("persons"))
            .where(*where).group_by(*keys))


def read_many(s: Session, key: str, asked: Sequence[tuple[Spec, tuple[str, ...]]], f: Filters
              ) -> dict[tuple[str, tuple[str, ...]], dict[Key, Counts]]:
    """Counts per group of several (spec, grouping) pairs in one round trip: those the cells
    can answer exactly (the others are left out)."""
    parts: list[tuple[Spec, tuple[str, ...]]] = []
    queries: list[Any] = []
    for spec, dims in asked:
        q = _query(key, spec, dims, f)
        if q is not None and (spec.name, dims) not in {(p[0].name, p[1]) for p in parts}:
            queries.append(q.add_columns(literal(len(parts)).label("part")))
            parts.append((spec, dims))
    out: dict[tuple[str, tuple[str, ...]], dict[Key, Counts]] = {
        (spec.name, dims): {} if dims else {(): Counts()} for spec, dims in parts}
    if not queries:
        return out
    for k0, k1, cases, persons, part in s.execute(union_all(*queries)).all():
        spec, dims = parts[int(part)]
        key_ = tuple(int(v) if d == "agency" and v is not None else v
                     for d, v in zip(dims, (k0, k1), strict=False))
        c = out[(spec.name, dims)].setdefault(key_, Counts())
        if spec.amount:
            c.amount = float(int(cases or 0))
        else:
            c.cases, c.persons = int(cases or 0), int(persons or 0)
    return out


def read(s: Session, key: str, spec: Spec, dims: Sequence[str], f: Filters
         ) -> dict[Key, Counts] | None:
    """Counts per group from the cells, or None when the cells cannot answer exactly."""
    got = read_many(s, key, [(spec, tuple(dims))], f)
    return got.get((spec.name, tuple(dims)))
