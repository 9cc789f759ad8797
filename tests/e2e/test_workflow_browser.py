"""The workflow pages in a real browser (Debian's Chromium, headless, Playwright).

The app runs in-process under uvicorn (so the ``workflow_now`` dependency can hold the clock);
the procuratorate's clerk signs for a business in its inbox, sees its due list with a red badge
and a case's timeline chart; the police see their home-page badges. Screenshots go to
$DOSSIER_SCREENSHOTS/workflow (default build/screenshots/workflow).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.browser import chromium, shots_dir, signed_in
from tests.support.browser import served as serve
from tests.workflow_support import World, add_case, make_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def served(env: Callable[..., dict[str, str]]) -> Iterator[tuple[World, str]]:
    env()
    from models.settings import get_settings

    w = make_world(get_settings())
    with serve(w.client.app) as base:
        yield w, base
    w.client.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def test_inbox_due_list_and_timeline_in_chromium(served: tuple[World, str], browser: Any) -> None:
    w, base = served
    shots = shots_dir("workflow")
    a, docs_a = add_case(w.settings, "police-lz", "兰公（城）立字〔2025〕201号",
                         {"起诉意见书": "起诉意见书 甲", "换押证": "换押证 甲"})
    b, _ = add_case(w.settings, "police-lz", "兰公（城）立字〔2025〕202号", {"换押证": "换押证 乙"})
    w.at("2025-03-03T09:00")
    for case_id in (a, b):
        assert w.act("pol", case_id, "立案").status_code == 200
        assert w.act("pol", case_id, "拘留", persons=["王五"]).status_code == 200
        assert w.act("pol", case_id, "讯问").status_code == 200
    w.at("2025-03-04T09:00")
    assert w.push("pol", a, "B1", "proc-lz").status_code == 201
    w.at("2025-03-05T16:00")
    assert w.push("pol", b, "B1", "proc-lz").status_code == 201
    w.at("2025-03-12T09:00")  # case a's 7 days ended on 11 March: red; case b's end on 12 March

    page = signed_in(browser, base, w.tokens["pros"])
    page.goto(base + "/inbox")
    assert page.locator("h1").inner_text() == "协同业务收件箱"
    assert page.locator("tr[data-business]").count() == 2
    assert page.locator("tr[data-business] .level.red").count() == 1
    page.screenshot(path=str(shots / "01-inbox.png"), full_page=True)
    page.locator("tr[data-business]").first.get_by_role("button", name="签收").click()
    page.wait_for_url("**/inbox?msg=*")
    assert "已签收" in page.locator(".notice.ok").inner_text()
    page.screenshot(path=str(shots / "02-inbox-signed.png"), full_page=True)

    page.goto(base + "/deadlines")
    dues = page.locator("td.due").all_inner_texts()
    assert dues == ["2025-03-11", "2025-03-12"]
    assert page.locator("tr[data-level=red] .level.red").inner_text() == "超期"
    assert page.locator("tr[data-level=orange] .level.orange").inner_text() == "紧急"
    page.screenshot(path=str(shots / "03-deadlines-red.png"), full_page=True)
    page.get_by_role("link", name="届满日 ↑").click()
    page.wait_for_url("**/deadlines?order=desc")  # read the new page, not the old one
    assert page.locator("td.due").all_inner_texts() == ["2025-03-12", "2025-03-11"]
    row = page.locator("tr[data-level=red]")
    row.locator("input[name=reason]").fill("案情重大，未能按期决定")
    row.get_by_role("button", name="记录").click()
    page.wait_for_url("**/deadlines?msg=*")
    assert "案情重大，未能按期决定" in page.locator("tr[data-level=red]").inner_text()

    phone = signed_in(browser, base, w.tokens["pros"], 390, 844)
    phone.goto(base + "/deadlines")
    phone.screenshot(path=str(shots / "04-deadlines-phone.png"), full_page=True)

    police = signed_in(browser, base, w.tokens["pol"])
    police.goto(base + f"/cases/{a}/timeline")
    assert "审查逮捕" in police.locator("[data-state]").inner_text()
    assert police.locator("svg.timeline g.clock").count() >= 5
    assert police.locator("svg.timeline g.clock.red").count() >= 1
    police.screenshot(path=str(shots / "05-timeline.png"), full_page=True)
    police.goto(base + "/")
    assert police.locator("[data-count=inbox]").inner_text() == "0"
    police.screenshot(path=str(shots / "06-home-police.png"), full_page=True)
    home = signed_in(browser, base, w.tokens["pros"])
    home.goto(base + "/")
    assert home.locator("[data-count=red]").inner_text() == "1"
    assert home.locator("[data-count=inbox]").inner_text() == "2"
    home.screenshot(path=str(shots / "07-home-procuratorate.png"), full_page=True)
    assert len(list(shots.glob("0*.png"))) >= 7
