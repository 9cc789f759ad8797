"""The one deadline calculator: CPL art. 105 counting over the registry's clocks.

* the first day (or hour) of a period is not counted: a 7-day period starting on 1 March ends at
  the end of 8 March; an hours period starts at the next full hour;
* months end on the same date of the target month, or on its last day when it has none
  (31 January + 1 month = 28/29 February); a period starting on a month's last day ends on the last
  day of the target month when the registry says so (⚠, ``[counting]``);
* a last day on a holiday moves to the next working day, except for custody periods;
* events change a running clock: ``stop``, ``restart`` (退补: the prosecution clock restarts in
  full; at most ``max_restarts``), ``extend`` (an approval: approver, document, added length,
  checked against the clock's extensions), ``pause``/``resume`` (periods that do not count:
  鉴定, 二审阅卷 …, only the reasons the clock lists).

Every result carries its legal basis (and ⚠ when a number or the calendar is unverified).
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, Literal

from workflow import holidays, registry
from workflow.errors import ClockError, WorkflowError
from workflow.registry import ClockDef, ExtensionRule, Period, Registry

CST = timezone(timedelta(hours=8), "CST")  # China Standard Time, no daylight saving

EventKind = Literal["pause", "resume", "extend", "restart", "stop"]


def local(at: datetime | date) -> datetime:
    """An aware datetime in China time (a date is its midnight; a naive datetime is CST)."""
    if not isinstance(at, datetime):
        return datetime.combine(at, time(0), CST)
    if at.tzinfo is None:
        return at.replace(tzinfo=CST)
    return at.astimezone(CST)


def end_of_day(d: date) -> datetime:
    """The instant a period whose last day is ``d`` is over: midnight after ``d``, China time."""
    return datetime.combine(d + timedelta(days=1), time(0), CST)


def add_months(d: date, n: int, month_end_to_month_end: bool = False) -> date:
    """``d`` plus ``n`` months: the same date, or the month's last day when there is none."""
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    last = _cal.monthrange(year, month)[1]
    if month_end_to_month_end and d.day == _cal.monthrange(d.year, d.month)[1]:
        return date(year, month, last)
    return date(year, month, min(d.day, last))


def add_period(d: date, p: Period, reg: Registry, cal: holidays.HolidayCalendar) -> date:
    """The last day of a period of days/months/working days starting on ``d`` (not counted)."""
    if p.workdays:
        return cal.add_working_days(d, p.workdays)
    return add_months(d, p.months, reg.counting.month_end_to_month_end) + timedelta(days=p.days)


@dataclass(frozen=True)
class ClockEvent:
    """Something that happened to a running clock."""

    kind: EventKind
    at: datetime | date
    add: str | None = None  # extend: length added ("15d", "1m")
    to: str | None = None  # extend: the new total length ("15d" for 速裁 10 → 15)
    approver: str | None = None
    document: str | None = None
    reason: str | None = None  # pause: which period does not count (鉴定, 二审阅卷 …)
    filed_at: datetime | date | None = None  # extend: when the request was filed


@dataclass(frozen=True)
class Extension:
    rule: ExtensionRule
    added: Period | None  # what this approval adds (None: it sets a new total, rule.to)
    at: datetime
    approver: str | None
    document: str | None
    label: str


@dataclass(frozen=True)
class Deadline:
    """A clock's due moment and why."""

    clock: str
    name: str
    start: datetime  # the counted start (after the last restart), China time
    due: date | datetime  # the last day, or the last instant for hours
    due_end: datetime  # when the period is over (aware)
    custody: bool
    basis: str
    unverified: bool
    length: str
    direction: str = "after"
    rolled_from: date | None = None
    paused: bool = False
    paused_days: int = 0
    restarts: int = 0
    extensions: tuple[Extension, ...] = ()
    stopped_at: datetime | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def hours_based(self) -> bool:
        return isinstance(self.due, datetime)

    def due_iso(self) -> str:
        if isinstance(self.due, datetime):
            return self.due.isoformat(timespec="minutes")
        return self.due.isoformat()

    def to_dict(self) -> dict[str, Any]:
        return {
            "clock": self.clock, "name": self.name,
            "start": self.start.isoformat(timespec="minutes"), "due": self.due_iso(),
            "due_end": self.due_end.astimezone(UTC).isoformat(), "custody": self.custody,
            "basis": self.basis, "unverified": self.unverified, "length": self.length,
            "rolled_from": self.rolled_from.isoformat() if self.rolled_from else None,
            "paused": self.paused, "paused_days": self.paused_days, "restarts": self.restarts,
            "extensions": [{"label": e.label, "approver": e.approver, "document": e.document,
                            "at": e.at.isoformat(timespec="minutes")} for e in self.extensions],
            "stopped_at": self.stopped_at.isoformat(timespec="minutes") if self.stopped_at else None,
            "warnings": list(self.warnings),
        }


