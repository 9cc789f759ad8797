"""The search filters of issue 20 on all 6,428 LeCaRD judgments:
``python -m benchmarks.search_filters [--docs N] [--cluster-url URL]``.

What it measures, in the embedded engine (and a cluster when its URL is given):
1. What the index stage derives (extraction.citations) over the corpus: how many judgments get
   a court level, a trial stage and cited articles, and how often the articles hold the main
   article of a charge the judgment convicts of (犯盗窃罪 … 第264条; the charges as
   benchmarks.search.index_docs reads them from the last 1,500 characters, where 犯X罪 is
   written, a shorter charge inside a longer one named there left out).
2. Latency p50/p95 of the benchmark's fixed query set (benchmarks.search.query_set, whose
   facets now count levels, stages and articles too) and of queries with the new filters,
   each alone and with words.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.search import (
    BENCH_URL_ENV,
    DEFAULT_CORPUS,
    BenchQuery,
    dir_size,
    index_docs,
    index_embedded,
    load_corpus,
    query_set,
    time_queries,
)
from extraction import citations
from search.base import IndexDoc, SearchQuery
from search.embedded import EmbeddedSearch

#: a charge and the article that defines it, to check that the article was read
MAIN_ARTICLE = {"盗窃罪": "第264条", "诈骗罪": "第266条", "抢劫罪": "第263条",
                "故意伤害罪": "第234条", "危险驾驶罪": "第133条之一", "交通肇事罪": "第133条",
                "寻衅滋事罪": "第293条", "开设赌场罪": "第303条", "容留他人吸毒罪": "第354条",
                "非法拘禁罪": "第238条", "强奸罪": "第236条", "贩卖毒品罪": "第347条",
                "故意杀人罪": "第232条", "受贿罪": "第385条", "赌博罪": "第303条"}

FILTERS = [
    SearchQuery(date_from="2016-01-01", date_to="2016-12-31"),
    SearchQuery(q="自首", date_from="2015-06", date_to="2017-06"),
    SearchQuery(court_level="中级"),
    SearchQuery(q="盗窃", court_level="中级"),
    SearchQuery(trial_stage="二审"),
    SearchQuery(q="上诉", trial_stage="二审", court_level="中级"),
    SearchQuery(article="第264条"),
    SearchQuery(q="入户", article="264"),
    SearchQuery(q="article:第二百三十四条 stage:一审 from:2014"),
    SearchQuery(article="133之一", date_to="2017", sort="date"),
]


def derive(doc: IndexDoc) -> IndexDoc:
    """What services.indexing.index_doc adds: level, stage, articles."""
    text = "\n".join(doc.pages)
    return replace(doc, court_level=citations.court_level(doc.court, doc.case_number),
                   trial_stage=citations.trial_stage(doc.case_number, text[:300]),
                   articles=citations.criminal_law_articles(text))


def convicted(doc: IndexDoc) -> list[str]:
    """The charges a judgment convicts of (犯X罪 in its last part), without those that are
    part of a longer one it names (诈骗罪 of 合同诈骗罪)."""
    tail = doc.pages[-1] if len(doc.pages) == 1 else "".join(doc.pages)[-1500:]
    return [c for c in doc.charges if f"犯{c}" in tail
            and not any(c != o and c in o and f"犯{o}" in tail for o in doc.charges)]


def coverage(docs: list[IndexDoc]) -> str:
    n = len(docs)
    levels: dict[str, int] = {}
    stages: dict[str, int] = {}
    for d in docs:
        levels[d.court_level or "—"] = levels.get(d.court_level or "—", 0) + 1
        stages[d.trial_stage or "—"] = stages.get(d.trial_stage or "—", 0) + 1
    with_articles = sum(1 for d in docs if d.articles)
    named = [(d, c) for d in docs for c in convicted(d) if c in MAIN_ARTICLE]
    held = sum(1 for d, c in named if MAIN_ARTICLE[c] in d.articles)
    return (f"{n} judgments: court level {dict(sorted(levels.items()))}; trial stage "
            f"{dict(sorted(stages.items()))}; with cited articles {with_articles} "
            f"({with_articles / n:.1%}); a named charge's main article among them: {held} of "
            f"{len(named)} ({held / max(1, len(named)):.1%})")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--docs", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--page-chars", type=int, default=1500)
    ap.add_argument("--cluster-url", default=os.environ.get(BENCH_URL_ENV))
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    docs = [derive(d) for d in index_docs(load_corpus(args.corpus, args.docs), args.page_chars)]
    print(f"derived in {time.perf_counter() - t0:.1f} s: {coverage(docs)}", flush=True)
    queries = [*query_set(docs), *(BenchQuery("new filter", q) for q in FILTERS)]
    with tempfile.TemporaryDirectory() as tmp:
        engine = EmbeddedSearch(Path(tmp) / "index.sqlite")
        n, _, seconds = index_embedded(engine, docs)
        print(f"embedded: {n} docs indexed in {seconds:.1f} s "
              f"({dir_size(Path(tmp)) / 2**20:.0f} MiB)", flush=True)
        lat = time_queries(engine, queries, args.repeat)
        print(f"embedded: {lat.text()}\n  p95 by kind: {lat.by_kind()}\n"
              f"  slowest: {lat.slowest()}", flush=True)
        for q in FILTERS:
            r = engine.search(replace(q, size=10))
            print(f"  {BenchQuery('f', q).label() or '(no words)'} {_filters(q)}: {r.total}"
                  f"{'+' if r.total_relation == 'gte' else ''} hits")
        engine.close()
    if args.cluster_url:
        from search.cluster import ClusterSearch

        cluster = ClusterSearch(args.cluster_url, alias="bench-filters", refresh=False)
        try:
            t = time.perf_counter()
            cluster.reindex(docs)
            print(f"cluster {cluster.engine}: {len(docs)} docs bulk-loaded in "
                  f"{time.perf_counter() - t:.1f} s", flush=True)
            lat = time_queries(cluster, queries, args.repeat)
            print(f"cluster: {lat.text()}\n  p95 by kind: {lat.by_kind()}", flush=True)
        finally:
            client = cluster._conn()
            for _, name in cluster._versions(client):
                client.delete_index(name)
            cluster.close()


def _filters(q: SearchQuery) -> str:
    given = {k: getattr(q, k) for k in ("date_from", "date_to", "court_level", "trial_stage",
                                        "article") if getattr(q, k)}
    return " ".join(f"{k}={v}" for k, v in given.items())


if __name__ == "__main__":
    main()
