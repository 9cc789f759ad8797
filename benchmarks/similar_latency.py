"""Latency of "similar cases for case X" over a 100,000-case pool on the embedded default.

Builds (once, cached under .cache/similar-latency/) a SQLite data pool of `--cases` cases laid
out as the worker stores them (cases, documents with `facts` and `fields`, defendants with
charges and sentences, one `case_vectors` row per case), then times the production path of
`GET /api/v1/cases/{id}/similar` below the HTTP layer: the user's visible cases
(`models.visibility.VisibleCases`), `services.indexing.case_vector` + `services.similar.similar_cases`
(dense first stage over the in-process `VectorIndex`, hybrid rerank of `similarity.fusion`,
case summaries with sentences), for `--queries` random cases.

The cases are synthesised from real data: each takes a real case of CAIL2018 (facts, charges,
prison term, fine) or LeCaRD (facts, charges read from the verdict) and swaps about a third of
its sentences for sentences of another real case with the same first charge; the fields are
the base case's. The dense vectors are NOT model embeddings (encoding 100,000 facts with e5
takes hours on 2 cores): they are random unit vectors clustered by charge (a random centroid
per charge plus Gaussian noise), so that dense neighbours share charges as real ones mostly do.
The output says so. Vector dimension is e5-small's (384).

    python -m benchmarks.similar_latency [--cases 100000] [--queries 200] [--k 10]
        [--cluster-url URL]   # scale mode: the dense first stage from the cluster's kNN index

Importing `api`, `workers` and `models` from `similarity` is the one exception to the stage order:
this module is a benchmark of the worker's code path, not part of the stage.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import itertools
import json
import random
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.paths import REPO, SHARED_DATA, print_reproduce
from similarity.features import (
    amount_in_text,
    charges_in_text,
    circumstances_in_text,
    normalise_charge,
)

DEFAULT_CACHE = REPO / ".cache" / "similar-latency"
DIM = 384
TARGET_P95_MS = 150.0
_FORMAT = 1  # bump when the synthesised pool changes, so a cached pool is rebuilt
_SENTENCE = re.compile(r"[^。；;！？]+[。；;！？]?")
_TERM = re.compile(r"有期徒刑([一二三四五六七八九十]+)年(?:零?([一二三四五六七八九十]+)个月)?"
                   r"|有期徒刑([一二三四五六七八九十]+)个月")
_CN = {c: i for i, c in enumerate("零一二三四五六七八九", 0)}


@dataclass
class Source:
    """A real case: its facts and the fields the extraction stage would store for it."""

    facts: str
    charges: list[str]
    term_months: int | None = None
    fine_yuan: int | None = None
    sentences: list[str] = field(default_factory=list)


def _cn_number(s: str) -> int:
    """一..九十九 -> int."""
    if not s:
        return 0
    if "十" in s:
        head, _, tail = s.partition("十")
        return (_CN.get(head, 1) if head else 1) * 10 + (_CN.get(tail, 0) if tail else 0)
    return _CN.get(s, 0)


def term_in_verdict(verdict: str) -> int | None:
    """The first fixed prison term a verdict states, in months (有期徒刑一年六个月 -> 18)."""
    m = _TERM.search(verdict)
    if m is None:
        return None
    if m.group(3):
        return _cn_number(m.group(3))
    return 12 * _cn_number(m.group(1)) + _cn_number(m.group(2) or "")


def load_sources(data: Path, vocabulary: Sequence[str], limit: int | None = None
                 ) -> list[Source]:
    """The real CAIL2018 and LeCaRD cases the pool is synthesised from (the first `limit` of
    each corpus)."""
    out: list[Source] = []
    with gzip.open(data / "cail2018" / "cases.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in itertools.islice(fh, limit):
            row = json.loads(line)
            meta = row.get("meta") or {}
            charges = list(dict.fromkeys(normalise_charge(c, vocabulary)
                                         for c in meta.get("accusation") or []))
            term = (meta.get("term_of_imprisonment") or {}).get("imprisonment")
            fine = meta.get("punish_of_money")
            out.append(Source(row.get("fact") or "", charges, int(term) if term else None,
                              int(fine) if fine else None))
    with gzip.open(data / "lecard" / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in itertools.islice(fh, limit):
            row = json.loads(line)
            verdict = row.get("pjjg") or ""
            out.append(Source((row.get("ajjbqk") or "").strip(),
                              charges_in_text(verdict, vocabulary), term_in_verdict(verdict)))
    out = [s for s in out if s.facts and s.charges]
    for s in out:
        s.sentences = _SENTENCE.findall(s.facts)
    return out


def synthesise(sources: Sequence[Source], n: int, seed: int = 0
               ) -> Iterator[tuple[str, dict[str, Any], str]]:
    """n (facts, fields, first charge): a real case with ~1/3 of its sentences swapped for
    sentences of another real case with the same first charge."""
    rng = random.Random(seed)
    by_charge: dict[str, list[int]] = {}
    for i, s in enumerate(sources):
        by_charge.setdefault(s.charges[0], []).append(i)
    for i in range(n):
        base = sources[rng.randrange(len(sources))]
        donor = sources[rng.choice(by_charge[base.charges[0]])]
        sents = list(base.sentences)
        for j in range(len(sents)):
            if donor.sentences and rng.random() < 1 / 3:
                sents[j] = rng.choice(donor.sentences)
        facts = "".join(sents)
        sentence = {"principal": "有期徒刑" if base.term_months else None,
                    "term_months": base.term_months, "probation_months": None,
                    "fine_yuan": base.fine_yuan, "confiscation": False}
        fields = {"case_number": f"（2018）synthetic{i + 1}号",
                  "defendants": [{"name": f"被告人{i + 1}", "charges": list(base.charges),
                                  "sentence": sentence}],
                  "mitigating": sorted(circumstances_in_text(facts)),
                  "amount_involved_yuan": amount_in_text(facts)}
        yield facts, fields, base.charges[0]


def _vectors(charges: Sequence[str], dim: int, seed: int) -> np.ndarray:
    """Unit vectors clustered by charge: a random centroid per charge plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    names = sorted(set(charges))
    centroids = rng.normal(size=(len(names), dim)).astype(np.float32)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    idx = np.fromiter((names.index(c) for c in charges), dtype=np.int64, count=len(charges))
    noise = rng.normal(scale=1.2 / np.sqrt(dim), size=(len(charges), dim)).astype(np.float32)
    vecs = centroids[idx] + noise
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs


def ensure_features(settings: Any, chunk: int = 2000) -> None:
    """Store every pool case's comparison features as processing a document does (a pool cached
    before migration 0013 has none; timed, not part of the query figures)."""
    from sqlalchemy import func, select

    from models.db import session_scope
    from models.schema import CaseFeatureRow, CaseVector
    from services.similar import _profile_cache, store_features

    with session_scope(settings.db_url) as s:
        have = s.execute(select(func.count()).select_from(CaseFeatureRow)).scalar_one()
        ids = list(s.execute(select(CaseVector.case_id).order_by(CaseVector.case_id)).scalars())
    if have >= len(ids):
        return
    t0 = time.perf_counter()
    for i in range(0, len(ids), chunk):
        store_features(settings, ids[i:i + chunk])
    _profile_cache.clear()  # storing them filled the process's cache: the queries start cold
    print(f"stored the comparison features of {len(ids):,} cases (what processing a document stores) in "
          f"{time.perf_counter() - t0:.0f}s", flush=True)


def build_pool(url: str, sources: Sequence[Source], n: int, *, seed: int = 0,
               dim: int = DIM, log: Any = print) -> None:
    """Write n synthesised cases into the (new, migrated) database at `url`."""
    from sqlalchemy import insert

    from models.db import migrate, session_scope
    from models.schema import Agency, Case, CaseVector, Charge, Document, Party, Sentence

    migrate(url)
    t0 = time.perf_counter()
    rows = list(synthesise(sources, n, seed))
    vecs = _vectors([r[2] for r in rows], dim, seed)
    chunk = 5000
    with session_scope(url) as s:
        s.execute(insert(Agency), [{"id": 1, "code": "court-bench", "name": "基准法院",
                                    "kind": "court"}])
    party_id = 0
    for start in range(0, n, chunk):
        cases: list[dict[str, Any]] = []
        docs: list[dict[str, Any]] = []
        parties: list[dict[str, Any]] = []
        charges: list[dict[str, Any]] = []
        sentences: list[dict[str, Any]] = []
        vectors: list[dict[str, Any]] = []
        for i in range(start, min(n, start + chunk)):
            facts, fields, _ = rows[i]
            cid = i + 1
            cases.append({"id": cid, "case_number": fields["case_number"], "agency_id": 1})
            docs.append({"id": cid, "case_id": cid, "filename": f"judgment-{cid}.txt",
                         "sha256": f"{cid:064x}", "mime": "text/plain", "size": len(facts) * 3,
                         "page_count": 1, "status": "processed", "doc_type": "判决书",
                         "fields": fields, "facts": facts, "court": "基准法院",
                         "decision_date": "2018-06-01"})
            for d in fields["defendants"]:
                party_id += 1
                parties.append({"id": party_id, "document_id": cid, "case_id": cid,
                                "role": "defendant", "position": 0, "name": d["name"]})
                charges.extend({"document_id": cid, "party_id": party_id, "name": c}
                               for c in d["charges"])
                sen = d["sentence"]
                if sen["term_months"] or sen["fine_yuan"]:
                    sentences.append({"document_id": cid, "party_id": party_id, **sen})
            vectors.append({"case_id": cid, "document_id": cid, "model": "synthetic-random",
                            "dim": dim, "vector": vecs[i].tobytes()})
        with session_scope(url) as s:
            for table, batch in ((Case, cases), (Document, docs), (Party, parties),
                                 (Charge, charges), (Sentence, sentences),
                                 (CaseVector, vectors)):
                if batch:
                    s.execute(insert(table), batch)
        log(f"  {min(n, start + chunk)}/{n} cases written ({time.perf_counter() - t0:.0f}s)")


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    rank = max(1, int(np.ceil(p / 100.0 * len(xs))))
    return xs[rank - 1]