def _is_custody(clock: ClockDef, detained: bool | None) -> bool:
    return clock.custody == "always" or (clock.custody == "if_detained" and bool(detained))


def _match_extension(clock: ClockDef, used: list[ExtensionRule], ev: ClockEvent) -> ExtensionRule:
    free = [r for r in clock.extensions if r not in used or clock.extensions.count(r) > used.count(r)]
    if not clock.extensions:
        raise ClockError(f"「{clock.name}」没有可以延长的规定", basis=clock.basis)
    if not free:
        raise ClockError(f"「{clock.name}」的延长次数已用尽（共{len(clock.extensions)}次）",
                         basis="；".join(r.basis for r in clock.extensions))
    want_add = Period.parse(ev.add) if ev.add else None
    want_to = Period.parse(ev.to) if ev.to else None
    for rule in free:
        if want_to is not None and rule.to == want_to:
            return rule
        if want_add is not None and rule.add is not None and _fits(want_add, rule.add):
            return rule
        if want_add is None and want_to is None:
            return rule
    allowed = "、".join(r.label() for r in free)
    asked = f"延长{want_add.chinese()}" if want_add else f"延长至{want_to.chinese() if want_to else ''}"
    raise ClockError(f"「{clock.name}」不能{asked}；可以：{allowed}",
                     basis="；".join(r.basis for r in free))


def _fits(asked: Period, allowed: Period) -> bool:
    """An extension of ``asked`` is within ``allowed`` (same unit, not longer)."""
    return asked.unit == allowed.unit and asked.approx_days() <= allowed.approx_days() and (
        asked.hours <= allowed.hours)


