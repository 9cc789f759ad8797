"""The cluster backend against a real OpenSearch (or Elasticsearch) node.

Same corpus and the same expectations as test_search_embedded.py (its helpers are imported),
so both engines are held to one behaviour. The node: ``make opensearch`` or
``tools/opensearch-node/start.sh PORT DIR``, then DOSSIER_TEST_SEARCH_URL=http://127.0.0.1:PORT.
Skipped when that is unset, failed instead with DOSSIER_REQUIRE_SERVICES=1.
Each test module/test gets its own alias (``dossier-t-<random>``), removed afterwards.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from search import get_backend
from search.base import (
    IndexDoc,
    QuerySyntaxError,
    SearchBackend,
    SearchQuery,
    SearchUnavailable,
)
from search.cluster import ClusterSearch
from tests.conftest import _need
from tests.integration.test_search_embedded import (
    DOCS,
    _expected_facets,
    _unique_phrase,
    containing,
    find,
    ids,
    load,
)


@pytest.fixture(scope="module")
def url() -> str:
    return _need("DOSSIER_TEST_SEARCH_URL")


def _drop(backend: ClusterSearch) -> None:
    client = backend._conn()
    for _, name in backend._versions(client):
        client.delete_index(name)
    backend.close()


def _backend(url: str) -> ClusterSearch:
    return ClusterSearch(url, alias=f"dossier-t-{uuid.uuid4().hex[:10]}", refresh=True)


@pytest.fixture(scope="module")
def engine(url: str) -> Iterator[ClusterSearch]:
    backend = _backend(url)
    assert backend.index_many(DOCS.values()) == len(DOCS)
    yield backend
    _drop(backend)


@pytest.fixture()
def fresh(url: str) -> Iterator[ClusterSearch]:
    """A small index a test may change."""
    backend = _backend(url)
    for i in (1, 2, 3):
        backend.index(DOCS[i])
    yield backend
    _drop(backend)


@pytest.fixture()
def empty(url: str) -> Iterator[ClusterSearch]:
    backend = _backend(url)
    yield backend
    _drop(backend)


def test_counts_documents_and_names_the_engine(engine: ClusterSearch) -> None:
    assert engine.count() == len(DOCS)
    assert isinstance(engine, SearchBackend)
    assert engine.engine.split()[0] in ("opensearch", "elasticsearch")
    assert engine.current_index() == f"{engine.alias}-v1"


def test_charge_stem_finds_the_theft_judgments(engine: ClusterSearch) -> None:
    theft = {i for i, d in DOCS.items() if "盗窃罪" in d.charges}
    result = engine.search(SearchQuery(q="盗窃", size=100))
    assert set(ids(result)) == containing("盗窃") >= theft
    assert set(ids(result)[: len(theft)]) == theft  # convicted of it ranks above a mention


def test_defendant_name_finds_its_judgment(engine: ClusterSearch) -> None:
    assert find(engine, "周春寒") == {1}
    assert find(engine, "段国雄") == {4}
    assert find(engine, "周春寒 OR 段国雄") == {1, 4}


def test_unquoted_chinese_word_matches_as_a_phrase(engine: ClusterSearch) -> None:
    for word in ("盗窃财物", "有期徒刑", "交通肇事", "砸车窗", "附带民事诉讼"):
        assert find(engine, word) == containing(word), word


def test_exact_phrase_finds_its_document_first_and_a_scrambled_one_does_not(
    engine: ClusterSearch,
) -> None:
    phrase = _unique_phrase(3, 2, 12)
    result = engine.search(SearchQuery(q=f'"{phrase}"'))
    assert ids(result)[0] == 3
    head, tail = phrase[:6], phrase[6:]
    assert engine.search(SearchQuery(q=f'"{tail}{head}"')).total == 0
    assert engine.search(SearchQuery(q=tail + head)).total == 0
    assert 3 in find(engine, f"{tail} {head}")


def test_boolean_logic_is_per_document(engine: ClusterSearch) -> None:
    """Words on different pages of one document still AND together (nested pages)."""
    doc = DOCS[1]
    first = _unique_phrase(1, 1, 6)
    last = _unique_phrase(1, len(doc.pages), 6)
    assert first not in doc.pages[-1] and last not in doc.pages[0]
    assert find(engine, f"{first} {last}") == {1}
    assert find(engine, f"{first} -{last}") == set()


def test_not_excludes(engine: ClusterSearch) -> None:
    assert find(engine, "盗窃 -周春寒") == containing("盗窃") - {1}
    assert find(engine, "盗窃 NOT 周春寒") == containing("盗窃") - {1}
    assert find(engine, "盗窃 NOT charge:盗窃罪") == containing("盗窃") - {1, 2, 3, 4}
    assert find(engine, "-盗窃") == set(DOCS) - containing("盗窃")


def test_field_filters(engine: ClusterSearch) -> None:
    assert find(engine, "charge:盗窃罪") == {1, 2, 3, 4}
    assert find(engine, "charge:盗窃") == {1, 2, 3, 4}
    assert find(engine, charge="盗窃罪") == {1, 2, 3, 4}
    assert find(engine, "charge:诈骗罪") == {5, 6}
    assert find(engine, 'court:"江苏省宜兴市人民法院"') == {3, 10}
    assert find(engine, court="江苏省宜兴市人民法院") == {3, 10}
    assert find(engine, "doc_type:刑事附带民事判决书") == {8}
    assert find(engine, doc_type="刑事附带民事判决书") == {8}
    by_year = {i for i, d in DOCS.items() if (d.date or "").startswith("2018")}
    assert find(engine, "year:2018") == by_year
    assert find(engine, year=2018) == by_year
    assert find(engine, "case:2") == find(engine, case_id=2) == {2, 4}
    assert find(engine, "盗窃 year:2018 court:嵊州") == {1}
    assert find(engine, "charge:抢劫罪 OR charge:危险驾驶罪") == {7, 8, 9}


@pytest.mark.parametrize("q", ["", "盗窃", "有期徒刑 -charge:盗窃罪"])
def test_facets_count_all_matching_documents(engine: ClusterSearch, q: str) -> None:
    result = engine.search(SearchQuery(q=q, size=1))
    expected = _expected_facets(find(engine, q))
    for name, values in result.facets.items():
        assert {v["value"]: v["count"] for v in values} == expected[name], name
        counts = [v["count"] for v in values]
        assert counts == sorted(counts, reverse=True)
    if not q:
        assert result.facets["charge"][0] == {"value": "盗窃罪", "count": 4}


def test_highlights_mark_the_term_on_the_right_page(engine: ClusterSearch) -> None:
    phrase = _unique_phrase(1, 3, 5)
    (hit,) = engine.search(SearchQuery(q=phrase)).hits
    assert hit.document_id == 1 and hit.page == 3
    assert f"<em>{phrase}</em>" in hit.highlights[0]
    hits = engine.search(SearchQuery(q="周春寒 盗窃")).hits
    assert hits[0].document_id == 1
    page_text = DOCS[1].pages[hits[0].page - 1]  # type: ignore[operator]
    assert "周春寒" in page_text or "盗窃" in page_text
    assert 1 <= len(hits[0].highlights) <= 3
    for snippet in hits[0].highlights:
        assert "<em>" in snippet
        assert len(re.sub("</?em>", "", snippet)) <= 100


def test_highlights_escape_html_and_keep_original_forms(empty: ClusterSearch) -> None:
    page = "证据<script>alert(1)</script>：（２０１８）浙0683刑初333号，被告人张三犯盗窃罪。"
    empty.index(IndexDoc(1, 1, None, "x.pdf", None, None, None, [], [], None, [page], []))
    (hit,) = empty.search(SearchQuery(q='"(2018)浙0683刑初333号"')).hits
    assert "<script>" not in hit.highlights[0]
    assert "&lt;script&gt;" in hit.highlights[0]
    assert "（<em>２０１８）浙0683刑初333号</em>，" in hit.highlights[0]
    (hit,) = empty.search(SearchQuery(q="张三")).hits
    assert "被告人<em>张三</em>犯" in hit.highlights[0]
    assert "<em>盗</em>窃" in empty.search(SearchQuery(q="盗")).hits[0].highlights[0]


def test_compatibility_forms_are_folded_like_the_embedded_engine(
    empty: ClusterSearch, tmp_path: Path
) -> None:
    page = "依照刑法第二百六十四条第⑴项，判处罚金ＲＭＢ２０００元。"
    doc = IndexDoc(1, 1, None, "x.pdf", None, None, None, [], [], None, [page], [])
    embedded = get_backend(None, tmp_path)
    for backend in (empty, embedded):
        backend.index(doc)
        for q in ('"(1)项"', "⑴项", "ＲＭＢ２０００元", "rmb2000元"):
            (hit,) = backend.search(SearchQuery(q=q)).hits
            assert hit.page == 1 and "<em>" in hit.highlights[0], (backend, q)
    embedded.close()


def test_party_names_are_found_even_when_only_extracted(empty: ClusterSearch) -> None:
    pages = ["被告人张三犯盗窃罪。"]
    empty.index(IndexDoc(1, 1, None, "x.pdf", None, None, None, [], [], None, pages, ["王小明"]))
    assert empty.search(SearchQuery(q="张三")).total == 1  # 被告人张三
    assert empty.search(SearchQuery(q="王小明")).total == 1  # named by extraction only
    assert empty.search(SearchQuery(q="王小")).total == 0


def test_agency_scoping_hides_other_agencies_and_shared_with_reveals(
    engine: ClusterSearch,
) -> None:
    assert find(engine, agencies=["A"]) == {1, 2, 3, 4, 5, 7}
    assert find(engine, agencies=["B"]) == {6, 7, 8, 9}
    assert find(engine, agencies=["C"]) == {10}
    assert find(engine, agencies=["A", "C"]) == {1, 2, 3, 4, 5, 7, 10}
    assert find(engine, agencies=[]) == set()
    assert find(engine, "抢劫", agencies=["C"]) == set()
    assert find(engine, agencies=None) == set(DOCS)
    scoped = engine.search(SearchQuery(agencies=["C"]))
    assert scoped.facets["court"] == [{"value": "江苏省宜兴市人民法院", "count": 1}]


def test_reindexing_replaces_instead_of_duplicating(fresh: ClusterSearch) -> None:
    doc = load(1)
    doc.filename = "renamed.pdf"
    doc.charges = ["容留他人吸毒罪"]
    fresh.index(doc)
    fresh.index(doc)
    assert fresh.count() == 3
    (hit,) = fresh.search(SearchQuery(q="周春寒")).hits
    assert hit.filename == "renamed.pdf"
    assert fresh.search(SearchQuery(q="charge:盗窃罪")).total == 2
    facets = fresh.search(SearchQuery()).facets["charge"]
    assert {"value": "容留他人吸毒罪", "count": 1} in facets
    doc.pages = ["只剩一页：被告人周春寒。"]
    fresh.index(doc)
    assert fresh.search(SearchQuery(q="砸车窗")).total == 0  # old pages are gone
    assert fresh.search(SearchQuery(q="只剩一页")).total == 1


def test_delete_removes(fresh: ClusterSearch) -> None:
    fresh.delete(1)
    fresh.delete(1)  # deleting twice is harmless
    assert fresh.count() == 2
    assert fresh.search(SearchQuery(q="周春寒")).total == 0
    assert fresh.search(SearchQuery(q="盗窃")).total == 2
    assert fresh.search(SearchQuery()).facets["charge"] == [{"value": "盗窃罪", "count": 2}]
    fresh.clear()
    assert fresh.count() == 0
    assert fresh.search(SearchQuery(q="盗窃")).total == 0


def test_group_by_case_returns_each_case_once_with_its_best_document(
    engine: ClusterSearch,
) -> None:
    plain = engine.search(SearchQuery(q="盗窃", size=100))
    grouped = engine.search(SearchQuery(q="盗窃", size=100, group_by_case=True))
    cases = [h.case_id for h in grouped.hits]
    assert len(cases) == len(set(cases)) == grouped.total
    assert set(cases) == {h.case_id for h in plain.hits}
    best_of_case_2 = next(h for h in plain.hits if h.case_id == 2)
    assert best_of_case_2.document_id in ids(grouped)
    assert {2, 4} - set(ids(grouped))
    # facets still count documents, not cases
    assert grouped.facets == plain.facets


def test_pagination_and_total(engine: ClusterSearch) -> None:
    seen: list[int] = []
    for page in range(1, 5):
        result = engine.search(SearchQuery(page=page, size=3))
        assert result.total == len(DOCS)
        seen += ids(result)
    assert sorted(seen) == sorted(DOCS)
    assert engine.search(SearchQuery(page=5, size=3)).hits == []
    grouped = [engine.search(SearchQuery(page=p, size=4, group_by_case=True)) for p in (1, 2, 3)]
    assert all(g.total == len({d.case_id for d in DOCS.values()}) for g in grouped)
    assert sorted(h.case_id for g in grouped for h in g.hits) == sorted(
        {d.case_id for d in DOCS.values()}
    )
    with pytest.raises(ValueError):
        engine.search(SearchQuery(page=0))
    with pytest.raises(ValueError):
        engine.search(SearchQuery(size=1000))


def test_sort_by_date_is_newest_first(engine: ClusterSearch) -> None:
    hits = engine.search(SearchQuery(q="有期徒刑", sort="date", size=100)).hits
    dates = [h.date for h in hits if h.date]
    assert dates == sorted(dates, reverse=True)
    assert hits[0].date == "2019-01-22"


def test_bad_syntax_raises(engine: ClusterSearch) -> None:
    for q in ('"盗窃', "(盗窃", "盗窃)", "盗窃 AND", "OR 盗窃", "NOT", "year:abc"):
        with pytest.raises(QuerySyntaxError):
            engine.search(SearchQuery(q=q))


def test_results_are_json(engine: ClusterSearch) -> None:
    data = engine.search(SearchQuery(q="周春寒")).to_dict()
    json.dumps(data, ensure_ascii=False)
    hit = data["hits"][0]
    assert {"document_id", "case_id", "filename", "score", "page", "highlights"} <= hit.keys()
    assert hit["court"] == "浙江省嵊州市人民法院" and hit["charges"] == ["盗窃罪"]
    assert hit["score"] > 0


def test_same_results_as_the_embedded_engine(engine: ClusterSearch, tmp_path: Path) -> None:
    embedded = get_backend(None, tmp_path)
    for doc in DOCS.values():
        embedded.index(doc)
    for q in ("盗窃", "有期徒刑 -charge:盗窃罪", "周春寒 OR 段国雄", "抢劫 year:2018", "盗"):
        mine, theirs = engine.search(SearchQuery(q=q)), embedded.search(SearchQuery(q=q))
        assert mine.total == theirs.total, q
        assert mine.facets == theirs.facets, q
        assert {h.document_id: h.page for h in mine.hits} == {
            h.document_id: h.page for h in theirs.hits
        } or set(ids(mine)) == set(ids(theirs)), q
    embedded.close()


def test_reindex_builds_a_new_version_and_switches_the_alias(fresh: ClusterSearch) -> None:
    assert fresh.current_index() == f"{fresh.alias}-v1"
    new = fresh.reindex([DOCS[1], DOCS[4]])
    assert new == f"{fresh.alias}-v2" == fresh.current_index()
    assert fresh.count() == 2
    assert find(fresh, "盗窃") == {1, 4}
    client = fresh._conn()
    assert client.indices(f"{fresh.alias}-v*") == [new]  # the old version is gone
    assert fresh.reindex(DOCS.values()) == f"{fresh.alias}-v3"
    assert fresh.count() == len(DOCS)
    fresh.index(load(1))  # writes go through the alias to the new version
    assert fresh.count() == len(DOCS)


def test_get_backend_gives_the_cluster_backend(url: str, tmp_path: Path) -> None:
    backend = get_backend(url, tmp_path)
    assert isinstance(backend, ClusterSearch) and backend.url == url
    backend.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_cluster_raises_search_unavailable() -> None:
    backend = ClusterSearch(f"http://127.0.0.1:{_free_port()}", timeout=2)  # nothing listens
    with pytest.raises(SearchUnavailable):
        backend.index(DOCS[1])
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(q="盗窃"))
    backend.close()


class _Proxy:
    """A TCP forwarder to the node that can be cut and restored: an outage on demand."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 9200)
        self.port = _free_port()
        self.conns: list[socket.socket] = []
        self.server: socket.socket | None = None

    def up(self) -> None:
        server = socket.create_server(("127.0.0.1", self.port))
        self.server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def down(self) -> None:
        assert self.server is not None
        with contextlib.suppress(OSError):  # shutdown wakes the thread blocked in accept()
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        self.server = None
        for conn in self.conns:
            conn.close()
        self.conns.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def test_an_outage_raises_search_unavailable_and_the_backend_recovers(url: str) -> None:
    proxy = _Proxy(url)
    proxy.up()
    backend = _backend(f"http://127.0.0.1:{proxy.port}")
    backend.timeout = 5
    try:
        backend.index(DOCS[1])
        proxy.down()
        with pytest.raises(SearchUnavailable):
            backend.index(DOCS[2])
        with pytest.raises(SearchUnavailable):
            backend.count()
        proxy.up()
        backend.index(DOCS[2])  # the same backend object works again, no restart
        assert backend.count() == 2
        assert find(backend, "周春寒") == {1}
    finally:
        if proxy.server is None:
            proxy.up()
        _drop(backend)
        proxy.down()
