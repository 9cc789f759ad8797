"""Full-text search over dossier pages, behind one protocol whatever the engine.

The embedded SQLite FTS5 engine is the default (nothing to run); an Elasticsearch/OpenSearch
URL selects the cluster backend (search.cluster.ClusterSearch) when the service is scaled out.
"""

from __future__ import annotations

from pathlib import Path

from search.base import (
    IndexDoc,
    QuerySyntaxError,
    SearchBackend,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from search.embedded import EmbeddedSearch

__all__ = [
    "EmbeddedSearch",
    "IndexDoc",
    "QuerySyntaxError",
    "SearchBackend",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "get_backend",
]


def get_backend(url: str | None, data_dir: Path, prefix: str = "dossier") -> SearchBackend:
    """The backend named by the search URL setting: empty or "embedded" for the default; on a
    cluster the index alias is ``{prefix}-pages``."""
    if not url or url == "embedded":
        return EmbeddedSearch(Path(data_dir) / "search" / "index.sqlite")
    if url.startswith(("http://", "https://")):
        from search.cluster import ClusterSearch  # imports the cluster clients only when used

        return ClusterSearch(url, alias=f"{prefix}-pages")
    raise ValueError(f"unknown search backend {url!r}: use 'embedded' or an http(s) URL")
