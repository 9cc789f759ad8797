"""Every statistic of the registry on the hand-built pool of tests/support/analytics_world.py.

Each expected value is worked out in the test from the rows the world writes (see its comments),
never by the query under test. The scope of each user comes from models.visibility (through
services.analytics.scope_of), so these are also the visibility tests of the figures: an agency's
figures never count another agency's rows, a 政法委 user of one region never sees the other's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analytics import registry
from analytics.errors import AnalyticsError, NotComputable, UnknownStatistic
from models.db import dispose_all, session_scope
from services.analytics import scope_of
from tests.support.analytics_world import NOW, World, build
from tests.support.env import need

MARCH_APRIL = {"from": "2025-03-01", "to": "2025-04-30"}
FEB_MAR = {"from": "2025-02-01", "to": "2025-03-31"}
ALL_2025 = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[World]:
    """The pool once per module and database (PostgreSQL: a database of its own, dropped)."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("analytics") / "pool.sqlite3"
        yield build(f"sqlite:///{path}")
        dispose_all()
        return
    import sqlalchemy as sa

    admin = need("DOSSIER_TEST_POSTGRES_URL")
    name = f"dossier_an_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield build(admin.rsplit("/", 1)[0] + f"/{name}")
    finally:
        dispose_all()
        with engine.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def stat(w: World, who: str, name: str, **params: str) -> dict[str, Any]:
    with session_scope(w.db_url) as s:
        return registry.compute(s, scope_of(s, w.user[who]), name, params, NOW)


def cases(w: World, who: str, name: str, group: str | None = None, **params: str
          ) -> dict[str, Any]:
    with session_scope(w.db_url) as s:
        return registry.drill(s, scope_of(s, w.user[who]), name, params, group, NOW)


def series(result: dict[str, Any]) -> dict[tuple[Any, ...], Any]:
    return {tuple(e["group"].values()): e for e in result["series"]}


def ids(w: World, *keys: str) -> set[int]:
    return {w.case[k] for k in keys}


# --- the registry -----------------------------------------------------------------------------------
def test_registry_has_the_fourteen_and_says_what_it_cannot_compute() -> None:
    names = set(registry.REGISTRY)
    section4 = {"received", "finished", "pending", "on_time_rate", "near_due", "overdue",
                "overdue_custody", "stage_days", "filing_to_effective_days", "non_arrest_rate",
                "non_prosecution_rate", "return_rate", "second_return_rate",
                "pretrial_detention_rate", "plea_rate", "sentencing_recommendation_adoption",
                "fast_track_rate", "summary_rate", "appeal_rate", "protest_rate",
                "remand_rate", "revision_rate", "business_return_rate",
                "delivery_on_time_rate", "assessment_on_time_rate",
                "custody_transfer_on_time_rate"}
    pipeline = {"pages_processed", "ocr_backlog", "fields_to_review", "corrections",
                "seconds_per_page"}
    sentencing = {"term_months", "probation_rate", "sentence_deviation"}
    assert section4 | pipeline | sentencing <= names
    for entry in registry.catalogue():
        assert entry["title"] and entry["definition"] and entry["formula"] and entry["unit"]
        if entry["computable"]:
            assert entry["group_by"] and entry["filters"], entry["name"]
        else:
            assert entry["reason"], entry["name"]
    blocked = {e["name"] for e in registry.catalogue() if not e["computable"]}
    assert blocked == {"non_prosecution_by_kind", "sentencing_recommendation_adoption",
                       "protest_rate", "revision_rate", "custody_transfer_on_time_rate",
                       "sentence_deviation"}


def test_a_statistic_that_cannot_be_computed_says_so(world: World) -> None:
    r = stat(world, "pro", "sentencing_recommendation_adoption")
    assert r["computable"] is False and "量刑建议" in r["reason"]
    assert r["series"] == [] and r["total"] is None
    with pytest.raises(NotComputable, match="暂不能计算"):
        cases(world, "pro", "sentencing_recommendation_adoption")
    with pytest.raises(UnknownStatistic):
        stat(world, "pro", "no_such_figure")


