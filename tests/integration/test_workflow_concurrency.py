"""Two agencies acting on one case at once never corrupt its state (PostgreSQL, real threads).

Each step takes the case's procedure row for writing first, so steps on one case run one after
the other; whatever order they ran in, the businesses chain (each one's state before is the
previous one's state after), the clocks match the state, nothing is created twice and the audit
chain holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from models.db import session_scope
from models.schema import CaseBusiness, CaseProcedure, User, WorkflowClock
from tests.workflow_support import World, add_case, make_world
from workflow.deadlines import CST

pytestmark = pytest.mark.integration

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=CST)


@pytest.fixture
def world(env: Callable[..., dict[str, str]], pg_url: str) -> Iterator[World]:
    env(database_url=pg_url)
    from models.settings import get_settings

    w = make_world(get_settings())
    yield w
    w.client.close()


def users(w: World) -> dict[str, User]:
    with session_scope(w.settings.db_url) as s:
        out = {u.name: u for u in s.execute(select(User)).scalars()}
        for u in out.values():
            s.expunge(u)
        return out


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at the same moment in threads; each result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, fn: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = fn()
        except Exception as exc:  # the refusals are what the test looks at
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_agencies_racing_on_one_case_keep_it_consistent(world: World) -> None:
    from models.audit import verify_chain
    from services import workflow as wf
    from workflow.errors import WorkflowError

    w = world
    u = users(w)
    cases = []
    for i in range(6):
        case_id, docs = add_case(w.settings, "police-lz", f"兰公立字〔2025〕{i}号",
                                 {"起诉意见书": f"起诉意见书 {i}", "起诉书": f"起诉书 {i}"})
        wf.act(w.settings, u["pol"], case_id, "立案", now=NOW)
        wf.push(w.settings, u["pol"], case_id, "C1", "proc-lz", [docs["起诉意见书"]], now=NOW)
        cases.append((case_id, docs))
    # on every case at once: the procuratorate returns it (C2) and prosecutes it (C5) while the
    # police send it back (C3, legal only after a C2)
    calls: list[Callable[[], Any]] = []
    for case_id, _docs in cases:
        calls += [
            lambda c=case_id: wf.push(w.settings, u["pros"], c, "C2", "police-lz", now=NOW),
            lambda c=case_id: wf.push(w.settings, u["pros"], c, "C5", "court-lz", now=NOW),
            lambda c=case_id: wf.push(w.settings, u["pol"], c, "C3", "proc-lz", now=NOW),
        ]
    results = race(*calls)
    for r in results:
        assert isinstance(r, wf.Pushed | WorkflowError), repr(r)
    assert any(isinstance(r, wf.Pushed) for r in results)
    with session_scope(w.settings.db_url) as s:
        for case_id, _ in cases:
            bs = s.execute(select(CaseBusiness).where(CaseBusiness.case_id == case_id)
                           .order_by(CaseBusiness.id)).scalars().all()
            state = s.get(CaseProcedure, case_id)
            assert state is not None
            chain = [(b.code, b.state_before, b.state_after) for b in bs]
            assert chain[0] == ("C1", "立案侦查", "审查起诉")
            for prev, nxt in zip(bs, bs[1:], strict=False):
                assert nxt.state_before == prev.state_after, chain
            assert bs[-1].state_after == state.state, chain
            assert len({b.code for b in bs}) == len(bs), chain  # nothing twice
            running = {c.base for c in s.execute(select(WorkflowClock).where(
                WorkflowClock.case_id == case_id, WorkflowClock.status == "running")).scalars()}
            expect = {"审查起诉": {"C1"}, "退回补充侦查": {"C2"}, "提起公诉": {"C5"}}[state.state]
            assert running == expect, (chain, running)
        assert verify_chain(s).ok


def test_a_repeated_push_at_once_creates_one_business_and_one_receipt(world: World) -> None:
    from services import workflow as wf

    w = world
    u = users(w)
    case_id, _ = add_case(w.settings, "police-lz", "兰公立字〔2025〕99号", {"换押证": "换押证"})
    wf.act(w.settings, u["pol"], case_id, "立案", now=NOW)
    pushes = race(*[lambda: wf.push(w.settings, u["pol"], case_id, "B1", "proc-lz", now=NOW,
                                    client_key="double-click")] * 8)
    ids = {p.business["id"] for p in pushes if isinstance(p, wf.Pushed)}
    assert len(ids) == 1 and sum(p.created for p in pushes if isinstance(p, wf.Pushed)) == 1
    bid = ids.pop()
    receipts = race(*[lambda: wf.move(w.settings, u["pros"], bid, "receive", now=NOW)] * 4)
    ok = [r for r in receipts if isinstance(r, dict)]
    assert len(ok) == 1 and ok[0]["status"] == "已签收"
    assert all("不能签收" in str(r) for r in receipts if not isinstance(r, dict))
    with session_scope(w.settings.db_url) as s:
        assert len(s.execute(select(CaseBusiness)).scalars().all()) == 1
        assert s.get(CaseProcedure, case_id).version >= 3  # type: ignore[union-attr]
    assert [e.action for e in w.audit()] == ["business.draft", "business.push", "business.receive"]
