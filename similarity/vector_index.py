"""In-process cosine vector index over a numpy matrix, persisted as one .npz file.

Why brute force: one court's or procuratorate's case pool is tens of thousands of cases; a
(n x 384) float32 matrix-vector product over 50k rows takes a few milliseconds, is exact, and
needs no native index library. The scale-out deployment uses Elasticsearch/OpenSearch kNN.
The product runs on one BLAS thread (`_one_blas_thread`): it is bound by memory, not arithmetic,
and on a shared 2-core worker OpenBLAS's second thread waits for a core (and spins on it) more
than it helps.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Collection, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class LazyKeys(Protocol):
    """An ``allowed`` set answered on demand (the cases a user may see, ``models.visibility``): asked
    once per batch of candidates instead of being built in full for every search."""

    def allowed_among(self, keys: list[int]) -> set[int]: ...

_FORMAT_VERSION = 1


@lru_cache(maxsize=1)
def _blas() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread() -> Any:
    """numpy's BLAS on one thread for a matrix-vector product (restored after). Paired on the
    100,000-case pool at load ~3 (`benchmarks.sentencing_latency`, same queries in turn), the
    sentencing answer's wall p50 fell by ~30 ms and p95 by ~40 ms."""
    return _blas().limit(limits=1, user_api="blas")