def test_bad_filters_are_refused_in_chinese(world: World) -> None:
    for params, message in [({"from": "2025-13-01"}, "YYYY-MM-DD"),
                            ({"from": "2025-04-01", "to": "2025-03-01"}, "晚于"),
                            ({"group_by": "court"}, "不能按"),
                            ({"group_by": "month,agency,stage"}, "最多"),
                            ({"procedure": "特别"}, "未知的程序"),
                            ({"case_type": "诈骗"}, "未知的案件类型"),
                            ({"measure": "元"}, "计量单位"),
                            ({"agency": "pro-ts"}, "不在您可查看的范围"),
                            ({"region": "甘肃省天水市"}, "没有您可查看的机关")]:
        with pytest.raises(AnalyticsError, match=message):
            stat(world, "pro", "non_arrest_rate", **params)
    with pytest.raises(AnalyticsError, match="不接受筛选条件"):
        stat(world, "pro", "pending", **{"from": "2025-01-01"})  # a snapshot has no period


# --- 收案 / 结案 / 存案 --------------------------------------------------------------------------------
def test_received_counts_stage_clocks_once_per_case(world: World) -> None:
    # procuratorate, Feb–Apr: C1 clocks of c4, c5, c6, c8 (c10's C1 was returned: not counted)
    r = stat(world, "pro", "received", **{"from": "2025-02-01", "to": "2025-04-30"})
    assert r["total"]["cases"] == 4
    assert r["total"]["persons"] == 2 + 1 + 1 + 1  # c4 has two persons
    assert stat(world, "pro", "received", measure="人",
                **{"from": "2025-02-01", "to": "2025-04-30"})["total"]["value"] == 5
    # police: 退回补充侦查 of c6 twice (02-20, 03-05) and c8 (03-01): two cases, c6 once
    police = series(stat(world, "pol", "received", group_by="stage", **FEB_MAR))
    assert police[("C2",)]["cases"] == 2 and police[("C2",)]["labels"]["stage"] == "退回补充侦查"
    by_month = series(stat(world, "pol", "received", group_by="month,stage", **FEB_MAR))
    assert by_month[("2025-02", "C2")]["cases"] == 1  # c6
    assert by_month[("2025-03", "C2")]["cases"] == 2  # c6 again, c8
    assert by_month[("2025-03", "C2")]["labels"]["month"] == "2025年3月"


def test_finished_needs_the_case_to_have_left_the_stage(world: World) -> None:
    # C1 stopped: c4 (02-25), c5 (03-12), c6 (03-20, after two 退补); c8 stopped by its 退补 and
    # still there: not finished
    r = stat(world, "pro", "finished", **FEB_MAR)
    assert r["total"]["cases"] == 3
    assert {c["case_id"] for c in cases(world, "pro", "finished", **FEB_MAR)["cases"]} == \
        ids(world, "c4", "c5", "c6")
    # courts: TRIAL1 of c4 (03-20) and c6 (04-10); c12 stopped for 延期审理补充侦查: not finished
    assert stat(world, "crt", "finished", **MARCH_APRIL)["total"]["cases"] == 2


def test_pending_is_the_open_clocks_now(world: World) -> None:
    assert stat(world, "pro", "pending")["total"]["cases"] == 0  # c8 is back at the police
    police = series(stat(world, "pol", "pending", group_by="stage"))
    assert police[("INV_CUSTODY",)]["cases"] == 1 and police[("C2",)]["cases"] == 1
    assert stat(world, "crt", "pending")["total"]["cases"] == 1  # c11


