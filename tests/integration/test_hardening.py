"""The attacks of the hardening review, each reproduced against the real service.

Bodies are refused from their headers (raw sockets against a real `dossier serve`), huge pages
are refused at intake and rendered within a memory bound, sign-in from a foreign origin is
refused, a receiving agency cannot change or pass on a case, reads and denied attempts are
audited, sessions end at sign-out, and inputs are checked in size and shape.
"""

from __future__ import annotations

import concurrent.futures
import io
import os
import re
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from models.db import session_scope
from models.schema import Agency, AuditEvent, Case, Document
from tests.support.api import Api
from tests.support.env import Proc, free_port, wait_http


def _huge_page_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=(14_400, 14_400))  # 200 × 200 inches
    pdf.drawString(72, 72, "x")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _serve(procs: Callable[..., Proc], env: Callable[..., dict[str, str]],
           **settings: str) -> tuple[str, Proc, str]:
    """A real `dossier serve` (no worker) and a clerk's token on its data dir."""
    e = env(**settings)
    from api.auth import add_user, issue_token
    from models.db import migrate
    from models.settings import get_settings

    s = get_settings()
    s.ensure_dirs()
    migrate(s.db_url)
    with session_scope(s.db_url) as db:
        token = issue_token(db, add_user(db, "clerk_served", "clerk", "A"), 1)
    port = free_port()
    proc = procs("serve", "--port", str(port), "--no-worker", env=e, name="serve")
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/healthz", proc)
    return base, proc, token