class VectorIndex:
    """Keyed unit vectors; `search` returns the best keys by cosine similarity.

    Rows are L2-normalised on insert, so a dot product is the cosine. Not thread-safe: callers
    that share an index across threads must hold a lock around writes.
    """

    def __init__(self, dim: int) -> None:
        if dim <= 0:
            raise ValueError("dim must be positive")
        self.dim = int(dim)
        self._matrix = np.zeros((16, self.dim), dtype=np.float32)
        self._keys: list[int] = []
        self._rows: dict[int, int] = {}
        self._key_array: np.ndarray | None = None  # np view of _keys, rebuilt after changes

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def keys(self) -> list[int]:
        """Keys in storage order."""
        return list(self._keys)

    def _unit(self, vec: object) -> np.ndarray:
        v = np.asarray(vec, dtype=np.float32).reshape(-1)
        if v.shape[0] != self.dim:
            raise ValueError(f"vector has {v.shape[0]} values, index dim is {self.dim}")
        norm = float(np.linalg.norm(v))
        if not np.isfinite(norm) or norm == 0.0:
            raise ValueError("cannot index a zero or non-finite vector")
        return v / norm

    def get(self, key: int) -> np.ndarray | None:
        """The stored (unit) vector of `key`, or None."""
        row = self._rows.get(key)
        return None if row is None else self._matrix[row].copy()

    def upsert(self, key: int, vec: object) -> None:
        """Insert or replace the vector of `key` (re-embedding a case replaces its row)."""
        key = _as_key(key)
        v = self._unit(vec)
        row = self._rows.get(key)
        if row is None:
            row = len(self._keys)
            if row == self._matrix.shape[0]:
                grown = np.zeros((max(16, 2 * row), self.dim), dtype=np.float32)
                grown[:row] = self._matrix[:row]
                self._matrix = grown
            self._keys.append(key)
            self._rows[key] = row
            self._key_array = None
        self._matrix[row] = v

    def upsert_many(self, keys: Iterable[int], vecs: object) -> None:
        """Upsert rows of a (n, dim) matrix under `keys`, in order."""
        mat = np.asarray(vecs, dtype=np.float32).reshape(-1, self.dim)
        keys = list(keys)
        if len(keys) != mat.shape[0]:
            raise ValueError(f"{len(keys)} keys for {mat.shape[0]} vectors")
        for key, vec in zip(keys, mat, strict=True):
            self.upsert(key, vec)

    def remove(self, key: int) -> bool:
        """Drop `key`; returns False when it was absent. The last row fills the hole."""
        row = self._rows.pop(key, None)
        if row is None:
            return False
        last = len(self._keys) - 1
        if row != last:
            moved = self._keys[last]
            self._matrix[row] = self._matrix[last]
            self._keys[row] = moved
            self._rows[moved] = row
        self._keys.pop()
        self._key_array = None
        return True

    def search(
        self,
        vec: object,
        k: int,
        *,
        exclude: set[int] | None = None,
        allowed: Collection[int] | None = None,
    ) -> list[tuple[int, float]]:
        """Top-`k` (key, cosine) pairs, best first; ties broken by smaller key.

        `allowed` restricts the search to those keys (e.g. the cases a user may see, or a
        candidate pool); `exclude` drops keys (e.g. the query case itself).
        """
        if k <= 0 or not self._keys:
            return []
        q = self._unit(vec)
        if allowed is None or _size(allowed) * 4 >= len(self._keys):
            return self._search_all(q, k, exclude or set(), allowed)
        rows = np.fromiter(
            (self._rows[key] for key in allowed if key in self._rows), dtype=np.int64
        )
        rows.sort()
        if exclude:
            drop = np.fromiter(
                (self._rows[key] for key in exclude if key in self._rows), dtype=np.int64
            )
            rows = rows[~np.isin(rows, drop)]
        if rows.size == 0:
            return []
        with _one_blas_thread():
            scores = self._matrix[rows] @ q
        keys = self._keys_np()[rows]
        if k < rows.size:
            # keep everything tied with the k-th score so the tie-break below is exact
            kth = np.partition(scores, rows.size - k)[rows.size - k]
            keep = scores >= kth
            scores, keys = scores[keep], keys[keep]
        order = np.lexsort((keys, -scores))[:k]
        return [(int(keys[i]), float(scores[i])) for i in order]

    def _keys_np(self) -> np.ndarray:
        if self._key_array is None:  # every change of _keys resets it
            self._key_array = np.asarray(self._keys, dtype=np.int64)
        return self._key_array

    def _search_all(
        self, q: np.ndarray, k: int, exclude: set[int], allowed: Collection[int] | None
    ) -> list[tuple[int, float]]:
        """`search` when (nearly) every row may be returned: score the whole matrix at once,
        then walk the best rows in order and skip excluded / not allowed keys, widening the
        candidate set when too many were skipped. Exact, same order and ties as scoring only
        the allowed rows."""
        n = len(self._keys)
        with _one_blas_thread():
            scores = self._matrix[:n] @ q
        keys = self._keys_np()
        take = min(n, 2 * (k + len(exclude)) + 32)
        while True:
            if take < n:
                # every row tied with the take-th best score, so the tie-break stays exact
                kth = np.partition(scores, n - take)[n - take]
                cand = np.flatnonzero(scores >= kth)
            else:
                cand = np.arange(n)
            order = cand[np.lexsort((keys[cand], -scores[cand]))]
            ok = allowed
            if isinstance(allowed, LazyKeys):  # one question for the whole batch
                ok = allowed.allowed_among([int(keys[row]) for row in order.tolist()])
            out: list[tuple[int, float]] = []
            for row in order.tolist():
                key = int(keys[row])
                if key in exclude or (ok is not None and key not in ok):
                    continue
                out.append((key, float(scores[row])))
                if len(out) == k:
                    return out
            if take >= n:
                return out
            take = min(n, 4 * take)

    def save(self, path: str | Path) -> None:
        """Write keys and matrix atomically (temp file in the same folder, then os.replace)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    version=np.int64(_FORMAT_VERSION),
                    dim=np.int64(self.dim),
                    keys=np.asarray(self._keys, dtype=np.int64),
                    matrix=self._matrix[: len(self._keys)],
                )
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path: str | Path) -> VectorIndex:
        """Read an index written by `save`."""
        with np.load(Path(path), allow_pickle=False) as data:
            version = int(data["version"])
            if version != _FORMAT_VERSION:
                raise ValueError(f"{path}: unsupported index format {version}")
            index = cls(int(data["dim"]))
            keys = [int(k) for k in data["keys"]]
            matrix = np.asarray(data["matrix"], dtype=np.float32).reshape(len(keys), index.dim)
        if len(set(keys)) != len(keys):
            raise ValueError(f"{path}: duplicate keys")
        index._matrix = np.array(matrix, dtype=np.float32, copy=True)
        if index._matrix.shape[0] == 0:
            index._matrix = np.zeros((16, index.dim), dtype=np.float32)
        index._keys = keys
        index._rows = {key: row for row, key in enumerate(keys)}
        index._key_array = None
        return index


def _size(allowed: Collection[int]) -> int:
    """How many keys `allowed` holds, or its own estimate (`size_hint`, e.g. the cases a user
    sees, counted once a minute): it only chooses how to search; both ways are exact (their
    cosines may differ in float32's last bit: the whole matrix or its rows times the query)."""
    hint = getattr(allowed, "size_hint", None)
    return int(hint()) if callable(hint) else len(allowed)


def _as_key(key: object) -> int:
    if isinstance(key, bool) or not isinstance(key, int | np.integer):
        raise TypeError(f"index keys are ints, got {type(key).__name__}")
    return int(key)
