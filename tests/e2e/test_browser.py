"""The web pages in a real browser: Debian's Chromium, headless, driven by Playwright.

The real app and its worker run as in test_pipeline (embedded mode). A clerk signs in, uploads
three real judgments and a one-page scan, watches them complete, opens a document, lights up a
field's span and corrects the field; a prosecutor finds the judgment by a phrase and by a facet
and opens its case; a judge opens similar cases and the sentencing chart; a user of another
agency gets 404s. A PNG of every page visited goes to $DOSSIER_SCREENSHOTS (build/screenshots).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import chromium
from tests.support.env import REPO, Proc
from tests.support.service import phrase_from, scanned_pdf, start_service, token_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

THEFT = ("lecard-12174", "judge-ae1a4ecd-4481-4e17-88b5-15706738a903",
         "judge-7a72757b-fa1a-492f-b9f7-0292c758b8ee")  # 盗窃罪, three courts
SCAN = "lecard-19303"  # 危险驾驶罪: its first page as a scan, for the page image
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


class Shots:
    """Numbered full-page screenshots of every page visited."""

    def __init__(self) -> None:
        self.dir = Path(os.environ.get("DOSSIER_SCREENSHOTS") or REPO / "build" / "screenshots")
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("[0-9][0-9]-*.png"):  # this test's shots of an earlier run
            old.unlink()
        self.n = 0

    def __call__(self, page: Any, name: str) -> Path:
        self.n += 1
        path = self.dir / f"{self.n:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def sign_in(browser: Any, base: str, token: str, viewport: dict[str, int] = DESKTOP) -> Any:
    """A fresh browser context (own cookies) signed in by typing the token and pressing Enter."""
    ctx = browser.new_context(viewport=viewport, locale="zh-CN")
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    page.goto(base + "/")
    assert "/login" in page.url  # pages need a signed-in user
    page.get_by_text("使用访问令牌登录").click()  # the token form is folded under the password form
    page.locator("#token").focus()
    page.keyboard.type(token)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    cookie = next(c for c in ctx.cookies() if c["name"] == "dossier_token")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    return page


def fail_document(document_id: int, reason: str) -> None:
    """Mark a document's processing as failed, as a worker does when a stage gives up."""
    from models.db import session_scope
    from models.schema import Document, Task
    from models.settings import get_settings

    with session_scope(get_settings().db_url) as s:
        doc = s.get(Document, document_id)
        assert doc is not None
        doc.status, doc.error = "failed", reason
        for task in s.query(Task).filter(Task.document_id == document_id):
            task.state, task.error = "failed", reason


def wait_processed(api: httpx.Client, document_id: int, timeout: float = 300) -> None:
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        if api.get(f"/api/v1/documents/{document_id}").json()["status"] == "processed":
            return
        time.sleep(0.5)
    raise TimeoutError(f"document {document_id} was not processed again")


