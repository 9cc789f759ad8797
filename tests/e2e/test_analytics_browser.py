"""The statistics pages in a real browser (Debian's Chromium, headless, Playwright) on the
hand-built pool of tests/support/analytics_world.py: the procuratorate's dashboard, the 政法委's
region side by side with its heat map, the report builder drawing a line, a stacked bar and a
box plot, a drill-down from a number to its cases, the phone-sized dashboard. ECharts is served
by the app (/static/vendor); no page may log an error (a CSP violation would be one).
Screenshots go to $DOSSIER_SCREENSHOTS/analytics (default build/screenshots/analytics)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from models.db import session_scope
from tests.support.analytics_world import NOW, World, build
from tests.support.browser import Page, chromium, shots_dir
from tests.support.browser import served as serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PERIOD = "from=2025-02-01&to=2025-04-30"


@pytest.fixture
def served(env: Callable[..., dict[str, str]]) -> Iterator[tuple[World, str, dict[str, str]]]:
    from api.app import create_app
    from api.auth import issue_token
    from api.routes.workflow import workflow_now
    from models.schema import User
    from models.settings import get_settings

    env()
    settings = get_settings()
    app = create_app(settings)
    world = build(settings.db_url)
    app.dependency_overrides[workflow_now] = lambda: NOW
    with session_scope(settings.db_url) as s:
        tokens = {k: issue_token(s, s.query(User).filter_by(name=f"u-{k}").one(), 2)
                  for k in world.user}
    with serve(app) as base:
        yield world, base, tokens


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def test_dashboards_builder_and_drill_down_in_chromium(
        served: tuple[World, str, dict[str, str]], browser: Any) -> None:
    world, base, tokens = served
    shots = shots_dir("analytics")
    for old in shots.glob("*.png"):
        old.unlink()

    pro = Page(browser, base, tokens["pro"], shots)
    page = pro.go(f"/stats?{PERIOD}")
    assert page.locator("h1").inner_text() == "本机关统计"
    page.wait_for_selector(".chart-box[data-drawn='stacked'] canvas")
    page.wait_for_selector(".chart-box[data-drawn='box'] canvas")
    card = page.locator(".st-card[data-stat='non_arrest_rate'] .figure")
    assert "%" in card.inner_text()
    pro.shot("procuratorate-dashboard")

    zfw = Page(browser, base, tokens["zfw"], shots)
    page = zfw.go(f"/stats?{PERIOD}")
    assert page.locator("h1").inner_text() == "本地区各机关统计"
    header = page.locator("table.side thead").inner_text()
    assert "兰州市城关区人民检察院" in header and "兰州市公安局城关分局" in header
    assert "天水" not in page.content()
    page.wait_for_selector(".chart-box[data-drawn='heatmap'] canvas")
    zfw.shot("oversight-dashboard")

    page = pro.go(f"/stats/report?name=non_arrest_rate&{PERIOD}&group_by=month&chart=line")
    page.wait_for_selector(".chart-box[data-drawn='line'] canvas")
    assert "不批准逮捕人数" in page.locator(".definition").inner_text()
    pro.shot("builder-line-non-arrest-rate")
    page = pro.go(f"/stats/report?name=received&{PERIOD}&group_by=month,stage&chart=stacked")
    page.wait_for_selector(".chart-box[data-drawn='stacked'] canvas")
    pro.shot("builder-stacked-received")
    page = pro.go(f"/stats/report?name=stage_days&{PERIOD}&group_by=stage&chart=box")
    page.wait_for_selector(".chart-box[data-drawn='box'] canvas")
    pro.shot("builder-box-stage-days")

    # drill-down: the cases behind March's 不捕率 (c1 counted, c2 not)
    page = pro.go(f"/stats/report?name=non_arrest_rate&{PERIOD}&group_by=month&chart=bar")
    page.locator("table.st-table tbody tr").first.locator("a", has_text="查看").click()
    page.wait_for_selector("table.cases")
    rows = page.locator("table.cases tbody tr")
    assert rows.count() == 2
    assert {rows.nth(i).get_attribute("data-case") for i in range(2)} == {
        str(world.case["c1"]), str(world.case["c2"])}
    pro.shot("drill-down-non-arrest-march")

    # a click on the chart's bar opens the same list
    page = pro.go(f"/stats/report?name=non_arrest_rate&{PERIOD}&group_by=month&chart=bar")
    # where ECharts drew March's bar (the first category), asked of the chart itself
    x, y = page.evaluate("""() => {
        const el = document.querySelector(".chart-box[data-drawn='bar']");
        const chart = window.echarts.getInstanceByDom(el);
        const [px, py] = chart.convertToPixel({seriesIndex: 0}, [0, 30]);
        const r = el.getBoundingClientRect();
        return [r.left + px, r.top + py];
    }""")
    page.mouse.click(x, y)
    page.wait_for_url("**/stats/view/non_arrest_rate/cases?**")
    assert "group=2025-0" in page.url

    phone = Page(browser, base, tokens["crt"], shots, width=390, height=844)
    page = phone.go(f"/stats?{PERIOD}")
    page.wait_for_selector(".chart-box[data-drawn] canvas")
    phone.shot("court-dashboard-phone")

    for p in (pro, zfw, phone):
        assert p.errors == [], "\n".join(dict.fromkeys(p.errors))
    assert len(list(shots.glob("*.png"))) == 7
