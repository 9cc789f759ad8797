"""各阶段办案天数 from the rollups (``analytics_values``): the values, pooled, instead of rows.

The direct query (analytics.sources.stage_days) lists finished stage clocks with their net days
and counts the per-person clocks of one case and stage started together once — the first by
clock id among those in the period. When those clocks all stopped the same day they are in or
out of a period together, so that first one is known in advance and its value is pooled (one row
per day, agency, stage, procedure and value, with a count); when they stopped on different days
each clock is kept with its ids and told apart at read time, in clock order, as the direct query
does. Values are rounded and described (analytics.query.describe) in Python, as there.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence
from fractions import Fraction
from itertools import accumulate
from typing import Any

from sqlalchemy import delete, func, insert, literal, null, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from analytics.query import Filters, Key, aware, describe
from analytics.rollup_specs import STAGES, C
from models.schema import AnalyticsValue

COLS = ("scope", "day", "agency_id", "stage", "procedure", "days", "case_id", "clock_id",
        "started_at", "n")


def _values(cases: Sequence[int] | None, sign: int, pooled: bool) -> Any:
    where = [C.stage.in_(STAGES), C.finished.is_(True), C.days.is_not(None)]
    if cases is not None:
        where.append(C.case_id.in_(list(cases)))
    same = (C.scope, C.case_id, C.stage, C.started_at)
    e = (select(C.scope, C.case_id, C.clock_id, C.agency_id, C.stage, C.procedure, C.stop_day,
                C.days, C.started_at,
                func.row_number().over(partition_by=same, order_by=C.clock_id).label("rn"),
                func.min(C.stop_day).over(partition_by=same).label("lo"),
                func.max(C.stop_day).over(partition_by=same).label("hi"))
         .where(*where).subquery())
    if pooled:
        return (select(e.c.scope, e.c.stop_day, e.c.agency_id, e.c.stage, e.c.procedure,
                       e.c.days, literal(0), literal(0), null(), func.count() * sign)
                .where(e.c.rn == 1, e.c.lo == e.c.hi)
                .group_by(e.c.scope, e.c.stop_day, e.c.agency_id, e.c.stage, e.c.procedure,
                          e.c.days))
    return (select(e.c.scope, e.c.stop_day, e.c.agency_id, e.c.stage, e.c.procedure, e.c.days,
                   e.c.case_id, e.c.clock_id, e.c.started_at, literal(sign))
            .where(e.c.lo != e.c.hi))


def build(s: Session) -> None:
    for pooled in (True, False):
        s.execute(insert(AnalyticsValue).from_select(list(COLS), _values(None, 1, pooled)))


def add(s: Session, cases: Sequence[int], sign: int) -> None:
    make: Any = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    for pooled in (True, False):
        stmt = make(AnalyticsValue).from_select(list(COLS), _values(cases, sign, pooled))
        s.execute(stmt.on_conflict_do_update(
            index_elements=[c for c in COLS if c not in ("started_at", "n")],
            set_={"n": AnalyticsValue.n + stmt.excluded.n}))


def prune(s: Session) -> None:
    s.execute(delete(AnalyticsValue).where(AnalyticsValue.n == 0))


def read(s: Session, key: str, dims: Sequence[str], f: Filters) -> dict[Key, dict[str, Any]]:
    """describe() of the values per group: the pooled values summed per group and value in the
    database, the kept-apart clocks told apart here in clock order (not for a case-type or
    charge filter: the pooled values do not know their cases)."""
    assert not (f.case_type or f.charge)
    v = AnalyticsValue
    where = [v.scope == key, v.n > 0]
    if f.date_from:
        where.append(v.day >= f.date_from.isoformat())
    if f.date_to:
        where.append(v.day <= f.date_to.isoformat())
    if f.procedure:
        where.append(v.procedure == f.procedure)

    def col(d: str) -> Any:
        if d in ("month", "day"):
            return func.substr(v.day, 1, 7 if d == "month" else 10)
        return {"agency": v.agency_id, "stage": v.stage, "procedure": v.procedure}[d]

    keys = [col(d).label(f"k{i}") for i, d in enumerate(dims)]
    values: dict[Key, dict[float, int]] = defaultdict(lambda: defaultdict(int))
    pooled = (select(*keys, v.days, func.sum(v.n)).where(*where, v.case_id == 0)
              .group_by(*keys, v.days))
    for row in s.execute(pooled).all():
        k = tuple(row[:len(keys)])
        values[k][round(float(row[len(keys)]), 2)] += int(row[len(keys) + 1])
    apart = (select(*keys, v.days, v.n, v.case_id, v.stage, v.started_at)
             .where(*where, v.case_id != 0).order_by(v.clock_id))
    seen: set[tuple[Any, ...]] = set()
    for row in s.execute(apart).all():
        k = tuple(row[:len(keys)])
        days, n, case_id, stage, started_at = row[len(keys):]
        once = (case_id, stage, aware(started_at))
        if once not in seen:  # the first clock in the period of its case, stage and start
            seen.add(once)
            values[k][round(float(days), 2)] += int(n)
    return {k: describe_counts(c) for k, c in values.items()}


def describe_counts(counts: Mapping[float, int]) -> dict[str, float | int | None]:
    """analytics.query.describe of a multiset given as value → count, with the same arithmetic
    (the same order statistics and interpolation; the mean as fsum would: the exact sum,
    rounded once), so the figures are identical without listing every value."""
    items = sorted((float(v), int(n)) for v, n in counts.items() if n > 0)
    total = sum(n for _, n in items)
    if not total:
        return describe([])
    vals = [v for v, _ in items]
    cum = list(accumulate(n for _, n in items))

    def at(i: int) -> float:  # the i-th smallest value (0-based)
        return vals[bisect_right(cum, i)]

    if total == 1:
        q1 = q3 = vals[0]
    else:
        qs = []
        for i in (1, 2, 3):
            j, delta = divmod(i * (total - 1), 4)
            qs.append((at(j) * (4 - delta) + at(j + 1) * delta) / 4)
        q1, q3 = qs[0], qs[2]
    half = total // 2
    median = at(half) if total % 2 else (at(half - 1) + at(half)) / 2
    mean = float(sum((Fraction(v) * n for v, n in items), Fraction(0))) / total
    return {"n": total, "mean": round(mean, 1), "median": round(median, 1), "p25": round(q1, 1),
            "p75": round(q3, 1), "min": round(vals[0], 1), "max": round(vals[-1], 1)}
