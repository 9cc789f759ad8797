"""Latency of the sentencing answer for one case over a 100,000-case pool (embedded default).

Times what `GET /api/v1/cases/{id}/sentencing` computes below the HTTP layer: the user's
visible cases, the case vector, the case's facts and features, the comparable cases with the
same charges and their statistics (`services.similar.sentencing`, k = 20), then the guideline's
computation with the case's extracted fields and the blended estimate
(`services.sentence_estimate.answer`). Both parts are timed per query, so the guideline's
share is visible. The pool is `benchmarks.similar_latency`'s (built once, cached under
.cache/similar-latency/: recombined real CAIL2018/LeCaRD cases, synthetic clustered vectors).
Pass 1 is cold (no case features cached), pass 2 repeats the same queries.

On a shared machine one run's figures move with the load more than a change moves them:
``--compare-with DIR`` times the code of another checkout (say ``git archive REV | tar -x -C
DIR``) against this one on the same pool, each query answered by the two in turn (two worker
processes), and prints both wall and main-thread CPU percentiles.

    python -m benchmarks.sentencing_latency [--cases 100000] [--queries 200]
        [--compare-with DIR]
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.similar_latency import _FORMAT as POOL_FORMAT
from benchmarks.similar_latency import (
    DEFAULT_CACHE,
    TARGET_P95_MS,
    build_pool,
    ensure_features,
    load_sources,
    percentile,
)


def time_queries(settings: Any, query_ids: Sequence[int], k: int
                 ) -> tuple[list[float], list[float]]:
    """(total ms, guideline + estimate ms) per query."""
    from models.visibility import VisibleCases
    from services import indexing, sentence_estimate, similar

    total, guideline = [], []
    gc.collect()
    for cid in query_ids:
        t1 = time.perf_counter()
        allowed = VisibleCases(settings.db_url, [1])
        vector = indexing.case_vector(settings, cid)
        facts, query = similar.case_profiles(settings, [cid])[cid]
        result = similar.sentencing(settings, vector, allowed=allowed, query_text=facts,
                                    query=query, exclude=[cid], k=k)
        t2 = time.perf_counter()
        extra = sentence_estimate.answer(settings, result, facts, case_id=cid)
        t3 = time.perf_counter()
        if "guideline" not in extra:
            raise AssertionError(f"case {cid}: no guideline answer")
        total.append(1000 * (t3 - t1))
        guideline.append(1000 * (t3 - t2))
    return total, guideline


#: What a worker of --compare-with runs: one answer per case id read from stdin, its wall and
#: main-thread CPU ms written back (0: collect garbage). Only calls both checkouts have.
_WORKER = """
import gc, sys, time
from pathlib import Path
from models.settings import Settings
from models.visibility import VisibleCases
from services import indexing, sentence_estimate, similar
settings = Settings(data_dir=Path(sys.argv[1]), database_url=None)
k = int(sys.argv[2])
for line in sys.stdin:
    cid = int(line)
    if cid == 0:
        gc.collect()
        print("0 0", flush=True)
        continue
    t0, c0 = time.perf_counter(), time.thread_time()
    facts, query = similar.case_profiles(settings, [cid])[cid]
    result = similar.sentencing(settings, indexing.case_vector(settings, cid),
                                allowed=VisibleCases(settings.db_url, [1]), query_text=facts,
                                query=query, exclude=[cid], k=k)
    sentence_estimate.answer(settings, result, facts, case_id=cid)
    print(f"{1000 * (time.perf_counter() - t0)} {1000 * (time.thread_time() - c0)}", flush=True)
