"""The completeness gate in a real browser (Chromium, Playwright), on a 危险驾驶 dossier generated
from a real CAIL2018 case with its blood-alcohol appraisal held back.

The police see the case page's checklist with the gap (✗, its legal basis) and jump from a
satisfied item to the page that satisfied it; their push from the timeline is refused with every
gap listed; the police chief overrides the item with a written reason; the push goes through and
the procuratorate's inbox shows the override. Screenshots go to $DOSSIER_SCREENSHOTS/completeness.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from models.db import session_scope
from tests.scans.dossier_templates import documents
from tests.support.browser import Page, chromium, shots_dir
from tests.support.browser import served as serve
from tests.support.dossiers import dev_case
from tests.workflow_support import World, make_world

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.needs_shared("cail2018", "cases.jsonl.gz")]


@pytest.fixture
def served(env: Callable[..., dict[str, str]]) -> Iterator[tuple[World, str]]:
    env(task_always_eager="true")
    from api.auth import add_user, issue_token
    from models.settings import get_settings

    w = make_world(get_settings())
    with session_scope(w.settings.db_url) as s:
        w.tokens["padmin"] = issue_token(s, add_user(s, "padmin", "admin", "police-lz"), 24)
    with serve(w.client.app) as base:
        yield w, base
    w.client.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def test_checklist_refusal_and_override_in_chromium(served: tuple[World, str],
                                                    browser: Any) -> None:
    w, base = served
    shots = shots_dir("completeness")
    for old in shots.glob("*.png"):
        old.unlink()
    docs = [d for d in documents(dev_case("危险驾驶"))
            if d.material not in ("起诉书", "血液酒精鉴定意见")]
    case_id = None
    for d in docs:
        files = {"file": (f"{d.material}.txt", "\f".join(d.pages).encode(), "text/plain")}
        url = "/api/v1/documents" if case_id is None else f"/api/v1/cases/{case_id}/documents"
        data = {"case_number": "（2025）甘0102刑侦21号"} if case_id is None else None
        r = w.client.post(url, files=files, data=data, headers=w.h("pol"))
        assert r.status_code == 202, r.text
        doc = w.get("pol", f"/api/v1/documents/{r.json()['document_id']}").json()
        assert doc["status"] == "processed"
        case_id = doc["case_id"]
    assert w.act("pol", case_id, "立案").status_code == 200

    police = Page(browser, base, w.tokens["pol"], shots)
    page = police.go(f"/cases/{case_id}?business=C1")
    card = page.locator("#checklist")
    assert card.locator("[data-case-type]").inner_text() == "危险驾驶"
    assert card.locator("[data-passes=false]").count() == 1
    gap = card.locator("li.blocking")
    assert gap.count() == 1 and gap.get_attribute("data-item") == "血液酒精鉴定"
    assert "✗" in gap.inner_text() and "依据" in gap.inner_text()
    police.shot("checklist-with-gap")
    link = card.locator("li.st-satisfied a.found").first
    href = link.get_attribute("href")
    assert href and "/documents/" in href and "page=" in href
    link.click()
    page.wait_for_url("**/documents/*?page=*")
    police.go(f"/cases/{case_id}/timeline")
    page.locator("#push-code").select_option("C1")
    page.locator("#push-to").select_option("proc-lz")
    page.get_by_role("button", name="推送").click()
    page.wait_for_url("**/timeline?err=*")
    refusal = page.locator(".notice.bad").inner_text()
    assert "卷宗不完整" in refusal and "血液酒精" in refusal
    police.shot("push-refused")

    chief = Page(browser, base, w.tokens["padmin"], shots)
    page = chief.go(f"/cases/{case_id}?business=C1")
    page.locator("#ov-item").select_option("血液酒精鉴定")
    page.locator("#ov-reason").fill("血液酒精鉴定意见书原件已由专人另行移送")
    page.get_by_role("button", name="特批放行").click()
    page.wait_for_url("**/cases/*msg=*")
    card = page.locator("#checklist")
    assert card.locator("[data-passes=true]").count() == 1
    assert "特批放行理由" in card.locator("li[data-item=血液酒精鉴定]").inner_text()
    chief.shot("checklist-overridden")

    page = police.go(f"/cases/{case_id}/timeline")
    page.locator("#push-code").select_option("C1")
    page.locator("#push-to").select_option("proc-lz")
    page.get_by_role("button", name="推送").click()
    page.wait_for_url("**/timeline?msg=*")
    assert "已推送" in page.locator(".notice.ok").inner_text()

    pros = Page(browser, base, w.tokens["pros"], shots)
    page = pros.go("/inbox")
    assert "另行移送" in page.locator("[data-override=血液酒精鉴定]").inner_text()
    pros.shot("inbox-shows-override")
    assert not (police.errors or chief.errors or pros.errors), (
        police.errors, chief.errors, pros.errors)
    assert len(list(shots.glob("*.png"))) == 4
