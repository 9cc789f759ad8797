"""One upload travels the whole road: HTTP upload → worker → OCR → fields → search → similar cases.

Runs twice: on the embedded default (SQLite, filesystem broker, the worker `dossier serve`
starts) and in scale mode (PostgreSQL, Redis, a separate `dossier worker` process). A scanned
PDF is made from a real judgment (rendered with a CJK font, degraded like a scanner); two more
real judgments arrive as exported text. Then a worker is killed in the middle of a document.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from models.db import session_scope
from models.schema import FieldValue, Page, Party
from tests.support.env import Proc, wait_http
from tests.support.service import phrase_from, scanned_pdf, start_service, token_for, wait_task

SCANNED = "judge-ae1a4ecd-4481-4e17-88b5-15706738a903"  # 盗窃罪
RELATED = "lecard-12174"  # 盗窃罪
UNRELATED = "lecard-19303"  # 危险驾驶罪

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.mark.parametrize("mode", ["embedded", "scale"])
def test_upload_travels_the_whole_way(mode: str, env: Callable[..., dict[str, str]],
                                      procs: Callable[..., Proc], shared_data: Path,
                                      request: pytest.FixtureRequest) -> None:
    base, running, _ = start_service(mode, env, procs, request)
    token = token_for("clerk", "clerk", "court-1")
    gold = shared_data / "extraction_gold" / "texts"
    pdf, truths = scanned_pdf((gold / f"{SCANNED}.txt").read_text())
    client = httpx.Client(base_url=base, timeout=60,
                          headers={"Authorization": f"Bearer {token}"})

    uploads = {}
    for key, name, data in (("scan", "scan.pdf", pdf),
                            ("related", "related.txt", (gold / f"{RELATED}.txt").read_bytes()),
                            ("unrelated", "other.txt", (gold / f"{UNRELATED}.txt").read_bytes())):
        r = client.post("/api/v1/documents", files={"file": (name, data)})
        assert r.status_code == 202, r.text
        uploads[key] = r.json()
    for up in uploads.values():
        task = wait_task(client, up["task_id"], running)
        assert task["state"] == "succeeded", task
        assert task["pages_done"] == task["pages_total"] >= 1

    scan = uploads["scan"]
    page1 = client.get(f"/api/v1/documents/{scan['document_id']}/pages/1").json()
    assert page1["method"] == "ocr" and page1["lines"] and page1["lines"][0]["box"]

    phrase = phrase_from(truths[0])
    found = client.get("/api/v1/search", params={"q": f'"{phrase}"'}).json()
    assert scan["document_id"] in [h["document_id"] for h in found["hits"]], (phrase, found)
    hit = next(h for h in found["hits"] if h["document_id"] == scan["document_id"])
    assert set(hit) >= {"document_id", "case_id", "filename", "score", "page", "highlights"}
    assert hit["page"] == 1 and any("<em>" in h for h in hit["highlights"])

    pdf_back = client.get(f"/api/v1/documents/{scan['document_id']}/searchable.pdf")
    assert pdf_back.status_code == 200 and pdf_back.content.startswith(b"%PDF")
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf_back.content)) as searchable:
        layer = "".join(searchable.pages[0].extract_text().split())
    assert phrase in layer  # the invisible text layer carries the OCR text

    doc = client.get(f"/api/v1/documents/{scan['document_id']}").json()
    charges = [c for d in doc["fields"]["defendants"] for c in d["charges"]]
    assert "盗窃罪" in charges
    assert doc["doc_type"] == "刑事判决书"
    assert any(p.startswith("defendants/0") for p in doc["provenance"])

    similar = client.get(f"/api/v1/cases/{uploads['related']['case_id']}/similar",
                         params={"k": 5}).json()
    ranked = [r["case_id"] for r in similar["results"]]
    assert ranked[0] == scan["case_id"], similar
    assert uploads["unrelated"]["case_id"] in ranked[1:]
    assert "盗窃罪" in similar["results"][0]["charges"]


def workers_of(serve: Proc) -> list[int]:
    """Pids of the worker processes `serve` started (`dossier worker --parent-pid <serve>`)."""
    if serve.proc is None:
        return []
    want = ["--parent-pid", str(serve.proc.pid)]
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                argv = (d / "cmdline").read_bytes().decode(errors="replace").split("\0")
            except OSError:
                continue
            if any(argv[i:i + 2] == want for i in range(len(argv) - 1)):
                out.append(int(d.name))
    return out


def alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.parametrize("mode", ["embedded", "scale"])
def test_killed_worker_document_completes_without_duplicates(
        mode: str, env: Callable[..., dict[str, str]], procs: Callable[..., Proc],
        shared_data: Path, request: pytest.FixtureRequest) -> None:
    base, running, environ = start_service(mode, env, procs, request, stale_after_s="6",
                                           visibility_timeout_s="8")
    token = token_for("clerk", "clerk", "court-1")
    text = (shared_data / "extraction_gold" / "texts" / "lecard-42460.txt").read_text()
    pdf, _ = scanned_pdf(text, max_pages=3, seed=7)
    client = httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"})
    up = client.post("/api/v1/documents", files={"file": ("long.pdf", pdf)}).json()

    wait_task(client, up["task_id"], running, timeout=600,
              until=lambda t: t["state"] == "running" and t["pages_done"] >= 1)
    victim = running[-1] if mode == "scale" else running[0]
    orphans = workers_of(victim)
    victim.kill()  # SIGKILL mid-document: no cleanup, no ack
    if mode == "embedded":  # the API went down with its worker: start the service again
        # serve's worker (a process group of its own) sees its parent gone and stops itself,
        # instead of running on beside the next serve's worker
        assert orphans, "serve started no worker"
        deadline = time.monotonic() + 60
        while any(alive(pid) for pid in orphans) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not any(alive(pid) for pid in orphans), f"serve's worker outlived it: {orphans}"
        port = int(base.rsplit(":", 1)[1])
        server = procs("serve", "--port", str(port), env=environ, name="api-again")
        wait_http(base + "/healthz", server)
        running = [server]
    else:
        running = [running[0], procs("worker", env=environ, name="worker-again")]

    task = wait_task(client, up["task_id"], running, timeout=600)
    assert task["state"] == "succeeded", task
    assert task["pages_done"] == task["pages_total"] == 3
    from models.settings import get_settings

    with session_scope(get_settings().db_url) as s:
        pages = s.execute(select(Page.number).where(Page.document_id == up["document_id"])
                          .order_by(Page.number)).scalars().all()
        assert pages == [1, 2, 3]
        names = s.execute(select(Party.role, Party.position, func.count())
                          .where(Party.document_id == up["document_id"])
                          .group_by(Party.role, Party.position)).all()
        assert names and all(n == 1 for *_, n in names)
        paths = s.execute(select(FieldValue.path, func.count())
                          .where(FieldValue.document_id == up["document_id"])
                          .group_by(FieldValue.path)).all()
        assert paths and all(n == 1 for _, n in paths)
