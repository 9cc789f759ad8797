"""The cluster backend: Elasticsearch 8/9 or OpenSearch 2, chosen by probing ``GET /``.

OpenSearch is spoken to through ``opensearch-py``, Elasticsearch through ``elasticsearch``;
both get the same index, mappings, analysers and queries.

Index layout: one index document per dossier document, its pages as ``nested`` objects
(page number, text, whole-word terms). That keeps the embedded engine's semantics exactly:
boolean logic is evaluated per document (a word on page 1 AND a word on page 3 match), totals,
facets (``terms`` aggregations) and ``collapse`` on ``case_id`` count documents, not pages, with
no approximation; the ranking is the BM25 of the best page (nested ``score_mode: max``) and the
best page comes back as a nested inner hit, which gives the hit's page number and the text that
the highlights are cut from.

Analysis: each page is tokenised by search.analysis, exactly as for the embedded engine
(bigrams of every CJK, digit and Latin run with the run's first and last character as
unigrams), and ``pages.body`` receives those tokens space-separated, indexed by a whitespace
analyser; a query word is the ``match_phrase`` of its query_tokens, one character a prefix
query on the tokens. The engines' own ``cjk_bigram`` would drop a query's edge character
(the 日 of 2018年7月21日 never meets the bigram 日止 of the text) unless it emitted every
character as a unigram too, which costs far more than edge unigrams; with the tokens made in
one place the three engines match the same pages for any mix of Chinese, digits, Latin letters
and punctuation. Whole-word terms (the legal dictionary and the document's party names, found
by search.analysis exactly as the embedded engine finds them) go into ``pages.terms``
(whitespace analyser) and weigh twice a bigram phrase in the ranking.

Word segmentation, when the cluster has it: a new index version probes ``_analyze`` for IK
(``ik_max_word``, searched with ``ik_smart``) and then smartcn (``smartcn``), and maps the
first found on ``pages.words``, the NFKC text of the page (named in the index ``_meta``;
without a segmenter the field is not indexed). It only ranks: a query word also scores a phrase
match on the segmented words, so 张三 written as a word beats the same two characters across a
word boundary (扩张|三年), while what matches stays decided by the tokens, identical to the
embedded engine (smartcn keeps 盗窃罪 one word; the bigrams still let 盗窃 find it). A plugin
installed later is picked up by the next ``dossier reindex``.

An index whose ``_meta`` names another mapping or analyser version than this code's (built
before an upgrade) is not searched or written with mismatched tokens: those calls raise
SearchUnavailable (the outbox keeps the writes) until ``dossier reindex`` builds the current
layout.

Scoring within what the user may see: Lucene's BM25 takes its statistics (pages in the
shard, pages holding a word, average page length) from the whole index, every agency's pages
included, so a user's scores would change when another agency uploads, telling them whether
other agencies' dossiers mention a name. An index per agency closes that but costs each node
heap per index (the test nodes tripped their circuit breakers). Instead the scored fields use a
scripted similarity that reads nothing of the collection — only the page's own term frequency
and length and the query's boost (BM25's saturation and length normalisation against a fixed
AVG_PAGE_TOKENS) — and each query word's boost carries its IDF, computed from the pages the user
may see: one aggregation request before the search counts those pages and how many of them hold
each token of the words, and Lucene's IDF of a phrase is the sum of its tokens' (``stats_body``,
``idfs``). Scores, totals and facets then depend on the visible pages only, as
in the embedded engine's per-agency tables; the price is that request (one more round trip).
The script is Painless, a module of every stock OpenSearch and Elasticsearch; a cluster without
it (the Maven-built test nodes) gets the ``boolean`` similarity instead (a matching clause
scores its boost: the visible-pages IDF, without term frequency or page length), named in the
index ``_meta`` as ``scoring`` and shown by ``ClusterSearch.scoring``.

Highlights are made from the best page's text by search.highlight, like the embedded engine's,
so both return the same HTML (escaped, original full-width forms kept, whole words in <em>);
the engine's own highlighter would mark overlapping bigrams separately.

Versioning: the service reads and writes the alias ``dossier-pages``, which points at
``dossier-pages-v{n}``; ``reindex(docs)`` builds v{n+1}, bulk-loads it, moves the alias in one
atomic ``_aliases`` call and drops the old index, so searches never see a missing index.
A connection failure (or 429/502/503/504) raises SearchUnavailable, so a worker retries.
"""

