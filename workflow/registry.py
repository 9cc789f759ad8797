"""The business registry, its clocks and the state machine, read from ``workflow/data``.

Everything the law fixes lives in the TOML files; this module only parses and checks them (every
code named exists) into frozen dataclasses. ``load()`` is cached: the files are read once.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from workflow.errors import UnknownCode, WorkflowError

DATA = Path(__file__).with_name("data")
AGENCY_KINDS = {"police": "公安机关", "procuratorate": "人民检察院", "court": "人民法院",
                "justice": "司法行政机关"}
ACCESS = ("read", "write")
CUSTODY = ("always", "never", "if_detained")
MOVES = ("push", "receive", "accept", "return", "complete")

_PERIOD = re.compile(r"^(?:(\d+)m)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)wd)?$")


@dataclass(frozen=True)
class Period:
    """A length of time as the law states it: months, days, hours or working days."""

    months: int = 0
    days: int = 0
    hours: int = 0
    workdays: int = 0

    @classmethod
    def parse(cls, text: str) -> Period:
        m = _PERIOD.match(text.strip()) if text else None
        if not m or not any(m.groups()) and text.strip() != "0d":
            raise WorkflowError(f"无法识别的期间长度 {text!r}（应如 7d、1m、24h、10wd、1m15d）")
        mo, d, h, wd = (int(g) if g else 0 for g in m.groups())
        p = cls(mo, d, h, wd)
        if p.hours and (p.months or p.days or p.workdays) or p.workdays and (p.months or p.days):
            raise WorkflowError(f"期间长度 {text!r} 混用了小时、工作日与日/月")
        return p

    @property
    def unit(self) -> str:
        return "h" if self.hours else "wd" if self.workdays else "d"

    def __str__(self) -> str:
        parts = [(self.months, "m"), (self.days, "d"), (self.hours, "h"), (self.workdays, "wd")]
        return "".join(f"{n}{u}" for n, u in parts if n) or "0d"

    def chinese(self) -> str:
        parts = [(self.months, "个月"), (self.days, "日"), (self.hours, "小时"), (self.workdays, "个工作日")]
        return "".join(f"{n}{u}" for n, u in parts if n) or "立即"

    def approx_days(self) -> int:
        return self.months * 30 + self.days + self.workdays + (self.hours + 23) // 24


@dataclass(frozen=True)
class ExtensionRule:
    add: Period | None
    to: Period | None
    approver: str
    basis: str
    unverified: bool = False

    def label(self) -> str:
        return f"延长{self.add.chinese()}" if self.add else f"延长至{self.to.chinese() if self.to else ''}"


@dataclass(frozen=True)
class PauseRule:
    reason: str
    basis: str


@dataclass(frozen=True)
class Variant:
    when: Mapping[str, Any]
    clock: str


@dataclass(frozen=True)
class ClockDef:
    code: str
    name: str
    length: Period
    custody: str
    basis: str
    direction: str = "after"
    unverified: bool = False
    extensions: tuple[ExtensionRule, ...] = ()
    max_restarts: int | None = None
    restart_basis: str | None = None
    pauses: tuple[PauseRule, ...] = ()
    filing_lead: Period | None = None
    filing_basis: str | None = None
    variants: tuple[Variant, ...] = ()
    duty: bool = True  # an agency's duty: reminders, and an overrun needs a reason


@dataclass(frozen=True)
class Business:
    code: str
    category: str
    name: str
    from_kinds: tuple[str, ...]
    to_kinds: tuple[str, ...]
    documents: tuple[str, ...]
    documents_named: tuple[str, ...]
    reply_to: tuple[str, ...]
    period: str
    access: str
    decisions: tuple[str, ...] = ()
    max_per_case: int | None = None
    max_basis: str | None = None
    receiver_clock: str | None = None  # kept by the receiver from the push until it completes


@dataclass(frozen=True)
class Transition:
    to: str
    from_states: tuple[str, ...]
    action: str | None = None
    business: str | None = None
    decision: str | None = None
    on: str = "push"  # push | accept | complete (businesses); "action" for actions
    start: tuple[str, ...] = ()
    stop: tuple[str, ...] = ()
    restart: tuple[str, ...] = ()
    pause: tuple[str, ...] = ()
    pause_reason: str | None = None  # which period that does not count (the clock's pauses)
    resume: tuple[str, ...] = ()
    detained: bool | None = None
    requires_expired: tuple[str, ...] = ()
    basis: str = ""
    #: an action that may concern some of the case's persons only (拘留 of one more person on
    #: a day of its own, 讯问 of one of them): its per-person clocks follow the named persons
    per_person: bool = False


@dataclass(frozen=True)
class State:
    code: str
    owner: str
    name: str
    terminal: bool = False


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    basis: str
    requires_plea: bool = False


@dataclass(frozen=True)
class StatusMove:
    name: str
    from_status: tuple[str, ...]
    to: str
    by: str
    needs_reason: bool = False


@dataclass(frozen=True)
class Counting:
    basis: str
    month_basis: str
    month_end_to_month_end: bool
    month_end_basis: str
    month_end_unverified: bool
    hour_basis: str
    holiday_basis: str
    custody_basis: str


@dataclass(frozen=True)
class Registry:
    counting: Counting
    categories: Mapping[str, str]
    businesses: Mapping[str, Business]
    clocks: Mapping[str, ClockDef]
    states: Mapping[str, State]
    initial: str
    transitions: tuple[Transition, ...]
    procedures: Mapping[str, Procedure]
    plea_basis: str
    statuses: tuple[str, ...]
    moves: Mapping[str, StatusMove] = field(default_factory=dict)

    def business(self, code: str) -> Business:
        try:
            return self.businesses[code.upper()]
        except KeyError:
            raise UnknownCode(f"未知的协同业务编码 {code!r}（应为 A1…G3 之一）") from None

    def clock(self, code: str) -> ClockDef:
        try:
            return self.clocks[code.upper()]
        except KeyError:
            raise UnknownCode(f"未知的期限编码 {code!r}") from None

    def kind(self, code: str) -> ClockDef:
        """A business code (its period) or a clock code, as ``dossier deadline KIND`` takes it."""
        key = code.strip().upper()
        if key in self.businesses:
            return self.clocks[self.businesses[key].period]
        if key in self.clocks:
            return self.clocks[key]
        raise UnknownCode(f"未知的期限种类 {code!r}：应为协同业务编码（A1…G3，如 B2、C1、D4、G1）"
                          f"或期限编码（{', '.join(sorted(self.clocks))}）")

    def variant(self, code: str, facts: Mapping[str, Any]) -> ClockDef:
        """The clock a case with these facts (procedure, detained …) keeps for ``code``."""
        clock = self.clock(code)
        for v in clock.variants:
            if all(facts.get(k) == want for k, want in v.when.items()):
                return self.clocks[v.clock]
        return clock

    def no_duty(self) -> list[str]:
        """Clocks that are no agency's duty (a party's appeal period …): no reminder levels,
        and their expiry is no overrun."""
        return sorted(c.code for c in self.clocks.values() if not c.duty)

    def actions(self) -> list[str]:
        return sorted({t.action for t in self.transitions if t.action})


def _period(value: Any, where: str) -> Period:
    if not isinstance(value, str):
        raise WorkflowError(f"{where}: 期间长度必须是字符串")
    return Period.parse(value)


def _clock(code: str, raw: dict[str, Any]) -> ClockDef:
    where = f"clock.{code}"
    custody = raw.get("custody", "never")
    if custody not in CUSTODY:
        raise WorkflowError(f"{where}: custody 应为 {CUSTODY}")
    exts = []
    for e in raw.get("extensions", []):
        add = _period(e["add"], where) if "add" in e else None
        to = _period(e["to"], where) if "to" in e else None
        if (add is None) == (to is None):
            raise WorkflowError(f"{where}: 延长须写 add 或 to 之一")
        exts.append(ExtensionRule(add, to, e.get("approver", ""), e["basis"],
                                  bool(e.get("unverified", False))))
    return ClockDef(
        code=code, name=raw["name"], length=_period(raw["length"], where), custody=custody,
        basis=raw["basis"], direction=raw.get("direction", "after"),
        unverified=bool(raw.get("unverified", False)), extensions=tuple(exts),
        max_restarts=raw.get("max_restarts"), restart_basis=raw.get("restart_basis"),
        pauses=tuple(PauseRule(p["reason"], p["basis"]) for p in raw.get("pauses", [])),
        filing_lead=_period(raw["filing_lead"], where) if "filing_lead" in raw else None,
        filing_basis=raw.get("filing_basis"),
        variants=tuple(Variant(dict(v["when"]), v["clock"]) for v in raw.get("variants", [])),
        duty=bool(raw.get("duty", True)))


def parse(registry: dict[str, Any], procedure: dict[str, Any]) -> Registry:
    """Build and check a Registry from the two files' contents (every named code must exist)."""
    clocks = {code: _clock(code, raw) for code, raw in registry["clock"].items()}
    businesses: dict[str, Business] = {}
    for raw in registry["business"]:
        b = Business(code=raw["code"], category=raw["category"], name=raw["name"],
                     from_kinds=tuple(raw["from"]), to_kinds=tuple(raw["to"]),
                     documents=tuple(raw.get("documents", [])),
                     documents_named=tuple(raw.get("documents_named", [])),
                     reply_to=tuple(raw.get("reply_to", [])), period=raw["period"],
                     access=raw.get("access", "read"), decisions=tuple(raw.get("decisions", [])),
                     max_per_case=raw.get("max_per_case"), max_basis=raw.get("max_basis"),
                     receiver_clock=raw.get("receiver_clock"))
        if b.code in businesses:
            raise WorkflowError(f"业务编码 {b.code} 重复")
        businesses[b.code] = b
    states = {code: State(code, raw.get("owner", ""), raw.get("name", code),
                          bool(raw.get("terminal", False)))
              for code, raw in procedure["states"].items()}
    transitions = []
    for raw in procedure["transition"]:
        transitions.append(Transition(
            to=raw["to"], from_states=tuple(raw["from"]), action=raw.get("action"),
            business=raw.get("business"), decision=raw.get("decision"),
            on=raw.get("on", "push") if raw.get("business") else "action",
            start=tuple(raw.get("start", [])), stop=tuple(raw.get("stop", [])),
            restart=tuple(raw.get("restart", [])), pause=tuple(raw.get("pause", [])),
            pause_reason=raw.get("pause_reason"),
            resume=tuple(raw.get("resume", [])), detained=raw.get("detained"),
            requires_expired=tuple(raw.get("requires_expired", [])), basis=raw.get("basis", ""),
            per_person=bool(raw.get("per_person", False))))
    c = registry["counting"]
    counting = Counting(c["basis"], c["month_basis"], bool(c["month_end_to_month_end"]),
                        c["month_end_basis"], bool(c.get("month_end_unverified", False)),
                        c["hour_basis"], c["holiday_basis"], c["custody_basis"])
    st = procedure["status"]
    moves = {name: StatusMove(name, tuple(m["from"]), m["to"], m["by"],
                              bool(m.get("needs_reason", False)))
             for name, m in st["moves"].items()}
    reg = Registry(
        counting=counting, categories=dict(registry["categories"]), businesses=businesses,
        clocks=clocks, states=states, initial=procedure["initial"],
        transitions=tuple(transitions),
        procedures={k: Procedure(k, v["name"], v["basis"], bool(v.get("requires_plea", False)))
                    for k, v in procedure["procedures"].items()},
        plea_basis=procedure["plea"]["basis"], statuses=tuple(st["names"]), moves=moves)
    _check(reg)
    return reg


