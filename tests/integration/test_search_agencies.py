"""Ranking and counting stay within what a user may see.

BM25 ranks with collection statistics (how many pages, how long, how many hold a word) and
the embedded engine's rank window takes the newest matches: computed over every agency's
pages, a user's scores, totals and facet sample would change when another agency uploads,
telling them whether other agencies' dossiers mention a name. The embedded engine ranks and
counts each agency's pages apart (a table per agency); the clusters keep one index but score
with a similarity that reads no collection statistics and an IDF per word counted among the
pages the user may see (search/cluster.py). On all three engines another agency's uploads
change nothing a user sees; sharing a document does.
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from search import embedded
from search.base import IndexDoc, SearchBackend, SearchQuery, SearchResult
from tests.support.search_corpus import DOCS, Backends

QUERIES = ["盗窃", "周春寒", "有期徒刑 被告人", "盗", "被告人 -周春寒", '"有期徒刑"', "盗窃 OR 抢劫"]


def seen(result: SearchResult) -> tuple[object, ...]:
    """Everything a result tells its user: the order, scores, pages, total, facets."""
    return (
        [(h.document_id, h.score, h.page) for h in result.hits],
        result.total,
        result.total_relation,
        result.facets,
        result.facets_sampled,
    )


def _mine(empty: SearchBackend) -> None:
    """Agency A's documents (1-5), and C's (10) shared with nobody."""
    for i in (1, 2, 3, 4, 5, 10):
        empty.index(replace(DOCS[i], agency="A" if i < 10 else "C", shared_with=[]))


def _their_uploads(empty: SearchBackend) -> list[IndexDoc]:
    """Agency B uploads three files naming 周春寒 and 盗窃 (copies of judgment 1's pages,
    newer than everything), and five other judgments."""
    docs = [replace(DOCS[1], document_id=100 + k, case_id=100 + k, agency="B", shared_with=[],
                    date="2020-01-0" + str(k + 1)) for k in range(3)]
    docs += [replace(DOCS[i], document_id=200 + i, case_id=200 + i, agency="B", shared_with=[])
             for i in (6, 7, 8, 9, 3)]
    for doc in docs:
        empty.index(doc)
    return docs


@pytest.mark.parametrize("agencies", [["A"], ["A", "C"], ["C"]])
def test_another_agencys_uploads_change_nothing_a_user_sees(
    empty: SearchBackend, agencies: list[str]
) -> None:
    _mine(empty)
    before = {q: seen(empty.search(SearchQuery(q=q, agencies=agencies, size=20)))
              for q in QUERIES}
    assert any(v[1] for v in before.values())  # the queries find something
    uploads = _their_uploads(empty)
    for q in QUERIES:
        assert seen(empty.search(SearchQuery(q=q, agencies=agencies, size=20))) == before[q], q
    # the uploads are there, for their agency
    theirs = empty.search(SearchQuery(q="周春寒", agencies=["B"], size=20))
    assert {h.document_id for h in theirs.hits} == {d.document_id for d in uploads[:3]}


def test_windows_and_samples_are_the_users_own(
    empty: SearchBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded engine ranks a frequent word in the newest RANK_WINDOW matches and counts
    facets over FACET_SAMPLE: both taken among the user's documents, however many newer
    matches another agency has (the cluster counts exactly anyway)."""
    monkeypatch.setattr(embedded, "RANK_WINDOW", 2)
    monkeypatch.setattr(embedded, "FACET_SAMPLE", 2)
    _mine(empty)
    before = {q: seen(empty.search(SearchQuery(q=q, agencies=["A"], size=1)))
              for q in ("有期徒刑", "被告人", "盗窃")}
    _their_uploads(empty)
    for q, was in before.items():
        assert seen(empty.search(SearchQuery(q=q, agencies=["A"], size=1))) == was, q


def test_sharing_a_document_brings_it_into_the_users_ranking(empty: SearchBackend) -> None:
    _mine(empty)
    uploads = _their_uploads(empty)
    assert 100 not in {h.document_id for h in
                       empty.search(SearchQuery(q="周春寒", agencies=["A"], size=20)).hits}
    empty.index(replace(uploads[0], shared_with=["A"]))
    hits = empty.search(SearchQuery(q="周春寒", agencies=["A"], size=20)).hits
    assert {h.document_id for h in hits} == {1, 100}
    empty.index(replace(uploads[0], shared_with=[]))  # the share revoked
    hits = empty.search(SearchQuery(q="周春寒", agencies=["A"], size=20)).hits
    assert {h.document_id for h in hits} == {1}
    empty.delete(1)
    assert empty.search(SearchQuery(q="周春寒", agencies=["A"])).total == 0
    assert empty.search(SearchQuery(q="周春寒", agencies=["B"])).total == 3
    assert empty.count() == 6 - 1 + len(uploads)


def test_cluster_scoring_is_what_the_node_can_run(empty: SearchBackend, backends: Backends
                                                  ) -> None:
    """BM25 (the scripted similarity) where the node runs Painless, the boolean fallback where
    not; CI names the one each node must have (DOSSIER_TEST_OPENSEARCH_SCORING=bm25,
    ..._ELASTICSEARCH_SCORING=boolean), so a lost Painless fails there. With BM25 a page saying
    a name three times ranks above one saying it once, as on the embedded engine."""
    if backends.kind == "embedded":
        pytest.skip("the embedded engine ranks with per-agency FTS5 tables")
    scoring = getattr(empty, "scoring", None)
    want = os.environ.get(f"DOSSIER_TEST_{backends.kind.upper()}_SCORING")
    assert scoring in ("bm25", "boolean") and scoring == (want or scoring)
    base = replace(DOCS[1], agency="A", shared_with=[])
    empty.index(replace(base, document_id=1, pages=["被告人周春寒到案后如实供述。" * 3]))
    empty.index(replace(base, document_id=2, pages=["被告人周春寒到案后如实供述。无业。"]))
    hits = empty.search(SearchQuery(q="周春寒", agencies=["A"])).hits
    scores = {h.document_id: h.score for h in hits}
    assert set(scores) == {1, 2}
    if scoring == "bm25":
        assert scores[1] > scores[2] > 0
    else:
        assert scores[1] == scores[2] > 0