from __future__ import annotations

import copy
import logging
import math
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from models.cluster import (
    RETRY_STATUS,
    ClusterClient,
    Refresh,
    SearchUnavailable,
    alias_versions,
    call,
    ensure_alias,
    rebuild,
    status_of,
)
from search.analysis import ANALYZER_VERSION, analyze_document, normalize
from search.base import (
    FACETS,
    IndexDoc,
    IndexOutdated,
    QuerySyntaxError,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from search.highlight import snippets
from search.query import And, Field, Node, Not, Text, parse, positive_texts, request_filters

log = logging.getLogger(__name__)

FACET_LIMIT = 50
# bump with a mapping change; reindex() then builds the new layout (3: scripted similarity;
# 4: court_level, trial_stage, articles)
MAPPING_VERSION = 4
TERMS_BOOST = 2.0  # whole-word terms against bigram phrases, as the embedded BM25 weights
WORDS_BOOST = 1.0  # a phrase of segmented words (IK/smartcn), on top of its bigram phrase
BULK_CHUNK = 200
MAX_RESULT_WINDOW = 10_000  # the engines' index.max_result_window default


# BM25 without collection statistics (see the module doc): Lucene's form, the IDF coming in
# through query.boost. AVG_PAGE_TOKENS stands for the average page length: about one token a
# character, and a dense scanned page holds 1,500-1,900 characters (LeCaRD cut into pages of
# 1,500: 1,506 tokens on average); K1, B as Lucene's defaults.
# A segmenter's words are fewer: smartcn makes about 0.55 words of a page's tokens.
K1, B, AVG_PAGE_TOKENS, AVG_PAGE_WORDS = 1.2, 0.75, 1500.0, 825.0


def _bm25_script(avg_length: float) -> str:
    return (f"double tf = doc.freq; double norm = {1 - B} + {B} * doc.length / {avg_length};"
            f" return query.boost * tf / (tf + {K1} * norm);")


_TERM_SCRIPT = f"double tf = doc.freq; return query.boost * tf / (tf + {K1});"  # no norms

#: the similarities of the scored fields, per scoring: BM25 against the visible pages' IDF
#: (needs Painless), or that IDF alone
SIMILARITIES: dict[str, dict[str, Any]] = {
    "bm25": {"dossier_page": {"type": "scripted",
                              "script": {"source": _bm25_script(AVG_PAGE_TOKENS)}},
             "dossier_words": {"type": "scripted",
                               "script": {"source": _bm25_script(AVG_PAGE_WORDS)}},
             "dossier_term": {"type": "scripted", "script": {"source": _TERM_SCRIPT}}},
    "boolean": {"dossier_page": {"type": "boolean"}, "dossier_words": {"type": "boolean"},
                "dossier_term": {"type": "boolean"}},
}

SETTINGS: dict[str, Any] = {
    "analysis": {
        "analyzer": {
            # search.analysis tokens (body) and whole-word terms, space-separated
            "dossier_tokens": {"type": "custom", "tokenizer": "whitespace"},
            "dossier_terms": {"type": "custom", "tokenizer": "whitespace"},
        }
    },
}

# Word segmenters a cluster may carry as plugins, in order of preference: the subfield mapping.
WORD_ANALYZERS: dict[str, dict[str, Any]] = {
    "ik": {"type": "text", "analyzer": "ik_max_word", "search_analyzer": "ik_smart",
           "similarity": "dossier_words"},
    "smartcn": {"type": "text", "analyzer": "smartcn", "similarity": "dossier_words"},
}

_KEYWORD = {"type": "keyword"}
MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    # body (tokens) and words (the NFKC text) are indexed but not kept in _source: text has
    # the page as stored, and a reindex reads the data pool, never _source.
    "_source": {"excludes": ["pages.body", "pages.words"]},
    "_meta": {"mapping_version": MAPPING_VERSION, "analyzer": ANALYZER_VERSION},
    "properties": {
        "document_id": {"type": "long"},
        "case_id": {"type": "long"},
        "case_number": _KEYWORD,
        "filename": {"type": "keyword", "index": False},
        "doc_type": _KEYWORD,
        "doc_type_key": _KEYWORD,
        "court": _KEYWORD,
        "court_key": _KEYWORD,
        "agency": _KEYWORD,
        "shared_with": _KEYWORD,
        "charges": _KEYWORD,
        "charge_keys": _KEYWORD,
        "parties": {"type": "keyword", "index": False},
        "date": {"type": "date", "format": "strict_date_optional_time||yyyy-MM-dd"},
        "year": {"type": "integer"},
        "court_level": _KEYWORD,
        "trial_stage": _KEYWORD,
        "articles": _KEYWORD,
        "pages": {
            "type": "nested",
            "properties": {
                "page": {"type": "integer"},
                "text": {"type": "text", "index": False},  # as stored, for highlights
                "body": {"type": "text", "analyzer": "dossier_tokens",  # tokens, searched
                         "similarity": "dossier_page"},
                "words": {"type": "text", "index": False},  # a segmenter's, when there is one
                "terms": {"type": "text", "analyzer": "dossier_terms", "norms": False,
                          "similarity": "dossier_term"},
            },
        },
    },
}