"""


def compare(data_dir: Path, other: Path, query_ids: Sequence[int], k: int) -> None:
    """Time this checkout and `other` on the same queries, in turn (see the module doc)."""
    import os
    import subprocess

    from benchmarks.paths import REPO

    trees = {"other": other.resolve(), "this": REPO}
    procs = {name: subprocess.Popen(
        [sys.executable, "-c", _WORKER, str(data_dir.resolve()), str(k)], cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True) for name, tree in trees.items()}

    def ask(name: str, cid: int) -> tuple[float, float]:
        proc = procs[name]
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(f"{cid}\n")
        proc.stdin.flush()
        wall, cpu = proc.stdout.readline().split()
        return float(wall), float(cpu)

    for name in procs:
        ask(name, query_ids[0])  # loads the vector index (not timed)
    print(f"\n{other} (other) against {REPO} (this), each query answered by both in turn")
    for p in (1, 2):
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in procs}
        for name in procs:
            ask(name, 0)
        loads = [os.getloadavg()[0]]
        for i, cid in enumerate(query_ids):
            for name in (("other", "this") if i % 2 == 0 else ("this", "other")):
                times[name].append(ask(name, cid))
            if i % 50 == 49:
                loads.append(os.getloadavg()[0])
        print(f"  pass {p} ({'cold' if p == 1 else 'same queries again'}), load average "
              f"{min(loads):.1f}-{max(loads):.1f}")
        for name, got in times.items():
            wall, cpu = [w for w, _ in got], [c for _, c in got]
            print(f"    {name:5s} wall p50 {percentile(wall, 50):6.1f} / p95 "
                  f"{percentile(wall, 95):6.1f} ms; main-thread CPU p50 "
                  f"{percentile(cpu, 50):5.1f} / p95 {percentile(cpu, 95):5.1f} ms")
    for proc in procs.values():
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sentencing_latency",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare-with", type=Path, default=None, metavar="DIR",
                        help="another checkout to time against this one, query by query")
    args = parser.parse_args(argv)
    from benchmarks.paths import SHARED_DATA, print_reproduce
    from models.db import migrate
    from models.settings import Settings
    from services import similar

    data_dir = DEFAULT_CACHE / f"pool-{args.cases}-s{args.seed}-v{POOL_FORMAT}"
    db = data_dir / "dossier.sqlite3"
    if not (data_dir / "complete").is_file():
        for p in sorted(data_dir.glob("dossier.sqlite3*")):
            p.unlink()
        data_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        sources = load_sources(SHARED_DATA, similar.vocabulary())
        print(f"building a pool of {args.cases} cases into {db} ...", flush=True)
        build_pool(f"sqlite:///{db.resolve()}", sources, args.cases, seed=args.seed)
        (data_dir / "complete").write_text("ok\n", encoding="utf-8")
        print(f"pool built in {time.perf_counter() - t0:.0f}s", flush=True)
    else:
        migrate(f"sqlite:///{db.resolve()}")
        print(f"reusing the pool at {db}")
    settings = Settings(data_dir=data_dir, database_url=None)
    ensure_features(settings)
    rng = random.Random(args.seed + 2)
    query_ids = rng.sample(range(1, args.cases + 1), min(args.queries, args.cases))
    if args.compare_with is not None:
        compare(data_dir, args.compare_with, query_ids, args.k)
        print_reproduce("benchmarks.sentencing_latency", argv)
        return 0
    t0 = time.perf_counter()
    time_queries(settings, query_ids[:1], args.k)  # loads the vector index (not timed)
    print(f"first call (vector index loaded): {time.perf_counter() - t0:.1f}s")
    passes = [time_queries(settings, query_ids, args.k) for _ in range(2)]
    print(f"\nsentencing answer for one case over {args.cases:,} cases, k={args.k}, "
          f"{len(query_ids)} query cases (embedded default; synthetic clustered vectors)")
    for i, (total, guide) in enumerate(passes):
        label = "pass 1 (cold)" if i == 0 else "pass 2 (same queries, features cached)"
        print(f"  {label:40s} total p50 {percentile(total, 50):6.1f} / p95 "
              f"{percentile(total, 95):6.1f} ms; guideline + estimate p50 "
              f"{percentile(guide, 50):5.1f} / p95 {percentile(guide, 95):5.1f} ms")
    p95 = percentile(passes[0][0], 95)
    print(f"target cold p95 <= {TARGET_P95_MS:.0f} ms: {'met' if p95 <= TARGET_P95_MS else 'NOT met'}")
    print_reproduce("benchmarks.sentencing_latency", argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
