"""DOSSIER_VECTOR_INDEX / DOSSIER_SEARCH_PREFIX: which dense index similar cases use, and a
clear error for a setting that cannot work."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from models.settings import Settings


def test_auto_follows_the_search_url() -> None:
    assert not Settings(search_url=None).cluster_vectors
    assert not Settings(search_url="embedded").cluster_vectors
    assert Settings(search_url="http://127.0.0.1:9200").cluster_vectors
    assert not Settings(search_url="http://127.0.0.1:9200", vector_index="memory").cluster_vectors


def test_cluster_without_a_cluster_is_refused() -> None:
    with pytest.raises(ValidationError, match="DOSSIER_VECTOR_INDEX=cluster needs"):
        Settings(vector_index="cluster", search_url=None)
    with pytest.raises(ValidationError, match="vector_index"):
        Settings(vector_index="faiss")  # type: ignore[arg-type]


def test_the_prefix_must_be_a_valid_index_name() -> None:
    assert Settings(search_prefix="court-hz_2").search_prefix == "court-hz_2"
    for bad in ("Dossier", "-x", "a/b", "", "x" * 42):
        with pytest.raises(ValidationError, match="search_prefix"):
            Settings(search_prefix=bad)


def test_a_cluster_without_knn_leaves_auto_in_memory_and_fails_cluster(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An OpenSearch without the k-NN plugin (the test nodes both have kNN, so its answer is
    stubbed here; the real probe is `ClusterClient.has_knn`, run against both nodes)."""
    from services import engines
    from similarity.cluster_knn import ClusterKnn

    monkeypatch.setattr(ClusterKnn, "supported", lambda self: False)
    engines.reset()
    try:
        url = "http://127.0.0.1:1"
        assert engines.cluster_knn(Settings(search_url=url)) is None
        with pytest.raises(RuntimeError, match="needs the k-NN plugin"):
            engines.cluster_knn(Settings(search_url=url, vector_index="cluster"))
    finally:
        engines.reset()