def index_body(words: str | None = None, scoring: str = "bm25") -> dict[str, Any]:
    """Settings and mappings of a new index version; `words` names a WORD_ANALYZERS entry,
    `scoring` a SIMILARITIES entry."""
    mappings = copy.deepcopy(MAPPINGS)
    if words is not None:
        mappings["properties"]["pages"]["properties"]["words"] = WORD_ANALYZERS[words]
        mappings["_meta"]["words"] = words
    mappings["_meta"]["scoring"] = scoring
    return {"settings": SETTINGS | {"similarity": SIMILARITIES[scoring]}, "mappings": mappings}


def _key(value: str | None) -> str | None:
    return None if value is None else normalize(value).strip()


def to_source(doc: IndexDoc, words: bool = True) -> dict[str, Any]:
    """The index document: metadata plus nested pages with their tokens and whole-word terms;
    `words`: also the NFKC text for the word segmenter (any index accepts it)."""
    fields = analyze_document(doc.pages, doc.parties)
    pages = [{"page": n, "text": text, "body": f.body, "terms": f.terms}
             | ({"words": normalize(text)} if words else {})
             for n, (text, f) in enumerate(zip(doc.pages, fields, strict=True), start=1)]
    charges = [c for c in doc.charges if c.strip()]
    return {
        "document_id": doc.document_id,
        "case_id": doc.case_id,
        "case_number": doc.case_number,
        "filename": doc.filename,
        "doc_type": doc.doc_type,
        "doc_type_key": _key(doc.doc_type),
        "court": doc.court,
        "court_key": _key(doc.court),
        "agency": doc.agency,
        "shared_with": list(doc.shared_with),
        "charges": charges,
        "charge_keys": sorted({normalize(c).strip() for c in charges}),
        "parties": list(doc.parties),
        "date": doc.date or None,
        "year": doc.year,
        "court_level": doc.court_level,
        "trial_stage": doc.trial_stage,
        "articles": [a for a in doc.articles if a.strip()],
        "pages": pages,
    }


# -- query compilation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Weight:
    """A word's IDFs among the pages the user may see (``idfs``): of its phrase (the sum of its
    tokens', as Lucene weighs a phrase), of its whole dictionary term, and of its phrase of
    segmented words (pages holding that phrase: a name the segmenter keeps whole is rarer
    as a word than its characters are as bigrams)."""

    phrase: float = 1.0
    term: float = 1.0
    words: float = 1.0


def _page_query(word: Text, scoring: bool = False, words: bool = False,
                weight: Weight = Weight()) -> dict[str, Any]:
    """Query on one nested page for a word: the phrase of its tokens, or the whole dictionary
    term; when scoring on an index with segmented words, their phrase adds to the score.
    ``weight``: the word's IDFs among the pages the user may see (see ``stats_body``); a
    single character keeps a constant score, as Lucene's prefix query."""
    if word.single_char:
        return {"prefix": {"pages.body": {"value": word.tokens[0]}}}
    phrase = " ".join(word.tokens)
    alts: list[dict[str, Any]] = [{"match_phrase": {"pages.body": {"query": phrase,
                                                                   "boost": weight.phrase}}}]
    if len(word.term) >= 2:
        boost = TERMS_BOOST * weight.term if scoring else 1.0
        alts.append({"term": {"pages.terms": {"value": word.term, "boost": boost}}})
    query = alts[0] if len(alts) == 1 else {"bool": {"should": alts, "minimum_should_match": 1}}
    if scoring and words:
        segmented = {"match_phrase": {"pages.words": {"query": normalize(word.text),
                                                       "boost": WORDS_BOOST * weight.words}}}
        return {"bool": {"must": [query], "should": [segmented]}}
    return query


