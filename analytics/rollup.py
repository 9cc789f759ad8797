"""Reading the rollups (analytics/rollup_build.py): the statistics that are slow at scale, answered
from one scope's pre-attributed rows instead of joining businesses, clocks, shares and procedures.

Each rolled-up statistic names, for its denominator and numerator, the rows of the facts tables
that are the direct source's rows (the same conditions, as stored columns) — the direct queries
of analytics/sources.py stay the definition, and ``tests/integration/test_analytics_rollup.py``
holds every figure read here equal to the direct one. Counting is the same: distinct cases per
group, their persons, or the summed amount. A reader whose scope is no stored scope (the
regions changed since the last refresh), a statistic not listed, or rollups never built: the
direct path answers, live.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, false, func, select
from sqlalchemy.orm import Session

from analytics import rollup_cells, rollup_values
from analytics.query import CASE_TYPES, Counts, Ctx, Key, aware
from analytics.rollup_specs import ROLLED, STAGES, C, Spec
from models.schema import (
    AnalyticsRefresh,
    AnalyticsScope,
    Charge,
    Document,
)


def state(s: Session) -> AnalyticsRefresh | None:
    return s.get(AnalyticsRefresh, 1)


def locate(s: Session, ids: Sequence[int]) -> tuple[str, datetime] | None:
    """(the stored scope standing for exactly these agencies, the rollups' ``as_of``), in one
    query; None when never built or no scope matches (the regions changed since)."""
    wanted = set(ids)
    sc, r = AnalyticsScope, AnalyticsRefresh
    if len(wanted) == 1:
        only = next(iter(wanted))
        cond = and_(sc.scope == f"a:{only}", sc.agency_id == only)
    else:
        cond = sc.scope.in_(select(sc.scope).where(sc.scope.like("r:%"),
                                                   sc.agency_id.in_(sorted(wanted))))
    members: dict[str, set[int]] = defaultdict(set)
    as_of = None
    for key, aid, at in s.execute(select(sc.scope, sc.agency_id, r.as_of)
                                  .join(r, r.id == 1).where(cond)).all():
        members[key].add(int(aid))
        as_of = at
    key = next((k for k, m in members.items() if m == wanted), None)
    return (key, aware(as_of)) if key and as_of else None


@dataclass
class Reader:
    """One statistic read from one scope's facts."""

    ctx: Ctx
    key: str
    as_of: datetime
    _cache: dict[tuple[str, tuple[str, ...]], dict[Key, Counts]] = field(default_factory=dict)

    def prefetch(self, asked: Sequence[tuple[Spec, tuple[str, ...]]]) -> None:
        """Read the counts of several (spec, grouping) pairs in one round trip (a rate's
        numerator and denominator, grouped and in total), for ``aggregate`` to find."""
        self._cache.update(rollup_cells.read_many(self.ctx.s, self.key, asked,
                                                  self.ctx.filters))

    def _case_filters(self, t: Any) -> list[Any]:
        f, out = self.ctx.filters, []
        names: tuple[str, ...] = CASE_TYPES[f.case_type] if f.case_type else ()
        if f.charge:
            names = tuple(n for n in names if n == f.charge) if names else (f.charge,)
            if not names:
                out.append(false())
        if names:
            out.append(t.case_id.in_(select(Document.case_id).join(
                Charge, Charge.document_id == Document.id).where(Charge.name.in_(names))))
        if f.procedure:
            out.append(t.procedure == f.procedure)
        return out

    def _period(self, col: Any) -> list[Any]:
        f = self.ctx.filters
        return [c for c in ((col >= f.date_from.isoformat()) if f.date_from else None,
                            (col <= f.date_to.isoformat()) if f.date_to else None)
                if c is not None]

    def rows(self, spec: Spec) -> Select[Any]:
        t = spec.table
        cols = [t.case_id.label("case_id"), getattr(t, spec.agency).label("agency_id"),
                t.procedure.label("procedure"), t.persons.label("persons"),
                spec.dimension.label("stage" if t is C else "code")]
        where = [t.scope == self.key, *spec.where(self.ctx.now), *self._case_filters(t)]
        if spec.day:
            cols.append(getattr(t, spec.day).label("day"))
            where += self._period(getattr(t, spec.day))
        return select(*cols).where(*where)

    def aggregate(self, spec: Spec, dims: Sequence[str]) -> dict[Key, Counts]:
        """As analytics.query.aggregate: distinct cases and their persons per group, or the
        summed amount (one per row) and the distinct cases."""
        cached = self._cache.get((spec.name, tuple(dims)))
        if cached is not None:
            return cached
        cells = rollup_cells.read(self.ctx.s, self.key, spec, dims, self.ctx.filters)
        if cells is not None:
            return cells
        sq = self.rows(spec).subquery()

        def key(d: str) -> Any:
            if d in ("month", "day"):
                return func.substr(sq.c.day, 1, 7 if d == "month" else 10)
            return sq.c.agency_id if d == "agency" else sq.c[d]

        keys = [key(d).label(f"k{i}") for i, d in enumerate(dims)]
        out: dict[Key, Counts] = defaultdict(Counts)
        s = self.ctx.s
        if spec.amount:
            q = select(*keys, func.count(), func.count(func.distinct(sq.c.case_id)))
            for row in s.execute(q.group_by(*keys) if keys else q).all():
                c = out[tuple(row[:len(keys)])]
                c.amount, c.cases = float(row[len(keys)] or 0), int(row[len(keys) + 1] or 0)
            return dict(out)
        inner = select(*keys, sq.c.case_id, sq.c.persons).distinct().subquery()
        ik = [inner.c[f"k{i}"] for i in range(len(dims))]
        q = select(*ik, func.count(), func.sum(inner.c.persons))
        for row in s.execute(q.group_by(*ik) if ik else q).all():
            c = out[tuple(row[:len(ik)])]
            c.cases, c.persons = int(row[len(ik)] or 0), int(row[len(ik) + 1] or 0)
        return dict(out)

    def pooled(self) -> bool:
        """Whether 各阶段办案天数 can be read from the pooled values (no case-type or charge
        filter)."""
        return not (self.ctx.filters.case_type or self.ctx.filters.charge)

    def distribution(self, dims: Sequence[str]) -> dict[Key, dict[str, Any]]:
        """各阶段办案天数 per group from the pooled values."""
        return rollup_values.read(self.ctx.s, self.key, dims, self.ctx.filters)

    def stage_days(self) -> list[dict[str, Any]]:
        """analytics.sources.stage_days' rows: finished stage clocks with their net days, the
        per-person clocks of one case and stage started together once."""
        q = (select(C.case_id, C.agency_id, C.stop_day, C.stage, C.started_at, C.days)
             .where(C.scope == self.key, C.stage.in_(STAGES), C.finished.is_(True),
                    C.days.is_not(None), *self._period(C.stop_day), *self._case_filters(C))
             .order_by(C.clock_id))
        rows, seen = [], set()
        for case_id, agency_id, day, stage, started_at, days in self.ctx.s.execute(q).all():
            key = (case_id, stage, aware(started_at))
            if key not in seen:
                seen.add(key)
                rows.append({"case_id": case_id, "agency_id": agency_id, "day": day,
                             "stage": stage, "value": round(float(days or 0), 2)})
        return rows

    def overdue_custody(self) -> list[dict[str, Any]]:
        """analytics.sources.overdue_custody's rows from the facts."""
        q = (select(C.case_id, C.agency_id, C.stage, C.person, C.due_at, C.persons)
             .where(C.scope == self.key, C.custody.is_(True), C.status == "running",
                    C.due_at <= self.ctx.now, *self._case_filters(C)))
        by_stage = "stage" in self.ctx.filters.group_by
        groups: dict[tuple[Any, ...], dict[str, Any]] = {}
        for case_id, agency_id, stage, person, due_at, persons in self.ctx.s.execute(q).all():
            k = (case_id, agency_id, stage if by_stage else None)
            g = groups.setdefault(k, {"named": set(), "whole": False, "at": due_at,
                                      "persons": persons})
            g["at"] = min(g["at"], due_at)
            if person:
                g["named"].add(person)
            else:
                g["whole"] = True
        return [{"case_id": k[0], "agency_id": k[1], "stage": k[2], "at": g["at"],
                 "persons": g["persons"] if g["whole"] else len(g["named"])}
                for k, g in groups.items()]


def reader(ctx: Ctx, name: str) -> Reader | None:
    """A reader of the rollups for this statistic and scope, or None (answer directly)."""
    if name not in ROLLED:
        return None
    found = locate(ctx.s, ctx.ids)
    return Reader(ctx, *found) if found else None