# --- 期限 --------------------------------------------------------------------------------------------
def test_on_time_rate(world: World) -> None:
    # c4: stopped 02-25 ≤ due 03-01; c5: 03-12 > 03-03; c6: 03-20 ≤ 04-15 (due after the restart)
    r = stat(world, "pro", "on_time_rate", **FEB_MAR)
    assert (r["total"]["numerator"], r["total"]["denominator"]) == (2, 3)
    assert r["total"]["value"] == round(2 * 100 / 3, 1)
    drill = cases(world, "pro", "on_time_rate", **FEB_MAR)
    assert {c["case_id"]: c["in_numerator"] for c in drill["cases"]} == {
        world.case["c4"]: True, world.case["c5"]: False, world.case["c6"]: True}


def test_near_due_and_overdue_now(world: World) -> None:
    # now 2025-03-25 12:00: c8's 退补 clock is yellow (due 04-01); c2's custody ran out 03-20
    assert stat(world, "pol", "near_due")["total"]["cases"] == 1
    assert stat(world, "pol", "overdue")["total"]["cases"] == 1
    assert {c["case_id"] for c in cases(world, "pol", "overdue")["cases"]} == ids(world, "c2")
    assert stat(world, "crt", "overdue")["total"]["cases"] == 1  # c11's first instance


def test_overdue_custody_persons(world: World) -> None:
    # 兰州: 丙 (a per-person clock of c2) + c11's two persons (a per-case custody clock) = 3
    lz = stat(world, "zfw", "overdue_custody")
    assert lz["total"]["value"] == 1 + 2
    by_agency = series(stat(world, "zfw", "overdue_custody", group_by="agency"))
    assert by_agency[("pol",)]["value"] == 1 and by_agency[("crt",)]["value"] == 2
    # 天水: c20's three persons, never in 兰州's figure
    assert stat(world, "zfw-ts", "overdue_custody")["total"]["value"] == 3


def test_stage_days_net_of_what_does_not_count(world: World) -> None:
    r = stat(world, "pro", "stage_days", **FEB_MAR)
    days = [24.0, 37.0, 10.0 + 4.0 + 5.0]  # c4, c5, c6 (two periods at the police removed)
    assert r["total"]["n"] == 3
    assert r["total"]["median"] == 24.0
    assert r["total"]["mean"] == round(sum(days) / 3, 1)
    assert (r["total"]["min"], r["total"]["max"]) == (19.0, 37.0)
    # second instance: c13 paused 5 days for 阅卷: 04-01→04-05 + 04-10→04-20 = 14; c14: 24
    second = stat(world, "crt2", "stage_days", **MARCH_APRIL)
    assert sorted([second["total"]["min"], second["total"]["max"]]) == [14.0, 24.0]


def test_filing_to_effective_days(world: World) -> None:
    # c14: 01-01 → 04-25 = 31 + 28 + 31 + 24 = 114 days; c16: 01-10 → 03-01 (二审裁判) = 50
    r = stat(world, "zfw", "filing_to_effective_days", **ALL_2025)
    assert r["total"]["n"] == 2 and r["total"]["median"] == (114 + 50) / 2
    # the court sees c16 only (shared with it): grouped as a case shared by another agency
    court = stat(world, "crt", "filing_to_effective_days", group_by="agency", **ALL_2025)
    assert court["total"]["n"] == 1 and court["total"]["median"] == 50.0
    assert court["series"][0]["group"]["agency"] == "other"


# --- 办案质效 ------------------------------------------------------------------------------------------
def test_non_arrest_rate_by_persons_and_cases(world: World) -> None:
    # B2 decisions Mar–Apr: c1 不捕 (甲, 乙), c2 批捕 (丙), c3 批捕 (no list: 1 person);
    # c9's decision was returned; c20 is 天水's
    r = stat(world, "pro", "non_arrest_rate", **MARCH_APRIL)
    assert (r["total"]["numerator"], r["total"]["denominator"]) == (2, 2 + 1 + 1)
    assert r["total"]["value"] == 50.0 and r["unit"] == "%"
    by_case = stat(world, "pro", "non_arrest_rate", measure="件", **MARCH_APRIL)
    assert (by_case["total"]["numerator"], by_case["total"]["denominator"]) == (1, 3)
    months = series(stat(world, "pro", "non_arrest_rate", group_by="month", **MARCH_APRIL))
    assert months[("2025-03",)]["value"] == round(2 * 100 / 3, 1)
    assert months[("2025-04",)]["value"] == 0.0
    # the police see the decisions they received: the same
    assert stat(world, "pol", "non_arrest_rate", **MARCH_APRIL)["total"]["value"] == 50.0
    # 天水's police: c20's three persons not arrested
    ts = stat(world, "pol-ts", "non_arrest_rate", **MARCH_APRIL)
    assert (ts["total"]["numerator"], ts["total"]["denominator"]) == (3, 3)