def _wildcard_escape(value: str) -> str:
    return re.sub(r"([\\*?])", r"\\\1", value)


def _field_query(node: Field) -> dict[str, Any]:
    """A document-level filter with the embedded engine's meaning (court/type: substring)."""
    if node.name == "charge":
        keys = [node.value] if node.value.endswith("罪") else [node.value, node.value + "罪"]
        return {"terms": {"charge_keys": keys}}
    if node.name in ("court", "doc_type"):
        return {"wildcard": {f"{node.name}_key": {"value": f"*{_wildcard_escape(node.value)}*"}}}
    if node.name == "year":
        return {"term": {"year": int(node.value)}}
    if node.name in ("court_level", "trial_stage"):
        return {"term": {node.name: node.value}}
    if node.name == "article":
        return {"term": {"articles": node.value}}
    if node.name == "date_from":
        return {"range": {"date": {"gte": node.value, "format": "yyyy-MM-dd"}}}
    if node.name == "date_to":
        return {"range": {"date": {"lte": node.value, "format": "yyyy-MM-dd"}}}
    return {"term": {"case_id": int(node.value)}}


def compile_node(node: Node) -> dict[str, Any]:
    """The query tree as a filter (no scoring): boolean logic per document."""
    if isinstance(node, Text):
        return {"nested": {"path": "pages", "query": _page_query(node)}}
    if isinstance(node, Field):
        return _field_query(node)
    if isinstance(node, Not):
        return {"bool": {"must_not": [compile_node(node.child)]}}
    kids = [compile_node(child) for child in node.children]
    if isinstance(node, And):
        return {"bool": {"filter": kids}}
    return {"bool": {"should": kids, "minimum_should_match": 1}}


def _visible(query: SearchQuery) -> list[dict[str, Any]]:
    """The filter to the documents the query's agencies may see (none: every document)."""
    if query.agencies is None:
        return []
    return [{"bool": {"should": [{"terms": {"agency": list(query.agencies)}},
                                 {"terms": {"shared_with": list(query.agencies)}}],
                      "minimum_should_match": 1}}]


def _counted(words: list[Text]) -> tuple[list[str], list[str]]:
    """The distinct body tokens and dictionary terms whose pages ``stats_body`` counts."""
    tokens = sorted({t for w in words if not w.single_char for t in w.tokens})
    terms = sorted({w.term for w in words if not w.single_char and len(w.term) >= 2})
    return tokens, terms


def _segmented(word: Text) -> dict[str, Any]:
    return {"match_phrase": {"pages.words": {"query": normalize(word.text)}}}


def stats_body(query: SearchQuery, words: list[Text], segmented: bool = False
               ) -> dict[str, Any]:
    """The request counting the pages the user may see and how many of them hold each token
    of the words (and each dictionary term): BM25's IDF statistics taken within what the user
    may see (the query's own filters are not applied, as BM25 takes its statistics from the
    whole collection)."""
    tokens, terms = _counted(words)
    aggs = {f"b{i}": {"filter": {"term": {"pages.body": t}}} for i, t in enumerate(tokens)}
    aggs |= {f"t{i}": {"filter": {"term": {"pages.terms": t}}} for i, t in enumerate(terms)}
    if segmented:
        aggs |= {f"s{i}": {"filter": _segmented(w)} for i, w in enumerate(words)
                 if not w.single_char}
    return {
        "size": 0,
        "track_total_hits": False,
        "query": {"bool": {"filter": _visible(query)}},
        "aggs": {"pages": {"nested": {"path": "pages"}, "aggs": aggs}},
    }


