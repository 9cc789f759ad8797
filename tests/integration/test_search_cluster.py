"""What only the cluster backend has, against a real OpenSearch (or Elasticsearch) node.

The behaviour both engines share is tested in test_search_engines.py (parametrized over
both backends). Here: the engine's name, cross-checking results against the embedded engine,
versioned indices behind an alias, and outages. The node: ``make opensearch`` or
``tools/opensearch-node/start.sh PORT DIR``, then DOSSIER_TEST_SEARCH_URL=http://127.0.0.1:PORT.
Skipped when that is unset, failed instead with DOSSIER_REQUIRE_SERVICES=1.
Each test module/test gets its own alias (``dossier-t-<random>``), removed afterwards.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from search import get_backend
from search.base import SearchQuery, SearchUnavailable
from search.cluster import ClusterSearch
from tests.conftest import _need
from tests.integration.test_search_engines import (
    DOCS,
    SEARCH_URL_ENV,
    cluster_backend,
    drop_cluster,
    find,
    ids,
    load,
)


@pytest.fixture(scope="module")
def url() -> str:
    return _need(SEARCH_URL_ENV)


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


def test_names_the_engine_and_its_index_version(engine: ClusterSearch) -> None:
    assert engine.count() == len(DOCS)
    assert engine.engine.split()[0] in ("opensearch", "elasticsearch")
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
