"""The engine-choice benchmark (benchmarks.search_engine_choice) on 60 real LeCaRD judgments:
both engines find every known item first, agree on the phrase queries, and the concurrency
check reports what two writer processes really meet (tantivy's writer lock, SQLite's WAL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import search as bench
from benchmarks import search_engine_choice as bec
from search.base import IndexDoc

Corpus = tuple[list[bench.Judgment], list[IndexDoc]]

pytest.importorskip("tantivy", reason="tantivy is not installed (pip install tantivy==0.27.0)")
pytestmark = pytest.mark.needs_shared("lecard", "corpus.jsonl.gz")


@pytest.fixture(scope="module")
def docs() -> Corpus:
    judgments = bench.load_corpus(bench.DEFAULT_CORPUS, 60)
    return judgments, bench.index_docs(judgments, page_chars=1500)


def test_both_engines_agree_on_the_same_tokens(docs: Corpus, tmp_path: Path) -> None:
    judgments, index_docs = docs
    queries, left_out = bec.text_queries(bench.query_set(index_docs, phrases=10))
    assert {q.kind for q in left_out} == {"filter"}
    assert {q.kind for q in queries} == {"charge", "phrase", "boolean"}
    items, _ = bench.known_items(judgments, 30)
    fts, tan = bec.compare_engines(index_docs, queries, items, tmp_path, repeat=1)

    assert fts.known is not None and tan.known is not None
    assert (fts.known.share, tan.known.share) == (1.0, 1.0)
    assert fts.totals == tan.totals  # the same matching pages for every query
    phrases = [i for i, q in enumerate(queries) if q.kind == "phrase"]
    assert [fts.tops[i] for i in phrases] == [tan.tops[i] for i in phrases]
    assert all(fts.tops[i] is not None for i in phrases)  # phrases cut from these pages
    assert fts.size_per_doc > 0 and tan.size_per_doc > 0
    assert fts.per_doc_s > 0 and tan.per_doc_s > 0


def test_two_writer_processes(docs: Corpus, tmp_path: Path) -> None:
    _, index_docs = docs
    observed, count = bec.concurrency("fts5", index_docs, 10, tmp_path)
    writers = [o for o in observed if o.role.startswith("writer")]
    searcher = next(o for o in observed if o.role == "searcher")
    assert [(o.indexed, o.error) for o in writers] == [(10, None), (10, None)]
    assert count == 20 and searcher.searches > 0 and searcher.search_errors == 0

    # tantivy: one IndexWriter per directory; the process that comes second gets LockBusy
    observed, count = bec.concurrency("tantivy", index_docs, 10, tmp_path)
    writers = sorted((o for o in observed if o.role.startswith("writer")), key=lambda o: o.indexed)
    searcher = next(o for o in observed if o.role == "searcher")
    assert writers[0].indexed == 0 and writers[0].error is not None
    assert writers[0].error.startswith("ValueError") and "LockBusy" in writers[0].error
    assert (writers[1].indexed, writers[1].error) == (10, None)
    assert count == 10 and searcher.searches > 0 and searcher.search_errors == 0

    # taking the writer per document and retrying while it is busy gets both through
    observed, count = bec.concurrency("tantivy-retry", index_docs, 10, tmp_path)
    assert [(o.indexed, o.error) for o in observed if o.role.startswith("writer")] == [
        (10, None),
        (10, None),
    ]
    assert count == 20
