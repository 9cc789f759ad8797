"""VectorIndex: exact cosine search, upsert/remove bookkeeping and atomic persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from similarity.vector_index import VectorIndex


def _unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


@pytest.fixture()
def index() -> VectorIndex:
    idx = VectorIndex(3)
    idx.upsert(1, [1, 0, 0])
    idx.upsert(2, [0, 1, 0])
    idx.upsert(3, [1, 1, 0])
    idx.upsert(4, [0, 0, 5])  # not unit: stored normalised
    return idx


def test_search_orders_by_cosine(index: VectorIndex) -> None:
    hits = index.search([1, 0.1, 0], 3)
    assert [k for k, _ in hits] == [1, 3, 2]
    assert hits[0][1] == pytest.approx(float(_unit(1, 0.1, 0) @ _unit(1, 0, 0)), abs=1e-6)
    assert all(a[1] >= b[1] for a, b in zip(hits, hits[1:], strict=False))


def test_vectors_are_normalised(index: VectorIndex) -> None:
    stored = index.get(4)
    assert stored is not None
    assert np.allclose(stored, [0, 0, 1])
    (key, score), *_ = index.search([0, 0, 0.001], 1)
    assert key == 4 and score == pytest.approx(1.0, abs=1e-6)


def test_upsert_replaces(index: VectorIndex) -> None:
    index.upsert(1, [0, 0, 1])
    assert len(index) == 4
    top = index.search([0, 0, 1], 2)
    assert {k for k, _ in top} == {1, 4}
    assert index.search([1, 0, 0], 1)[0][0] == 3


def test_remove(index: VectorIndex) -> None:
    assert index.remove(1) is True
    assert index.remove(1) is False
    assert len(index) == 3 and 1 not in index
    assert [k for k, _ in index.search([1, 0, 0], 10)] == [3, 2, 4]  # 2 and 4 tie at 0
    # the row moved into the hole still answers correctly
    assert index.search([0, 0, 1], 1)[0][0] == 4
    index.upsert(1, [1, 0, 0])
    assert index.search([1, 0, 0], 1)[0][0] == 1


def test_exclude_and_allowed(index: VectorIndex) -> None:
    q = [1, 0.1, 0]
    assert [k for k, _ in index.search(q, 2, exclude={1})] == [3, 2]
    assert [k for k, _ in index.search(q, 5, allowed={2, 4, 99})] == [2, 4]
    assert [k for k, _ in index.search(q, 5, allowed={1, 2, 3}, exclude={1})] == [3, 2]
    assert index.search(q, 5, allowed=set()) == []
    assert index.search(q, 5, allowed={1}, exclude={1}) == []


def test_k_bounds_and_ties() -> None:
    idx = VectorIndex(2)
    for key in (5, 3, 9, 1):
        idx.upsert(key, [1, 0])
    assert [k for k, _ in idx.search([1, 0], 2)] == [1, 3]  # ties: smaller key first
    assert len(idx.search([1, 0], 100)) == 4
    assert idx.search([1, 0], 0) == []


def test_empty_index(tmp_path: Path) -> None:
    idx = VectorIndex(4)
    assert len(idx) == 0
    assert idx.search([1, 0, 0, 0], 5) == []
    assert idx.remove(7) is False
    path = tmp_path / "empty.npz"
    idx.save(path)
    loaded = VectorIndex.load(path)
    assert loaded.dim == 4 and len(loaded) == 0
    loaded.upsert(7, [0, 1, 0, 0])
    assert loaded.search([0, 1, 0, 0], 1)[0][0] == 7


def test_save_load_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    idx = VectorIndex(8)
    vecs = rng.normal(size=(50, 8)).astype(np.float32)
    idx.upsert_many(range(100, 150), vecs)
    idx.remove(120)
    path = tmp_path / "sub" / "index.npz"
    idx.save(path)
    idx.save(path)  # overwriting goes through os.replace too
    assert sorted(p.name for p in path.parent.iterdir()) == ["index.npz"]  # no temp left over
    loaded = VectorIndex.load(path)
    assert len(loaded) == 49 and loaded.dim == 8
    assert sorted(loaded.keys()) == sorted(idx.keys())
    for q in rng.normal(size=(5, 8)):
        assert loaded.search(q, 10) == idx.search(q, 10)


def test_rejects_bad_input() -> None:
    idx = VectorIndex(3)
    with pytest.raises(ValueError):
        idx.upsert(1, [1, 0])
    with pytest.raises(ValueError):
        idx.upsert(1, [0, 0, 0])
    with pytest.raises(TypeError):
        idx.upsert("1", [1, 0, 0])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        VectorIndex(0)


def test_whole_matrix_path_matches_scoring_only_allowed_rows() -> None:
    """With a large `allowed` set the index scores every row and skips the rest; results,
    order and tie-breaks equal those of scoring only the allowed rows (the small-set path)."""
    rng = np.random.default_rng(3)
    idx = VectorIndex(8)
    base = rng.normal(size=(40, 8))
    for key in range(1, 401):  # many exact duplicates: ties broken by the smaller key
        idx.upsert(key * 7 % 401, base[key % 40])
    q = rng.normal(size=8)
    stored = idx.keys()
    everything = set(stored)
    for allowed in (None, everything - {5, 12}, set(list(everything)[::2])):
        for k in (1, 9, 50, 400):
            exclude = {idx.search(q, 1)[0][0], 33}
            fast = idx.search(q, k, exclude=exclude, allowed=allowed)
            # reference: brute force over the allowed rows, ordered by (-score, key)
            keys = [x for x in stored if x not in exclude
                    and (allowed is None or x in allowed)]
            scores = {x: float(idx.get(x) @ (q / np.linalg.norm(q))) for x in keys}
            ref = sorted(keys, key=lambda x: (-round(scores[x], 5), x))[:k]
            assert [x for x, _ in fast] == ref
    assert idx.search(q, 10, allowed={1, 2})  # a small set takes the row-subset path
    assert [x for x, _ in idx.search(q, 5, allowed=set())] == []


def test_scoring_runs_on_one_blas_thread_and_gives_the_threads_back() -> None:
    """The matrix-vector product is limited to one BLAS thread (see the module doc); the limit
    must not leak into the rest of the process (the embedding model, other numpy work)."""
    from threadpoolctl import threadpool_info

    from similarity import vector_index

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    seen: list[list[int]] = []
    real = vector_index._one_blas_thread

    def spy() -> object:
        limit = real()
        seen.append(blas_threads())
        return limit

    idx = VectorIndex(4)
    for k in range(1, 50):
        idx.upsert(k, [float(k), 1.0, 0.0, 0.0])
    vector_index._one_blas_thread = spy
    try:
        assert idx.search([1, 1, 0, 0], 3)[0][0] == 1
        assert idx.search([1, 1, 0, 0], 3, allowed={2, 3, 4, 5})[0][0] == 2
    finally:
        vector_index._one_blas_thread = real
    assert seen and all(n == [1] * len(n) for n in seen)
    assert blas_threads() == before
