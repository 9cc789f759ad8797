"""Load run on loopback: uploads and searches at a steady rate for a bounded time.

Starts the service on the embedded default in a temporary data dir (API + worker), sends text
judgments from ../shared/data at ``--upload-rate`` per second and searches at ``--search-rate``
per second for ``--seconds``, then waits until every upload is processed and prints throughput,
latency percentiles, errors and whether anything was lost. Only 127.0.0.1 is contacted.

    python -m benchmarks.load --seconds 60 --upload-rate 1 --search-rate 5
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.paths import REPO, SHARED_DATA

DATA = SHARED_DATA
QUERIES = ["盗窃", "\"犯盗窃罪\"", "危险驾驶 AND 酒精", "诈骗 NOT 盗窃", "charge:故意伤害罪", "被告人"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _texts(n: int) -> list[tuple[str, bytes]]:
    out = []
    with gzip.open(DATA / "lecard" / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("qw"):
                out.append((f"{row['candidate_id']}.txt", row["qw"].encode("utf-8")))
            if len(out) >= n:
                break
    return out


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def _paced(rate: float, seconds: float, fn: Any, stop: threading.Event) -> None:
    if rate <= 0:
        return
    start, i = time.monotonic(), 0
    while not stop.is_set() and time.monotonic() - start < seconds:
        due = start + i / rate
        time.sleep(max(0.0, due - time.monotonic()))
        threading.Thread(target=fn, args=(i,), daemon=True).start()
        i += 1


def main(argv: list[str] | None = None) -> int:
    import httpx

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--upload-rate", type=float, default=1.0)
    ap.add_argument("--search-rate", type=float, default=5.0)
    ap.add_argument("--drain-timeout", type=float, default=900)
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="dossier-load-"))
    env = dict(os.environ, DOSSIER_DATA_DIR=str(tmp / "data"), HF_HUB_OFFLINE="1")
    env.setdefault("DOSSIER_MODEL_DIR", str(REPO / "data" / "models"))
    token = subprocess.run([sys.executable, "-m", "api.cli", "user", "add", "load", "--role",
                            "clerk", "--agency", "bench"], env=env, cwd=REPO, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1]
    port = _port()
    log = (tmp / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
                              env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    lat: dict[str, list[float]] = {"upload": [], "search": []}
    errors: list[str] = []
    tasks: list[int] = []
    lock = threading.Lock()
    n_up = int(args.seconds * args.upload_rate) + 1
    texts = _texts(n_up)
    hdr = {"Authorization": f"Bearer {token}"}
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise SystemExit("server did not start; see " + str(tmp / "server.log"))

        def upload(i: int) -> None:
            name, data = texts[i % len(texts)]
            t0 = time.perf_counter()
            try:
                r = httpx.post(base + "/api/v1/documents", files={"file": (name, data)},
                               headers=hdr, timeout=60)
                ok = r.status_code == 202
                with lock:
                    lat["upload"].append(time.perf_counter() - t0)
                    if ok:
                        tasks.append(int(r.json()["task_id"]))
                    else:
                        errors.append(f"upload {r.status_code}")
            except httpx.HTTPError as exc:
                with lock:
                    errors.append(f"upload {type(exc).__name__}")

        def search(i: int) -> None:
            t0 = time.perf_counter()
            try:
                r = httpx.get(base + "/api/v1/search", params={"q": QUERIES[i % len(QUERIES)]},
                              headers=hdr, timeout=60)
                with lock:
                    lat["search"].append(time.perf_counter() - t0)
                    if r.status_code != 200:
                        errors.append(f"search {r.status_code}")
            except httpx.HTTPError as exc:
                with lock:
                    errors.append(f"search {type(exc).__name__}")

        stop = threading.Event()
        t_start = time.monotonic()
        runners = [threading.Thread(target=_paced, args=(args.upload_rate, args.seconds, upload,
                                                         stop)),
                   threading.Thread(target=_paced, args=(args.search_rate, args.seconds, search,
                                                         stop))]
        for t in runners:
            t.start()
        for t in runners:
            t.join()
        time.sleep(2)
        sent_s = time.monotonic() - t_start
        deadline = time.monotonic() + args.drain_timeout
        states: dict[int, str] = {}
        while time.monotonic() < deadline:
            for tid in list(tasks):
                if states.get(tid) not in ("succeeded", "failed"):
                    states[tid] = httpx.get(f"{base}/api/v1/tasks/{tid}", headers=hdr,
                                            timeout=30).json()["state"]
            if all(states.get(t) in ("succeeded", "failed") for t in tasks):
                break
            time.sleep(1)
        drained_s = time.monotonic() - t_start
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    done = sum(1 for t in tasks if states.get(t) == "succeeded")
    lost = len(set(tasks)) - done
    print(f"load run: {args.seconds:.0f} s at {args.upload_rate}/s uploads and "
          f"{args.search_rate}/s searches (embedded default, loopback)")
    for kind, xs in lat.items():
        if xs:
            print(f"  {kind:6s}: {len(xs)} requests, {len(xs) / sent_s:.2f}/s, "
                  f"p50 {statistics.median(xs) * 1000:.0f} ms, p95 {_pct(xs, 0.95) * 1000:.0f} ms")
    print(f"  errors: {len(errors)} {sorted(set(errors))[:5]}")
    print(f"  processed: {done}/{len(set(tasks))} uploads succeeded; not processed or lost: "
          f"{lost}; all processed after {drained_s:.0f} s "
          f"({done / drained_s * 60:.1f} documents/min)")
    print("reproduce: python -m benchmarks.load " + " ".join(argv or sys.argv[1:]))
    return 0 if not errors and lost == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
