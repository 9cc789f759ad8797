"""What only the cluster backend has, against real OpenSearch 2 and Elasticsearch 9 nodes.

The behaviour all engines share is tested in test_search_engines.py (parametrized over the
embedded engine and both clusters). Here: the engine's name, cross-checking results against
the embedded engine, versioned indices behind an alias, word segmentation, and outages. Every
test that needs a node runs on both: OpenSearch (``make opensearch``, DOSSIER_TEST_SEARCH_URL)
and Elasticsearch (``make elasticsearch``, DOSSIER_TEST_ES_URL). Skipped when a URL is unset,
failed instead with DOSSIER_REQUIRE_SERVICES=1.
Each test module/test gets its own alias (``dossier-t-<random>``), removed afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from search import get_backend
from search.base import IndexDoc, SearchQuery, SearchUnavailable
from search.cluster import WORD_ANALYZERS, ClusterSearch
from tests.support.env import CLUSTERS, cluster_url
from tests.support.search_corpus import (
    DOCS,
    cluster_backend,
    drop_cluster,
    find,
    ids,
    load,
)


@pytest.fixture(scope="module", params=list(CLUSTERS))
def kind(request: pytest.FixtureRequest) -> str:
    """Every test that needs a node runs on each: OpenSearch 2 and Elasticsearch 9."""
    return str(request.param)


@pytest.fixture(scope="module")
def url(kind: str) -> str:
    return cluster_url(kind)


def _backend(url: str) -> ClusterSearch:
    backend = cluster_backend(url)
    assert isinstance(backend, ClusterSearch)
    return backend


@pytest.fixture(scope="module")
def engine(url: str) -> Iterator[ClusterSearch]:
    backend = _backend(url)
    assert backend.index_many(DOCS.values()) == len(DOCS)
    yield backend
    drop_cluster(backend)


@pytest.fixture()
def fresh(url: str) -> Iterator[ClusterSearch]:
    """A small index a test may change."""
    backend = _backend(url)
    for i in (1, 2, 3):
        backend.index(DOCS[i])
    yield backend
    drop_cluster(backend)


def test_names_the_engine_and_its_index_version(engine: ClusterSearch, kind: str) -> None:
    assert engine.count() == len(DOCS)
    assert engine.engine.split()[0] == kind
    assert engine.current_index() == f"{engine.alias}-v1"


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


def _node_word_analyzer(url: str) -> str | None:
    """Asked of the node directly: which word segmenter it runs (IK first, then smartcn)."""
    for name, analyzer in (("ik", "ik_max_word"), ("smartcn", "smartcn")):
        req = urllib.request.Request(
            f"{url}/_analyze", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"analyzer": analyzer, "text": "盗窃"}).encode())
        try:
            with urllib.request.urlopen(req, timeout=10):
                return name
        except urllib.error.HTTPError as exc:
            assert exc.code == 400, exc
    return None


def test_index_gets_the_word_segmenter_the_node_has(engine: ClusterSearch, url: str,
                                                    kind: str) -> None:
    """smartcn/IK analyse the pages.words field when the node runs them (else it is not
    indexed). CI names the one each node must have (DOSSIER_TEST_OPENSEARCH_WORDS=smartcn,
    ..._ELASTICSEARCH_WORDS=none), so a lost plugin fails there."""
    expected = _node_word_analyzer(url)
    want = os.environ.get(f"DOSSIER_TEST_{kind.upper()}_WORDS")
    if want:
        assert expected == (None if want == "none" else want)
    assert engine.word_analyzer == expected
    client = engine._conn()
    raw = client._body((client._os or client._es).indices.get_mapping(index=engine.alias))
    pages = next(iter(raw.values()))["mappings"]["properties"]["pages"]["properties"]
    if expected is None:
        assert pages["words"] == {"type": "text", "index": False}
    else:
        assert pages["words"] == WORD_ANALYZERS[expected]


def test_segmented_words_rank_a_name_above_a_cross_word_match(url: str) -> None:
    """张三 as a name and 张三 straddling 扩张|三年: the bigrams match both (as on the embedded
    engine); with a word segmenter the name ranks first although its page is longer."""
    backend = _backend(url)
    try:
        texts = {1: "被告人张三于二〇一八年五月十二日在本市某小区盗窃他人财物，价值人民币三千元。",
                 2: "该公司经营规模扩张三年后盗窃他人财物。"}
        backend.index_many(IndexDoc(document_id=i, case_id=i, case_number=None,
                                    filename=f"{i}.pdf", doc_type=None, court=None, agency="A",
                                    shared_with=[], charges=[], date=None, pages=[t], parties=[])
                           for i, t in texts.items())
        result = backend.search(SearchQuery(q="张三"))
        assert set(ids(result)) == {1, 2}
        if backend.word_analyzer is not None:
            assert ids(result) == [1, 2]
            assert result.hits[0].score > result.hits[1].score
    finally:
        drop_cluster(backend)


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
        drop_cluster(backend)
        proxy.down()


def test_an_index_of_an_older_layout_is_refused_until_reindexed(fresh: ClusterSearch) -> None:
    """An index built before an analyser or mapping change is not searched with mismatched
    tokens: searches and writes raise SearchUnavailable naming `dossier reindex` (the outbox
    keeps the writes), until a reindex, by any process, builds the current layout."""
    client = fresh._conn()
    old_meta = {"mapping_version": 1, "analyzer": "bigram-1"}
    if client._os is not None:
        client._os.indices.put_mapping(index=fresh.current_index(), body={"_meta": old_meta})
    else:
        client._es.indices.put_mapping(index=fresh.current_index(), meta=old_meta)
    stale = ClusterSearch(fresh.url, alias=fresh.alias, refresh=True)
    try:
        with pytest.raises(SearchUnavailable, match="请运行 dossier reindex"):
            stale.search(SearchQuery(q="周春寒"))
        with pytest.raises(SearchUnavailable, match="映射版本 1、分词 bigram-1"):
            stale.index(DOCS[4])
        assert stale.count() == 3  # reading the count, or deleting, needs no tokens
        fresh.reindex([DOCS[1], DOCS[4]])  # another backend object: another process
        assert find(stale, "周春寒") == {1}
        stale.index(DOCS[5])
        assert stale.count() == 3
    finally:
        stale.close()