def _check(reg: Registry) -> None:
    problems = []
    for b in reg.businesses.values():
        if b.category not in reg.categories:
            problems.append(f"{b.code}: 未知类别 {b.category}")
        if b.period not in reg.clocks:
            problems.append(f"{b.code}: 未知期限 {b.period}")
        if b.receiver_clock is not None and b.receiver_clock not in reg.clocks:
            problems.append(f"{b.code}: 未知期限 {b.receiver_clock}")
        if b.access not in ACCESS:
            problems.append(f"{b.code}: access 应为 read 或 write")
        for kind in (*b.from_kinds, *b.to_kinds):
            if kind not in AGENCY_KINDS:
                problems.append(f"{b.code}: 未知机关类别 {kind}")
        for r in b.reply_to:
            if r not in reg.businesses:
                problems.append(f"{b.code}: reply_to 未知业务 {r}")
    for c in reg.clocks.values():
        for v in c.variants:
            if v.clock not in reg.clocks:
                problems.append(f"clock.{c.code}: 变体 {v.clock} 不存在")
        if c.direction not in ("after", "before"):
            problems.append(f"clock.{c.code}: direction 应为 after 或 before")
    if reg.initial not in reg.states:
        problems.append(f"初始状态 {reg.initial} 不存在")
    for t in reg.transitions:
        label = t.action or f"{t.business}/{t.on}"
        for s in (*t.from_states, t.to):
            if s not in reg.states:
                problems.append(f"transition {label}: 未知状态 {s}")
        for code in (*t.start, *t.stop, *t.restart, *t.pause, *t.resume, *t.requires_expired):
            if code not in reg.clocks:
                problems.append(f"transition {label}: 未知期限 {code}")
        for code in t.pause:
            if code in reg.clocks and t.pause_reason not in {p.reason for p in reg.clocks[code].pauses}:
                problems.append(f"transition {label}: 期限 {code} 不能因「{t.pause_reason}」中止")
        if t.business and t.business not in reg.businesses:
            problems.append(f"transition {label}: 未知业务")
        if t.business and t.on not in ("push", "accept", "complete"):
            problems.append(f"transition {label}: on 应为 push/accept/complete")
        if t.decision and t.business and t.decision not in reg.businesses[t.business].decisions:
            problems.append(f"transition {label}: 决定 {t.decision} 不在业务的 decisions 中")
    for m in reg.moves.values():
        for s in (*m.from_status, m.to):
            if s not in reg.statuses:
                problems.append(f"status move {m.name}: 未知状态 {s}")
    if problems:
        raise WorkflowError("workflow 数据文件有误：" + "；".join(problems))


@lru_cache(maxsize=4)
def load(data_dir: Path = DATA) -> Registry:
    """The registry of ``data_dir`` (default: the files shipped in this package)."""
    with (data_dir / "registry.toml").open("rb") as fh:
        registry = tomllib.load(fh)
    with (data_dir / "procedure.toml").open("rb") as fh:
        procedure = tomllib.load(fh)
    return parse(registry, procedure)
