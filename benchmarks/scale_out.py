"""Scale mode throughput: documents per minute with 1 and 2 worker processes on the same
documents, and upload/serve throughput of originals through the API, S3 beside the local store.

Scale mode as deployed (README "Scale-out"): PostgreSQL (a fresh database per run), Redis (a
database of its own, ``--redis-db``, emptied before and after), the search cluster (an index
prefix of its own, dropped afterwards) and the store of originals. Every process is a real CLI
process with a data folder of its own (a "host"): one API host (`dossier serve --no-worker`)
and the worker hosts (`dossier worker --concurrency 1` each).

1. Documents per minute: the same scanned judgments (rendered from ../shared/data's gold
   texts, 300 dpi, skewed and blurred, ``--pages`` each) are uploaded at once through the API;
   the clock runs from the first upload until every document's task has succeeded (OCR,
   extraction, index, embedding). Once with one worker process, once with two; each worker has
   started and processed a warm-up document (its models loaded) before the clock starts.
   Originals on S3 when ``--s3-url`` is given.
2. Originals: ``--originals`` distinct scanned PDFs uploaded over HTTP by ``--clients``
   concurrent clients (`POST /api/v1/documents`: type sniffing, page count, the store, the row,
   the task sent; no worker runs) and read back (`GET /documents/{id}/file`, SHA-256 checked on
   read), once on the local folder and once on S3.

The load average of the machine is printed beside each figure (the runs share its cores).

    python -m benchmarks.scale_out --docs 8 --pages 3 --originals 40
    (services from DOSSIER_TEST_POSTGRES_URL, DOSSIER_TEST_REDIS_URL, DOSSIER_TEST_SEARCH_URL,
    DOSSIER_TEST_S3_URL + DOSSIER_TEST_S3_ENDPOINT + DOSSIER_TEST_S3_ACCESS_KEY/_SECRET_KEY, as
    `make test` exports them; or the flags)
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.paths import REPO, SHARED_DATA

TEXTS = ["lecard-12174", "lecard-19303", "lecard-42460",
         "judge-ae1a4ecd-4481-4e17-88b5-15706738a903", "judge-01885b6c-a37e-4b28-9173-6b94a6581ba2",
         "judge-bbc01ee6-4835-4ae1-aee8-47db5767098b", "judge-13ce3eaf-019f-4afd-973e-356a912bc419",
         "judge-16554fc2-effd-4bd3-8956-a881dffaea63"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def scans(count: int, pages: int) -> list[tuple[str, bytes, int]]:
    """`count` scanned judgments of `pages` pages each: (file name, PDF bytes, pages)."""
    from tests.scans.generate import degrade, make_pdf, render_pages

    out = []
    for i in range(count):
        name = TEXTS[i % len(TEXTS)]
        text = (SHARED_DATA / "extraction_gold" / "texts" / f"{name}.txt").read_text()
        rendered = render_pages(text, font="noto-serif", font_size=34)[:pages]
        images = [degrade(img, skew_deg=0.8, blur=0.6, noise=6, jpeg_quality=80, seed=7 * i + j)
                  for j, (img, _) in enumerate(rendered)]
        out.append((f"{name}-{i}.pdf", make_pdf(images, dpi=300), len(images)))
    return out


class Deployment:
    """A fresh database, Redis database, index prefix and store prefix, and the processes."""

    def __init__(self, args: argparse.Namespace, root: Path, blob_url: str | None) -> None:
        import sqlalchemy as sa

        self.args, self.root = args, root
        self.db = f"dossier_bench_{uuid.uuid4().hex[:8]}"
        self.admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{self.db}"'))
        self.prefix = f"bench{uuid.uuid4().hex[:8]}"
        broker = f"{args.redis_url.rsplit('/', 1)[0]}/{args.redis_db}"
        self._flush(broker)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
        self.env.update({
            "DOSSIER_DATABASE_URL": args.admin_url.rsplit("/", 1)[0] + f"/{self.db}",
            "DOSSIER_BROKER_URL": broker,
            "DOSSIER_SEARCH_PREFIX": self.prefix,
            "DOSSIER_AUDIT_KEY": "scale-out-bench-key-0123456789abcdef",
            "DOSSIER_MODEL_DIR": str(args.model_dir), "DOSSIER_MODE": "production",
            "HF_HUB_OFFLINE": "1"})
        if args.search_url:
            self.env["DOSSIER_SEARCH_URL"] = args.search_url
        if blob_url:
            self.env.update({"DOSSIER_BLOB_URL": f"{blob_url.rstrip('/')}/{self.prefix}",
                             "AWS_ACCESS_KEY_ID": args.s3_access_key,
                             "AWS_SECRET_ACCESS_KEY": args.s3_secret_key})
            if args.s3_endpoint:
                self.env["DOSSIER_BLOB_ENDPOINT_URL"] = args.s3_endpoint
        self.procs: list[tuple[subprocess.Popen[bytes], Path]] = []
        self.cli("migrate", host="admin")
        self.token = self.cli("user", "add", "bench", "--role", "clerk", "--agency", "court-1",
                              host="admin").strip().splitlines()[-1]

    @staticmethod
    def _flush(url: str) -> None:
        import redis

        client = redis.Redis.from_url(url)
        client.flushdb()
        client.close()

    def _host_env(self, host: str) -> dict[str, str]:
        folder = self.root / host
        folder.mkdir(exist_ok=True)
        return {**self.env, "DOSSIER_DATA_DIR": str(folder)}

    def cli(self, *args: str, host: str) -> str:
        out = subprocess.run([sys.executable, "-m", "api.cli", *args], env=self._host_env(host),
                             cwd=REPO, capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(f"dossier {' '.join(args)}: {out.stderr[-2000:]}")
        return out.stdout

    def start(self, *args: str, host: str) -> Path:
        log = self.root / f"{host}.log"
        fh = log.open("ab")
        proc = subprocess.Popen([sys.executable, "-m", "api.cli", *args], env=self._host_env(host),
                                cwd=REPO, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append((proc, log))
        return log

    def api(self) -> str:
        import httpx

        port = _port()
        log = self.start("serve", "--no-worker", "--port", str(port), host="api")
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    return base
            self._check_alive()
            time.sleep(0.3)
        raise TimeoutError(f"API not up: {log.read_text()[-2000:]}")

    def workers(self, n: int) -> None:
        logs = [self.start("worker", "--concurrency", "1", host=f"worker-{i}") for i in range(n)]
        deadline = time.monotonic() + 600
        while not all(" ready." in log.read_text(errors="replace") for log in logs):
            self._check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError("workers not ready")
            time.sleep(0.5)

    def _check_alive(self) -> None:
        for proc, log in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{log.name} exited {proc.returncode}: "
                                   f"{log.read_text(errors='replace')[-3000:]}")

    def close(self) -> None:
        import sqlalchemy as sa

        for proc, _ in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, _ in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self._flush(self.env["DOSSIER_BROKER_URL"])
        if self.args.search_url:
            from models.cluster import ClusterClient

            conn = ClusterClient(self.args.search_url, 30)
            for name in conn.indices(f"{self.prefix}-*"):
                conn.delete_index(name)
            conn.close()
        with self.admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)'))
        self.admin.dispose()


def documents_per_minute(args: argparse.Namespace, docs: list[tuple[str, bytes, int]],
                         workers: int) -> dict[str, Any]:
    import httpx

    with tempfile.TemporaryDirectory(prefix="dossier-scale-") as tmp:
        dep = Deployment(args, Path(tmp), args.s3_url)
        try:
            base = dep.api()
            dep.workers(workers)
            client = httpx.Client(base_url=base, timeout=120,
                                  headers={"Authorization": f"Bearer {dep.token}"})

            def process(batch: list[tuple[str, bytes]]) -> float:
                t0 = time.monotonic()
                pending = set()
                for name, data in batch:
                    r = client.post("/api/v1/documents", files={"file": (name, data)})
                    r.raise_for_status()
                    pending.add(r.json()["task_id"])
                while pending:
                    for task in list(pending):
                        state = client.get(f"/api/v1/tasks/{task}").json()["state"]
                        if state == "failed":
                            raise RuntimeError(f"task {task} failed")
                        if state == "succeeded":
                            pending.discard(task)
                    dep._check_alive()
                    if time.monotonic() - t0 > args.timeout:
                        raise TimeoutError(f"{len(pending)} documents not done")
                    time.sleep(0.5)
                return time.monotonic() - t0

            # warm-up, not timed: one small document per worker at once (each loads its OCR
            # and embedding models at its first task)
            process([(f"warm-{i}.pdf", docs[i % len(docs)][1] + f"\n%warm {i}\n".encode())
                     for i in range(workers)])
            logs = [log for _, log in dep.procs if log.name.startswith("worker-")]
            warm = [len(log.read_bytes()) for log in logs]
            load_before = _load()
            took = process([(name, data) for name, data, _ in docs])
            stages = stage_seconds([log.read_bytes()[w:].decode(errors="replace")
                                    for log, w in zip(logs, warm, strict=True)])
            pages = sum(p for _, _, p in docs)
            return {"workers": workers, "documents": len(docs), "pages": pages,
                    "seconds": round(took, 1), "docs_per_min": round(len(docs) / took * 60, 2),
                    "pages_per_min": round(pages / took * 60, 1),
                    "originals": "s3" if args.s3_url else "local",
                    "search": "cluster" if args.search_url else "embedded",
                    "load_before": load_before, "load_after": _load(),
                    "task_seconds": stages}
        finally:
            dep.close()


_SUCCEEDED = re.compile(r"Task dossier\.(\w+)\[[^\]]+\] succeeded in ([0-9.]+)s")


def stage_seconds(logs: list[str]) -> dict[str, float]:
    """Seconds the workers spent per task kind (Celery's "succeeded in" lines), summed."""
    out: dict[str, float] = {}
    for text in logs:
        for name, seconds in _SUCCEEDED.findall(text):
            out[name] = round(out.get(name, 0.0) + float(seconds), 1)
    return out


def originals(args: argparse.Namespace, blobs: list[bytes], store: str) -> dict[str, Any]:
    import hashlib

    import httpx

    with tempfile.TemporaryDirectory(prefix="dossier-scale-") as tmp:
        dep = Deployment(args, Path(tmp), args.s3_url if store == "s3" else None)
        try:
            base = dep.api()
            headers = {"Authorization": f"Bearer {dep.token}"}
            with httpx.Client(base_url=base, timeout=120, headers=headers) as warm:
                warm.get("/api/v1/tasks/1")  # first request: connections, caches
            load_before = _load()

            def upload(i: int) -> int:
                with httpx.Client(base_url=base, timeout=120, headers=headers) as c:
                    r = c.post("/api/v1/documents", files={"file": (f"o{i}.pdf", blobs[i])})
                    r.raise_for_status()
                    return int(r.json()["document_id"])

            def serve(pair: tuple[int, int]) -> None:
                i, doc = pair
                with httpx.Client(base_url=base, timeout=120, headers=headers) as c:
                    r = c.get(f"/api/v1/documents/{doc}/file")
                    r.raise_for_status()
                    if hashlib.sha256(r.content).digest() != hashlib.sha256(blobs[i]).digest():
                        raise RuntimeError(f"original {doc} came back different")

            with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
                t0 = time.monotonic()
                ids = list(pool.map(upload, range(len(blobs))))
                put_s = time.monotonic() - t0
                t0 = time.monotonic()
                list(pool.map(serve, enumerate(ids)))
                get_s = time.monotonic() - t0
            mb = sum(len(b) for b in blobs) / 1024 / 1024
            return {"store": store, "originals": len(blobs), "mb_each": round(mb / len(blobs), 2),
                    "clients": args.clients,
                    "upload_per_s": round(len(blobs) / put_s, 1),
                    "upload_mb_s": round(mb / put_s, 1),
                    "serve_per_s": round(len(blobs) / get_s, 1), "serve_mb_s": round(mb / get_s, 1),
                    "load_before": load_before, "load_after": _load()}
        finally:
            dep.close()


def main(argv: list[str] | None = None) -> int:
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--admin-url", default=env(
        "DOSSIER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--redis-url", default=env(
        "DOSSIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    ap.add_argument("--redis-db", type=int, default=11, help="emptied before and after")
    ap.add_argument("--search-url", default=env("DOSSIER_TEST_SEARCH_URL"),
                    help="the search cluster (default: the embedded engine of each host)")
    ap.add_argument("--s3-url", default=env("DOSSIER_TEST_S3_URL"))
    ap.add_argument("--s3-endpoint", default=env("DOSSIER_TEST_S3_ENDPOINT"))
    ap.add_argument("--s3-access-key", default=env("DOSSIER_TEST_S3_ACCESS_KEY", "dossier"))
    ap.add_argument("--s3-secret-key", default=env("DOSSIER_TEST_S3_SECRET_KEY", "dossier-secret"))
    ap.add_argument("--model-dir", type=Path,
                    default=Path(env("DOSSIER_MODEL_DIR") or REPO / "data" / "models").resolve())
    ap.add_argument("--docs", type=int, default=8)
    ap.add_argument("--pages", type=int, default=3, help="pages per scanned document")
    ap.add_argument("--workers", default="1,2", help="worker processes per run")
    ap.add_argument("--originals", type=int, default=40, help="0: skip the originals part")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=1800)
    args = ap.parse_args(argv)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", args.s3_access_key)
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", args.s3_secret_key)

    t0 = time.monotonic()
    docs = scans(args.docs, args.pages)
    print(json.dumps({"rendered": len(docs), "pages": sum(p for *_, p in docs),
                      "mb": round(sum(len(d) for _, d, _ in docs) / 1024 / 1024, 1),
                      "seconds": round(time.monotonic() - t0, 1)}), flush=True)
    rows: list[dict[str, Any]] = []
    for n in [int(x) for x in args.workers.split(",") if x]:
        rows.append(documents_per_minute(args, docs, n))
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    if args.originals:
        # distinct originals (one blob each): the scans with a PDF comment after %%EOF
        blobs = [docs[i % len(docs)][1] + f"\n%bench {i}\n".encode() for i in range(args.originals)]
        for store in ("local", *(["s3"] if args.s3_url else [])):
            rows.append(originals(args, blobs, store))
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    runs = [r for r in rows if "workers" in r]
    if len(runs) >= 2:
        speedup = runs[-1]["docs_per_min"] / runs[0]["docs_per_min"]
        print("documents/min: " + ", ".join(
            f"{r['workers']} worker(s) {r['docs_per_min']} ({r['pages_per_min']} pages/min)"
            for r in runs) + f"; speed-up {speedup:.2f}×")
    print("reproduce: python -m benchmarks.scale_out " + " ".join(
        f"--{k} {v}" for k, v in (("docs", args.docs), ("pages", args.pages),
                                  ("workers", args.workers), ("originals", args.originals),
                                  ("clients", args.clients))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