def test_non_prosecution_rate(world: World) -> None:
    # c4 C5, c5 C4, c6 C5; c7's C4 is a draft
    r = stat(world, "pro", "non_prosecution_rate", **FEB_MAR)
    assert (r["total"]["numerator"], r["total"]["denominator"]) == (1, 3)
    # the court receives prosecutions but decides none: no figure of its own
    assert stat(world, "crt", "non_prosecution_rate", **FEB_MAR)["total"]["denominator"] == 0


def test_return_rates_count_a_case_returned_twice_once_each(world: World) -> None:
    # C1 received Feb: c4, c5, c6, c8 (c10 returned); first 退补: c6 (02-20), c8 (03-01);
    # second: c6 (03-05)
    assert stat(world, "pro", "return_rate", **FEB_MAR)["total"]["value"] == 2 * 100 / 4
    assert stat(world, "pro", "second_return_rate", **FEB_MAR)["total"]["value"] == 1 * 100 / 4
    feb = {"from": "2025-02-01", "to": "2025-02-28"}
    assert stat(world, "pro", "return_rate", **feb)["total"]["value"] == 1 * 100 / 4
    assert stat(world, "pro", "second_return_rate", **feb)["total"]["value"] == 0.0
    drill = cases(world, "pro", "second_return_rate", **FEB_MAR)
    assert [c["case_id"] for c in drill["cases"] if c["in_numerator"]] == [world.case["c6"]]


def test_pretrial_detention_rate(world: World) -> None:
    # prosecuted: c4 (two persons, held: its C1 counted as custody), c6 (one, not held)
    r = stat(world, "pro", "pretrial_detention_rate", **FEB_MAR)
    assert (r["total"]["numerator"], r["total"]["denominator"]) == (2, 3)
    r = stat(world, "pro", "pretrial_detention_rate", measure="件", **FEB_MAR)
    assert r["total"]["value"] == 50.0


def test_plea_rate(world: World) -> None:
    r = stat(world, "pro", "plea_rate", **FEB_MAR)  # c4 ✓, c5 ✗, c6 ✓
    assert (r["total"]["numerator"], r["total"]["denominator"]) == (2, 3)


def test_procedure_and_appeal_rates(world: World) -> None:
    # first instance finished: c4 (速裁, appealed), c6 (普通, its appeal transfer returned)
    fast = stat(world, "crt", "fast_track_rate", **MARCH_APRIL)["total"]
    assert (fast["numerator"], fast["denominator"]) == (1, 2)
    assert stat(world, "crt", "summary_rate", **MARCH_APRIL)["total"]["value"] == 0.0
    appeal = stat(world, "crt", "appeal_rate", **MARCH_APRIL)["total"]
    assert (appeal["numerator"], appeal["denominator"]) == (1, 2)


def test_remand_rate(world: World) -> None:
    r = stat(world, "crt2", "remand_rate", **MARCH_APRIL)["total"]  # c13 发回, c14 not
    assert (r["numerator"], r["denominator"]) == (1, 2)


