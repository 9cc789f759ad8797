"""Several hosts sharing only the services: two worker hosts and one API host, each with a data
folder of its own and no shared filesystem, on PostgreSQL, Redis, the OpenSearch cluster and
the S3 server, after the README's walkthrough moved the one machine's originals into the bucket
(`dossier blobs migrate`). Uploads spread over both worker hosts; one host is SIGKILLed in the middle of a
scanned document; every document completes exactly once, and the API host, which processed
nothing, serves the originals, page images and searchable PDFs from the object store."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from models.db import migrate, session_scope
from models.schema import Document, FieldValue, Page, Party, Task
from tests.support.env import REPO, Proc, cluster_url, free_port, wait_http
from tests.support.s3 import s3_for_test
from tests.support.service import scanned_pdf, token_for, wait_task

pytestmark = [pytest.mark.slow, pytest.mark.integration]

TEXTS = ["lecard-12174", "lecard-19303", "judge-ae1a4ecd-4481-4e17-88b5-15706738a903"]
EARLIER = "judge-01885b6c-a37e-4b28-9173-6b94a6581ba2"  # stored before the scale-out
SCANNED = "lecard-42460"  # long enough for several scanned pages
PAGES = 4


def _host(base: dict[str, str], root: Path, name: str) -> dict[str, str]:
    """The environment of one host: the shared settings, a data folder of its own."""
    folder = root / name
    folder.mkdir()
    return {**base, "DOSSIER_DATA_DIR": str(folder)}


def _owner(procs: list[Proc], worker: str) -> Proc:
    """The host whose process group holds the pool process named in Task.worker (host:pid)."""
    pid = int(worker.rsplit(":", 1)[1])
    group = os.getpgid(pid)
    return next(p for p in procs if p.proc is not None and p.proc.pid == group)


def _reader(db_url: str, task_id: int, workers: list[Proc], timeout: float = 600) -> Proc:
    """The worker host in the middle of the task's OCR stage (a page stored, more to come)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(db_url) as s:
            task = s.get(Task, task_id)
            assert task is not None
            assert task.state not in ("succeeded", "failed"), \
                f"the scan finished before the kill: {task.state}"
            if task.stage == "ocr" and task.worker and 1 <= task.pages_done < task.pages_total:
                return _owner(workers, task.worker)
        time.sleep(0.1)
    raise TimeoutError("the scan's OCR never started:\n" + "\n".join(w.tail() for w in workers))


