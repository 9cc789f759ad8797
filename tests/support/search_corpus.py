"""The ten real judgments (extraction gold set) both search engines are held to, what a search
over them must find, and backends of every engine to hold them (a cluster backend on an alias of
its own, dropped after use)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

from extraction import citations
from search.analysis import is_cjk, normalize
from search.base import IndexDoc, SearchBackend, SearchQuery, SearchResult
from search.embedded import EmbeddedSearch
from tests.support.env import GOLD

PAGE_CHARS = 700
# document_id -> (gold text, case_id, agency, shared_with); documents 2 and 4 are one case.
CORPUS = {
    1: ("judge-7a72757b-fa1a-492f-b9f7-0292c758b8ee", 1, "A", []),
    2: ("judge-ae1a4ecd-4481-4e17-88b5-15706738a903", 2, "A", []),
    3: ("lecard-12174", 3, "A", []),
    4: ("lecard-34146", 2, "A", []),
    5: ("judge-13ce3eaf-019f-4afd-973e-356a912bc419", 5, "A", []),
    6: ("lecard-27689", 6, "B", []),
    7: ("lecard-17119", 7, "B", ["A"]),
    8: ("lecard-22797", 8, "B", []),
    9: ("lecard-19303", 9, "B", []),
    10: ("lecard-25330", 10, "C", []),
}


def load(document_id: int) -> IndexDoc:
    name, case_id, agency, shared = CORPUS[document_id]
    return load_gold(document_id, name, case_id, agency, shared)


def load_gold(document_id: int, name: str, case_id: int, agency: str,
              shared: list[str]) -> IndexDoc:
    """A gold-set judgment as the index stage would send it (fields from its labels)."""
    text = (GOLD / "texts" / f"{name}.txt").read_text("utf-8")
    label = json.loads((GOLD / "labels" / f"{name}.json").read_text("utf-8"))
    defendants = label["defendants"]
    return IndexDoc(
        document_id=document_id,
        case_id=case_id,
        case_number=label["case_number"],
        filename=f"{name}.pdf",
        doc_type=label["doc_type"],
        court=label["court"],
        agency=agency,
        shared_with=shared,
        charges=sorted({c for d in defendants for c in d["charges"]}),
        date=label["judgment_date"],
        pages=[text[i : i + PAGE_CHARS] for i in range(0, len(text), PAGE_CHARS)],
        parties=[d["name"] for d in defendants],
        # what services.indexing.index_doc derives from the extraction output
        court_level=citations.court_level(label["court"], label["case_number"]),
        trial_stage=citations.trial_stage(label["case_number"], text[:300]),
        articles=citations.criminal_law_articles(text),
    )


DOCS = {i: load(i) for i in CORPUS}


def containing(word: str) -> set[int]:
    """Documents with the word on one page: what a phrase of CJK bigrams must find."""
    w = normalize(word)
    return {i for i, d in DOCS.items() if any(w in normalize(p) for p in d.pages)}


def ids(result: SearchResult) -> list[int]:
    return [h.document_id for h in result.hits]


def find(engine: SearchBackend, q: str = "", **kw: object) -> set[int]:
    result = engine.search(SearchQuery(q=q, size=100, **kw))  # type: ignore[arg-type]
    assert result.total == len(result.hits)
    return set(ids(result))


def unique_phrase(document_id: int, page: int, size: int) -> str:
    """A run of CJK characters from that page that occurs in no other document."""
    text = DOCS[document_id].pages[page - 1]
    for start in range(len(text) - size):
        phrase = text[start : start + size]
        if all(is_cjk(c) for c in phrase) and containing(phrase) == {document_id}:
            return phrase
    raise AssertionError("no unique phrase on that page")


def expected_facets(matched: set[int]) -> dict[str, dict[object, int]]:
    counts: dict[str, dict[object, int]] = {
        name: {} for name in ("charge", "court", "doc_type", "year", "court_level", "trial_stage",
                              "article")}
    for i in matched:
        d = DOCS[i]
        for name, values in (
            ("charge", d.charges),
            ("court", [d.court]),
            ("doc_type", [d.doc_type]),
            ("year", [d.year]),
            ("court_level", [d.court_level]),
            ("trial_stage", [d.trial_stage]),
            ("article", d.articles),
        ):
            for v in values:
                if v is not None:
                    counts[name][v] = counts[name].get(v, 0) + 1
    return counts


def drop_cluster(backend: SearchBackend) -> None:
    """Delete a cluster backend's versioned indices (its alias goes with them)."""
    from search.cluster import ClusterSearch

    assert isinstance(backend, ClusterSearch)
    client = backend._conn()
    for _, name in backend._versions(client):
        client.delete_index(name)
    backend.close()


def cluster_backend(url: str) -> SearchBackend:
    """A cluster backend on an alias of its own, refreshing after each write."""
    from search.cluster import ClusterSearch

    return ClusterSearch(url, alias=f"dossier-t-{uuid.uuid4().hex[:10]}", refresh=True)


class Backends:
    """Makes empty backends of one engine and disposes of them (cluster: drops the index)."""

    def __init__(self, kind: str, url: str | None, tmp: Callable[[str], Path]) -> None:
        self.kind, self.url, self.tmp = kind, url, tmp
        self.made: list[SearchBackend] = []

    def make(self) -> SearchBackend:
        if self.url is not None:
            backend = cluster_backend(self.url)
        else:
            backend = EmbeddedSearch(self.tmp("search") / "index.sqlite")
        self.made.append(backend)
        return backend

    def dispose(self, backend: SearchBackend) -> None:
        self.made.remove(backend)
        if self.url is not None:
            drop_cluster(backend)
        else:
            backend.close()


def index_all(backend: SearchBackend, docs: list[IndexDoc]) -> None:
    index_many = getattr(backend, "index_many", None)
    if index_many is not None:
        assert index_many(docs) == len(docs)
    else:
        for doc in docs:
            backend.index(doc)
