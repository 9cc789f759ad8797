"""The statistics pages on the hand-built pool: each role's dashboard, the report builder with
its chart data, the drill-down page, the page downloads (CSV, XLSX) and the monthly PDF
(opened with pypdf). What the browser draws is checked in tests/e2e/test_analytics_browser.py."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from models.db import session_scope
from tests.support.analytics_world import NOW, World, build


@pytest.fixture
def pages(api_client: Callable[..., Any]) -> tuple[Any, World, Callable[[str], None]]:
    from api.auth import issue_token
    from api.routes.workflow import workflow_now
    from models.schema import User

    api = api_client()
    world = build(api.settings.db_url)
    tokens = {}
    with session_scope(api.settings.db_url) as s:
        for key in world.user:
            tokens[key] = issue_token(s, s.query(User).filter_by(name=f"u-{key}").one(), 1)
    api.client.app.dependency_overrides[workflow_now] = lambda: NOW

    def sign_in(who: str) -> None:
        api.client.cookies.set("dossier_token", tokens[who])

    return api, world, sign_in


def _blocks(html: str) -> list[dict[str, Any]]:
    return [json.loads(m) for m in re.findall(
        r'<script type="application/json" id="[^"]+">(.*?)</script>', html, re.S)]


def test_dashboards_per_role(pages: Any) -> None:
    api, world, sign_in = pages
    sign_in("pro")
    r = api.client.get("/stats", params={"from": "2025-02-01", "to": "2025-03-31"})
    assert r.status_code == 200
    assert "本机关统计" in r.text and 'data-stat="non_arrest_rate"' in r.text
    assert "<script>" not in r.text  # no inline script: the CSP allows own files only
    assert '<script src="/static/vendor/echarts.min.js"></script>' in r.text
    charts = _blocks(r.text)
    assert {c["kind"] for c in charts} >= {"stacked", "bar", "box"}
    sign_in("zfw")
    r = api.client.get("/stats", params={"from": "2025-02-01", "to": "2025-03-31"})
    assert "本地区各机关统计" in r.text and "各机关并列" in r.text
    for name in ("兰州市城关区人民检察院", "兰州市公安局城关分局", "兰州市中级人民法院"):
        assert name in r.text
    assert "天水" not in r.text
    heat = [c for c in _blocks(r.text) if c["kind"] == "heatmap"][0]
    assert heat["group_by"] == ["month", "agency"]
    assert {e["group"]["agency"] for e in heat["series"]} <= {"pol", "pro", "crt", "crt2", "jus"}


def test_report_builder_and_drill_down(pages: Any) -> None:
    api, world, sign_in = pages
    sign_in("pro")
    r = api.client.get("/stats/report", params={"name": "non_arrest_rate", "from": "2025-03-01",
                                                "to": "2025-04-30", "group_by": "month",
                                                "chart": "line"})
    assert r.status_code == 200 and "不捕率" in r.text and "不批准逮捕人数" in r.text
    data = _blocks(r.text)[0]
    assert data["kind"] == "line"
    assert [(e["group"]["month"], e["value"]) for e in data["series"]] == [
        ("2025-03", round(200 / 3, 1)), ("2025-04", 0.0)]
    assert 'href="/stats/download/non_arrest_rate.xlsx?' in r.text
    drill = data["drill"] + "&group=2025-03"
    page = api.client.get(drill)
    assert page.status_code == 200
    assert f'data-case="{world.case["c1"]}"' in page.text
    assert f'data-case="{world.case["c2"]}"' in page.text
    assert f'data-case="{world.case["c3"]}"' not in page.text  # April
    r = api.client.get("/stats/report", params={"name": "protest_rate"})
    assert "该统计暂不能计算" in r.text
    r = api.client.get("/stats/report", params={"name": "received", "from": "bad"})
    assert "YYYY-MM-DD" in r.text


def test_page_downloads_and_monthly_pdf(pages: Any) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    api, world, sign_in = pages
    sign_in("pro")
    csv = api.client.get("/stats/download/plea_rate.csv",
                         params={"from": "2025-02-01", "to": "2025-03-31"})
    assert csv.status_code == 200 and csv.content.decode("utf-8").splitlines()[-1] == \
        "认罪认罚适用率,2,3,66.7"
    xlsx = api.client.get("/stats/download/plea_rate.xlsx",
                          params={"from": "2025-02-01", "to": "2025-03-31"})
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in ws[5]] == ["认罪认罚适用率", 2, 3, 66.7]
    sign_in("zfw")
    pdf = api.client.get("/stats/monthly.pdf", params={"month": "2025-03"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "2025年3月" in text and "不捕率" in text and "兰州市城关区人民法院" in text
    assert "天水" not in text
    bad = api.client.get("/stats/monthly.pdf", params={"month": "2025/03"})
    assert bad.status_code == 422


def test_pages_say_how_fresh_their_figures_are(pages: Any) -> None:
    """Rolled-up figures lag writes by up to one sweep: the page says as of when (the API's
    `as_of`); before any refresh every figure is computed live and the page says so."""
    from services import analytics

    api, _, sign_in = pages
    sign_in("pro")
    params = {"name": "received", "from": "2025-02-01", "to": "2025-03-31"}
    live = api.client.get("/stats/report", params=params)
    assert '<p class="meta" id="as-of">数据为实时计算。</p>' in live.text
    analytics.refresh(api.settings)
    rolled = api.client.get("/stats/report", params=params)
    line = rolled.text.split('id="as-of">')[1].split("</p>")[0]
    assert re.fullmatch(r"汇总数据截至 \d{4}-\d\d-\d\d \d\d:\d\d（后台定期更新，最近的变动可能尚未计入）。",
                        line), line
    dash = api.client.get("/stats", params={"from": "2025-02-01", "to": "2025-03-31"})
    assert 'id="as-of">汇总数据截至 ' in dash.text
