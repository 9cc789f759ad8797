"""The sentencing answer's cheaper cold path (issue 22) gives the answer of the plain one, on a
small pool synthesised from real CAIL2018 / LeCaRD cases (`benchmarks.similar_latency`).

The cheaper path: the rerank's BM25 counts the query's terms in every candidate at once
(`PoolBM25`), the comparable cases' features are those the rerank read in the same request,
the case summaries group their rows once, and the visible-case count that picks the search's
strategy is kept a minute. The plain path here: the dictionary BM25 (`BM25`, what PoolBM25 is
equal to), the features read again, every case summarised alone, a plain set of the visible
cases, all caches empty."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from benchmarks import similar_latency as bench

QUERIES = [3, 41, 77, 118, 160, 203, 250, 299, 342, 391]


@pytest.fixture(scope="module")
def pool(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from models.settings import Settings
    from services.similar import vocabulary

    sources = bench.load_sources(shared_data, vocabulary(), limit=300)
    settings = Settings(data_dir=tmp_path_factory.mktemp("sentencing-pool"), database_url=None)
    bench.build_pool(settings.db_url, sources, 400, seed=1, log=lambda *_: None)
    bench.ensure_features(settings)  # as processing stores them
    return settings


def _answers(settings: Any, allowed_of: Any) -> dict[int, dict[str, Any]]:
    from services import indexing, sentence_estimate, similar

    similar._profile_cache.clear()  # cold
    out = {}
    for cid in QUERIES:
        facts, query = similar.case_profiles(settings, [cid])[cid]
        result = similar.sentencing(settings, indexing.case_vector(settings, cid),
                                    allowed=allowed_of(), query_text=facts, query=query,
                                    exclude=[cid], k=20)
        out[cid] = {"result": result,
                    "extra": sentence_estimate.answer(settings, result, facts, case_id=cid)}
    return out


def _plain(monkeypatch: pytest.MonkeyPatch) -> None:
    import similarity.lexical
    from services import similar
    from similarity.lexical import BM25

    class DictBM25(BM25[Any]):
        def __init__(self, docs: Mapping[Any, str]) -> None:
            super().__init__()
            self.add_many(docs)

    monkeypatch.setattr(similarity.lexical, "PoolBM25", DictBM25)
    rerank = similar._rerank
    monkeypatch.setattr(similar, "_rerank",  # the features are read again
                        lambda *a, **kw: (rerank(*a, **kw)[0], {}))
    summaries = similar.case_summaries
    monkeypatch.setattr(similar, "case_summaries", lambda settings, ids: {
        cid: summaries(settings, [cid])[cid] for cid in dict.fromkeys(ids)})


def test_cold_sentencing_answer_is_the_plain_paths(pool: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from models.visibility import SIZE_HINT_S, VisibleCases, _size_hints

    settings = pool
    _size_hints.clear()
    fast = _answers(settings, lambda: VisibleCases(settings.db_url, [1]))
    assert _size_hints and SIZE_HINT_S > 0  # counted once, then reused
    with monkeypatch.context() as m:
        _plain(m)
        plain = _answers(settings, lambda: set(range(1, 401)))
    matched = 0
    for cid in QUERIES:
        a, b = fast[cid], plain[cid]
        assert a["extra"] == b["extra"], cid  # guideline, estimate, proposed check
        ra, rb = a["result"], b["result"]
        assert [c["case_id"] for c in ra["cases"]] == [c["case_id"] for c in rb["cases"]], cid
        for ca, cb in zip(ra["cases"], rb["cases"], strict=True):
            assert abs(ca.pop("score") - cb.pop("score")) <= 1e-4  # rounded: BM25 within 1e-9
            assert ca == cb
        assert {k: v for k, v in ra.items() if k != "cases"} == \
            {k: v for k, v in rb.items() if k != "cases"}
        matched += bool(ra["cases"])
    assert matched >= len(QUERIES) - 1  # the queries do find comparable cases


def test_visible_count_is_reused_and_picks_only_the_strategy(pool: Any) -> None:
    from models.visibility import VisibleCases, _size_hints
    from services import indexing
    from similarity.vector_index import VectorIndex

    settings = pool
    _size_hints.clear()
    lazy = VisibleCases(settings.db_url, [1])
    assert lazy.size_hint() == len(lazy) == 400
    _size_hints[(settings.db_url, (1,))] = (10, _size_hints[(settings.db_url, (1,))][1])
    assert VisibleCases(settings.db_url, [1]).size_hint() == 10  # kept, not counted again
    index = VectorIndex(bench.DIM)
    for cid in range(1, 401):
        index.upsert(cid, indexing.case_vector(settings, cid))
    q = indexing.case_vector(settings, 77)
    # a stale count (10 of 400: score only the allowed rows) finds what the true one does;
    # the cosines of the two ways (the whole matrix or its rows, times the query) may differ
    # in float32's last bit
    stale = index.search(q, 30, allowed=VisibleCases(settings.db_url, [1]), exclude={77})
    true = index.search(q, 30, allowed=set(range(1, 401)), exclude={77})
    assert [k for k, _ in stale] == [k for k, _ in true]
    assert max(abs(a - b) for (_, a), (_, b) in zip(stale, true, strict=True)) < 1e-6