def test_business_return_rate_counts_businesses(world: World) -> None:
    r = series(stat(world, "zfw", "business_return_rate", group_by="code", **ALL_2025))
    assert (r[("B2",)]["numerator"], r[("B2",)]["denominator"]) == (1, 4)  # c9's returned
    assert (r[("C1",)]["numerator"], r[("C1",)]["denominator"]) == (1, 5)  # c10's returned
    assert (r[("D4",)]["numerator"], r[("D4",)]["denominator"]) == (1, 4)  # c6's withdrawn
    assert r[("B2",)]["labels"]["code"].startswith("B2 ")
    total = stat(world, "zfw", "business_return_rate", **ALL_2025)["total"]
    pushed = {"B1": 4, "B2": 4, "C1": 5, "C2": 3, "C3": 2, "C4": 1, "C5": 2, "D4": 4, "D5": 1,
              "F1": 1}  # c7's C4 draft was never pushed
    assert (total["numerator"], total["denominator"]) == (3, sum(pushed.values()))


def test_on_time_rates_of_delivery_and_assessment(world: World) -> None:
    # G1: c14 stopped 05-03 ≤ 05-05 (中院), c15 05-20 > 05-10 (城关区法院)
    r = series(stat(world, "zfw", "delivery_on_time_rate", group_by="agency", **ALL_2025))
    assert r[("crt2",)]["value"] == 100.0 and r[("crt",)]["value"] == 0.0
    assert stat(world, "jus", "assessment_on_time_rate", **ALL_2025)["total"]["value"] == 100.0


# --- the document pipeline -----------------------------------------------------------------------------
def test_pipeline_figures(world: World) -> None:
    pages = series(stat(world, "pol", "pages_processed", group_by="day", **ALL_2025))
    assert pages[("2025-03-01",)]["value"] == 10 + 4  # d3 is 天水's
    assert stat(world, "pol", "seconds_per_page", **ALL_2025)["total"]["mean"] == (10 + 5) / 2
    assert stat(world, "pol", "ocr_backlog")["total"]["value"] == 6 - 2
    assert stat(world, "pol", "fields_to_review")["total"]["value"] == 1  # case_number of d1
    fixes = series(stat(world, "pol", "corrections", group_by="path", **MARCH_APRIL))
    assert fixes[("court",)]["value"] == 1 and fixes[("defendants/*/name",)]["value"] == 2
    march = series(stat(world, "pol", "corrections", group_by="path",
                        **{"from": "2025-03-01", "to": "2025-03-31"}))
    assert march[("defendants/*/name",)]["value"] == 1
    # the procuratorate sees d1 and d2: c1 and c2 were sent to it (提请批准逮捕)
    assert stat(world, "pro", "pages_processed", **ALL_2025)["total"]["value"] == 10 + 4
    # 天水's police: d3 only
    assert stat(world, "pol-ts", "pages_processed", **ALL_2025)["total"]["value"] == 7


# --- sentencing --------------------------------------------------------------------------------------
def test_term_distribution_per_charge_and_court(world: World) -> None:
    r = stat(world, "crt", "term_months", **ALL_2025)["total"]  # 12, 4, 36
    assert (r["n"], r["median"], r["min"], r["max"]) == (3, 12.0, 4.0, 36.0)
    per = series(stat(world, "crt", "term_months", group_by="charge", **ALL_2025))
    assert per[("盗窃罪",)]["n"] == 3  # 庚 was convicted of both charges
    assert per[("故意伤害罪",)]["median"] == 36.0
    courts = series(stat(world, "zfw", "term_months", group_by="court", **ALL_2025))
    assert list(courts) == [("兰州市城关区人民法院",)]  # 天水's judgment never shows


def test_probation_rate(world: World) -> None:
    r = stat(world, "crt", "probation_rate", **ALL_2025)["total"]  # 丁一 suspended of 3
    assert (r["numerator"], r["denominator"]) == (1, 3)
    theft = stat(world, "crt", "probation_rate", charge="盗窃罪", **ALL_2025)["total"]
    assert (theft["numerator"], theft["denominator"]) == (1, 3)
    injury = stat(world, "crt", "probation_rate", case_type="故意伤害", **ALL_2025)["total"]
    assert (injury["numerator"], injury["denominator"]) == (0, 1)


