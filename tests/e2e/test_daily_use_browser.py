"""Daily use in a real browser (Chromium), as a clerk and an admin, at desktop and phone width:
sign in with name and password, the failed-documents list behind the home badge, the review
list, the document view's tools and its table, notes and tags, search results titled as users
expect, a saved search and the filters (court level, 审级, 法条, date), the admin's user page. Screenshots go to $DOSSIER_SCREENSHOTS/daily.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from models.db import session_scope
from tests.scans.dossier_templates import documents
from tests.scans.generate import render_table
from tests.support.browser import Page, chromium, served, shots_dir
from tests.support.dossiers import dev_case
from tests.support.env import need_shared

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.needs_shared("extraction_gold", "texts"),
              pytest.mark.needs_shared("lecard", "corpus.jsonl.gz")]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(env: Callable[..., dict[str, str]]) -> Iterator[tuple[str, dict[str, str], Any]]:
    env(task_always_eager="true")
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.auth import add_user, issue_token
    from models.settings import get_settings

    settings = get_settings()
    app = create_app(settings)
    tokens = {}
    with session_scope(settings.db_url) as s:
        for name, role in (("书记员甲", "clerk"), ("管理员甲", "admin")):
            tokens[name] = issue_token(s, add_user(s, name, role, "A", "口令-2026-甲"), 2)
    client = TestClient(app)
    with served(app) as base:
        yield base, tokens, client
    client.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def test_a_clerks_and_an_admins_first_hour(site: tuple[str, dict[str, str], Any],
                                           browser: Any) -> None:
    base, tokens, client = site
    shots = shots_dir("daily")
    for old in shots.glob("*.png"):
        old.unlink()
    auth = {"Authorization": f"Bearer {tokens['书记员甲']}"}
    text = (need_shared("extraction_gold", "texts") / "lecard-12174.txt").read_bytes()
    judgment = client.post("/api/v1/documents", files={"file": ("lecard-12174.txt", text)},
                           headers=auth).json()["document_id"]
    seizure = next(d for d in documents(dev_case("非法持有、私藏枪支弹药")) if d.table)
    image, _ = render_table(seizure.table or [])
    buf = io.BytesIO()
    image.save(buf, "PNG")
    scan = client.post("/api/v1/documents", files={"file": ("扣押清单.png", buf.getvalue())},
                       headers=auth).json()["document_id"]
    broken = client.post("/api/v1/documents", files={"file": ("坏文件.pdf", b"%PDF-1.7\n" + b"x" * 50)},
                         headers=auth)
    assert broken.status_code == 422 and "损坏" in broken.json()["detail"]

    # --- sign in with name and password -------------------------------------------------------
    clerk = Page(browser, base, "", shots)
    clerk.page.context.clear_cookies()
    page = clerk.go("/")
    page.fill("#name", "书记员甲")
    page.fill("#password", "口令-2026-甲")
    clerk.shot("login")
    page.click("#password-login button[type=submit]")
    page.wait_for_url(base + "/")
    clerk.shot("home")
    # --- the lists behind the badges ------------------------------------------------------------
    page.click("a[href='/documents?status=processed']")
    page.wait_for_url("**/documents?status=processed")
    assert page.locator("tr[data-document]").count() == 2
    clerk.shot("documents-processed")
    page.set_viewport_size(PHONE)
    clerk.shot("documents-processed-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    clerk.go("/review")
    clerk.shot("review")
    # --- search titled as users expect, saved -----------------------------------------------------
    page = clerk.go("/search?q=宜兴市")
    assert page.locator("li.hit h3").first.inner_text() == "盗窃一审刑事判决书"
    page.fill("#saved-name", "宜兴盗窃")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**saved=*")
    assert "宜兴盗窃" in page.locator(".saved-list").inner_text()
    clerk.shot("search-saved")
    # --- the filters: court level, 审级, cited article and the judgment's date --------------------
    page.select_option("#f-level", "基层")
    page.select_option("#f-stage", "一审")
    page.fill("#f-article", "第264条")  # the judgment writes 第二百六十四条
    page.fill("#f-date-from", "2019-01-01")
    page.get_by_role("button", name="检索", exact=True).click()
    page.wait_for_url(re.compile(r".*date_from=2019-01-01.*court_level=.*trial_stage=.*article="))
    assert page.locator("li.hit h3").first.inner_text() == "盗窃一审刑事判决书"
    clerk.shot("search-filters")
    page.set_viewport_size(PHONE)
    clerk.shot("search-filters-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.select_option("#f-stage", "二审")  # no appeal among the documents: none, said so
    page.get_by_role("button", name="检索", exact=True).click()
    page.wait_for_url(re.compile(r".*trial_stage=%E4%BA%8C%E5%AE%A1.*"))
    assert page.locator("li.hit").count() == 0
    page = clerk.go("/search?q=宜兴市")
    # --- the document view: tools, notes and tags ---------------------------------------------------
    page.locator("li.hit h3 a").first.click()
    page.wait_for_url(re.compile(rf".*/documents/{judgment}\?.*back="))
    assert page.get_by_role("link", name="← 返回结果").is_visible()
    page.fill("#tag-new", "重点")
    page.get_by_role("button", name="添加").click()
    page.wait_for_url(re.compile(rf".*/documents/{judgment}.*"))
    page.fill("#note-new", "被告人曾取保候审，注意羁押期限折抵")
    page.get_by_role("button", name="保存备注").click()
    page.wait_for_url(re.compile(rf".*/documents/{judgment}.*"))
    assert "折抵" in page.locator("#annotations").inner_text()
    clerk.shot("document-notes")
    page = clerk.go(f"/documents/{scan}")
    assert page.locator("table.pagetable th").first.inner_text() == seizure.table[0][0]  # type: ignore[index]
    assert page.get_by_role("link", name="下载原件").is_visible()
    page.locator("#zoom-in").click()
    clerk.shot("document-table")
    page.set_viewport_size(PHONE)
    clerk.shot("document-table-phone")

    # --- the admin's user page -------------------------------------------------------------------------
    admin = Page(browser, base, tokens["管理员甲"], shots)
    page = admin.go("/admin/users")
    page.fill("#new-name", "检察官乙")
    page.select_option("#new-role", "prosecutor")
    page.fill("#new-pw", "新用户口令2026")
    page.get_by_role("button", name="创建").click()
    page.wait_for_url("**/admin/users?msg=*")
    assert "已创建用户「检察官乙」" in page.locator(".notice.ok").inner_text()
    admin.shot("admin-users")
    assert not (clerk.errors or admin.errors), (clerk.errors, admin.errors)
    assert len(list(shots.glob("*.png"))) == 12