def idfs(stats: dict[str, Any], words: list[Text]) -> list[Weight]:
    """Each word's Weight from a ``stats_body`` answer, with Lucene's BM25 IDF."""
    pages = stats.get("aggregations", {}).get("pages", {})
    total = int(pages.get("doc_count", 0))

    def idf(key: str) -> float:
        held = int(pages.get(key, {}).get("doc_count", 0))
        return math.log(1 + (total - held + 0.5) / (held + 0.5))

    tokens, terms = _counted(words)
    body = {t: idf(f"b{i}") for i, t in enumerate(tokens)}
    term = {t: idf(f"t{i}") for i, t in enumerate(terms)}
    return [Weight(sum(body.get(t, 0.0) for t in w.tokens), term.get(w.term, 0.0), idf(f"s{i}"))
            for i, w in enumerate(words)]


def build_search(
    query: SearchQuery, segmented: bool = False, weights: list[Weight] | None = None
) -> tuple[dict[str, Any], list[Text]]:
    """The search request body for a query, and the words to highlight; `segmented`: the
    index has the segmented-words subfield (ranking only); `weights`: each positive word's
    IDFs among the visible pages (``idfs``; 1.0 each when not given)."""
    node = parse(query.q)
    words = positive_texts(node)
    conds = [_field_query(f) for f in request_filters(query)]
    if node is not None:
        conds.append(compile_node(node))
    conds += _visible(query)
    boolean: dict[str, Any] = {"filter": conds}
    if words:  # ranking: BM25 of the best page; that page comes back as the inner hit
        weights = weights or [Weight()] * len(words)
        alts = [_page_query(w, scoring=True, words=segmented, weight=weight)
                for w, weight in zip(words, weights, strict=True)]
        boolean["should"] = [
            {
                "nested": {
                    "path": "pages",
                    "score_mode": "max",
                    "query": alts[0] if len(alts) == 1 else {"bool": {"should": alts}},
                    "inner_hits": {
                        "name": "best_page",
                        "size": 1,
                        "_source": {"includes": ["pages.page", "pages.text"]},
                    },
                }
            }
        ]
    date_desc = {"date": {"order": "desc", "missing": "_last"}}
    if query.sort == "date":
        sort: list[Any] = [date_desc, {"_score": "desc"}, {"document_id": "desc"}]
    else:
        sort = [{"_score": "desc"}, date_desc, {"document_id": "desc"}]
    body: dict[str, Any] = {
        "query": {"bool": boolean},
        "sort": sort,
        "track_scores": True,
        "track_total_hits": True,
        "from": (query.page - 1) * query.size,
        "size": query.size,
        "_source": {"excludes": ["pages", "parties", "doc_type_key", "court_key", "charge_keys",
                                 "articles"]},
        "aggs": {
            name: {
                "terms": {
                    "field": {"charge": "charges", "article": "articles"}.get(name, name),
                    "size": FACET_LIMIT,
                    "order": [{"_count": "desc"}, {"_key": "asc"}],
                }
            }
            for name in FACETS
        },
    }
    if query.group_by_case:
        body["collapse"] = {"field": "case_id"}
        # Exact below the precision threshold, which is far above one query's case count.
        body["aggs"]["cases"] = {"cardinality": {"field": "case_id", "precision_threshold": 40000}}
    return body, words


def word_analyzer(client: ClusterClient) -> str | None:
    """The first WORD_ANALYZERS entry this cluster can run (asked through ``_analyze``; a
    missing plugin's 400 is an expected answer, logged at INFO in one line)."""
    missing = []
    for name, spec in WORD_ANALYZERS.items():
        if client.has_analyzer(spec["analyzer"]):
            break
        missing.append(name)
    else:
        name = None
    log.info("search cluster word segmentation: %s%s", name or "none (CJK bigrams only)",
             f" (not installed: {', '.join(missing)})" if missing else "")
    return name


def index_words(meta: dict[str, Any]) -> str | None:
    """The word analyzer an index was built with, from its mapping ``_meta``."""
    words = meta.get("words")
    return words if words in WORD_ANALYZERS else None


def stale_reason(index: str, meta: dict[str, Any]) -> str | None:
    """Why an index (its mapping ``_meta``) cannot be used by this code, or None."""
    mapping, analyzer = meta.get("mapping_version"), meta.get("analyzer")
    if mapping == MAPPING_VERSION and analyzer == ANALYZER_VERSION:
        return None
    return (f"搜索索引 {index} 由旧版本建立（映射版本 {mapping}、分词 {analyzer}；当前为"
            f" {MAPPING_VERSION}、{ANALYZER_VERSION}），请运行 dossier reindex 重建索引")


