"""What only the embedded engine has: one SQLite file shared by processes, rebuilt when the
analyzer changes, and bounded work on frequent queries (capped facet sample and total).

The behaviour both engines share is tested in test_search_engines.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from search import embedded, get_backend
from search.base import SearchQuery
from search.embedded import EmbeddedSearch
from tests.support.search_corpus import (
    DOCS,
    containing,
    expected_facets,
    find,
    ids,
)


def test_two_connections_share_the_file(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    writer, reader = EmbeddedSearch(path), EmbeddedSearch(path)
    writer.index(DOCS[1])
    assert reader.search(SearchQuery(q="周春寒")).total == 1
    reader.index(DOCS[2])
    assert writer.count() == 2
    writer.close()
    reader.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reopened = EmbeddedSearch(path)
    assert reopened.count() == 2


def test_changed_analyzer_rebuilds_the_index_on_open(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    EmbeddedSearch(path).index(DOCS[1])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = 'old' WHERE key = 'analyzer'")
        for (k,) in db.execute("SELECT k FROM fts_parts").fetchall():  # stale tokens gone
            db.execute(f"INSERT INTO fts_{k}(fts_{k}) VALUES ('delete-all')")
    reopened = EmbeddedSearch(path)
    assert reopened.search(SearchQuery(q="周春寒")).total == 1
    reopened.delete(1)
    assert reopened.search(SearchQuery(q="周春寒")).total == 0


def test_get_backend(tmp_path: Path) -> None:
    backend = get_backend(None, tmp_path)
    assert isinstance(backend, EmbeddedSearch)
    assert backend.path == tmp_path / "search" / "index.sqlite"
    assert isinstance(get_backend("embedded", tmp_path), EmbeddedSearch)
    from search.cluster import ClusterSearch

    assert isinstance(get_backend("http://localhost:9200", tmp_path), ClusterSearch)


# -- bounded work on frequent words ------------------------------------------------------


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedSearch]:
    backend = EmbeddedSearch(tmp_path_factory.mktemp("search") / "index.sqlite")
    for doc in DOCS.values():
        backend.index(doc)
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def one_agency(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedSearch]:
    """The ten judgments as one agency's: each agency's documents are ranked in windows of
    their own (test_search_agencies.py); here one window is tested."""
    backend = EmbeddedSearch(tmp_path_factory.mktemp("search") / "index.sqlite")
    for doc in DOCS.values():
        backend.index(replace(doc, agency="A", shared_with=[]))
    yield backend
    backend.close()


def _all_by(engine: EmbeddedSearch, q: str, sort: str = "relevance") -> list[int]:
    """Every match in order, with the default (large) window: exact."""
    result = engine.search(SearchQuery(q=q, size=100, sort=sort))  # type: ignore[arg-type]
    assert result.total_relation == "eq" and result.total == len(result.hits)
    return ids(result)


def test_rowids_put_newer_judgments_first() -> None:
    assert embedded.day_key(None) == embedded.day_key("") == embedded.day_key("unknown") == 0
    assert 0 < embedded.day_key("1900-01-01") < embedded.day_key("2017-12-31")
    assert embedded.day_key("2017-12-31") < embedded.day_key("2018-01-01")
    assert embedded.day_key("2018") == embedded.day_key("2018-01-01")
    assert embedded.day_key("2200-01-01") == embedded.DAY_MAX
    old = embedded.page_rowid(embedded.DOC_MASK, embedded.day_key("2017-12-31"), 999)
    new = embedded.page_rowid(1, embedded.day_key("2018-01-01"), 1)
    assert 0 < old < new < 2**63
    with pytest.raises(ValueError):
        embedded.page_rowid(embedded.DOC_MASK + 1, 0, 1)


def test_a_frequent_word_is_ranked_in_a_window_of_the_newest_judgments(
    one_agency: EmbeddedSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = one_agency
    everything = containing("有期徒刑")
    assert len(everything) >= 8
    monkeypatch.setattr(embedded, "RANK_WINDOW", 3)
    result = engine.search(SearchQuery(q="有期徒刑", size=2))
    assert result.total_relation == "gte" and result.facets_sampled
    assert 2 <= result.total < len(everything)
    assert set(ids(result)) <= everything
    # the window is the newest judgments: none left out is newer than one ranked
    newest = sorted(everything, key=lambda i: (DOCS[i].date or "", i), reverse=True)
    assert set(ids(result)) <= set(newest[: result.total])
    # the facets count the window's matches, never more
    assert sum(v["count"] for v in result.facets["doc_type"]) <= result.total
    # paging past the window widens it, down to the last match
    deep = engine.search(SearchQuery(q="有期徒刑", size=2, page=len(everything) // 2))
    assert len(deep.hits) == 2 and set(ids(deep)) <= everything
    assert engine.search(SearchQuery(q="有期徒刑", size=100)).total == len(everything)


def test_a_date_sort_in_the_window_is_exact(
    engine: EmbeddedSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    exact = _all_by(engine, "有期徒刑", sort="date")
    monkeypatch.setattr(embedded, "RANK_WINDOW", 2)
    pages = []
    for page in range(1, len(exact) // 3 + 2):
        result = engine.search(SearchQuery(q="有期徒刑", sort="date", size=3, page=page))
        pages += ids(result)
    assert pages == exact


def test_words_with_filters_are_checked_in_the_window(
    one_agency: EmbeddedSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = one_agency
    monkeypatch.setattr(embedded, "RANK_WINDOW", 3)
    for q in ("有期徒刑 -charge:盗窃罪", "有期徒刑 AND 被告人", "盗窃 OR 抢劫"):
        expected = set(_all_by(engine, q))
        result = engine.search(SearchQuery(q=q, size=1))
        assert set(ids(result)) <= expected and result.total <= len(expected), q
        assert (result.total_relation == "eq") == (result.total == len(expected)), q
    grouped = engine.search(SearchQuery(q="有期徒刑", size=1, group_by_case=True))
    assert grouped.total_relation == "gte" and len(grouped.hits) == 1


def test_facets_count_the_best_matches_when_there_are_many(
    engine: EmbeddedSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedded, "FACET_SAMPLE", 2)
    result = engine.search(SearchQuery(q="盗窃", size=1))
    assert result.total == len(containing("盗窃")) and result.total_relation == "eq"
    assert result.facets_sampled
    best_two = _all_by(engine, "盗窃")[:2]
    assert result.facets["doc_type"] == [
        {"value": v, "count": n} for v, n in _count_sorted([DOCS[i].doc_type for i in best_two])
    ]
    small = engine.search(SearchQuery(q="周春寒"))
    assert not small.facets_sampled and small.facets == {
        k: [{"value": v, "count": n} for v, n in sorted(vals.items())]
        for k, vals in expected_facets({1}).items()
    }


def _count_sorted(values: list[object]) -> list[tuple[object, int]]:
    counts: dict[object, int] = {}
    for v in values:
        if v is not None:
            counts[v] = counts.get(v, 0) + 1
    return sorted(counts.items(), key=lambda vn: (-vn[1], str(vn[0])))


def test_filters_alone_count_up_to_a_cap(
    engine: EmbeddedSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    newest = _all_by(engine, "")  # no words: newest judgment first
    assert [DOCS[i].date for i in newest if DOCS[i].date] == sorted(
        (d.date for d in DOCS.values() if d.date), reverse=True
    )
    monkeypatch.setattr(embedded, "TOTAL_CAP", 4)
    monkeypatch.setattr(embedded, "FACET_SAMPLE", 3)
    result = engine.search(SearchQuery(size=2))
    assert (result.total, result.total_relation, result.facets_sampled) == (4, "gte", True)
    assert ids(result) == newest[:2]
    assert sum(v["count"] for v in result.facets["court"]) <= 3
    assert find(engine, "-盗窃") == set(DOCS) - containing("盗窃")  # NOT alone: all checked
    scoped = engine.search(SearchQuery(agencies=["B"], size=1))
    assert (scoped.total, scoped.total_relation) == (4, "eq")