@dataclass
class Timing:
    """Per-query milliseconds of one run."""

    total: list[float] = field(default_factory=list)

    def row(self, values: Sequence[float]) -> str:
        return (f"p50 {percentile(values, 50):7.1f} ms   p95 {percentile(values, 95):7.1f} ms   "
                f"max {max(values):7.1f} ms")


def time_queries(settings: Any, query_ids: Sequence[int], k: int) -> Timing:
    """Time what `GET /cases/{id}/similar` computes for each query case, visibility included:
    the user's visible cases (`models.visibility.visible_cases`, answered lazily for the candidates of
    the search), the case vector and the ranked, explained results."""
    from models.visibility import VisibleCases
    from services import indexing, similar

    timing = Timing()
    gc.collect()
    for cid in query_ids:
        t1 = time.perf_counter()
        allowed = VisibleCases(settings.db_url, [1])  # a user of the bench agency
        vector = indexing.case_vector(settings, cid)
        hits = similar.similar_cases(settings, vector, k, allowed=allowed, exclude=[cid])
        t2 = time.perf_counter()
        if len(hits) != k or any(h["case_id"] == cid for h in hits):
            raise AssertionError(f"case {cid}: {len(hits)} results")
        timing.total.append(1000 * (t2 - t1))
    return timing


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.similar_latency",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=2,
                        help="timed passes over the same queries (pass 1 is the cold one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached pool")
    parser.add_argument("--cluster-url", default=None,
                        help="scale mode: load the vectors into this Elasticsearch/OpenSearch"
                             " cluster's kNN index (alias bench-latency-cases) and search there")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    from models.settings import Settings
    from services import indexing, similar

    data_dir = args.cache / f"pool-{args.cases}-s{args.seed}-v{_FORMAT}"
    db = data_dir / "dossier.sqlite3"
    if args.rebuild and data_dir.exists():
        for p in sorted(data_dir.glob("dossier.sqlite3*")):
            p.unlink()
    if not db.is_file() or not (data_dir / "complete").is_file():
        for p in sorted(data_dir.glob("dossier.sqlite3*")):
            p.unlink()
        data_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        sources = load_sources(args.data, similar.vocabulary())
        print(f"building a pool of {args.cases} cases from {len(sources)} real CAIL2018 + "
              f"LeCaRD cases into {db} ...", flush=True)
        build_pool(f"sqlite:///{db.resolve()}", sources, args.cases, seed=args.seed)
        (data_dir / "complete").write_text("ok\n", encoding="utf-8")
        print(f"pool built in {time.perf_counter() - t0:.0f}s", flush=True)
    else:
        from models.db import migrate

        migrate(f"sqlite:///{db.resolve()}")  # a pool cached before a schema change catches up
        print(f"reusing the pool at {db}")
    settings = Settings(data_dir=data_dir, database_url=None)
    ensure_features(settings)
    where = "embedded default: SQLite + in-process index"
    if args.cluster_url:
        settings = Settings(data_dir=data_dir, database_url=None, search_url=args.cluster_url,
                            search_prefix="bench-latency", vector_index="cluster")
        t0 = time.perf_counter()
        built = indexing.rebuild_cluster_vectors(settings)
        assert built is not None
        from services import engines

        knn = engines.cluster_knn(settings)
        assert knn is not None
        where = f"scale mode: SQLite + the kNN index of {knn.engine()} (HNSW)"
        print(f"{built[1]} vectors loaded into {built[0]} in {time.perf_counter() - t0:.0f}s")
    rng = random.Random(args.seed + 1)
    query_ids = rng.sample(range(1, args.cases + 1), min(args.queries, args.cases))
    t0 = time.perf_counter()
    time_queries(settings, query_ids[:1], args.k)  # loads the vector index (not timed)
    first = ("cluster client connected" if args.cluster_url else
             f"vector index of {args.cases} cases loaded from case_vectors")
    print(f"first call ({first}): {time.perf_counter() - t0:.1f}s")
    passes = [time_queries(settings, query_ids, args.k) for _ in range(args.repeat)]
    p95 = percentile(passes[0].total, 95)
    print(f"\nsimilar cases for one case over {args.cases:,} indexed cases, k={args.k}, "
          f"{len(query_ids)} query cases ({where})")
    print("  dense vectors: random unit vectors clustered by charge, NOT e5 embeddings; "
          "facts and fields: recombined real CAIL2018/LeCaRD cases")
    for i, t in enumerate(passes):
        label = ("pass 1 (cold: no case features cached)" if i == 0 else
                 f"pass {i + 1} (same queries again: features cached)")
        print(f"  {label:42s} {t.row(t.total)}")
    verdict = "met" if p95 <= TARGET_P95_MS else "NOT met"
    print(f"  target p95 <= {TARGET_P95_MS:.0f} ms on pass 1 (set for the embedded default): "
          f"{verdict} ({p95:.1f} ms)")
    print_reproduce("benchmarks.similar_latency", argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