def _no_scripts(exc: BaseException) -> bool:
    """The cluster refused the scripted similarity: it has no Painless."""
    return status_of(exc) == 400 and "script_lang" in str(exc)


def create_index(client: ClusterClient, name: str, aliases: dict[str, Any] | None = None,
                 words: str | None = None) -> bool:
    """Create a pages index with the mappings; False when it already exists. BM25 scoring
    where the cluster runs Painless, the boolean similarity where it does not."""
    try:
        return client.create_with(name, index_body(words, "bm25"), aliases)
    except Exception as exc:
        if not _no_scripts(exc):
            raise
    return client.create_with(name, index_body(words, "boolean"), aliases)


# -- the backend ---------------------------------------------------------------------------


class ClusterSearch:
    """SearchBackend on an Elasticsearch 8/9 or OpenSearch 2 cluster.

    Nothing is contacted before the first call, so a service starts while the cluster is
    down; each call then raises SearchUnavailable until it is back.
    """

    def __init__(
        self,
        url: str,
        alias: str = "dossier-pages",
        refresh: Refresh = "wait_for",
        timeout: float = 30.0,
    ) -> None:
        self.url = url
        self.alias = alias
        self.refresh = refresh  # writes visible to the next search; False for bulk loads
        self.timeout = timeout
        self._lock = threading.Lock()
        self._client: ClusterClient | None = None
        self._ready = False
        # The word analyzer of the index behind the alias, read at connect and after reindex;
        # another process's reindex is seen on reconnect (until then at worst no word boost).
        self._words: str | None = None
        # Why the index behind the alias has another layout than this code's (see the module
        # doc), read again on each call until another process's reindex has replaced it.
        self._stale: str | None = None
        self._scoring: str | None = None  # the index's SIMILARITIES entry, from its _meta

    def __repr__(self) -> str:
        return f"ClusterSearch({self.url!r}, alias={self.alias!r})"

    def __enter__(self) -> ClusterSearch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connection and index lifecycle ----------------------------------------------------

    def _conn(self) -> ClusterClient:
        with self._lock:
            if self._client is None:
                self._client = ClusterClient(self.url, self.timeout)
            if not self._ready:
                client = self._client
                ensure_alias(client, self.alias, lambda name, aliases: create_index(
                    client, name, aliases, word_analyzer(client)))
                self._read_meta(client)
                self._ready = True
            return self._client

    def _read_meta(self, client: ClusterClient) -> None:
        meta = call(client.index_meta, self.alias)
        self._words = index_words(meta)
        self._stale = stale_reason(self.alias, meta)
        self._scoring = meta.get("scoring")

    def _current(self) -> ClusterClient:
        """The client, for a search or a write: refused while the index has an old layout."""
        client = self._conn()
        if self._stale is not None:
            with self._lock:
                self._read_meta(client)
            if self._stale is not None:
                raise IndexOutdated(self._stale)
        return client

    def _versions(self, client: ClusterClient) -> list[tuple[int, str]]:
        return alias_versions(client, self.alias)

    @property
    def engine(self) -> str:
        """'opensearch 2.19.6' or 'elasticsearch 9.x': which cluster answered."""
        client = self._conn()
        return f"{client.distribution} {client.version}"

    @property
    def word_analyzer(self) -> str | None:
        """'ik', 'smartcn' or None: the word segmentation of the index behind the alias."""
        self._conn()
        return self._words

    @property
    def scoring(self) -> str | None:
        """'bm25' or 'boolean': the similarity of the index behind the alias (module doc)."""
        self._conn()
        return self._scoring

    def current_index(self) -> str:
        """The versioned index the alias points at now."""
        targets = call(self._conn().alias_targets, self.alias)
        return targets[-1]

    # -- SearchBackend ---------------------------------------------------------------------

    def index(self, doc: IndexDoc) -> None:
        self.index_many([doc])

    def index_many(self, docs: Iterable[IndexDoc]) -> int:
        """Bulk-index documents (insert or replace); returns how many were written."""
        self._current()
        return self._bulk_load(self.alias, docs, self.refresh, self._words is not None)

    def _bulk_load(self, index: str, docs: Iterable[IndexDoc], refresh: Refresh,
                   words: bool) -> int:
        client = self._conn()
        written = 0
        chunk: list[IndexDoc] = []
        it: Iterator[IndexDoc] = iter(docs)
        while True:
            chunk = [d for _, d in zip(range(BULK_CHUNK), it, strict=False)]
            if not chunk:
                break
            ops: list[dict[str, Any]] = []
            for doc in chunk:
                ops.append({"index": {"_index": index, "_id": str(doc.document_id)}})
                ops.append(to_source(doc, words))
            resp = call(client.bulk, ops, refresh)
            if resp.get("errors"):
                failed = [
                    item["index"] for item in resp.get("items", []) if "error" in item["index"]
                ]
                statuses = {int(f.get("status", 0)) for f in failed}
                if statuses and statuses <= RETRY_STATUS:
                    raise SearchUnavailable(f"search cluster rejected {len(failed)} documents")
                raise RuntimeError(f"bulk indexing failed: {failed[:3]}")
            written += len(chunk)
        return written

    def delete(self, document_id: int) -> None:
        client = self._conn()
        call(client.delete, self.alias, str(document_id), self.refresh)

    def count(self) -> int:
        client = self._conn()
        return call(client.count, self.alias)

    def clear(self) -> None:
        """Empty the index: an empty next version behind the alias (no delete_by_query, which
        needs the reindex module, and no deleted documents left in segments)."""
        self.reindex([])

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
                self._ready = False

    def search(self, query: SearchQuery) -> SearchResult:
        query.validate()
        if query.page * query.size > MAX_RESULT_WINDOW:
            raise QuerySyntaxError(f"翻页过深：只能翻阅前 {MAX_RESULT_WINDOW} 条结果")
        client = self._current()
        words = positive_texts(parse(query.q))
        weights = None
        if words:  # the IDFs within what the user may see (see the module doc)
            stats = stats_body(query, words, self._words is not None)
            weights = idfs(call(client.search, self.alias, stats), words)
        body, words = build_search(query, self._words is not None, weights)
        resp = call(client.search, self.alias, body)
        hits_block = resp["hits"]
        aggs = resp.get("aggregations", {})
        if query.group_by_case:
            total = int(aggs["cases"]["value"])
        else:
            total = int(hits_block["total"]["value"])
        hits = [self._hit(h, words) for h in hits_block["hits"]]
        facets = {
            name: [{"value": b["key"], "count": int(b["doc_count"])} for b in aggs[name]["buckets"]]
            for name in FACETS
        }
        return SearchResult(total=total, hits=hits, facets=facets)

    @staticmethod
    def _hit(raw: dict[str, Any], words: list[Text]) -> SearchHit:
        src = raw["_source"]
        page: int | None = None
        highlights: list[str] = []
        inner = raw.get("inner_hits", {}).get("best_page", {}).get("hits", {}).get("hits", [])
        if inner:
            best = inner[0]["_source"]
            page = int(best["page"])
            highlights = snippets(best.get("text", ""), words)
        score = raw.get("_score")
        return SearchHit(
            document_id=int(src["document_id"]),
            case_id=int(src["case_id"]),
            filename=src["filename"],
            score=round(float(score), 6) if score is not None and words else 0.0,
            page=page,
            highlights=highlights,
            case_number=src.get("case_number"),
            doc_type=src.get("doc_type"),
            court=src.get("court"),
            date=src.get("date"),
            charges=list(src.get("charges") or []),
            court_level=src.get("court_level"),
            trial_stage=src.get("trial_stage"),
        )

    # -- reindex with an alias switch ------------------------------------------------------

    def reindex(self, docs: Iterable[IndexDoc]) -> str:
        """Build the next index version from docs, switch the alias atomically, drop the old.

        Searches keep hitting the old version until the switch. Documents written through
        the alias while this runs land in the old index; the caller re-sends those (the
        outbox), or runs this from the data pool while writes are paused.
        Returns the new index name.
        """
        client = self._conn()
        words = call(word_analyzer, client)
        new = rebuild(client, self.alias, lambda name: create_index(client, name, None, words),
                      lambda name: self._bulk_load(name, docs, False, words is not None))
        with self._lock:
            self._read_meta(client)
        return new
