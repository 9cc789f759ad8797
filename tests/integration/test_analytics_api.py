"""The statistics API on the hand-built pool (tests/support/analytics_world.py): the registry,
a statistic as JSON, CSV and XLSX (opened and read cell by cell), the drill-down, Chinese 404/422
answers; the 政法委 role reads its region's cases but changes nothing; the CLI sets regions."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest

from models.db import session_scope
from tests.support.analytics_world import NOW, World, build

MARCH_APRIL = {"from": "2025-03-01", "to": "2025-04-30"}


@pytest.fixture
def pool(api_client: Callable[..., Any]) -> tuple[Any, World, dict[str, dict[str, str]]]:
    from api.auth import issue_token
    from api.routes.workflow import workflow_now
    from models.schema import User

    api = api_client()
    world = build(api.settings.db_url)
    headers = {}
    with session_scope(api.settings.db_url) as s:
        for key in world.user:
            user = s.query(User).filter_by(name=f"u-{key}").one()
            headers[key] = {"Authorization": f"Bearer {issue_token(s, user, 1)}"}
    api.client.app.dependency_overrides[workflow_now] = lambda: NOW
    return api, world, headers


def test_registry_and_a_statistic_as_data(pool: Any) -> None:
    api, world, h = pool
    r = api.client.get("/api/v1/stats", headers=h["zfw"])
    assert r.status_code == 200
    body = r.json()
    names = {s["name"]: s for s in body["statistics"]}
    assert names["protest_rate"]["computable"] is False and names["protest_rate"]["reason"]
    assert names["non_arrest_rate"]["measures"] == ["人", "件"]
    assert {a["code"] for a in body["agencies"]} == {"pol", "pro", "crt", "crt2", "jus", "zfw"}
    assert "盗窃" in body["case_types"]

    r = api.client.get("/api/v1/stats/non_arrest_rate", headers=h["pro"],
                       params={**MARCH_APRIL, "group_by": "month"})
    assert r.status_code == 200
    data = r.json()
    # 不捕: c1's two persons; decisions: c1 (2), c2 (1), c3 (1) — see the world's comments
    assert (data["total"]["numerator"], data["total"]["denominator"]) == (2, 4)
    assert [(e["group"]["month"], e["value"]) for e in data["series"]] == [
        ("2025-03", round(200 / 3, 1)), ("2025-04", 0.0)]

    not_yet = api.client.get("/api/v1/stats/protest_rate", headers=h["pro"]).json()
    assert not_yet["computable"] is False and "抗诉" in not_yet["reason"]


def test_refusals_are_chinese(pool: Any) -> None:
    api, _, h = pool
    r = api.client.get("/api/v1/stats/no_such", headers=h["pro"])
    assert r.status_code == 404 and "没有名为" in r.json()["detail"]
    r = api.client.get("/api/v1/stats/received", headers=h["pro"], params={"from": "03/01/2025"})
    assert r.status_code == 422 and "YYYY-MM-DD" in r.json()["detail"]
    r = api.client.get("/api/v1/stats/received", headers=h["pro"], params={"group_by": "charge"})
    assert r.status_code == 422 and "不能按" in r.json()["detail"]
    r = api.client.get("/api/v1/stats/received", headers=h["pro"], params={"format": "pdf"})
    assert r.status_code == 422 and "未知的格式" in r.json()["detail"]
    r = api.client.get("/api/v1/stats/received", headers=h["pro"], params={"agency": "pol-ts"})
    assert r.status_code == 422 and "不在您可查看的范围" in r.json()["detail"]
    r = api.client.get("/api/v1/stats/protest_rate/cases", headers=h["pro"])
    assert r.status_code == 422 and "暂不能计算" in r.json()["detail"]
    assert api.client.get("/api/v1/stats").status_code == 401


def test_csv_download(pool: Any) -> None:
    api, _, h = pool
    r = api.client.get("/api/v1/stats/non_arrest_rate", headers=h["pro"],
                       params={**MARCH_APRIL, "group_by": "month", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel opens UTF-8 with its BOM
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["月份", "分子", "分母", "比率（%）"]
    assert rows[1] == ["2025年3月", "2", "3", str(round(200 / 3, 1))]
    assert rows[2] == ["2025年4月", "0", "1", "0.0"]
    assert rows[3] == ["合计", "2", "4", "50.0"]


def test_xlsx_download_opened_with_openpyxl(pool: Any) -> None:
    from openpyxl import load_workbook

    api, _, h = pool
    r = api.client.get("/api/v1/stats/received", headers=h["zfw"],
                       params={"from": "2025-02-01", "to": "2025-03-31",
                               "group_by": "agency,stage", "format": "xlsx"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["A1"].value == "收案数（单位：件）"
    assert ws["A2"].value == "期间：2025-02-01 至 2025-03-31"
    assert [c.value for c in ws[4]] == ["机关", "办案阶段", "件数", "人数"]
    rows = {(row[0], row[1]): (row[2], row[3])
            for row in ws.iter_rows(min_row=5, values_only=True)}
    # the procuratorate's 审查起诉 received: c4 (2 persons), c5, c6, c8
    assert rows[("兰州市城关区人民检察院", "审查起诉")] == (4, 5)
    # the police's 退回补充侦查: c6 (twice, counted once) and c8
    assert rows[("兰州市公安局城关分局", "退回补充侦查")] == (2, 2)
    assert not any("天水" in str(k[0]) for k in rows)


def test_drill_down_respects_visibility(pool: Any) -> None:
    api, world, h = pool
    r = api.client.get("/api/v1/stats/non_arrest_rate/cases", headers=h["pro"],
                       params={**MARCH_APRIL, "group_by": "month", "group": "2025-03"})
    assert r.status_code == 200
    got = {c["case_id"]: c["in_numerator"] for c in r.json()["cases"]}
    assert got == {world.case["c1"]: True, world.case["c2"]: False}
    ts = api.client.get("/api/v1/stats/non_arrest_rate/cases", headers=h["pro-ts"],
                        params=MARCH_APRIL).json()
    assert {c["case_id"] for c in ts["cases"]} == {world.case["c20"]}


def test_oversight_reads_its_region_and_changes_nothing(pool: Any) -> None:
    api, world, h = pool
    c1, c20 = world.case["c1"], world.case["c20"]
    assert api.client.get(f"/api/v1/cases/{c1}", headers=h["zfw"]).status_code == 200
    assert api.client.get(f"/api/v1/cases/{c20}", headers=h["zfw"]).status_code == 404
    assert api.client.get(f"/api/v1/cases/{c1}", headers=h["zfw-ts"]).status_code == 404
    timeline = api.client.get(f"/api/v1/cases/{c1}/procedure", headers=h["zfw"])
    assert timeline.status_code == 200 and timeline.json()["access"] == "read"
    push = api.client.post(f"/api/v1/cases/{c1}/businesses", headers=h["zfw"],
                           json={"code": "B1", "to_agency": "pro"})
    assert push.status_code == 403, push.text
    act = api.client.post(f"/api/v1/cases/{c1}/actions", headers=h["zfw"], json={"action": "立案"})
    assert act.status_code == 403, act.text
    transfer = api.client.post(f"/api/v1/cases/{c1}/transfer", headers=h["zfw"],
                               json={"agency": "pro"})
    assert transfer.status_code == 403
    with session_scope(api.settings.db_url) as s:
        from models.visibility import Access, case_access

        assert case_access(s, world.user["zfw"], c1) is Access.READ
        assert case_access(s, world.user["pol"], c1) is Access.OWNER


def test_cli_sets_regions_and_creates_oversight_users(env: Callable[..., Any]) -> None:
    from typer.testing import CliRunner

    from api.cli import app
    from models.db import session_scope as scope
    from models.schema import Agency, User
    from models.settings import get_settings

    env()
    run = CliRunner().invoke
    r = run(app, ["agency", "set", "court-x", "--region", "甘肃省兰州市", "--kind", "court",
                  "--name", "某区人民法院"])
    assert r.exit_code == 0, r.output
    r = run(app, ["user", "add", "zf", "--role", "oversight", "--agency", "zfw-x"])
    assert r.exit_code == 0, r.output
    r = run(app, ["agency", "set", "zfw-x", "--region", "甘肃省兰州市"])
    assert r.exit_code == 0, r.output
    assert run(app, ["agency", "set", "x", "--kind", "army"]).exit_code != 0
    listed = run(app, ["agency", "list"]).output
    assert "court-x\tcourt\t甘肃省兰州市\t某区人民法院" in listed
    with scope(get_settings().db_url) as s:
        zfw = s.query(Agency).filter_by(code="zfw-x").one()
        assert (zfw.kind, zfw.region) == ("oversight", "甘肃省兰州市")
        assert s.query(User).filter_by(name="zf").one().role == "oversight"
