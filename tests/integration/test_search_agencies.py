"""Ranking and counting stay within what a user may see.

BM25 ranks with collection statistics (how many pages, how long, how many hold a word) and
the embedded engine's rank window takes the newest matches: computed over every agency's
pages, a user's scores, totals and facet sample would change when another agency uploads,
telling them whether other agencies' dossiers mention a name. The embedded engine ranks and
counts each agency's pages apart (a table per agency), so another agency's uploads change
nothing a user sees; sharing a document does.

The clusters still rank with the statistics of their one index: an index per agency closes
the leak the same way, but costs each node ~4 MB of heap per index (measured on the
OpenSearch test node), and the 512 MB test nodes tripped their circuit breakers with the
suite's per-agency indices. Their cases here are strict xfails: they fail while the leak is
there, and will fail the suite (XPASS) the day it is closed, so the marker goes then.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from search import embedded
from search.base import IndexDoc, SearchBackend, SearchQuery, SearchResult
from tests.support.search_corpus import DOCS, Backends

CLUSTER_LEAK = ("the clusters rank with their one index's BM25 statistics: another agency's"
                " documents change a user's scores (an index per agency would close it)")
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


@pytest.fixture()
def leak_on_clusters(request: pytest.FixtureRequest, backends: Backends) -> None:
    if backends.kind != "embedded":
        request.applymarker(pytest.mark.xfail(strict=True, reason=CLUSTER_LEAK))


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
    empty: SearchBackend, agencies: list[str], leak_on_clusters: None
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
    empty: SearchBackend, monkeypatch: pytest.MonkeyPatch, leak_on_clusters: None
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
