"""The search backend protocol and the records it takes and returns.

Workers index through it and the API searches through it without knowing which engine is
behind (embedded SQLite FTS5 by default, Elasticsearch/OpenSearch when scaled out).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from models.cluster import SearchUnavailable

__all__ = ["IndexOutdated", "SearchUnavailable"]

MAX_PAGE_SIZE = 100
FACETS = ("charge", "court", "doc_type", "year", "court_level", "trial_stage", "article")


class IndexOutdated(SearchUnavailable):
    """The index was built with an older layout than this code's: searches and writes are
    refused (the outbox keeps the writes) until ``dossier reindex`` rebuilds it. The message
    names the index and the command, in Chinese, for the user."""


@dataclass
class IndexDoc:
    """One document as the index sees it: page texts plus case metadata for filters."""

    document_id: int
    case_id: int
    case_number: str | None
    filename: str
    doc_type: str | None
    court: str | None  # court / procuratorate / police unit name
    agency: str | None  # owning agency code (access scoping)
    shared_with: list[str]  # other agency codes that may see it
    charges: list[str]
    date: str | None  # ISO date of the judgment/decision, year derived from it
    pages: list[str]  # page texts; page n is pages[n-1]
    parties: list[str]  # party names: indexed as whole words too
    # derived by extraction.citations: 基层/中级/高级/最高, 一审/二审/…, 第264条 …
    court_level: str | None = None
    trial_stage: str | None = None
    articles: list[str] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        head = (self.date or "")[:4]
        return int(head) if head.isdigit() and len(head) == 4 else None


@dataclass
class SearchQuery:
    """A search request: the search box text (see search.query) plus facet filters."""

    q: str = ""
    charge: str | None = None
    court: str | None = None
    doc_type: str | None = None
    year: int | None = None
    case_id: int | None = None
    court_level: str | None = None  # 基层 中级 高级 最高
    trial_stage: str | None = None  # 一审 二审 再审 …
    article: str | None = None  # a cited article of the Criminal Law: 第264条, 264, 第二百六十四条
    date_from: str | None = None  # judgment date, inclusive: 2018-03-01, 2018-03 or 2018
    date_to: str | None = None
    agencies: list[str] | None = None  # None = no scoping; else docs whose agency/shared_with hit
    group_by_case: bool = False  # one hit per case (its best document); total counts cases
    sort: Literal["relevance", "date"] = "relevance"
    page: int = 1
    size: int = 10

    def validate(self) -> None:
        """Reject paging a backend should not run (callers map ValueError to HTTP 400)."""
        if self.page < 1:
            raise ValueError("page must be 1 or more")
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise ValueError(f"size must be between 1 and {MAX_PAGE_SIZE}")
        if self.sort not in ("relevance", "date"):
            raise ValueError("sort must be 'relevance' or 'date'")


@dataclass
class SearchHit:
    """One matching document (or a case's best document when grouped by case)."""

    document_id: int
    case_id: int
    filename: str
    score: float
    page: int | None  # the best matching page, 1-based; None when no words were searched
    highlights: list[str]  # HTML snippets of that page, matches in <em>, the rest escaped
    case_number: str | None = None
    doc_type: str | None = None
    court: str | None = None
    date: str | None = None
    charges: list[str] = field(default_factory=list)
    court_level: str | None = None
    trial_stage: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchResult:
    """A page of hits, the total number of matches and facet counts over them.

    An engine may bound its work on frequent words, as Elasticsearch does: then ``total`` is
    a lower bound (``total_relation`` "gte", as ES's ``hits.total.relation``) and the facets
    are counted over a sample of the best matches (``facets_sampled``).
    """

    total: int
    hits: list[SearchHit]
    facets: dict[str, list[dict[str, Any]]]  # {"charge": [{"value": "盗窃罪", "count": 3}], ...}
    total_relation: Literal["eq", "gte"] = "eq"
    facets_sampled: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "total_relation": self.total_relation,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {k: [dict(v) for v in vals] for k, vals in self.facets.items()},
            "facets_sampled": self.facets_sampled,
        }


class QuerySyntaxError(ValueError):
    """The search box text cannot be parsed; the message says where and why."""


@runtime_checkable
class SearchBackend(Protocol):
    def index(self, doc: IndexDoc) -> None:
        """Insert or replace a document (idempotent)."""
        ...

    def delete(self, document_id: int) -> None: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def count(self) -> int:
        """Number of indexed documents."""
        ...

    def clear(self) -> None: ...

    def close(self) -> None: ...