# --- visibility ------------------------------------------------------------------------------------------
def test_an_agency_never_counts_another_agencys_rows(world: World) -> None:
    # the 天水 procuratorate's figures: c20 only
    r = stat(world, "pro-ts", "return_rate", **FEB_MAR)["total"]
    assert (r["numerator"], r["denominator"]) == (1, 1)
    assert {c["case_id"] for c in cases(world, "pro-ts", "return_rate", **FEB_MAR)["cases"]} \
        == ids(world, "c20")
    # 兰州's justice bureau decides no arrest: nothing
    assert stat(world, "jus", "non_arrest_rate", **MARCH_APRIL)["total"]["denominator"] == 0
    assert cases(world, "jus", "non_arrest_rate", **MARCH_APRIL)["cases"] == []


def test_oversight_sees_its_region_side_by_side_and_nothing_else(world: World) -> None:
    side = series(stat(world, "zfw", "received", group_by="agency",
                       **{"from": "2025-01-01", "to": "2025-04-30"}))
    assert set(side) == {("pro",), ("pol",), ("crt",), ("crt2",)}
    assert side[("pro",)]["cases"] == 4
    agencies = {a["code"] for a in stat(world, "zfw", "received")["agencies"]}
    assert agencies == {"pol", "pro", "crt", "crt2", "jus", "zfw"}
    # the other region's cases never appear in a figure or a drill-down of 兰州's 政法委
    lz = cases(world, "zfw", "non_arrest_rate", **MARCH_APRIL)
    assert world.case["c20"] not in {c["case_id"] for c in lz["cases"]}
    assert stat(world, "zfw", "non_arrest_rate", **MARCH_APRIL)["total"]["denominator"] == 4
    ts = stat(world, "zfw-ts", "non_arrest_rate", **MARCH_APRIL)["total"]
    assert (ts["numerator"], ts["denominator"]) == (3, 3)
    with pytest.raises(AnalyticsError):
        stat(world, "zfw", "received", agency="pro-ts")
    one = stat(world, "zfw", "received", agency="pro", **{"from": "2025-01-01", "to": "2025-04-30"})
    assert one["total"]["cases"] == 4


def test_drill_down_by_group(world: World) -> None:
    d = cases(world, "pro", "non_arrest_rate", "2025-03", group_by="month", **MARCH_APRIL)
    assert {c["case_id"]: c["in_numerator"] for c in d["cases"]} == {
        world.case["c1"]: True, world.case["c2"]: False}
    assert d["cases"][0]["case_number"].startswith("（2025）")
    z = cases(world, "zfw", "received", "pro|C1", group_by="agency,stage", **FEB_MAR)
    assert {c["case_id"] for c in z["cases"]} == ids(world, "c4", "c5", "c6", "c8")
    with pytest.raises(AnalyticsError, match="应给出 2 个值"):
        cases(world, "zfw", "received", "pro", group_by="agency,stage", **FEB_MAR)
    with pytest.raises(AnalyticsError, match="不在您可查看的范围"):
        cases(world, "zfw", "received", "pro-ts", group_by="agency", **FEB_MAR)


def test_an_oversight_role_outside_a_zfw_agency_widens_nothing(world: World) -> None:
    """An admin of a police agency could create a user with the oversight role in it: that user
    sees its own agency only, not the region (only an agency of kind oversight stands for it)."""
    from models.schema import User
    from models.visibility import visible_agency_ids

    fake = User(id=-1, name="x", role="oversight", agency_id=world.agency["pol"])
    with session_scope(world.db_url) as s:
        assert visible_agency_ids(fake, s) == {world.agency["pol"]}
        assert set(scope_of(s, fake).agencies) == {world.agency["pol"]}
        assert len(visible_agency_ids(world.user["zfw"], s)) == 6
