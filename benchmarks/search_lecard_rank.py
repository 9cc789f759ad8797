"""Keyword-search ranking on LeCaRD's graded relevance: ``python -m benchmarks.search_lecard_rank``.

The known-item figures (benchmarks.search, benchmarks.search_known_item) look for a phrase that
only one judgment holds, so any scoring ranks it first; they cannot tell two scorings apart.
This one can: each LeCaRD query's pool of ~100 candidate judgments, graded 0-3 by LeCaRD's
annotators, is one agency's documents (a candidate in several pools is shared with the
others), and the query is searched within that agency as ``w1 OR w2 OR …``: the query
facts' K most distinctive bigrams (tf × IDF, the IDF taken over the whole public corpus only
to pick the words) plus its charge names. Printed: NDCG@10 and NDCG@30 per engine over the
pool's grades (unjudged = 0), so a change of the clusters' scoring (collection statistics
against statistics of what one agency sees) is measured on real judgments.

Run with ``PYTHONPATH`` naming an older checkout's ``search``/``models`` first to measure the
scoring before a change on the same queries and documents.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.paths import SHARED_DATA
from benchmarks.search import BENCH_URL_ENV, Judgment, _http, drop_cluster_indices, index_docs
from search.base import IndexDoc, SearchBackend, SearchQuery
from search.embedded import EmbeddedSearch

LECARD = SHARED_DATA / "lecard"
_CJK = re.compile(r"[\u4e00-\u9fff]+")


def bigrams(text: str) -> list[str]:
    return [run[i:i + 2] for run in _CJK.findall(text) for i in range(len(run) - 1)]


def load(n_queries: int) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]],
                                   dict[str, list[str]], dict[str, Judgment]]:
    queries = [json.loads(line) for line in (LECARD / "queries.jsonl").open(encoding="utf-8")]
    pools: dict[str, list[str]] = json.loads((LECARD / "pools.json").read_text("utf-8"))
    grades: dict[str, dict[str, int]] = {}
    for line in (LECARD / "qrels.tsv").read_text("utf-8").splitlines()[1:]:
        ridx, cand, rel = line.split("\t")
        grades.setdefault(ridx, {})[cand] = int(rel)
    queries = [q for q in queries if str(q["ridx"]) in pools and str(q["ridx"]) in grades]
    queries = sorted(queries, key=lambda q: str(q["ridx"]))[:n_queries]
    judgments: dict[str, Judgment] = {}
    with gzip.open(LECARD / "corpus.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            text = str(row["qw"])
            judgments[str(row["candidate_id"])] = Judgment(
                doc_id=len(judgments) + 1, name=str(row["candidate_id"]), text=text,
                facts=str(row.get("ajjbqk") or text))
    return queries, grades, pools, judgments


def query_words(facts: str, crimes: Sequence[str], df: Counter[str], n_docs: int,
                k: int) -> str:
    tf = Counter(bigrams(facts))
    best = sorted(tf, key=lambda w: (-tf[w] * math.log(n_docs / (1 + df[w])), w))[:k]
    words = [c.removesuffix("罪") for c in crimes] + [w for w in best if w not in crimes]
    return " OR ".join(dict.fromkeys(words))


def ndcg(ranked: Sequence[str], grades: dict[str, int], k: int) -> float:
    dcg = sum((2 ** grades.get(c, 0) - 1) / math.log2(i + 2) for i, c in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    best = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 0.0


def evaluate(engine: SearchBackend, name: str, queries: Sequence[tuple[str, str]],
             names: dict[int, str], grades: dict[str, dict[str, int]],
             one_agency: bool = False) -> None:
    at10, at30, secs = [], [], []
    for ridx, q in queries:
        t0 = time.perf_counter()
        agency = "ALL" if one_agency else f"Q{ridx}"
        res = engine.search(SearchQuery(q=q, agencies=[agency], size=30))
        secs.append(time.perf_counter() - t0)
        ranked = [names[h.document_id] for h in res.hits]
        at10.append(ndcg(ranked, grades[ridx], 10))
        at30.append(ndcg(ranked, grades[ridx], 30))
        if os.environ.get("BENCH_PER_QUERY"):
            print(f"    {ridx} NDCG@10 {at10[-1]:.3f} top {ranked[:5]}")
    secs.sort()
    print(f"  {name:34s} NDCG@10 {sum(at10) / len(at10):.4f}  NDCG@30 {sum(at30) / len(at30):.4f}"
          f"  ({len(queries)} queries; p50 {secs[len(secs) // 2] * 1000:.0f} ms)", flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.search_lecard_rank",
                                 description=__doc__)
    ap.add_argument("--queries", type=int, default=20, help="LeCaRD queries (their pools)")
    ap.add_argument("--words", type=int, default=8, help="bigrams per query")
    ap.add_argument("--page-chars", type=int, default=1500)
    ap.add_argument("--cluster-url", action="append", default=None)
    ap.add_argument("--cluster-alias", default="bench-lecard-rank")
    ap.add_argument("--no-embedded", action="store_true")
    ap.add_argument("--one-agency", action="store_true",
                    help="every candidate in one agency (statistics over all pools, hits from"
                    " any pool): separates the scoring from the scope of its statistics")
    args = ap.parse_args(argv)
    urls = args.cluster_url or os.environ.get(BENCH_URL_ENV, "").split()

    queries, grades, pools, judgments = load(args.queries)
    df: Counter[str] = Counter()
    for j in judgments.values():
        df.update(set(bigrams(j.facts)))
    owners: dict[str, list[str]] = {}
    for q in queries:
        for cand in pools[str(q["ridx"])]:
            if cand in judgments:
                owners.setdefault(cand, []).append(f"Q{q['ridx']}")
    chosen = [replace(judgments[c], doc_id=i + 1) for i, c in enumerate(sorted(owners))]
    names = {j.doc_id: j.name for j in chosen}
    if args.one_agency:
        owners = {c: ["ALL"] for c in owners}
    docs: list[IndexDoc] = [replace(d, agency=owners[names[d.document_id]][0],
                                    shared_with=owners[names[d.document_id]][1:])
                            for d in index_docs(chosen, args.page_chars)]
    qs = [(str(q["ridx"]), query_words(str(q["q"]), list(q.get("crime") or []), df,
                                       len(judgments), args.words)) for q in queries]
    print(f"LeCaRD keyword ranking: {len(qs)} queries, {len(docs)} candidate judgments (one"
          f" agency per pool), {args.words} bigrams per query; e.g. {qs[0][1]}")
    print("  reproduce: python -m benchmarks.search_lecard_rank "
          + " ".join(a for a in (argv if argv is not None else sys.argv[1:])))
    if not args.no_embedded:
        with tempfile.TemporaryDirectory() as tmp:
            emb = EmbeddedSearch(Path(tmp) / "index.sqlite")
            for d in docs:
                emb.index(d)
            evaluate(emb, "embedded (per-agency FTS5)", qs, names, grades, args.one_agency)
            emb.close()
    from search.cluster import ClusterSearch

    for url in urls:
        drop_cluster_indices(url, args.cluster_alias)
        cluster = ClusterSearch(url, alias=args.cluster_alias, refresh=False)
        try:
            for i in range(0, len(docs), 50):  # small bulks: the test nodes have 512 MB heaps
                cluster.index_many(docs[i:i + 50])
            _http("POST", f"{url.rstrip('/')}/{args.cluster_alias}/_refresh")
            label = f"{cluster.engine} ({getattr(cluster, 'scoring', None) or 'bm25 (index)'})"
            evaluate(cluster, label, qs, names, grades, args.one_agency)
        finally:
            cluster.close()
            drop_cluster_indices(url, args.cluster_alias)


if __name__ == "__main__":
    main()