def test_clerk_prosecutor_and_judge_in_the_browser(
        browser: Any, env: Callable[..., dict[str, str]], procs: Callable[..., Proc],
        shared_data: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    base, running, _ = start_service("embedded", env, procs, request)
    tokens = {role: token_for(role, role, "court-1") for role in ("clerk", "prosecutor", "judge")}
    outsider = token_for("outsider", "judge", "court-2")
    texts = shared_data / "extraction_gold" / "texts"
    work = tmp_path / "uploads"
    work.mkdir()
    files = []
    for name in THEFT:
        files.append(work / f"{name}.txt")
        files[-1].write_bytes((texts / f"{name}.txt").read_bytes())
    pdf, _ = scanned_pdf((texts / f"{SCAN}.txt").read_text(), max_pages=1, seed=3)
    files.append(work / "scan.pdf")
    files[-1].write_bytes(pdf)
    shot = Shots()
    api = httpx.Client(base_url=base, timeout=60,
                       headers={"Authorization": f"Bearer {tokens['clerk']}"})

    # --- sign-in ---------------------------------------------------------------------------
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = ctx.new_page()
    page.goto(base + "/search?q=x")
    assert "/login" in page.url
    # the name field takes the focus (autofocus applies once the page has loaded: wait for it)
    page.wait_for_function("document.activeElement && document.activeElement.id === 'name'")
    stops = [page.evaluate("document.activeElement.id")]
    for _ in range(6):  # the keyboard reaches the skip link, name, password and the button
        page.keyboard.press("Tab")
        stops.append(page.evaluate("document.activeElement.id || document.activeElement.className"
                                   " || document.activeElement.tagName"))
    assert {"skip", "name", "password", "BUTTON"} <= set(stops), stops
    shot(page, "login")
    page.fill("#name", "nobody")
    page.fill("#password", "wrong")
    page.click("#password-login button[type=submit]")
    alert = page.locator("[role=alert]")
    assert alert.is_visible() and "用户名或密码错误" in alert.inner_text()
    shot(page, "login-refused")
    ctx.close()

    # --- clerk: upload, watch progress, document view, correction ---------------------------
    page = sign_in(browser, base, tokens["clerk"])
    shot(page, "clerk-home-empty")
    page.click("nav >> text=上传材料")
    page.wait_for_url(base + "/upload")
    shot(page, "upload")
    page.set_input_files("#files", [str(f) for f in files])
    page.click("#upload button[type=submit]")
    items = page.locator("#progress li.item")
    items.nth(len(files) - 1).wait_for()
    page.wait_for_function(
        "n => document.querySelectorAll('#progress li[data-state=succeeded]').length === n",
        arg=len(files), timeout=600_000)
    assert page.locator("#progress li[data-state=failed]").count() == 0
    assert page.locator("#progress a.open").count() == len(files)
    shot(page, "upload-done")
    by_name = {li.locator(".fname").inner_text(): int(li.get_attribute("data-document") or 0)
               for li in items.all()}
    assert len(by_name) == len(files), by_name
    main_doc = by_name[f"{THEFT[0]}.txt"]
    docs = {name: api.get(f"/api/v1/documents/{i}").json() for name, i in by_name.items()}
    main_case = docs[f"{THEFT[0]}.txt"]["case_id"]

    page.goto(base + "/")
    assert page.locator("[data-count=processed]").inner_text() == str(len(files))
    assert page.locator("[data-count=failed]").inner_text() == "0"
    shot(page, "clerk-home")

    page.click(f"a[href='/documents/{main_doc}']")
    page.wait_for_url(f"{base}/documents/{main_doc}")
    assert "张某" in page.locator("#pagetext").inner_text()
    name_field = page.locator(".field[data-path='defendants/0/name']")
    assert "张某" in name_field.locator(".fvalue").inner_text()
    with_span = page.locator(".fieldbtn[data-start]:not([data-start=''])").first
    with_span.click()
    mark = page.locator("#pagetext mark#hl")
    assert mark.is_visible() and mark.inner_text().strip()
    shot(page, "document-field-highlighted")

    court = page.locator(".field[data-path='court']")
    court.locator(".editbtn").click()
    court.locator("form.edit input").fill("江苏省宜兴市人民法院刑事审判庭")
    court.locator("form.edit input").press("Enter")  # keyboard submit
    page.wait_for_load_state("load")
    page.locator(".field[data-path='court'] .fsrc", has_text="已人工更正").wait_for()
    assert "刑事审判庭" in page.locator(".field[data-path='court'] .fvalue").inner_text()
    shot(page, "document-corrected")
    stored = api.get(f"/api/v1/documents/{main_doc}").json()
    assert stored["fields"]["court"] == "江苏省宜兴市人民法院刑事审判庭"
    assert stored["provenance"]["court"]["corrected"] is True

    # a document whose processing failed: the reason on the home page, and a retry button
    failed_doc = by_name[f"{THEFT[2]}.txt"]
    fail_document(failed_doc, "OCR 引擎超时（测试模拟）")
    page.goto(base + "/")
    assert page.locator("[data-count=failed]").inner_text() == "1"
    row = page.locator("tr", has=page.locator(f"a[href='/documents/{failed_doc}']"))
    assert "OCR 引擎超时" in row.locator(".reason").inner_text()
    shot(page, "clerk-home-failure")
    row.get_by_role("button", name="重试").click()
    page.wait_for_url(f"{base}/documents/{failed_doc}?retried=1")
    assert "已重新提交处理" in page.locator(".notice.ok").inner_text()  # the click's feedback
    wait_processed(api, failed_doc)
    page.goto(base + "/")
    assert page.locator("[data-count=failed]").inner_text() == "0"

    # an upload the service refuses shows the reason at once
    page.goto(base + "/upload")
    page.set_input_files("#files", {"name": "broken.pdf", "mimeType": "application/pdf",
                                    "buffer": b"%PDF-1.4 this is not really a PDF"})
    page.click("#upload button[type=submit]")
    refused = page.locator("#progress li.item .reason")
    refused.wait_for()
    assert "原因" in refused.inner_text()
    page.set_viewport_size(PHONE)
    shot(page, "upload-refused-phone")
    page.set_viewport_size(DESKTOP)

    scan_doc = by_name["scan.pdf"]
    page.goto(f"{base}/documents/{scan_doc}")
    img = page.locator(".pageimg img")
    img.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 500", arg=img.element_handle())
    assert page.locator(".boxes rect").count() >= 5  # OCR line boxes over the page image
    page.locator(".field[data-path='court'] .fieldbtn").click()
    assert page.locator(".boxes rect.on").count() >= 1
    assert page.locator("#pagetext mark#hl").inner_text() in page.locator(".field[data-path='court'] .fvalue").inner_text()
    shot(page, "document-scan")
    page.set_viewport_size(PHONE)
    shot(page, "document-scan-phone")
    page.set_viewport_size(DESKTOP)

    # --- prosecutor: phrase, facet, case view ---------------------------------------------
    page = sign_in(browser, base, tokens["prosecutor"])
    shot(page, "prosecutor-home")
    phrase = phrase_from((texts / f"{THEFT[0]}.txt").read_text())
    page.fill("#q", f'"{phrase}"')
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r".*/search\?q=.*"))
    hit = page.locator(f"li.hit[data-document='{main_doc}']")
    assert hit.count() == 1, phrase
    assert hit.locator(".snippet em").count() >= 1
    shot(page, "search-phrase")
    page.set_viewport_size(PHONE)
    shot(page, "search-phrase-phone")
    page.set_viewport_size(DESKTOP)

    page.goto(base + "/search?q=宜兴")
    page.locator(".facets a", has_text="盗窃罪").click()
    page.wait_for_url(re.compile(r".*charge=.*"))
    assert page.locator(f"li.hit[data-document='{main_doc}']").count() == 1
    assert page.locator(".chip", has_text="盗窃罪").count() == 1
    shot(page, "search-facet")
    page.goto(base + "/search?" + str(httpx.QueryParams({"charge": "盗窃罪", "group_by_case": "1"})))
    assert page.locator("li.hit").count() == len(THEFT)
    shot(page, "search-grouped")
    page.set_viewport_size(PHONE)
    shot(page, "search-grouped-phone")
    page.set_viewport_size(DESKTOP)

    page.goto(base + "/search?" + str(httpx.QueryParams({"q": f'"{phrase}"'})))
    page.locator(f"li.hit[data-document='{main_doc}'] .meta a").click()
    page.wait_for_url(f"{base}/cases/{main_case}")
    assert "盗窃罪" in page.locator(".tags").inner_text()
    assert "张某" in page.inner_text("main")
    shot(page, "case")
    page.goto(base + "/search?" + str(httpx.QueryParams({"q": f'"{phrase}"'})))
    page.locator(f"li.hit[data-document='{main_doc}'] .snippet a").first.click()
    page.wait_for_url(re.compile(rf".*/documents/{main_doc}\?page=1"))
    assert phrase in page.locator("#pagetext").inner_text()
    shot(page, "document-from-search")

    # --- judge: similar cases and sentencing --------------------------------------------------
    page = sign_in(browser, base, tokens["judge"])
    shot(page, "judge-home")
    page.click(f"a[href='/cases/{main_case}/similar']")
    page.wait_for_url(f"{base}/cases/{main_case}/similar")
    sims = page.locator("li.sim")
    assert sims.count() >= 2
    others = {docs[f"{n}.txt"]["case_id"] for n in THEFT[1:]}
    top = {int(sims.nth(i).get_attribute("data-case") or 0) for i in range(2)}
    assert top == others, top
    assert "盗窃罪" in sims.first.locator(".reasons").inner_text()
    shot(page, "similar")

    page.goto(f"{base}/cases/{main_case}/sentencing")
    page.fill("#proposed_months", "12")
    page.press("#proposed_months", "Enter")
    page.wait_for_url(re.compile(r".*proposed_months=12.*"))
    chart = page.locator("svg#histogram")
    assert chart.is_visible()
    assert chart.locator("g.bar rect").count() >= 2
    assert chart.locator("g.median line").count() == 1
    assert chart.locator("g.proposed line").count() == 1
    assert chart.locator("rect.range").count() == 1
    assert page.locator("#proposed-verdict").is_visible()
    shot(page, "sentencing")
    page.set_viewport_size(PHONE)
    shot(page, "sentencing-phone")
    page.set_viewport_size(DESKTOP)

    page.click("nav >> text=按案情查量刑")
    page.wait_for_url(base + "/facts")
    text = (texts / f"{THEFT[0]}.txt").read_text()
    start = max(0, text.find("指控"))
    page.fill("#facts", text[start:start + 1000])
    page.fill("#charges", "盗窃罪")
    page.fill("#proposed_months", "9")
    # the answer embeds the pasted facts: the first one loads the model (slow on a busy machine)
    page.click("form.card button[type=submit]", timeout=120_000)
    page.locator("svg#histogram").wait_for(timeout=120_000)
    assert page.locator("svg#histogram g.proposed line").count() == 1
    rows = page.locator(".card table tbody tr", has_text="盗窃罪")
    assert rows.count() == len(THEFT)
    shot(page, "facts-sentencing")

    # --- another agency sees nothing; sign-out -------------------------------------------------
    page = sign_in(browser, base, outsider)
    for path in (f"/cases/{main_case}", f"/documents/{main_doc}", f"/cases/{main_case}/similar",
                 f"/cases/{main_case}/sentencing", f"/documents/{scan_doc}/pages/1.png"):
        resp = page.goto(base + path)
        assert resp is not None and resp.status == 404, path
    page.goto(f"{base}/cases/{main_case}")
    shot(page, "outsider-404")
    # the cookie endpoints: no cookie 401; a state change without our header (another site) 403
    bare = httpx.Client(base_url=base, timeout=30)
    assert bare.get("/web/api/tasks/1").status_code == 401
    assert bare.get("/").status_code == 303
    clerk = httpx.Client(base_url=base, timeout=30, cookies={"dossier_token": tokens["clerk"]})
    assert clerk.post(f"/web/api/documents/{main_doc}/retry").status_code == 403
    assert clerk.post("/logout", headers={"Origin": "https://evil.example"}).status_code == 403
    assert clerk.get("/web/api/tasks/1").status_code == 200
    page.goto(base + "/search?q=盗窃")
    assert page.locator("li.hit").count() == 0
    page.click("text=退出")
    page.wait_for_url(re.compile(r".*/login.*"))
    page.goto(base + "/")
    assert "/login" in page.url
    assert running[0].proc is not None and running[0].proc.poll() is None
