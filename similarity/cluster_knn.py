"""Case vectors in the search cluster's kNN index: the similar-case first stage in scale mode.

When the service runs on a search cluster (DOSSIER_SEARCH_URL, DOSSIER_VECTOR_INDEX=auto or
cluster) the dense top-k comes from the cluster instead of a matrix in every API process:
Elasticsearch ``dense_vector`` (HNSW, cosine) or OpenSearch ``knn_vector`` (k-NN plugin,
HNSW on the Lucene engine, cosinesimil). The ``case_vectors`` table stays the source of
truth: the embed stage writes the table, then this index (a cluster outage parks the document
in the outbox, whose flush re-sends its case's vector); ``dossier reindex`` rebuilds it from
the table as a new version behind the alias ``dossier-cases``. Hits are checked against the
table, so a case deleted meanwhile never comes back.

HNSW is approximate: the in-process index (`similarity.vector_index`) is exact. Both engines
score cosine as (1 + cos) / 2; `search` returns the cosine.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable
from typing import Any

import numpy as np

from models.cluster import ClusterClient, Refresh, call, ensure_alias, rebuild
from similarity.vector_index import LazyKeys

ALIAS = "dossier-cases"
MAX_K = 10_000  # both engines' ceiling for k / num_candidates
BULK_CHUNK = 500


def index_body(opensearch: bool, dim: int) -> dict[str, Any]:
    """Settings and mappings of a case-vector index for `dim`-dimensional vectors."""
    if opensearch:
        vector: dict[str, Any] = {
            "type": "knn_vector",
            "dimension": dim,
            "method": {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil"},
        }
        settings: dict[str, Any] = {"index": {"knn": True}}
    else:
        # plain float HNSW: ES 9 would otherwise quantise (int8/bbq) and bend the cosines
        vector = {"type": "dense_vector", "dims": dim, "index": True, "similarity": "cosine",
                  "index_options": {"type": "hnsw"}}
        settings = {}
    return {
        "settings": settings,
        "mappings": {
            "dynamic": "strict",
            "_meta": {"dim": dim},
            "properties": {"case_id": {"type": "long"}, "vector": vector},
        },
    }


def knn_body(opensearch: bool, vector: list[float], k: int) -> dict[str, Any]:
    """The search body for the k nearest cases."""
    candidates = min(MAX_K, max(100, 2 * k))  # HNSW's beam: recall grows with it
    if opensearch:
        query: dict[str, Any] = {"query": {"knn": {"vector": {
            "vector": vector, "k": k, "method_parameters": {"ef_search": candidates}}}}}
    else:
        query = {"knn": {"field": "vector", "query_vector": vector, "k": k,
                         "num_candidates": candidates}}
    return {**query, "size": k, "_source": ["case_id"]}


def _unit(vector: Any) -> list[float]:
    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(v))
    if norm == 0.0:
        raise ValueError("a zero vector has no direction to compare")
    return [float(x) for x in v / norm]


class ClusterKnn:
    """Case vectors on an Elasticsearch 9 / OpenSearch 2 cluster (see the module docstring).

    Nothing is contacted before the first call; the index is made at the first write, when
    the vectors' dimension is known. Connection faults raise SearchUnavailable.
    """

    def __init__(self, url: str, alias: str = ALIAS, refresh: Refresh = "wait_for",
                 timeout: float = 30.0) -> None:
        self.url = url
        self.alias = alias
        self.refresh = refresh
        self.timeout = timeout
        self._lock = threading.Lock()
        self._client: ClusterClient | None = None
        self._ready = False  # the alias exists (made at the first write)
        self._dim: int | None = None  # the dimension of the index behind the alias
        self._supported: bool | None = None

    def __repr__(self) -> str:
        return f"ClusterKnn({self.url!r}, alias={self.alias!r})"

    def _conn(self) -> ClusterClient:
        with self._lock:
            if self._client is None:
                self._client = ClusterClient(self.url, self.timeout)
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
                self._ready = False
                self._dim = None

    def supported(self) -> bool:
        """Whether the cluster can hold the vectors (asked once per process)."""
        if self._supported is None:
            self._supported = call(self._conn().has_knn)
        return self._supported

    def engine(self) -> str:
        """'opensearch 2.19.6' or 'elasticsearch 9.x'."""
        client = self._conn()
        return f"{client.distribution} {client.version}"

    def _exists(self, client: ClusterClient) -> bool:
        return bool(call(client.alias_targets, self.alias))

    def upsert(self, case_id: int, vector: Any) -> None:
        """Insert or replace a case's vector; searchable once the call returns."""
        vec = _unit(vector)
        client = self._conn()
        if not self._ready:
            body = index_body(client.opensearch, len(vec))
            ensure_alias(client, self.alias, lambda name, aliases: client.create_with(
                name, body, aliases))
            self._dim = int(call(client.index_meta, self.alias).get("dim") or len(vec))
            self._ready = True
        if len(vec) != self._dim:  # another embedding model: retrying cannot help, rebuilding can
            raise ValueError(f"case {case_id}: a {len(vec)}-d vector for the {self._dim}-d kNN"
                             " index; run `dossier reindex` after re-embedding")
        call(client.put, self.alias, str(case_id), {"case_id": int(case_id), "vector": vec},
              self.refresh)

    def delete(self, case_id: int) -> None:
        client = self._conn()
        if self._exists(client):
            call(client.delete, self.alias, str(case_id), self.refresh)

    def count(self) -> int:
        client = self._conn()
        return call(client.count, self.alias) if self._exists(client) else 0

    def rebuild(self, items: Iterable[tuple[int, Any]], dim: int) -> str:
        """A new version from (case id, vector) pairs, then the alias switch; the name."""
        client = self._conn()
        body = index_body(client.opensearch, dim)

        def load(name: str) -> None:
            ops: list[dict[str, Any]] = []
            for case_id, vector in items:
                vec = _unit(vector)
                if len(vec) != dim:
                    raise ValueError(f"case {case_id}: {len(vec)}-d vector, index is {dim}-d")
                ops += [{"index": {"_index": name, "_id": str(case_id)}},
                        {"case_id": int(case_id), "vector": vec}]
                if len(ops) >= 2 * BULK_CHUNK:
                    self._bulk(client, ops)
                    ops = []
            if ops:
                self._bulk(client, ops)

        new = rebuild(client, self.alias, lambda name: client.create_with(name, body), load)
        self._ready, self._dim = True, dim
        return new

    @staticmethod
    def _bulk(client: ClusterClient, ops: list[dict[str, Any]]) -> None:
        resp = call(client.bulk, ops, False)
        if resp.get("errors"):
            failed = [i["index"] for i in resp.get("items", []) if "error" in i["index"]]
            raise RuntimeError(f"bulk vector indexing failed: {failed[:3]}")

    def search(
        self,
        vector: Any,
        k: int,
        *,
        exclude: Collection[int] = (),
        allowed: Collection[int] | LazyKeys | None = None,
        exists: Any = None,
    ) -> list[tuple[int, float]]:
        """Top-k (case id, cosine) best first, skipping `exclude` and cases not `allowed`.

        `exists(ids) -> set` keeps only cases still in the source of truth. The cluster is
        asked for more neighbours (x4, up to MAX_K) while filters leave fewer than k.
        """
        if k <= 0:
            return []
        client = self._conn()
        if not self._exists(client):
            return []
        vec = _unit(vector)
        take = min(MAX_K, 2 * (k + len(exclude)) + 32)
        while True:
            resp = call(client.search, self.alias, knn_body(client.opensearch, vec, take))
            raw = [(int(h["_source"]["case_id"]), 2.0 * float(h["_score"]) - 1.0)
                   for h in resp["hits"]["hits"]]
            ids = [cid for cid, _ in raw if cid not in exclude]
            ok: Any = allowed
            if isinstance(allowed, LazyKeys):
                ok = allowed.allowed_among(ids)
            live = exists(ids) if exists is not None else None
            out = [(cid, score) for cid, score in raw
                   if cid not in exclude and (ok is None or cid in ok)
                   and (live is None or cid in live)]
            if len(out) >= k or len(raw) < take or take >= MAX_K:
                return out[:k]
            take = min(MAX_K, 4 * take)
