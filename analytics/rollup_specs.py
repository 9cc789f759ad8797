"""Which rows of the rollups are each rolled-up statistic's rows (analytics/rollup*.py).

A :class:`Spec` names the facts table, the conditions that make its rows the direct source's
rows (analytics/sources.py, same codes, statuses and flags), the date column the period and the
months use (None for a snapshot), the column of the agency a row is attributed to, whether it
sums businesses (``amount``) or counts distinct cases, and the groupings (``keys``) its cells
are pre-counted for (bit 1: agency, bit 2: stage or business code).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from analytics import sources as src
from models.schema import AnalyticsBusinessFact, AnalyticsClockFact

C, B = AnalyticsClockFact, AnalyticsBusinessFact
STAGES = tuple(src.STAGES)
OPEN = ("running", "paused")
ALL_KEYS = (0, 1, 2, 3)
FLOW_KEYS = (0, 1)


@dataclass(frozen=True)
class Spec:
    name: str
    table: Any
    where: Callable[[datetime], list[Any]]
    day: str | None
    agency: str = "agency_id"
    amount: bool = False
    keys: tuple[int, ...] = FLOW_KEYS

    @property
    def dimension(self) -> Any:
        """The column grouped as ``stage`` (clocks) or ``code`` (businesses)."""
        return self.table.stage if self.table is C else self.table.code


def _clock(name: str, *cond: Any, day: str = "stop_day", keys: tuple[int, ...] = FLOW_KEYS
           ) -> Spec:
    return Spec(name, C, lambda now: list(cond), day, keys=keys)


def _done(name: str, *bases: str, extra: tuple[Any, ...] = (),
          keys: tuple[int, ...] = FLOW_KEYS) -> Spec:
    return _clock(name, C.stage.in_(bases), C.finished.is_(True), *extra, keys=keys)


def _biz(name: str, codes: tuple[str, ...], agency: str, *cond: Any,
         statuses: tuple[str, ...] = src.LIVE, amount: bool = False) -> Spec:
    return Spec(name, B, lambda now: [B.code.in_(codes), B.status.in_(statuses), *cond], "day",
                agency, amount, (3,) if amount else FLOW_KEYS)


def _snapshot(name: str, where: Callable[[datetime], list[Any]],
              keys: tuple[int, ...] = ()) -> Spec:
    """A count of now: pre-counted when it does not depend on the time (存案), else read as
    rows with ``now`` (临期, 超期)."""
    return Spec(name, C, lambda now: [C.stage.in_(STAGES), *where(now)], None, keys=keys)


RECEIVED = _clock("received", C.stage.in_(STAGES), day="start_day", keys=ALL_KEYS)
FINISHED = _done("finished", *STAGES, keys=ALL_KEYS)
ON_TIME = _done("on_time", *STAGES, extra=(C.on_time.is_(True),), keys=ALL_KEYS)
PENDING = _snapshot("pending", lambda now: [C.status.in_(OPEN)], ALL_KEYS)
NEAR_DUE = _snapshot("near_due", lambda now: [C.status == "running", C.yellow_at <= now,
                                              C.due_at > now])
OVERDUE = _snapshot("overdue", lambda now: [C.status == "running", C.due_at <= now])
TRIAL1 = _done("trial1", "TRIAL1")
TRIAL2 = _done("trial2", "TRIAL2")
ARREST = _biz("arrest", ("B2",), "agency_ft", B.decision.in_(src.ARREST))
DECIDED = _biz("decided", ("C4", "C5"), "from_agency_id", B.from_in.is_(True))
C1 = _biz("c1", ("C1",), "agency_tf")
C5 = _biz("c5", ("C5",), "agency_ft")
PUSHED = _biz("pushed", src._ALL_CODES, "agency_ft", statuses=(*src.LIVE, "已退回"), amount=True)

#: statistic → (its rows, or a rate's denominator; a rate's numerator)
SPECS: dict[str, tuple[Spec, Spec | None]] = {
    "received": (RECEIVED, None),
    "finished": (FINISHED, None),
    "pending": (PENDING, None),
    "on_time_rate": (FINISHED, ON_TIME),
    "near_due": (NEAR_DUE, None),
    "overdue": (OVERDUE, None),
    "non_arrest_rate": (ARREST, _biz("non_arrest", ("B2",), "agency_ft",
                                     B.decision == "不批准逮捕")),
    "non_prosecution_rate": (DECIDED, _biz("c4", ("C4",), "from_agency_id",
                                           B.from_in.is_(True))),
    "return_rate": (C1, _biz("c2_first", ("C2",), "agency_ft", B.nth == 1)),
    "second_return_rate": (C1, _biz("c2_second", ("C2",), "agency_ft", B.nth == 2)),
    "pretrial_detention_rate": (C5, _biz("c5_custody", ("C5",), "agency_ft",
                                         B.in_custody.is_(True))),
    "plea_rate": (DECIDED, _biz("plea", ("C4", "C5"), "from_agency_id", B.from_in.is_(True),
                                B.plea.is_(True))),
    "fast_track_rate": (TRIAL1, _done("trial1_fast", "TRIAL1",
                                      extra=(C.code == "TRIAL1_FAST",))),
    "summary_rate": (TRIAL1, _done("trial1_simple", "TRIAL1",
                                   extra=(C.code == "TRIAL1_SIMPLE",))),
    "appeal_rate": (TRIAL1, _done("trial1_appealed", "TRIAL1", extra=(C.appealed.is_(True),))),
    "remand_rate": (TRIAL2, _done("trial2_remanded", "TRIAL2", extra=(C.remanded.is_(True),))),
    "business_return_rate": (PUSHED, _biz("returned", src._ALL_CODES, "agency_ft",
                                          statuses=("已退回",), amount=True)),
    "delivery_on_time_rate": (_done("g1", "G1"),
                              _done("g1_on_time", "G1", extra=(C.on_time.is_(True),))),
    "assessment_on_time_rate": (_done("f1", "F1"),
                                _done("f1_on_time", "F1", extra=(C.on_time.is_(True),))),
}
ROWS = ("stage_days", "overdue_custody")  # answered as rows (a distribution; persons per clock)
ROLLED = (*SPECS, *ROWS)


def counted() -> list[Spec]:
    """The specs whose cells are pre-counted (each once; snapshots are read as rows)."""
    out: dict[str, Spec] = {}
    for pair in SPECS.values():
        for spec in pair:
            if spec is not None and spec.keys:
                out.setdefault(spec.name, spec)
    return list(out.values())
