"""The search cluster connection shared by the page index (search.cluster) and the case-vector
kNN index (similarity.cluster_knn): Elasticsearch 8/9 or OpenSearch 2, chosen by probing ``GET /``,
behind one small adapter, plus the versioned-index-behind-an-alias plumbing both indexes use.

It lives with the data pool because both stages keep derived data on the same cluster and a
stage never imports another stage. A connection failure (or 429/502/503/504) raises
SearchUnavailable, so a worker retries and the outbox keeps the work.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, Literal, TypeVar

log = logging.getLogger(__name__)

RETRY_STATUS = {429, 502, 503, 504}
KNN_STATS = "/_plugins/_knn/stats"  # answers where OpenSearch has the k-NN plugin
AUTO_EXPAND_REPLICAS = "0-1"  # a replica where there is a second node to hold it
_VERSIONED = re.compile(r"-v(\d+)$")

Refresh = bool | Literal["wait_for"]
T = TypeVar("T")


class SearchUnavailable(ConnectionError):
    """The search engine cannot be reached now; indexing is retried later."""


class ClusterClient:
    """The few index operations the backend needs, on opensearch-py or elasticsearch."""

    def __init__(self, url: str, timeout: float) -> None:
        from opensearchpy import OpenSearch

        probe = OpenSearch(url, timeout=timeout)
        info = call(probe.info)
        version = info.get("version", {})
        self.distribution = str(version.get("distribution") or "elasticsearch")
        self.version = str(version.get("number", "?"))
        self.opensearch = self.distribution == "opensearch"
        self._os: Any = None
        self._es: Any = None
        if self.opensearch:
            self._os = probe
        else:
            probe.close()
            import elasticsearch

            server = int(self.version.split(".")[0]) if self.version[:1].isdigit() else 0
            client = int(elasticsearch.__versionstr__.split(".")[0])
            if server < 8 or client > server:
                # The client sends "compatible-with=<its major>", which an older server rejects.
                raise RuntimeError(
                    f"Elasticsearch {self.version} needs an elasticsearch client of major"
                    f" version {max(server, 8)} (installed: {elasticsearch.__versionstr__});"
                    " supported servers: Elasticsearch 8/9, OpenSearch 2"
                )
            self._es = elasticsearch.Elasticsearch(url, request_timeout=timeout)

    def close(self) -> None:
        (self._os or self._es).close()

    @staticmethod
    def _body(resp: Any) -> Any:
        return getattr(resp, "body", resp)

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        if self._os is not None:
            return dict(self._os.search(index=index, body=body))
        return dict(self._body(self._es.search(index=index, body=body)))

    def count(self, index: str) -> int:
        client = self._os or self._es
        return int(self._body(client.count(index=index))["count"])

    def bulk(self, operations: list[dict[str, Any]], refresh: Refresh) -> dict[str, Any]:
        if self._os is not None:
            return dict(self._os.bulk(body=operations, refresh=refresh))
        return dict(self._body(self._es.bulk(operations=operations, refresh=refresh)))

    def has_knn(self) -> bool:
        """Vector fields with kNN search: core in Elasticsearch 8+, the k-NN plugin's
        ``knn_vector`` in OpenSearch (present when its stats endpoint answers)."""
        if self._os is None:
            return True
        # a node without the plugin answers 400/404/405: expected, so let through (opensearch-py
        # would log it as a WARNING) and logged here as one DEBUG line
        resp = self._os.transport.perform_request("GET", KNN_STATS, ignore=(400, 404, 405))
        if isinstance(resp, dict) and "error" not in resp:
            return True
        log.debug("search cluster has no k-NN plugin (%s: %s)", KNN_STATS,
                  resp.get("error") if isinstance(resp, dict) else resp)
        return False

    def put(self, index: str, doc_id: str, source: dict[str, Any], refresh: Refresh) -> None:
        """Insert or replace one document."""
        if self._os is not None:
            self._os.index(index=index, id=doc_id, body=source, refresh=refresh)
        else:
            self._es.index(index=index, id=doc_id, document=source, refresh=refresh)

    def delete(self, index: str, doc_id: str, refresh: Refresh) -> None:
        client = self._os or self._es
        kwargs: dict[str, Any] = {"index": index, "id": doc_id, "refresh": refresh}
        if self._os is not None:
            client.delete(ignore=404, **kwargs)
        else:
            client.options(ignore_status=404).delete(**kwargs)

    def refresh(self, index: str) -> None:
        (self._os or self._es).indices.refresh(index=index)

    def has_analyzer(self, analyzer: str) -> bool:
        """Whether the cluster runs this analyser (a plugin's, e.g. smartcn or IK), asked
        through ``_analyze``. The 400 of a missing analyser is an expected answer: the client
        is told to let it through (opensearch-py would log each one as a WARNING), and it is
        logged here as one DEBUG line."""
        body = {"analyzer": analyzer, "text": "盗窃"}
        if self._os is not None:
            resp = self._os.indices.analyze(body=body, ignore=400)
        else:
            resp = self._es.options(ignore_status=400).indices.analyze(**body)
        found = dict(self._body(resp))
        if "error" not in found:
            return True
        error = found["error"]
        reason = error.get("reason") if isinstance(error, dict) else error
        log.debug("search cluster has no analyser %s (400: %s)", analyzer, reason)
        return False

    def analyze(self, analyzer: str, text: str) -> dict[str, Any]:
        body = {"analyzer": analyzer, "text": text}
        if self._os is not None:
            return dict(self._os.indices.analyze(body=body))
        return dict(self._body(self._es.indices.analyze(**body)))

    def index_meta(self, index: str) -> dict[str, Any]:
        """The mapping ``_meta`` an index (or the index behind an alias) was built with."""
        client = self._os or self._es
        found = self._body(client.indices.get_mapping(index=index))
        first: dict[str, Any] = next(iter(found.values()), {})
        return dict(first.get("mappings", {}).get("_meta", {}))

    def create_with(
        self, name: str, body: dict[str, Any], aliases: dict[str, Any] | None = None
    ) -> bool:
        """Create an index from a {settings, mappings} body; False when it already exists.

        Unless the body sets its replicas, the index gets ``auto_expand_replicas: 0-1``: one
        replica once the cluster has a second data node, none on a single node (which would
        otherwise stay yellow for ever with an unassignable replica)."""
        body = dict(body)
        settings = dict(body.get("settings") or {})
        index = dict(settings.get("index") or {})
        replicas = ("number_of_replicas", "auto_expand_replicas")
        if not any(k in index or f"index.{k}" in settings or k in settings for k in replicas):
            index["auto_expand_replicas"] = AUTO_EXPAND_REPLICAS
            settings["index"] = index
            body["settings"] = settings
        if aliases:
            body["aliases"] = aliases
        try:
            if self._os is not None:
                self._os.indices.create(index=name, body=body)
            else:
                self._es.indices.create(index=name, **body)
        except Exception as exc:
            if "resource_already_exists" in str(exc):
                return False
            raise
        return True

    def alias_targets(self, alias: str) -> list[str]:
        """Indices behind the alias; [] when there is no such alias."""
        client = self._os or self._es
        exists = self._body(client.indices.exists_alias(name=alias))
        if not exists:
            return []
        return sorted(self._body(client.indices.get_alias(name=alias)).keys())

    def indices(self, pattern: str) -> list[str]:
        client = self._os or self._es
        found = self._body(client.indices.get(index=pattern, allow_no_indices=True))
        return sorted(found.keys())

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        if self._os is not None:
            self._os.indices.update_aliases(body={"actions": actions})
        else:
            self._es.indices.update_aliases(actions=actions)

    def delete_index(self, name: str) -> None:
        client = self._os or self._es
        if self._os is not None:
            client.indices.delete(index=name, ignore=404)
        else:
            client.options(ignore_status=404).indices.delete(index=name)


def status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int):
        status = getattr(getattr(exc, "meta", None), "status", None)
    return status if isinstance(status, int) else None


def _unavailable(exc: BaseException) -> bool:
    """A fault worth retrying later: no connection, a timeout, an overloaded cluster."""
    try:
        import opensearchpy

        if isinstance(exc, opensearchpy.ConnectionError):  # includes ConnectionTimeout
            return True
    except ImportError:  # pragma: no cover - opensearch-py is a dependency
        pass
    try:
        import elastic_transport

        if isinstance(exc, elastic_transport.ConnectionError | elastic_transport.ConnectionTimeout):
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(exc, ConnectionError | TimeoutError) or status_of(exc) in RETRY_STATUS


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return fn(*args, **kwargs)
    except SearchUnavailable:
        raise
    except Exception as exc:
        if _unavailable(exc):
            raise SearchUnavailable(f"search cluster unavailable: {exc}") from exc
        raise


# -- versioned indices behind an alias (pages in search.cluster, case vectors in similarity.cluster_knn)


def alias_versions(client: ClusterClient, alias: str) -> list[tuple[int, str]]:
    """(n, name) of the indices ``{alias}-v{n}``, oldest first."""
    out = []
    for name in call(client.indices, f"{alias}-v*"):
        m = _VERSIONED.search(name)
        if m and name == f"{alias}-v{m.group(1)}":
            out.append((int(m.group(1)), name))
    return sorted(out)


def ensure_alias(client: ClusterClient, alias: str, create: Callable[[str, dict[str, Any]], bool]
                 ) -> None:
    """First start: ``{alias}-v1`` made by `create(name, aliases)`, or the newest existing
    version (an alias lost by hand) put back behind the alias."""
    if call(client.alias_targets, alias):
        return
    versions = alias_versions(client, alias)
    if versions:
        call(client.update_aliases, [{"add": {"index": versions[-1][1], "alias": alias}}])
        return
    name = f"{alias}-v1"
    # False: another process made it at the same moment (and may not have aliased it yet).
    if not call(create, name, {alias: {}}) and not call(client.alias_targets, alias):
        call(client.update_aliases, [{"add": {"index": name, "alias": alias}}])


def rebuild(client: ClusterClient, alias: str, create: Callable[[str], Any],
            load: Callable[[str], Any]) -> str:
    """The next version: `create(name)`, `load(name)` (dropped again if that fails), refresh,
    then the atomic alias switch. Returns the new index name."""
    versions = alias_versions(client, alias)
    new = f"{alias}-v{(versions[-1][0] if versions else 0) + 1}"
    call(create, new)
    try:
        load(new)
        call(client.refresh, new)
    except BaseException:
        call(client.delete_index, new)
        raise
    switch_alias(client, alias, new)
    return new


def switch_alias(client: ClusterClient, alias: str, new: str) -> None:
    """Point the alias at `new` in one atomic call, then drop every other version."""
    old = call(client.alias_targets, alias)
    actions: list[dict[str, Any]] = [{"remove": {"index": o, "alias": alias}} for o in old]
    actions.append({"add": {"index": new, "alias": alias}})
    call(client.update_aliases, actions)
    for _, name in alias_versions(client, alias):
        if name != new:
            call(client.delete_index, name)
