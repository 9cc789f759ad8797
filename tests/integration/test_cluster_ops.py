"""What an operator sees of the service on a search cluster, on the real test nodes (OpenSearch 2
and Elasticsearch 9, each a single node: tests.support.env.CLUSTERS).

- The indices the service creates (pages behind ``<prefix>-pages``, case vectors behind
  ``<prefix>-cases``, and every version a reindex builds) are green on one node: their replicas
  expand with the data nodes (``auto_expand_replicas: 0-1``) instead of one replica that a
  single node can never place (the cluster stayed yellow).
- The word-segmenter probe asks ``_analyze`` for IK and smartcn; a missing plugin's 400 is an
  expected answer: one INFO line, no WARNING from our code or from the search client's logger.
"""

from __future__ import annotations

import json
import logging
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from models.cluster import ClusterClient
from search.cluster import ClusterSearch, word_analyzer
from similarity.cluster_knn import ClusterKnn
from tests.support.env import CLUSTERS, cluster_url
from tests.support.search_corpus import DOCS


@pytest.fixture(scope="module", params=list(CLUSTERS))
def url(request: pytest.FixtureRequest) -> str:
    return cluster_url(str(request.param))


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.load(resp)


@pytest.fixture()
def made(url: str) -> Iterator[tuple[ClusterSearch, ClusterKnn]]:
    tag = uuid.uuid4().hex[:8]
    pages = ClusterSearch(url, alias=f"dossier-t-{tag}-pages", refresh=True)
    cases = ClusterKnn(url, alias=f"dossier-t-{tag}-cases", refresh=True)
    yield pages, cases
    for store in (pages, cases):
        client = store._conn()
        for name in client.indices(f"{store.alias}-v*"):
            client.delete_index(name)
        store.close()


def test_new_indices_are_green_on_a_single_node(
        url: str, made: tuple[ClusterSearch, ClusterKnn]) -> None:
    nodes = _get(f"{url}/_cluster/health")["number_of_data_nodes"]
    assert nodes == 1, "the test nodes are single nodes: the case this test is about"
    pages, cases = made
    pages.index(DOCS[1])
    cases.upsert(7, np.arange(1, 17, dtype=np.float32))
    pages.reindex([DOCS[1], DOCS[2]])  # a reindex's new version too
    names = [pages.current_index(), *cases._conn().indices(f"{cases.alias}-v*")]
    assert len(names) == 2
    for name in names:
        health = _get(f"{url}/_cluster/health/{name}?wait_for_status=green&timeout=20s")
        assert health["status"] == "green", (name, health)
        assert health["unassigned_shards"] == 0
        settings = _get(f"{url}/{name}/_settings")[name]["settings"]["index"]
        assert settings["auto_expand_replicas"] == "0-1"
        assert settings["number_of_replicas"] == "0"  # expanded to what one node holds


def test_a_body_that_sets_its_replicas_keeps_them(url: str) -> None:
    client = ClusterClient(url, 30)
    name = f"dossier-t-{uuid.uuid4().hex[:8]}-v1"
    try:
        assert client.create_with(name, {"settings": {"index": {"number_of_replicas": 0}},
                                         "mappings": {"properties": {"n": {"type": "long"}}}})
        settings = _get(f"{url}/{name}/_settings")[name]["settings"]["index"]
        assert "auto_expand_replicas" not in settings
        assert settings["number_of_replicas"] == "0"
    finally:
        client.delete_index(name)
        client.close()


def test_the_analyser_probe_logs_one_info_line_and_no_warning(
        url: str, caplog: pytest.LogCaptureFixture) -> None:
    client = ClusterClient(url, 30)
    try:
        with caplog.at_level(logging.DEBUG):
            words = word_analyzer(client)
    finally:
        client.close()
    missing = ["ik"] if words == "smartcn" else ["ik", "smartcn"]
    assert words in (None, "smartcn")  # the test nodes: smartcn on OpenSearch, none on ES
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert loud == [], [(r.name, r.getMessage()) for r in loud]
    assert not any(r.exc_info for r in caplog.records)
    ours = [r for r in caplog.records if r.name == "search.cluster"]
    assert [(r.levelno, r.getMessage()) for r in ours] == [(
        logging.INFO, f"search cluster word segmentation: {words or 'none (CJK bigrams only)'}"
                      f" (not installed: {', '.join(missing)})")]
    # each missing plugin's 400 is one DEBUG line naming the analyser
    debug = [r.getMessage() for r in caplog.records if r.name == "models.cluster"]
    assert len(debug) == len(missing) and all("400" in m for m in debug)


def test_the_knn_probe_of_a_node_without_the_plugin_logs_no_warning(
        url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both test nodes have kNN; a plugin that is not there is asked for by another path."""
    import models.cluster

    client = ClusterClient(url, 30)
    try:
        assert client.has_knn()
        monkeypatch.setattr(models.cluster, "KNN_STATS", "/_plugins/_no_such_plugin/stats")
        with caplog.at_level(logging.DEBUG):
            assert client.has_knn() is not client.opensearch  # ES: kNN is core, never asked
    finally:
        client.close()
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert loud == [], [(r.name, r.getMessage()) for r in loud]
    if client.opensearch:
        assert any("no k-NN plugin" in r.getMessage() for r in caplog.records
                   if r.name == "models.cluster")
