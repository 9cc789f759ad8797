"""The cluster's kNN index of case vectors (scale mode), on real Elasticsearch 9 and OpenSearch
2 nodes (tests.support.env.CLUSTERS), held to the exact in-process VectorIndex.

The vectors here are seeded random points around a few centres (the store's mechanics: order,
filters, widening, versions); real judgments go through the kNN index end to end in
test_sentencing_api.py's cluster variants.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import numpy as np
import pytest

from search.base import SearchUnavailable
from similarity.cluster_knn import ClusterKnn
from similarity.vector_index import VectorIndex
from tests.support.env import CLUSTERS, cluster_url, free_port

DIM = 64
N = 300


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(6, DIM))
    return (centres[rng.integers(0, 6, N)] + 0.6 * rng.normal(size=(N, DIM))).astype(np.float32)


@pytest.fixture(params=list(CLUSTERS))
def knn(request: pytest.FixtureRequest) -> Iterator[ClusterKnn]:
    store = ClusterKnn(cluster_url(str(request.param)), alias=f"t-cases-{uuid.uuid4().hex[:8]}",
                       refresh=True)  # each write searchable at once, without waiting 1 s
    yield store
    client = store._conn()
    for name in client.indices(f"{store.alias}-v*"):
        client.delete_index(name)
    store.close()


def _exact(vectors: np.ndarray) -> VectorIndex:
    index = VectorIndex(DIM)
    index.upsert_many(range(1, N + 1), vectors)
    return index


class Only:
    """A LazyKeys: membership answered per batch, as models.visibility.VisibleCases does."""

    def __init__(self, keys: set[int]) -> None:
        self.keys, self.asked = keys, 0

    def allowed_among(self, keys: list[int]) -> set[int]:
        self.asked += 1
        return self.keys.intersection(keys)


def test_neighbours_and_cosines_match_the_exact_index(knn: ClusterKnn,
                                                      vectors: np.ndarray) -> None:
    assert knn.supported()  # ES: dense_vector in core; OpenSearch: the k-NN plugin answers
    assert knn.search(vectors[0], 5) == []  # nothing indexed yet: no index, no error
    for i, v in enumerate(vectors, start=1):
        knn.upsert(i, v)
    assert knn.count() == N
    exact = _exact(vectors)
    for q in (0, 17, 123, 299):
        got = knn.search(vectors[q], 10)
        want = exact.search(vectors[q], 10)
        assert [k for k, _ in got] == [k for k, _ in want]
        assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-4)
        assert got[0][0] == q + 1  # a case is its own nearest neighbour


def test_filters_widen_the_search_until_k_are_found(knn: ClusterKnn,
                                                    vectors: np.ndarray) -> None:
    knn.rebuild(((i, v) for i, v in enumerate(vectors, start=1)), DIM)
    exact = _exact(vectors)
    far = [k for k, _ in exact.search(-vectors[0], 3)]  # the three least similar cases
    lazy = Only(set(far) | {1})
    got = knn.search(vectors[0], 3, exclude={1}, allowed=lazy)
    assert [k for k, _ in got] == [k for k, _ in exact.search(vectors[0], 3, allowed=set(far))]
    assert lazy.asked >= 2  # the first batch held none of them: asked again, wider
    alive = set(range(1, N + 1)) - {2, 3}
    got = knn.search(vectors[1], 5, allowed=set(range(1, 50)),
                     exists=lambda ids: alive.intersection(ids))
    assert {k for k, _ in got}.isdisjoint({2, 3}) and len(got) == 5
    assert all(k < 50 for k, _ in got)


def test_rebuild_switches_the_alias_and_drops_the_old_version(knn: ClusterKnn,
                                                              vectors: np.ndarray) -> None:
    knn.upsert(1, vectors[0])
    first = knn._conn().alias_targets(knn.alias)
    new = knn.rebuild(((i, v) for i, v in enumerate(vectors[:40], start=1)), DIM)
    assert new == f"{knn.alias}-v2" and first == [f"{knn.alias}-v1"]
    assert knn._conn().indices(f"{knn.alias}-v*") == [new]
    assert knn.count() == 40
    knn.delete(40)
    assert knn.count() == 39 and 40 not in {k for k, _ in knn.search(vectors[39], 5)}
    with pytest.raises(ValueError, match="32-d vector, index is 64-d"):
        knn.rebuild([(1, vectors[0][:32])], DIM)
    assert knn._conn().alias_targets(knn.alias) == [new]  # a failed rebuild changes nothing
    assert knn._conn().indices(f"{knn.alias}-v*") == [new]


def test_a_vector_of_another_model_is_refused_until_a_rebuild(knn: ClusterKnn,
                                                             vectors: np.ndarray) -> None:
    """A model change (another dimension) cannot go into the old index: a clear error, the
    index unchanged; the rebuild from the table makes an index of the new dimension."""
    knn.upsert(1, vectors[0])
    with pytest.raises(ValueError, match="32-d vector for the 64-d kNN index"):
        knn.upsert(2, vectors[1][:32])
    assert knn.count() == 1
    knn.rebuild([(2, vectors[1][:32])], 32)
    knn.upsert(3, vectors[2][:32])
    assert [k for k, _ in knn.search(vectors[2][:32], 2)] == [3, 2]


def test_an_unreachable_cluster_raises_search_unavailable(vectors: np.ndarray) -> None:
    store = ClusterKnn(f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(SearchUnavailable):
        store.upsert(1, vectors[0])
    with pytest.raises(SearchUnavailable):
        store.search(vectors[0], 3)
    store.close()
