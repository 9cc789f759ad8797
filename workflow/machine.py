"""The case's procedure as a state machine (``data/procedure.toml``): which business or action
may happen in which state, by which kind of agency, and what it does to the clocks.

``plan_business`` / ``plan_action`` decide a step without applying it; a refused step raises
IllegalTransition (or WorkflowError) with a Chinese reason and changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from workflow import registry
from workflow.errors import IllegalTransition, UnknownCode, WorkflowError
from workflow.registry import AGENCY_KINDS, Business, Registry, StatusMove, Transition


@dataclass(frozen=True)
class CaseFacts:
    """What the machine needs to know of a case."""

    state: str
    procedure: str = "普通"
    plea: bool = False
    detained: bool = False

    def clock_facts(self) -> dict[str, Any]:
        return {"procedure": self.procedure, "plea": self.plea, "detained": self.detained}


@dataclass(frozen=True)
class Step:
    """A decided change: the state before and after, and the clocks to start/stop/… (base
    codes of the transition, each with the variant the case keeps)."""

    state_before: str
    state_after: str
    transition: Transition | None
    start: tuple[tuple[str, str], ...] = ()
    stop: tuple[str, ...] = ()
    restart: tuple[tuple[str, str], ...] = ()
    pause: tuple[str, ...] = ()
    pause_reason: str | None = None
    resume: tuple[str, ...] = ()
    detained: bool = False
    basis: str = ""

    @property
    def changes_state(self) -> bool:
        return self.state_before != self.state_after


def kind_name(kind: str) -> str:
    return AGENCY_KINDS.get(kind, kind or "未设定类别的机关")


def state_name(reg: Registry, state: str) -> str:
    return reg.states[state].name if state in reg.states else state


def check_procedure(reg: Registry, procedure: str, plea: bool) -> None:
    """Refuse a procedure the registry does not know, or 速裁 without 认罪认罚."""
    p = reg.procedures.get(procedure)
    if p is None:
        raise WorkflowError(f"未知的程序 {procedure!r}：应为 {'、'.join(reg.procedures)}")
    if p.requires_plea and not plea:
        raise WorkflowError(f"适用{p.name}须犯罪嫌疑人、被告人认罪认罚", basis=p.basis)


def _step(reg: Registry, facts: CaseFacts, t: Transition | None) -> Step:
    cf = facts.clock_facts()
    if t is None:
        return Step(facts.state, facts.state, None, detained=facts.detained)
    detained = facts.detained if t.detained is None else t.detained
    after = {**cf, "detained": detained}
    return Step(
        state_before=facts.state, state_after=t.to, transition=t,
        start=tuple((c, reg.variant(c, after).code) for c in t.start), stop=t.stop,
        restart=tuple((c, reg.variant(c, after).code) for c in t.restart), pause=t.pause,
        pause_reason=t.pause_reason,
        resume=t.resume, detained=detained, basis=t.basis)


def _refuse(reg: Registry, facts: CaseFacts, what: str, candidates: list[Transition]) -> None:
    allowed = sorted({s for t in candidates for s in t.from_states},
                     key=lambda s: list(reg.states).index(s))
    where = "、".join(f"「{state_name(reg, s)}」" for s in allowed) or "任何阶段"
    raise IllegalTransition(
        f"案件当前处于「{state_name(reg, facts.state)}」阶段，不能{what}；只能在{where}阶段进行",
        basis="；".join(dict.fromkeys(t.basis for t in candidates if t.basis)) or None)


def plan_business(reg: Registry, facts: CaseFacts, business: Business | str, *,
                  on: str = "push", decision: str | None = None,
                  sender_kind: str | None = None, receiver_kind: str | None = None,
                  previous: int = 0) -> Step:
    """What pushing (or accepting, completing) ``business`` does to a case in ``facts``.

    ``previous``: how many businesses of this code the case already has (not returned), for
    ``max_per_case`` (退补 at most twice). ``sender_kind``/``receiver_kind``: the agencies' kinds.
    """
    b = reg.business(business) if isinstance(business, str) else business
    label = f"「{b.code} {b.name}」"
    if on == "push":
        if sender_kind is not None and sender_kind not in b.from_kinds:
            raise IllegalTransition(
                f"{kind_name(sender_kind)}不能发起{label}：应由"
                + "或".join(kind_name(k) for k in b.from_kinds) + "发起")
        if receiver_kind is not None and receiver_kind not in b.to_kinds:
            raise IllegalTransition(
                f"{label}应送" + "或".join(kind_name(k) for k in b.to_kinds)
                + f"，不能送{kind_name(receiver_kind)}")
        if b.decisions and decision is None:
            raise WorkflowError(f"{label}须写明决定：{' 或 '.join(b.decisions)}")
        if b.max_per_case is not None and previous >= b.max_per_case:
            raise IllegalTransition(f"{label}每案至多{b.max_per_case}次，本案已有{previous}次",
                                    basis=b.max_basis)
    if decision is not None and b.decisions and decision not in b.decisions:
        raise WorkflowError(f"{label}的决定应为 {' 或 '.join(b.decisions)}，不能是「{decision}」")
    if on == "push" and facts.state in reg.states and reg.states[facts.state].terminal:
        raise IllegalTransition(f"案件已{state_name(reg, facts.state)}，不能再办理{label}")
    mine = [t for t in reg.transitions if t.business == b.code and t.on == on
            and (t.decision is None or t.decision == decision)]
    if not mine:
        if on == "push" and facts.state == reg.initial:
            raise IllegalTransition(f"案件尚未立案，不能办理{label}")
        return _step(reg, facts, None)
    for t in mine:
        if facts.state in t.from_states:
            return _step(reg, facts, t)
    verb = {"push": "推送", "accept": "受理", "complete": "办结"}.get(on, on)
    _refuse(reg, facts, f"{verb}{label}" + (f"（{decision}）" if decision else ""), mine)
    raise AssertionError("unreachable")


def plan_action(reg: Registry, facts: CaseFacts, action: str, *, actor_kind: str | None = None,
                expired: Collection[str] = ()) -> Step:
    """What an action of the owning agency (立案, 拘留, 宣判, 生效 …) does; ``expired``: the
    clock codes already past their last day (生效 needs the 上诉期 over)."""
    mine = [t for t in reg.transitions if t.action == action]
    if not mine:
        raise UnknownCode(f"未知的办案操作「{action}」：应为 {'、'.join(reg.actions())}")
    for t in mine:
        if facts.state not in t.from_states:
            continue
        owner = reg.states[facts.state].owner
        if actor_kind is not None and owner and actor_kind != owner:
            raise IllegalTransition(
                f"案件处于「{state_name(reg, facts.state)}」阶段，由{kind_name(owner)}办理；"
                f"{kind_name(actor_kind)}不能「{action}」")
        missing = [c for c in t.requires_expired if c not in expired]
        if missing:
            names = "、".join(f"「{reg.clock(c).name}」" for c in missing)
            raise IllegalTransition(f"{names}尚未届满，不能「{action}」", basis=t.basis)
        return _step(reg, facts, t)
    _refuse(reg, facts, f"「{action}」", mine)
    raise AssertionError("unreachable")


def check_move(reg: Registry, status: str, move: str, *, reason: str | None = None) -> StatusMove:
    """A business's own status flow: 草稿 → 已推送 → 已签收 → 已受理 / 已退回 → 已办结."""
    m = reg.moves.get(move)
    if m is None:
        raise UnknownCode(f"未知的业务操作 {move!r}：应为 {'、'.join(reg.moves)}")
    if status not in m.from_status:
        names = {"push": "推送", "receive": "签收", "accept": "受理", "return": "退回",
                 "complete": "办结"}
        raise IllegalTransition(f"业务当前为「{status}」，不能{names.get(move, move)}；"
                                f"只有{'、'.join(f'「{s}」' for s in m.from_status)}的业务可以")
    if m.needs_reason and not (reason and reason.strip()):
        raise WorkflowError("退回须写明理由")
    return m


def describe(reg: Registry | None = None) -> Mapping[str, Any]:
    """The machine as data for pages: states with owners, and what leads out of each."""
    reg = reg or registry.load()
    out: dict[str, Any] = {}
    for code, st in reg.states.items():
        leads = [t.action or f"{t.business}" for t in reg.transitions if code in t.from_states]
        out[code] = {"name": st.name, "owner": st.owner, "owner_name": kind_name(st.owner),
                     "terminal": st.terminal, "next": leads}
    return out