def _raw(base: str, head: str, body_chunks: list[bytes] | None = None,
         timeout: float = 10) -> str:
    """Send a request head (and optionally chunks), return the response read back (the server
    closes the connection after these answers)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head.encode("latin-1"))
        for chunk in body_chunks or []:
            try:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed: what we want to read
        data = b""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                part = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not part:
                break
            data += part
    return data.decode("utf-8", "replace")


def test_an_anonymous_or_oversized_body_is_answered_before_it_is_sent(
        procs: Callable[..., Proc], env: Callable[..., dict[str, str]]) -> None:
    base, _, token = _serve(procs, env, max_upload_mb="1")
    head = ("POST /api/v1/documents HTTP/1.1\r\nHost: t\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {n}\r\n{auth}\r\n")
    started = time.monotonic()
    anonymous = _raw(base, head.format(n=250_000_000, auth=""))  # 250 MB declared, none sent
    assert anonymous.startswith("HTTP/1.1 401"), anonymous
    forged = _raw(base, head.format(n=250_000_000, auth="Authorization: Bearer forged\r\n"))
    assert forged.startswith("HTTP/1.1 401"), forged
    too_big = _raw(base, head.format(n=250_000_000, auth=f"Authorization: Bearer {token}\r\n"))
    assert too_big.startswith("HTTP/1.1 413") and "上限" in too_big, too_big
    assert time.monotonic() - started < 10  # answered from the headers, nothing was read
    # no Content-Length: counted as it arrives and cut off past the limit (1 MB here)
    chunked = _raw(base, "POST /api/v1/documents HTTP/1.1\r\nHost: t\r\n"
                         "Content-Type: multipart/form-data; boundary=b\r\n"
                         f"Transfer-Encoding: chunked\r\nAuthorization: Bearer {token}\r\n\r\n",
                   [b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\""
                    b"\r\n\r\n"] + [b"x" * 65536] * 40)
    assert chunked.startswith("HTTP/1.1 413"), chunked
    spool = Path(os.environ.get("TMPDIR", "/tmp"))
    assert not any(p.stat().st_size > 1_500_000 for p in spool.glob("tmp*") if p.is_file()
                   and time.time() - p.stat().st_mtime < 60)


def test_a_huge_page_is_refused_at_intake_and_a_stored_one_renders_within_bounds(
        procs: Callable[..., Proc], env: Callable[..., dict[str, str]],
        api_client: Callable[..., Api]) -> None:
    api = api_client(("clerk_a", "clerk", "A"), act_as="clerk_a")
    refused = api.client.post("/api/v1/documents", files={"file": ("huge.pdf", _huge_page_pdf())})
    assert refused.status_code == 413 and "14400 × 14400 pt" in refused.json()["detail"]
    with session_scope(api.settings.db_url) as s:
        assert s.execute(select(func.count()).select_from(Document)).scalar_one() == 0
    # One stored before the page-size check (a limit above its 3.6 billion pixels) is shown,
    # three times in parallel, by a real server whose peak memory stays bounded.
    base, proc, token = _serve(procs, env, max_image_pixels="5000000000")
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
        up = c.post("/api/v1/documents", files={"file": ("huge.pdf", _huge_page_pdf())})
        assert up.status_code == 202, up.text
        doc = up.json()["document_id"]
    cookies = {"dossier_token": token}
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(
            lambda _: httpx.get(f"{base}/documents/{doc}/pages/1.png", cookies=cookies,
                                timeout=120), range(3)))
    assert [a.status_code for a in answers] == [200, 200, 200], answers[0].text
    assert answers[0].headers["cache-control"] == "no-store"
    from PIL import Image

    image = Image.open(io.BytesIO(answers[0].content))
    assert image.width * image.height <= 4_000_000 * 1.01
    assert proc.proc is not None
    peak_kb = next(int(line.split()[1]) for line in
                   Path(f"/proc/{proc.proc.pid}/status").read_text().splitlines()
                   if line.startswith("VmHWM:"))
    print(f"API peak RSS after 3 parallel renders of a 14,400 pt page: {peak_kb / 1024:.0f} MB")
    assert peak_kb < 1024 * 1024, f"peak RSS {peak_kb / 1024:.0f} MB"  # was 5.6 GB


def test_sign_in_from_a_sandboxed_frame_or_another_site_is_refused(
        api_client: Callable[..., Api]) -> None:
    api = api_client(("clerk_a", "clerk", "A"))
    token = api.tokens["clerk_a"]
    for headers in ({"Origin": "null", "Sec-Fetch-Site": "cross-site"},  # a sandboxed frame
                    {"Origin": "null"},  # no fetch metadata: refused, not guessed
                    {"Origin": "https://evil.example"},
                    {"Referer": "https://evil.example/page"}):
        r = api.client.post("/login", data={"token": token}, headers=headers,
                            follow_redirects=False)
        assert r.status_code == 403 and "dossier_token" not in r.headers.get("set-cookie", ""), (
            headers)
    # our own page in a browser that sends "Origin: null" (strict referrer policy): the
    # browser's fetch metadata says the form is same-origin
    own = api.client.post("/login", data={"token": token}, follow_redirects=False,
                          headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 303
    ok = api.client.post("/login", data={"token": token},
                         headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert ok.status_code == 303 and "dossier_token" in ok.headers["set-cookie"]
    assert "frame-ancestors 'none'" in ok.headers["content-security-policy"]
    assert ok.headers["referrer-policy"] == "same-origin"


def _png_page() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(buf, format="PNG")
    return buf.getvalue()


def _upload_processed(api: Api, shared_data: Path, who: str) -> dict[str, Any]:
    text = (shared_data / "extraction_gold" / "texts" / "lecard-19303.txt").read_bytes()
    up = api.client.post("/api/v1/documents", files={"file": ("dui.txt", text)},
                         headers=api.auth(who))
    assert up.status_code == 202, up.text
    return dict(up.json())


def _actions(api: Api, action: str) -> list[AuditEvent]:
    with session_scope(api.settings.db_url) as s:
        rows = list(s.execute(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).scalars())
        s.expunge_all()
        return rows


def test_a_receiving_agency_reads_but_cannot_change_pass_on_or_keep_a_revoked_case(
        api_client: Callable[..., Api], shared_data: Path) -> None:
    api = api_client(("clerk_a", "clerk", "A"), ("clerk_b", "clerk", "B"),
                     ("clerk_c", "clerk", "C"), task_always_eager="true")
    up = _upload_processed(api, shared_data, "clerk_a")
    doc, case = up["document_id"], up["case_id"]
    moved = api.client.post(f"/api/v1/cases/{case}/transfer", json={"agency": "B"},
                            headers=api.auth("clerk_a"))
    assert moved.status_code == 200 and moved.json()["shared_with"] == ["B"]
    b = api.auth("clerk_b")
    assert api.client.get(f"/api/v1/documents/{doc}", headers=b).status_code == 200
    fix = api.client.put(f"/api/v1/documents/{doc}/fields/defendants/0/name",
                         json={"value": "李四"}, headers=b)
    assert fix.status_code == 403 and "阅读权限" in fix.json()["detail"]
    assert api.client.post(f"/api/v1/documents/{doc}/retry", headers=b).status_code == 403
    onward = api.client.post(f"/api/v1/cases/{case}/transfer", json={"agency": "C"}, headers=b)
    assert onward.status_code == 403
    assert api.client.get(f"/api/v1/documents/{doc}",
                          headers=api.auth("clerk_c")).status_code == 404
    name = api.client.get(f"/api/v1/documents/{doc}", headers=b).json()["fields"]["defendants"]
    assert name[0]["name"] != "李四"  # nothing half-applied
    hits = api.client.get("/api/v1/search", params={"q": "危险驾驶"}, headers=b).json()
    assert [h["document_id"] for h in hits["hits"]] == [doc]
    revoked = api.client.post(f"/api/v1/cases/{case}/shares/B/revoke",
                              json={"reason": "误移送"}, headers=api.auth("clerk_a"))
    assert revoked.status_code == 200 and revoked.json()["shared_with"] == []
    assert api.client.get(f"/api/v1/documents/{doc}", headers=b).status_code == 404
    assert api.client.get("/api/v1/search", params={"q": "危险驾驶"},
                          headers=b).json()["total"] == 0
    again = api.client.post(f"/api/v1/cases/{case}/shares/B/revoke", headers=b)
    assert again.status_code == 404  # B no longer sees the case at all
    [event] = _actions(api, "case.share.revoke")
    assert event.detail == {"agency": "B", "reason": "误移送"}


def test_reads_of_dossier_content_and_denied_attempts_are_audited(
        api_client: Callable[..., Api], shared_data: Path) -> None:
    api = api_client(("clerk_a", "clerk", "A"), ("clerk_b", "clerk", "B"),
                     task_always_eager="true")
    up = _upload_processed(api, shared_data, "clerk_a")
    a, b = api.auth("clerk_a"), api.auth("clerk_b")
    api.client.get("/api/v1/search", params={"q": "危险驾驶"}, headers=a)
    api.client.get(f"/api/v1/tasks/{up['task_id']}", headers=a)
    scan = api.client.post("/api/v1/documents", headers=a,
                           files={"file": ("p.png", _png_page())}).json()
    api.client.cookies.set("dossier_token", api.tokens["clerk_a"])
    assert api.client.get(f"/documents/{scan['document_id']}/pages/1.png").status_code == 200
    api.client.cookies.clear()
    [image] = _actions(api, "page.image")
    assert image.object_id == str(scan["document_id"]) and image.detail == {"page": 1}
    for path in (f"/api/v1/documents/{up['document_id']}", f"/api/v1/cases/{up['case_id']}",
                 f"/api/v1/tasks/{up['task_id']}", "/api/v1/documents/999999"):
        denied = api.client.get(path, headers=b)
        assert denied.status_code == 404
    # a task of another agency does not reveal its document's id
    assert api.client.get(f"/api/v1/tasks/{up['task_id']}",
                          headers=b).json()["detail"] == f"任务 {up['task_id']} 不存在"
    [search] = _actions(api, "search")
    assert search.detail["q"] == "危险驾驶"
    assert len(_actions(api, "task.read")) == 1
    denied_rows = _actions(api, "access.denied")
    assert [(e.object_type, e.object_id) for e in denied_rows] == [
        ("document", str(up["document_id"])), ("case", str(up["case_id"])),
        ("task", str(up["task_id"])), ("document", "999999"), ("task", str(up["task_id"]))]
    assert all(e.detail["agency_id"] for e in denied_rows)


def test_sign_out_revokes_the_token(api_client: Callable[..., Api]) -> None:
    api = api_client(("clerk_a", "clerk", "A"), act_as="clerk_a")
    assert api.client.get("/api/v1/cases/1").status_code == 404  # signed in (no such case)
    out = api.client.post("/api/v1/logout")
    assert out.status_code == 200 and out.json() == {"revoked": True}
    assert api.client.get("/api/v1/cases/1").status_code == 401
    token = api.add_user("clerk_b", "clerk", "B")
    api.client.cookies.set("dossier_token", token)
    page = api.client.post("/logout", headers={"Origin": "http://testserver"},
                           follow_redirects=False)
    assert page.status_code == 303
    api.client.cookies.clear()
    assert api.client.get("/api/v1/cases/1", headers=api.auth("clerk_b")).status_code == 401


def test_inputs_are_checked_in_size_and_shape(api_client: Callable[..., Api],
                                              shared_data: Path) -> None:
    api = api_client(("clerk_a", "clerk", "A"), act_as="clerk_a", task_always_eager="true")
    text = (shared_data / "extraction_gold" / "texts" / "lecard-19303.txt").read_bytes()
    long_number = api.client.post("/api/v1/documents", files={"file": ("a.txt", text)},
                                  data={"case_number": "（2017）" + "刑" * 30_000})
    assert long_number.status_code == 422 and "案号" in long_number.json()["detail"]
    with session_scope(api.settings.db_url) as s:
        assert s.execute(select(func.count()).select_from(Case)).scalar_one() == 0
    doc = api.client.post("/api/v1/documents", files={"file": ("a.txt", text)}).json()
    far = api.client.put(f"/api/v1/documents/{doc['document_id']}/fields/defendants/9999/name",
                         json={"value": "王五"})
    assert far.status_code == 422
    fields = api.client.get(f"/api/v1/documents/{doc['document_id']}").json()["fields"]
    assert len(fields["defendants"]) == 1
    free_text = api.client.put(
        f"/api/v1/documents/{doc['document_id']}/fields/defendants/0/charges",
        json={"value": ["<script>alert(1)</script>"]})
    assert free_text.status_code == 422


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_identical_uploads_at_once_without_a_case_number_are_one_document(
        db: str, api_client: Callable[..., Api], request: pytest.FixtureRequest) -> None:
    extra = {"database_url": request.getfixturevalue("pg_url")} if db == "postgresql" else {}
    api = api_client(("clerk_a", "clerk", "A"), act_as="clerk_a", **extra)
    body = "被告人张三盗窃一案。".encode() * 50

    def upload(_: int) -> dict[str, Any]:
        r = api.client.post("/api/v1/documents", files={"file": ("same.txt", body)})
        assert r.status_code == 202, r.text
        return dict(r.json())

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(upload, range(20)))
    assert len({a["document_id"] for a in answers}) == 1
    assert sum(not a["duplicate"] for a in answers) == 1
    with session_scope(api.settings.db_url) as s:
        assert s.execute(select(func.count()).select_from(Case)).scalar_one() == 1


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(
        procs: Callable[..., Proc], env: Callable[..., dict[str, str]]) -> None:
    base, _, _ = _serve(procs, env)
    codes = []
    for i in range(7):  # a different name each time: only the address can be limited
        r = httpx.post(f"{base}/api/v1/login", json={"name": f"nobody{i}", "password": "x" * 8},
                       headers={"X-Forwarded-For": f"203.0.113.{i}"})
        codes.append(r.status_code)
    assert codes[:5] == [401] * 5 and 429 in codes[5:], codes


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def test_stopping_serve_stops_its_worker_and_the_worker_pool(
        procs: Callable[..., Proc], env: Callable[..., dict[str, str]]) -> None:
    import signal

    e = env()
    port = free_port()
    proc = procs("serve", "--port", str(port), "--worker", env=e, name="serve")
    wait_http(f"http://127.0.0.1:{port}/healthz", proc)
    assert proc.proc is not None
    deadline = time.monotonic() + 90
    family: list[int] = []
    while time.monotonic() < deadline:  # serve → worker main → its pool process(es)
        workers = _children(proc.proc.pid)
        family = workers + [c for w in workers for c in _children(w)]
        if workers and len(family) > len(workers):
            break
        time.sleep(0.5)
    assert len(family) >= 2, proc.tail()
    os.kill(proc.proc.pid, signal.SIGTERM)  # serve alone, as systemd or a terminal would
    proc.proc.wait(60)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in family):
        time.sleep(0.5)
    alive = [p for p in family if Path(f"/proc/{p}").exists()
             and "Z" not in Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]]
    assert not alive, f"left running: {alive}\n{proc.tail()}"


def _blank_tiff(frames: int) -> bytes:
    from PIL import Image

    page = Image.new("1", (2480, 3508), 1)  # an empty A4 side at 300 dpi
    buf = io.BytesIO()
    page.save(buf, format="TIFF", compression="group4", save_all=True,
              append_images=[page] * (frames - 1), dpi=(300, 300))
    return buf.getvalue()


#: the longest another agency's one-page upload may wait behind a 1,000-frame blank TIFF on
#: one worker process (README, threat model); measured 20-30 s on the 2-core test machine
FAIRNESS_BOUND_S = 90


@pytest.mark.slow
def test_a_thousand_blank_frames_do_not_hold_up_another_agencys_page(
        api_client: Callable[..., Api], procs: Callable[..., Proc], shared_data: Path) -> None:
    api = api_client(("clerk_a", "clerk", "A"), ("clerk_b", "clerk", "B"))
    tiff = _blank_tiff(1000)
    assert len(tiff) < 2_000_000  # 1.3 MB: an upload anyone may make
    worker = procs("worker", "--concurrency", "1", env=dict(os.environ), name="worker")
    a = api.client.post("/api/v1/documents", files={"file": ("blank.tif", tiff)},
                        headers=api.auth("clerk_a")).json()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the thousand page tasks are queued
        task = api.client.get(f"/api/v1/tasks/{a['task_id']}", headers=api.auth("clerk_a")).json()
        if task["pages_total"] == 1000 and task["pages_done"] >= 1:
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"the TIFF's pages never started:\n{worker.tail()}")
    text = (shared_data / "extraction_gold" / "texts" / "lecard-19303.txt").read_bytes()
    started = time.monotonic()
    b = api.client.post("/api/v1/documents", files={"file": ("b.txt", text)},
                        headers=api.auth("clerk_b")).json()
    while time.monotonic() - started < FAIRNESS_BOUND_S:
        state = api.client.get(f"/api/v1/tasks/{b['task_id']}",
                               headers=api.auth("clerk_b")).json()
        if state["state"] in ("succeeded", "failed"):
            break
        time.sleep(0.5)
    waited = time.monotonic() - started
    behind = api.client.get(f"/api/v1/tasks/{a['task_id']}", headers=api.auth("clerk_a")).json()
    print(f"one-page upload done in {waited:.1f} s while the TIFF had "
          f"{behind['pages_done']}/1000 pages")
    assert state["state"] == "succeeded", (state, worker.tail())
    assert waited < FAIRNESS_BOUND_S
    with session_scope(api.settings.db_url) as s:
        from models.schema import Page

        pages = list(s.execute(select(Page).where(Page.document_id == a["document_id"])
                               ).scalars())
        assert pages and all(p.flags == ["blank"] and p.engine == "blank-check" for p in pages)


#: slots per agency in the flood test, and the longest the other agency's page may take there
AGENCY_LIMIT, FLOOD_BOUND_S = 1, 60
_SLOT = re.compile(r"agency-slot agency=(\d+) task=(\d+) what=(\S+) from=([\d.]+) to=([\d.]+)")


def _slots(*workers: Proc) -> list[tuple[int, str, float, float]]:
    """(agency, what, start, end) of every task the workers ran inside a slot."""
    return [(int(m[1]), m[3], float(m[4]), float(m[5])) for w in workers
            for m in _SLOT.finditer(w.log.read_text(errors="replace"))]


def _most_at_once(spans: list[tuple[float, float]]) -> int:
    """The most spans open at one instant (one ending as another starts: not both open)."""
    edges = sorted([(b, 1) for b, _ in spans] + [(e, -1) for _, e in spans],
                   key=lambda x: (x[0], x[1]))
    most = now = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


@pytest.mark.slow
def test_one_agencys_flood_gets_at_most_its_slots_and_another_agency_goes_on(
        api_client: Callable[..., Api], procs: Callable[..., Proc], pg_url: str,
        redis_url: str, shared_data: Path) -> None:
    """Scale mode (PostgreSQL, Redis, two worker processes of two pool processes each): agency
    A's 300-page upload never runs more than AGENCY_LIMIT tasks at once, the three other pool
    processes defer A's pages and take B's one-page upload, which finishes within the bound."""
    api = api_client(("clerk_a", "clerk", "A"), ("clerk_b", "clerk", "B"),
                     database_url=pg_url, broker_url=redis_url,
                     agency_concurrency=str(AGENCY_LIMIT))
    workers = [procs("worker", "--concurrency", "2", env=dict(os.environ), name=f"worker{i}")
               for i in range(2)]
    a = api.client.post("/api/v1/documents", files={"file": ("blank.tif", _blank_tiff(300))},
                        headers=api.auth("clerk_a")).json()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # A's pages are queued and running
        task = api.client.get(f"/api/v1/tasks/{a['task_id']}", headers=api.auth("clerk_a")).json()
        if task["pages_total"] == 300 and task["pages_done"] >= 3:
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"the TIFF's pages never started:\n{workers[0].tail()}")
    text = (shared_data / "extraction_gold" / "texts" / "lecard-19303.txt").read_bytes()
    started = time.monotonic()
    b = api.client.post("/api/v1/documents", files={"file": ("b.txt", text)},
                        headers=api.auth("clerk_b")).json()
    while time.monotonic() - started < FLOOD_BOUND_S:
        state = api.client.get(f"/api/v1/tasks/{b['task_id']}",
                               headers=api.auth("clerk_b")).json()
        if state["state"] in ("succeeded", "failed"):
            break
        time.sleep(0.5)
    waited = time.monotonic() - started
    time.sleep(3)  # a few more of A's pages, deferred and run again
    behind = api.client.get(f"/api/v1/tasks/{a['task_id']}", headers=api.auth("clerk_a")).json()
    for w in workers:
        w.stop()
    with session_scope(api.settings.db_url) as s:
        ids = {code: id_ for code, id_ in s.execute(select(Agency.code, Agency.id))}
    slots = _slots(*workers)
    ran_a = [(b_, e) for agency, _, b_, e in slots if agency == ids["A"]]
    ran_b = [(what, b_, e) for agency, what, b_, e in slots if agency == ids["B"]]
    print(f"one-page upload of B done in {waited:.1f} s while A had {behind['pages_done']}/300 "
          f"pages; A ran {len(ran_a)} tasks, at most {_most_at_once(ran_a)} at once; "
          f"B's stages: {[w for w, _, _ in ran_b]}")
    assert state["state"] == "succeeded", (state, workers[0].tail())
    assert waited < FLOOD_BOUND_S
    assert behind["state"] == "running" and behind["error"] is None  # deferred, not failed
    assert len(ran_a) >= 10 and _most_at_once(ran_a) <= AGENCY_LIMIT
    assert {w for w, _, _ in ran_b} >= {"ocr", "extract", "index", "embed"}
    # A's pages went on while B's stages ran: the limit shares the workers, it does not stop A
    b_from, b_to = min(x for _, x, _ in ran_b), max(y for _, _, y in ran_b)
    assert any(b_from < e and s_ < b_to for s_, e in ran_a)


def test_concurrent_corrections_of_one_field_audit_the_value_each_replaced(
        api_client: Callable[..., Api], shared_data: Path, pg_url: str) -> None:
    api = api_client(("clerk_a", "clerk", "A"), act_as="clerk_a", task_always_eager="true",
                     database_url=pg_url)
    doc = _upload_processed(api, shared_data, "clerk_a")["document_id"]
    names = [f"张{i}" for i in range(8)]

    def correct(name: str) -> int:
        return api.client.put(f"/api/v1/documents/{doc}/fields/defendants/0/name",
                              json={"value": name}).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert set(pool.map(correct, names)) == {200}
    events = _actions(api, "field.correct")
    assert len(events) == 8
    # serialised: each correction's "before" is the value the previous one wrote
    for earlier, later in zip(events, events[1:], strict=False):
        assert later.detail["before"] == earlier.detail["after"]
    final = api.client.get(f"/api/v1/documents/{doc}").json()["fields"]["defendants"][0]["name"]
    assert final == events[-1].detail["after"]


def test_a_session_is_renewed_by_use_and_ends_at_its_maximum(
        api_client: Callable[..., Api]) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from models.schema import ApiToken

    api = api_client(("clerk_a", "clerk", "A"), act_as="clerk_a", token_ttl_hours="2",
                     token_max_hours="24")
    with session_scope(api.settings.db_url) as s:  # issued 23 h ago, idle for 90 minutes
        s.execute(update(ApiToken).values(
            created_at=datetime.now(UTC) - timedelta(hours=23),
            expires_at=datetime.now(UTC) + timedelta(minutes=30), last_used_at=None))
    assert api.client.get("/api/v1/cases/1").status_code == 404  # valid: renewed by this use
    with session_scope(api.settings.db_url) as s:
        row = s.execute(select(ApiToken)).scalar_one()
        expires = row.expires_at.replace(tzinfo=row.expires_at.tzinfo or UTC)
        created = row.created_at.replace(tzinfo=row.created_at.tzinfo or UTC)
    assert abs((expires - created) - timedelta(hours=24)) < timedelta(seconds=5)  # capped
    with session_scope(api.settings.db_url) as s:  # past its maximum life
        s.execute(update(ApiToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert api.client.get("/api/v1/cases/1").status_code == 401