def _cli(environ: dict[str, str], *args: str) -> str:
    """A `dossier` command run to its end (as an operator would), its stdout."""
    out = subprocess.run([sys.executable, "-m", "api.cli", *args], env=environ, cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, (args, out.stdout[-2000:], out.stderr[-4000:])
    return out.stdout


def _drop_indices(url: str, prefix: str) -> None:
    from models.cluster import ClusterClient

    conn = ClusterClient(url, 30)
    for name in conn.indices(f"{prefix}-*"):
        conn.delete_index(name)


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_two_worker_hosts_and_an_api_host_share_only_the_services(
        env: Callable[..., dict[str, str]], procs: Callable[..., Proc], pg_url: str,
        redis_url: str, shared_data: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    s3 = s3_for_test(monkeypatch)
    prefix = f"t{uuid.uuid4().hex[:10]}"
    request.addfinalizer(lambda: _drop_indices(cluster_url("opensearch"), prefix))
    shared = env(database_url=pg_url, broker_url=redis_url,
                 search_url=cluster_url("opensearch"), search_prefix=prefix,
                 blob_url=s3.url, blob_endpoint_url=s3.endpoint,
                 # the audit chain's key is the deployment's, not a host's key file
                 audit_key="multi-host-test-key-0123456789abcdef",
                 # a killed host's work comes back within seconds; stages queued behind the busy
                 # survivor are re-sent meanwhile without using up their attempts
                 # (workers/recovery.py; before, they failed "worker lost each time")
                 stale_after_s="6", visibility_timeout_s="8", ocr_fanout_min_pages="0")
    shared.update(s3.process_env())
    migrate(pg_url)
    hosts = tmp_path / "hosts"
    hosts.mkdir()
    token = token_for("clerk", "clerk", "court-1")
    gold = shared_data / "extraction_gold" / "texts"

    # the README's walkthrough: an original stored by the one embedded machine of before, in its
    # local folder, is moved into the bucket by `dossier blobs migrate` before the hosts start
    before = gold / f"{EARLIER}.txt"
    old = {k: v for k, v in shared.items()
           if not k.startswith(("DOSSIER_BLOB_", "DOSSIER_BROKER_URL"))}
    old["DOSSIER_DATA_DIR"] = str(hosts / "old-machine")
    _cli(old, "ingest", "--user", "clerk", "--inline", str(before))
    assert _files(hosts / "old-machine" / "blobs"), "the old machine kept its original locally"
    moved = json.loads(_cli(shared, "blobs", "migrate", "--from",
                            str(hosts / "old-machine" / "blobs")).splitlines()[-1])
    assert moved["ok"] and moved["copied"] == moved["verified"] == 1, moved
    workers = [procs("worker", "--concurrency", "1", env=_host(shared, hosts, f"worker-{x}"),
                     name=f"worker-{x}") for x in "ab"]
    port = free_port()
    api = procs("serve", "--port", str(port), "--no-worker",
                env=_host(shared, hosts, "api"), name="api")
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/healthz", api)
    client = httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {token}"})

    scan, truths = scanned_pdf((gold / f"{SCANNED}.txt").read_text(), max_pages=PAGES, seed=3)
    uploads = {"scan.pdf": scan, **{f"{n}.txt": (gold / f"{n}.txt").read_bytes() for n in TEXTS}}
    ups = {}
    for name, data in uploads.items():
        r = client.post("/api/v1/documents", files={"file": (name, data)})
        assert r.status_code == 202, r.text
        ups[name] = r.json()
    running = [*workers, api]

    # SIGKILL the host whose worker is reading the scan, once a page of it is stored
    victim = _reader(pg_url, ups["scan.pdf"]["task_id"], workers)
    victim.kill()
    survivor = next(w for w in workers if w is not victim)

    for name, up in ups.items():
        done = wait_task(client, up["task_id"], running, timeout=900)
        assert done["state"] == "succeeded", (name, done, survivor.tail())
    assert "] received" in victim.tail(400) and "succeeded in" in survivor.tail(400), \
        "both worker hosts took work"

    # exactly once: one row per page, per party, per field path of every document
    with session_scope(pg_url) as s:
        for up in ups.values():
            doc = up["document_id"]
            pages = s.execute(select(Page.number).where(Page.document_id == doc)
                              .order_by(Page.number)).scalars().all()
            assert pages == list(range(1, len(pages) + 1)) and pages
            for column in ((Party.role, Party.position), (FieldValue.path,)):
                table = column[0].class_
                counts = s.execute(select(*column, func.count())
                                   .where(table.document_id == doc)
                                   .group_by(*column)).all()
                assert all(row[-1] == 1 for row in counts), counts
    scan_doc = ups["scan.pdf"]["document_id"]
    with session_scope(pg_url) as s:
        assert s.execute(select(func.count()).select_from(Page)
                         .where(Page.document_id == scan_doc)).scalar_one() == len(truths) >= 2

    # the API host processed nothing and holds no original, yet serves them all from S3
    for name, up in ups.items():
        r = client.get(f"/api/v1/documents/{up['document_id']}/file")
        assert r.status_code == 200 and r.content == uploads[name], (name, r.status_code)
    cookies = {"dossier_token": token}
    png = httpx.get(f"{base}/documents/{scan_doc}/pages/2.png", cookies=cookies, timeout=120)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG"), png.text[:200]
    pdf = client.get(f"/api/v1/documents/{scan_doc}/searchable.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.text[:200]
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf.content)) as searchable:
        assert len(searchable.pages) == len(truths)
        assert "".join(searchable.pages[0].extract_text().split())
    hits = client.get("/api/v1/search", params={"q": "盗窃"}).json()["hits"]
    assert hits, "the shared search cluster holds what the worker hosts indexed"
    with session_scope(pg_url) as s:
        earlier = s.execute(select(Document.id).where(Document.filename == before.name)
                            ).scalar_one()
    r = client.get(f"/api/v1/documents/{earlier}/file")
    assert r.status_code == 200 and r.content == before.read_bytes(), "migrated original"
    for host in ("worker-a", "worker-b", "api"):
        assert not _files(hosts / host / "blobs"), f"{host} kept an original on its own disk"
    stored = s3.client().list_objects_v2(Bucket=s3.bucket, Prefix=s3.prefix)["KeyCount"]
    assert stored == len(uploads) + 1