def compute(clock: ClockDef | str, start: datetime | date, events: Iterable[ClockEvent] = (), *,
            detained: bool | None = None, now: datetime | None = None,
            reg: Registry | None = None,
            cal: holidays.HolidayCalendar | None = None) -> Deadline:
    """The deadline of ``clock`` started at ``start`` after ``events`` (in time order).

    ``detained``: the person is in custody (a clock marked ``if_detained`` then never moves its
    last day for a holiday). ``now``: for an open pause, count the paused days up to now.
    Raises ClockError for an event the clock does not allow (a third restart, an extension
    not provided for, a pause for a reason that counts).
    """
    reg = reg or registry.load()
    cal = cal or holidays.load()
    if isinstance(clock, str):
        clock = reg.kind(clock)
    custody = _is_custody(clock, detained)
    began = local(start)
    eff = began
    used: list[ExtensionRule] = []
    exts: list[Extension] = []
    paused_days, restarts = 0, 0
    open_pause: datetime | None = None
    pause_bases: list[str] = []
    stopped: datetime | None = None
    warnings: list[str] = []
    for ev in sorted(events, key=lambda e: local(e.at)):
        at = local(ev.at)
        if ev.kind == "restart":
            restarts += 1
            if clock.max_restarts is not None and restarts > clock.max_restarts:
                raise ClockError(f"「{clock.name}」至多重新计算{clock.max_restarts}次，"
                                 f"不能第{restarts}次重新计算",
                                 basis=clock.restart_basis or clock.basis)
            eff, used, exts, paused_days, open_pause, stopped = at, [], [], 0, None, None
        elif ev.kind == "stop":
            if open_pause is not None:
                paused_days += (at.date() - open_pause.date()).days
                open_pause = None
            stopped = at
        elif ev.kind == "pause":
            if clock.length.hours:
                raise ClockError(f"按小时计算的「{clock.name}」不能中止计算")
            rules = [p for p in clock.pauses if p.reason == ev.reason]
            if not rules:
                allowed = "、".join(p.reason for p in clock.pauses) or "无"
                raise ClockError(f"「{ev.reason or '（未写原因）'}」的期间计入「{clock.name}」，"
                                 f"不能中止计算（可不计入的期间：{allowed}）", basis=clock.basis)
            if open_pause is not None:
                raise ClockError(f"「{clock.name}」已在中止计算中")
            open_pause = at
            pause_bases.append(rules[0].basis)
        elif ev.kind == "resume":
            if open_pause is None:
                raise ClockError(f"「{clock.name}」没有中止，无需恢复计算")
            paused_days += (at.date() - open_pause.date()).days
            open_pause = None
        elif ev.kind == "extend":
            rule = _match_extension(clock, used, ev)
            used.append(rule)
            added = None if rule.to else (Period.parse(ev.add) if ev.add else rule.add)
            label = f"延长{added.chinese()}" if added else rule.label()
            exts.append(Extension(rule, added, at, ev.approver, ev.document, label))
        else:  # pragma: no cover - Literal guards it
            raise WorkflowError(f"未知的期限事件 {ev.kind!r}")
    paused = open_pause is not None
    if paused and now is not None:
        paused_days += max(0, (local(now).date() - open_pause.date()).days)  # type: ignore[union-attr]

    bases = [clock.basis, reg.counting.basis]
    rolled_from: date | None = None
    due: date | datetime
    length = clock.length
    for e in exts:
        if e.rule.to is not None:
            length = e.rule.to
    adds = [e for e in exts if e.added is not None]
    if clock.length.hours:
        first = eff.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        total = length.hours + sum(_added(e).hours for e in adds)
        due = first + timedelta(hours=total)
        due_end = due
        bases.append(reg.counting.hour_basis)
    elif clock.direction == "before":
        due = eff.date() - timedelta(days=length.days) - timedelta(days=30 * length.months)
        due_end = end_of_day(due)
    else:
        last = add_period(eff.date(), length, reg, cal)
        for e in exts:  # 规则 309: filed at least filing_lead before the expiry then in force
            if clock.filing_lead and add_period(e.at.date(), clock.filing_lead, reg, cal) > last:
                warnings.append(f"{e.label}晚于届满前{clock.filing_lead.chinese()}提请"
                                f"（{clock.filing_basis or ''}）")
            if e.added is not None:
                last = add_period(last, e.added, reg, cal)
        last += timedelta(days=paused_days)
        if length.months or any(_added(e).months for e in adds):
            bases.append(reg.counting.month_basis)
            months = length.months
            if reg.counting.month_end_to_month_end and months and add_months(
                    eff.date(), months, True) != add_months(eff.date(), months, False):
                bases.append(reg.counting.month_end_basis
                             + (" ⚠" if reg.counting.month_end_unverified else ""))
        if custody:
            bases.append(reg.counting.custody_basis)
        elif not length.workdays:
            moved = cal.next_working_day(last)
            if moved != last:
                rolled_from, last = last, moved
                bases.append(reg.counting.holiday_basis + f"：{rolled_from.isoformat()}为节假日，"
                             f"顺延至{moved.isoformat()}")
        due, due_end = last, end_of_day(last)
    unverified = clock.unverified or any(e.rule.unverified for e in exts)
    if isinstance(due, date) and not isinstance(due, datetime) and not clock.length.hours and (
            not custody or length.workdays):
        note = cal.note(due) or (cal.note(rolled_from) if rolled_from else None)
        if note:
            bases.append(note)
            unverified = True
    if any(reg.counting.month_end_basis in b for b in bases) and reg.counting.month_end_unverified:
        unverified = True
    bases.extend(e.rule.basis + (f"（{e.approver}批准" + (f"，{e.document}" if e.document else "")
                                 + "）" if e.approver else "") for e in exts)
    bases.extend(dict.fromkeys(pause_bases))
    if restarts:
        bases.append((clock.restart_basis or "重新计算") + f"（已重新计算{restarts}次）")
    if clock.unverified:
        bases[0] = bases[0] + " ⚠"
    return Deadline(
        clock=clock.code, name=clock.name, start=eff, due=due, due_end=due_end, custody=custody,
        basis="；".join(dict.fromkeys(bases)), unverified=unverified, length=str(length),
        direction=clock.direction, rolled_from=rolled_from, paused=paused,
        paused_days=paused_days, restarts=restarts, extensions=tuple(exts), stopped_at=stopped,
        warnings=tuple(warnings))


def _added(e: Extension) -> Period:
    assert e.added is not None
    return e.added


def parse_start(text: str) -> datetime:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM`` (China time) → an aware datetime."""
    try:
        if "T" in text or " " in text:
            return local(datetime.fromisoformat(text.replace(" ", "T")))
        return local(date.fromisoformat(text))
    except ValueError:
        raise WorkflowError(f"无法识别的起算日期 {text!r}（应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM）") from None


def deadline_for(kind: str, start: str | datetime, *, custody: bool = False,
                 facts: Mapping[str, Any] | None = None) -> Deadline:
    """What ``dossier deadline KIND --start … [--custody]`` prints: KIND is a business code (its
    period) or a clock code; ``custody`` says the person is detained."""
    reg = registry.load()
    clock = reg.kind(kind)
    if facts:
        clock = reg.variant(clock.code, facts)
    at = parse_start(start) if isinstance(start, str) else local(start)
    if clock.length.hours and isinstance(start, str) and "T" not in start and " " not in start:
        raise WorkflowError(f"「{clock.name}」按小时计算，起算须写到时刻：YYYY-MM-DDTHH:MM")
    return compute(clock, at, detained=custody, reg=reg)
