"""The rollups answer exactly what the direct queries answer (issue 16).

Random cases are driven through the real workflow API (立案, 拘留 with 1–3 persons, 提请逮捕 and a
批捕 or 不捕 decision, 移送审查起诉 accepted or returned, 退补 up to twice, 起诉 or 不起诉, the
procedure and 认罪认罚 set, 宣判, an appeal, 发回重审 …) by the police of two regions, on both
databases; then every rolled-up statistic, for each agency's user and each 政法委, under several
periods, filters and groupings, is computed from the rollups and directly (``live``) and the two
answers must be identical. Then more steps, an incremental refresh (as the workers run it), and
the same comparison; and a case of one region moves no figure of the other region's 政法委.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from analytics import registry
from analytics.rollup_specs import ROLLED
from models.db import session_scope
from models.schema import Agency, Charge, Party, User
from tests.workflow_support import World, add_case, make_world
from workflow.deadlines import CST

LZ, TS = "甘肃省兰州市", "甘肃省天水市"
DOCS = {"立案决定书": "立案决定书", "起诉意见书": "起诉意见书", "换押证": "换押证",
        "起诉书": "起诉书", "刑事判决书": "刑事判决书"}
CHARGES = ("盗窃罪", "故意伤害罪", "危险驾驶罪")
NOW = datetime(2026, 1, 10, 12, 0, tzinfo=CST)
#: (params) the figures are compared under: periods aligned to a month and not, no period,
#: groupings by month / day / agency / stage / procedure / code, filters
PARAMS: list[dict[str, str]] = [
    {},
    {"from": "2025-03-01", "to": "2025-06-17"},
    {"from": "2025-03-14", "to": "2025-09-30"},
    {"to": "2025-05-31", "group_by": "month"},
    {"from": "2025-02-01", "to": "2025-11-30", "group_by": "month,agency"},
    {"from": "2025-02-01", "to": "2025-11-30", "group_by": "month,stage"},
    {"from": "2025-02-11", "to": "2025-11-30", "group_by": "month"},
    {"from": "2025-04-01", "to": "2025-06-30", "group_by": "day"},
    {"group_by": "agency,stage"},
    {"from": "2025-01-01", "to": "2025-12-31", "group_by": "procedure"},
    {"from": "2025-01-01", "to": "2025-12-31", "group_by": "procedure,code"},
    {"from": "2025-01-01", "to": "2025-12-31", "procedure": "普通", "group_by": "agency"},
    {"case_type": "盗窃", "group_by": "month"},
    {"charge": "故意伤害罪", "group_by": "agency"},
    {"measure": "人", "from": "2025-01-01", "to": "2025-12-31", "group_by": "agency"},
]
#: whose figures are compared: the 政法委 of each region, a procuratorate, a court, a police
USERS = ("zfw", "zfw-ts", "pros", "judge2", "pol-ts")


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, env: Callable[..., dict[str, str]]
          ) -> Iterator[World]:
    if request.param == "postgresql":
        env(DOSSIER_DATABASE_URL=request.getfixturevalue("pg_url"))
    else:
        env()
    from api.auth import add_user, get_or_create_agency, issue_token
    from models.settings import get_settings

    w = make_world(get_settings())
    with session_scope(w.settings.db_url) as s:
        s.execute(update(Agency).values(region=LZ))
        for code, kind, region, user, role in (
                ("police-ts", "police", TS, "pol-ts", "police"),
                ("zfw-lz", "oversight", LZ, "zfw", "oversight"),
                ("zfw-ts", "oversight", TS, "zfw-ts", "oversight")):
            get_or_create_agency(s, code, code, kind).region = region
            w.tokens[user] = issue_token(s, add_user(s, user, role, code), 24)
    yield w
    w.client.close()


def _try(r: Any) -> bool:
    return bool(r.status_code in (200, 201))


def _business(w: World, who: str, case_id: int, code: str, to: str, docs: list[int],
              moves: tuple[str, ...] = ("receive", "accept"), **extra: Any) -> int | None:
    r = w.push(who, case_id, code, to, docs, **extra)
    if not _try(r):
        return None
    bid = int(r.json()["business"]["id"])
    receiver = {"proc-lz": "pros", "court-lz": "judge", "court-lz2": "judge2",
                "police-lz": "pol", "police-ts": "pol-ts", "justice-lz": "just"}[to]
    for m in moves:
        w.move(receiver, bid, m)
    return bid


def drive(w: World, rnd: random.Random, n: int, start: datetime) -> None:
    """``n`` cases through random paths of the procedure, each starting near ``start``; then
    each case's charge, as extraction would have stored it (after the steps: a known case type
    would hold the pushes to its completeness checklist, which these documents do not meet)."""
    charged: list[tuple[int, int, str]] = []
    for i in range(n):
        police, pol = rnd.choice((("police-lz", "pol"), ("police-ts", "pol-ts")))
        case_id, docs = add_case(w.settings, police, f"随机〔2025〕{rnd.randrange(10**8)}号", DOCS)
        charged.append((case_id, docs["起诉意见书"], rnd.choice(CHARGES)))
        t = start + timedelta(days=rnd.randrange(300), hours=rnd.randrange(24))

        def step(days: int = 0) -> None:
            nonlocal t
            t += timedelta(days=rnd.randrange(1, max(2, days)), hours=rnd.randrange(12))
            w.now[0] = t

        d = list(docs.values())
        step()
        w.act(pol, case_id, "立案")
        if rnd.random() < 0.7:
            step(3)
            w.act(pol, case_id, "拘留", persons=[f"甲{i}", f"乙{i}", f"丙{i}"][:rnd.randint(1, 3)])
            w.act(pol, case_id, "讯问")
            step(5)
            if _business(w, pol, case_id, "B1", "proc-lz", d) is not None:
                step(7)
                refused = rnd.random() < 0.25
                _business(w, "pros", case_id, "B2", police, d, (),
                          decision="不批准逮捕" if refused else "批准逮捕")
                if refused and rnd.random() < 0.5:
                    continue
        if rnd.random() < 0.3:
            w.client.put(f"/api/v1/cases/{case_id}/procedure", headers=w.h(pol),
                         json={"procedure": rnd.choice(("简易", "速裁")), "plea": True})
        step(20)
        c1 = _business(w, pol, case_id, "C1", "proc-lz", d, ("receive",))
        if c1 is None:
            continue
        if rnd.random() < 0.25:
            w.move("pros", c1, "return", reason="材料不全")
            continue
        w.move("pros", c1, "accept")
        for _ in range(rnd.choice((0, 0, 1, 2))):
            step(25)
            _business(w, "pros", case_id, "C2", police, d, ())
            step(30)
            _business(w, pol, case_id, "C3", "proc-lz", d)
        step(30)
        if rnd.random() < 0.2:
            _business(w, "pros", case_id, "C4", police, d, ())
            continue
        if _business(w, "pros", case_id, "C5", "court-lz", d) is None:
            continue
        if rnd.random() < 0.3:
            continue  # still at the court
        step(40)
        w.act("judge", case_id, "宣判")
        _business(w, "judge", case_id, "D3", "proc-lz", d, ())
        step(8)
        if rnd.random() < 0.35 and _business(w, "judge", case_id, "D4", "court-lz2", d) is not None:
            step(30)
            decision = rnd.choice(("发回重审", "阅卷"))
            to = "court-lz" if decision == "发回重审" else "proc-lz"
            _business(w, "judge2", case_id, "D5", to, d, (), decision=decision)
    with session_scope(w.settings.db_url) as s:
        for i, (case_id, doc_id, charge) in enumerate(charged):
            party = Party(document_id=doc_id, case_id=case_id, role="defendant", name=f"被告{i}")
            s.add(party)
            s.flush()
            s.add(Charge(document_id=doc_id, party_id=party.id, name=charge))


def _users(w: World, names: tuple[str, ...]) -> list[User]:
    with session_scope(w.settings.db_url) as s:
        users = list(s.execute(select(User).where(User.name.in_(names))).scalars())
        for u in users:
            s.expunge(u)
        return users


def _same(w: World, expect_rollup: bool = True, users: tuple[str, ...] = USERS,
          params: list[dict[str, str]] = PARAMS) -> int:
    """Every rolled-up statistic, for every user and PARAMS, from the rollups and directly;
    returns how many answers came from the rollups."""
    from services.analytics import scope_of

    rolled = 0
    with session_scope(w.settings.db_url) as s:
        for user in _users(w, users):
            scope = scope_of(s, user)
            for name in ROLLED:
                stat = registry.get(name)
                for given in params:
                    p = {k: v for k, v in given.items()
                         if k in ("group_by", "measure") or k in stat.filters}
                    dims = [g for g in p.get("group_by", "").split(",") if g]
                    if any(g not in stat.group_by for g in dims) or (
                            "measure" in p and p["measure"] not in stat.measures):
                        continue
                    live = registry.compute(s, scope, name, p, NOW, live=True)
                    got = registry.compute(s, scope, name, p, NOW)
                    assert got["figures"] == ("rollup" if expect_rollup else "live")
                    rolled += got["figures"] == "rollup"
                    for r in (live, got):
                        r.pop("as_of"), r.pop("figures")
                    assert got == live, (user.name, name, p)
    return rolled


def test_rolled_up_figures_equal_the_direct_ones(world: World) -> None:
    from services.analytics import refresh, scope_of

    w = world
    rnd = random.Random(20251216)
    drive(w, rnd, 14, datetime(2025, 1, 5, 9, 0, tzinfo=CST))
    _same(w, expect_rollup=False, users=("zfw",), params=PARAMS[:2])  # never built: all live
    first = refresh(w.settings, now=datetime.now(UTC))
    assert first is not None and first["full"] and first["cases"] >= 14
    assert _same(w) > 500
    # the random paths reach what the figures count: decisions, returns, appeals, custody
    with session_scope(w.settings.db_url) as s:
        user = s.execute(select(User).where(User.name == "zfw")).scalar_one()
        scope = scope_of(s, user)
        totals = {n: registry.compute(s, scope, n, {}, NOW)["total"] for n in ROLLED}
    counted = {n: (v or {}).get("numerator", (v or {}).get("value")) for n, v in totals.items()}
    assert all(counted[n] for n in ("received", "finished", "pending", "non_arrest_rate",
                                    "return_rate", "pretrial_detention_rate", "stage_days")), counted
    # more steps after the refresh, then the workers' incremental run
    drive(w, rnd, 8, datetime(2025, 2, 1, 9, 0, tzinfo=CST))
    again = refresh(w.settings, now=datetime.now(UTC))
    assert again is not None and not again["full"] and 8 <= again["cases"] < 30
    _same(w, users=("zfw", "pol-ts"), params=PARAMS[:9])


def test_a_region_never_sees_the_other_regions_cases_in_rollups(world: World) -> None:
    from services.analytics import refresh, scope_of

    w = world
    rnd = random.Random(7)
    drive(w, rnd, 6, datetime(2025, 1, 5, 9, 0, tzinfo=CST))
    refresh(w.settings, now=datetime.now(UTC))

    def figures(user_name: str) -> dict[str, Any]:
        with session_scope(w.settings.db_url) as s:
            user = s.execute(select(User).where(User.name == user_name)).scalar_one()
            scope = scope_of(s, user)
            out = {}
            for name in ("received", "business_return_rate", "pending"):
                r = registry.compute(s, scope, name, {"group_by": "agency"}, NOW)
                assert r["figures"] == "rollup"
                out[name] = (r["total"], r["series"])
            return out

    ts, police_ts = figures("zfw-ts"), figures("pol-ts")
    lz = figures("zfw")
    # a case of the 兰州 police, pushed to the 兰州 procuratorate only
    case_id, docs = add_case(w.settings, "police-lz", "兰公（城）立字〔2025〕999号", DOCS)
    w.now[0] = datetime(2025, 6, 1, 9, 0, tzinfo=CST)
    assert _try(w.act("pol", case_id, "立案"))
    assert _business(w, "pol", case_id, "C1", "proc-lz", list(docs.values())) is not None
    refresh(w.settings, now=datetime.now(UTC))
    assert figures("zfw-ts") == ts and figures("pol-ts") == police_ts  # 天水 sees nothing of it
    assert figures("zfw") != lz  # 兰州's 政法委 does
    _same(w, users=("zfw", "zfw-ts", "pol"), params=PARAMS[:3])
