"""The embedded search engine: one SQLite file with an FTS5 index, no server to run.

Pages are tokenised in Python (search.analysis: bigrams of every run with its edge unigrams)
and stored as space-separated tokens in contentless FTS5 tables with the ``ascii`` tokenizer,
which keeps every token intact (none holds an ASCII separator); the
original text lives in a plain table for highlighting and for deleting exactly what was
indexed. Boolean logic is evaluated per document (a word on page 1 AND a word on page 3
match), ranking is the bm25 of the best page.

One FTS5 table per agency, of the pages it may see (its documents and those shared with it):
bm25's statistics, the rank window, totals and facet samples of a search are then those of
what the user may see, and another agency's uploads change none of them (see _table).

The work of a search is bounded, whatever the size of the index (measured at 100,000
documents by ``python -m benchmarks.search --scale 100000``). An FTS rowid orders pages by
judgment date (see DAY_SHIFT), so the newest matches of a word come first without a sort;
bm25, the one per-match cost that grows with the index, is computed for the matching pages of
the newest judgments only, RANK_WINDOW of them, like Elasticsearch's ``terminate_after``: a
frequent word is then ranked, filtered and counted within that window, the total becomes a
lower bound (``total_relation: "gte"``, as ES's ``track_total_hits``) and facets are counted
over the FACET_SAMPLE best matches (``facets_sampled``). A date sort stays exact (the window
is a prefix of the date order); rare words, the known-item case, are always exact.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from hashlib import sha256
from pathlib import Path
from typing import Any

from search.analysis import (
    ANALYZER_VERSION,
    analyze_document,
    body_text,
    legal_dictionary,
    normalize,
)
from search.base import FACETS, IndexDoc, IndexOutdated, SearchHit, SearchQuery, SearchResult
from search.highlight import snippets
from search.query import (
    And,
    Field,
    Node,
    Not,
    Text,
    parse,
    positive_texts,
    request_filters,
)

FACET_LIMIT = 50
BM25_WEIGHTS = (1.0, 2.0)  # body bigrams, whole-word terms
# A page's FTS rowid (and pages.id) is day << DAY_SHIFT | document_id << PAGE_BITS | page,
# day being the judgment date in days since 1899-12-31 (0: none). FTS5 walks rowids in
# either direction, so the index itself lists matches newest judgment first, and the
# document of a match is arithmetic on its rowid, never a lookup in the large pages table.
PAGE_BITS = 16
DOC_BITS = 31
DAY_SHIFT = PAGE_BITS + DOC_BITS
PAGE_MASK = (1 << PAGE_BITS) - 1
DOC_MASK = (1 << DOC_BITS) - 1
DAY_MAX = (1 << (63 - DAY_SHIFT)) - 1  # 65535 days: until 2079
_EPOCH = date(1899, 12, 31).toordinal()
SCHEMA_VERSION = 3  # bump with a change of the pages' layout: the index is rebuilt on open
# bump with a change of the documents' columns, which only the data pool can fill: an index of
# an older layout is refused (IndexOutdated, a 503 naming it) until `dossier reindex` (4: court
# level, trial stage, cited articles)
DOCS_LAYOUT = 4
# Bounded work for frequent words (see EmbeddedSearch.search): the matching pages of the
# newest judgments are ranked until this many, facets are counted over at most this many of
# the best matches, and a query without words counts at most this many documents.
RANK_WINDOW = 2_000
FACET_SAMPLE = 2_000
TOTAL_CAP = 10_000
MMAP_BYTES = 256 * 2**20
# FTS5 merges segments once this many of a level accumulate (default 4): with one document
# per transaction, 2 keeps fewer segments for each query to read, for little index time.
FTS_AUTOMERGE = 2
CACHE_KIB = 32 * 2**10

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs(
    document_id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, case_number TEXT,
    filename TEXT NOT NULL, doc_type TEXT, doc_type_key TEXT, court TEXT, court_key TEXT,
    agency TEXT, shared_with TEXT NOT NULL, charges TEXT NOT NULL, parties TEXT NOT NULL,
    date TEXT, year INTEGER, court_level TEXT, trial_stage TEXT);
CREATE INDEX IF NOT EXISTS docs_case ON docs(case_id);
CREATE INDEX IF NOT EXISTS docs_newest ON docs(date IS NULL, date DESC, document_id DESC);
CREATE INDEX IF NOT EXISTS docs_year ON docs(year);
CREATE TABLE IF NOT EXISTS doc_charges(
    document_id INTEGER NOT NULL, charge_key TEXT NOT NULL, charge TEXT NOT NULL,
    PRIMARY KEY(document_id, charge_key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_charges_key ON doc_charges(charge_key);
CREATE TABLE IF NOT EXISTS doc_articles(
    document_id INTEGER NOT NULL, article TEXT NOT NULL,
    PRIMARY KEY(document_id, article)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_articles_article ON doc_articles(article);
CREATE TABLE IF NOT EXISTS doc_agencies(
    agency TEXT NOT NULL, document_id INTEGER NOT NULL,
    PRIMARY KEY(agency, document_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pages(
    id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL, page INTEGER NOT NULL,
    text TEXT NOT NULL, terms TEXT NOT NULL, UNIQUE(document_id, page));
CREATE TABLE IF NOT EXISTS fts_parts(agency TEXT PRIMARY KEY, k INTEGER NOT NULL UNIQUE);
"""
# One FTS table per agency (fts_parts: agency -> k, table fts_{k}; "" for documents of no
# agency): a page is indexed in the table of every agency that may see its document.
# Contentless; the per-row token counts stay (columnsize=0 would halve bm25's cost but rank
# without length normalisation, which puts long mentions above short convictions).
FTS_SCHEMA = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING"
    " fts5(body, terms, content='', tokenize='ascii')"
)
# Orders of temp.matched (day: see DAY_SHIFT; the same order as the docs_newest index).
_ORDER = {
    "relevance": "rank IS NULL, rank, day DESC, document_id DESC",
    "date": "day DESC, rank IS NULL, rank, document_id DESC",
}
_HIT_COLUMNS = (
    "d.document_id, d.case_id, d.filename, m.rank, m.page, d.case_number,"
    " d.doc_type, d.court, d.date, d.charges, d.court_level, d.trial_stage"
)
_DOC_TABLES = ("pages", "doc_charges", "doc_articles", "doc_agencies", "docs")


def day_key(iso: str | None) -> int:
    """The judgment date as the rowid's day: 1 for 1900-01-01, 0 for none or unreadable."""
    text = (iso or "").strip()
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        if not (text[:4].isdigit() and len(text[:4]) == 4):
            return 0
        day = date(max(int(text[:4]), 1), 1, 1)
    return min(max(day.toordinal() - _EPOCH, 1), DAY_MAX)


def page_rowid(document_id: int, day: int, page: int) -> int:
    if not 0 <= document_id <= DOC_MASK:
        raise ValueError(f"document ids of the embedded index lie in 0..{DOC_MASK}")
    return day << DAY_SHIFT | document_id << PAGE_BITS | page


# SQL of a matching page's document, page and day, from its FTS rowid
_DOC_OF = f"(rowid >> {PAGE_BITS}) & {DOC_MASK}"
_PAGE_OF = f"rowid & {PAGE_MASK}"
_DAY_OF = f"rowid >> {DAY_SHIFT}"
Part = tuple[str, int]  # an agency's FTS table and the lowest rowid of its rank window


def _analyzer_id() -> str:
    """Changes when tokens, the dictionary or the layout change: a stale index is rebuilt."""
    digest = sha256("\n".join(legal_dictionary().terms).encode()).hexdigest()[:16]
    return f"{ANALYZER_VERSION}:{digest}:s{SCHEMA_VERSION}"


def _key(value: str | None) -> str | None:
    return None if value is None else normalize(value).strip()


def _phrase(tokens: tuple[str, ...] | list[str]) -> str:
    return '"' + " ".join(tokens) + '"'


def fts_word(word: Text) -> str:
    """FTS5 expression for one word: the phrase of its tokens (search.analysis.query_tokens),
    or the whole dictionary term; one character is a prefix of the tokens."""
    if word.single_char:
        return f"body : {_phrase(word.tokens)} *"
    alts = [f"body : {_phrase(word.tokens)}"]
    if len(word.term) >= 2:
        alts.append(f"terms : {_phrase([word.term])}")
    return "(" + " OR ".join(alts) + ")"


def _field_sql(name: str, value: str, params: list[Any]) -> str:
    """A document-level filter; never NULL, so that NOT of a NULL column still selects."""
    if name == "charge":
        keys = [value] if value.endswith("罪") else [value, value + "罪"]
        params += keys
        marks = ", ".join("?" * len(keys))
        return (
            f"d.document_id IN (SELECT document_id FROM doc_charges WHERE charge_key IN ({marks}))"
        )
    if name == "article":
        params.append(value)
        return "d.document_id IN (SELECT document_id FROM doc_articles WHERE article = ?)"
    params.append(int(value) if name in ("year", "case") else value)
    return {
        "court": "COALESCE(instr(d.court_key, ?), 0) > 0",
        "doc_type": "COALESCE(instr(d.doc_type_key, ?), 0) > 0",
        "year": "d.year IS ?",
        "case": "d.case_id = ?",
        "court_level": "COALESCE(d.court_level = ?, 0)",
        "trial_stage": "COALESCE(d.trial_stage = ?, 0)",
        "date_from": "COALESCE(substr(d.date, 1, 10) >= ?, 0)",
        "date_to": "COALESCE(substr(d.date, 1, 10) <= ?, 0)",
    }[name]


def _needs_text(node: Node) -> bool:
    """Whether every document the node matches has a page matching one of its words."""
    if isinstance(node, Text):
        return True
    if isinstance(node, Field | Not):
        return False
    if isinstance(node, And):
        return any(_needs_text(c) for c in node.children)
    return all(_needs_text(c) for c in node.children)


def _conjuncts(nodes: list[Node]) -> list[Node]:
    """The terms of a conjunction, nested ANDs flattened."""
    out: list[Node] = []
    for node in nodes:
        out += _conjuncts(list(node.children)) if isinstance(node, And) else [node]
    return out


def _where(node: Node, params: list[Any], parts: list[Part]) -> str:
    """Compile the query tree to SQL over ``docs d``: boolean logic per document; a word
    is the set of documents with a matching page in one of the parts' tables at FTS rowid
    >= that part's lo (its rank window)."""
    if isinstance(node, Text):
        expr = fts_word(node)
        subs = []
        for table, lo in parts:
            params += [expr, lo]
            subs.append(f"d.document_id IN (SELECT {_DOC_OF} FROM {table}"
                        f" WHERE {table} MATCH ? AND rowid >= ?)")
        return "(" + " OR ".join(subs) + ")" if subs else "0"
    if isinstance(node, Field):
        return _field_sql(node.name, node.value, params)
    if isinstance(node, Not):
        return f"NOT ({_where(node.child, params, parts)})"
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(_where(child, params, parts) for child in node.children) + ")"


def _conditions(
    conds: list[Node], agencies: list[str] | None, parts: list[Part]
) -> tuple[str, list[Any]]:
    """The WHERE clause over ``docs d`` for the conjunction of conds and the agency scope."""
    params: list[Any] = []
    sql = [_where(c, params, parts) for c in conds]
    if agencies is not None:
        marks = ", ".join("?" * len(agencies)) or "NULL"
        sql.append(
            "EXISTS (SELECT 1 FROM doc_agencies a WHERE a.document_id = d.document_id"
            f" AND a.agency IN ({marks}))"
        )
        params += agencies
    return " AND ".join(sql) or "1", params


class EmbeddedSearch:
    """SearchBackend on one SQLite file; safe to share between processes (WAL, busy timeout)."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._stale: str | None = None  # why the index cannot be used (see _check_layout)
        self._db = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        # reads of a large index: map it (shared page cache, no read() per page) and keep
        # more of it per connection than the 2 MiB default
        self._db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        self._db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        with self._tx():
            self._create_schema()
            self._check_layout()
            self._check_analyzer()
        self._db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS matched("
            "document_id INTEGER PRIMARY KEY, page INTEGER, rank REAL, day INTEGER)"
        )
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS sample(document_id INTEGER PRIMARY KEY)")
        self._db.create_function("day_key", 1, day_key, deterministic=True)

    # -- plumbing -------------------------------------------------------------------------

    def _create_schema(self) -> None:
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)

    # -- one FTS table per agency ---------------------------------------------------------
    #
    # bm25 ranks with the statistics of its table (pages, their mean length, how many pages
    # hold a word), and the rank window takes the newest matches of its table: with every
    # agency's pages in one table, another agency's uploads would change a user's scores,
    # totals and facet sample, telling them what other agencies' dossiers contain. So each
    # agency has a table of exactly the pages it may see (its own documents and those shared
    # with it); a search reads the tables of the user's agencies, and a document shared with
    # k agencies is indexed k times.

    def _table(self, agency: str) -> str:
        """The FTS table of an agency, made on first use."""
        row = self._db.execute("SELECT k FROM fts_parts WHERE agency = ?", (agency,)).fetchone()
        if row is not None:
            return f"fts_{int(row[0])}"
        k = int(self._db.execute("SELECT COALESCE(MAX(k), 0) + 1 FROM fts_parts").fetchone()[0])
        self._db.execute("INSERT INTO fts_parts VALUES (?, ?)", (agency, k))
        table = f"fts_{k}"
        self._db.execute(FTS_SCHEMA.format(table=table))
        self._db.execute(
            f"INSERT INTO {table}({table}, rank) VALUES ('automerge', ?)", (FTS_AUTOMERGE,)
        )
        return table

    def _tables(self, agencies: list[str] | None) -> list[str]:
        """The existing FTS tables of these agencies (None: every table)."""
        if agencies is None:
            rows = self._db.execute("SELECT k FROM fts_parts ORDER BY k").fetchall()
        else:
            marks = ", ".join("?" * len(agencies)) or "NULL"
            rows = self._db.execute(
                f"SELECT k FROM fts_parts WHERE agency IN ({marks}) ORDER BY k", agencies
            ).fetchall()
        return [f"fts_{int(k)}" for (k,) in rows]

    def _doc_tables(self, document_id: int, create: bool = False) -> list[str]:
        """The tables a stored document is indexed in: those of the agencies that see it
        (doc_agencies), or the table of agency "" when none does."""
        agencies = [a for (a,) in self._db.execute(
            "SELECT agency FROM doc_agencies WHERE document_id = ?", (document_id,))] or [""]
        if create:
            return [self._table(a) for a in agencies]
        return self._tables(agencies)

    def _drop_tables(self) -> None:
        for table in self._tables(None):
            self._db.execute(f"DROP TABLE IF EXISTS {table}")
        self._db.execute("DELETE FROM fts_parts")
        self._db.execute("DROP TABLE IF EXISTS page_fts")  # the one table of schema 2

    @contextmanager
    def _tx(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction under the thread lock; IMMEDIATE for writes to avoid upgrade races."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- the documents' layout: an older one is refused until `dossier reindex` ---------------

    def _layout(self) -> int | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'layout'").fetchone()
        return int(row[0]) if row is not None else None

    def _check_layout(self) -> None:
        """A new or empty index takes the current layout; one with documents of an older
        layout (without the columns only the data pool can fill) is marked stale."""
        self._stale = None
        layout = self._layout()
        if layout == DOCS_LAYOUT:
            return
        if self._db.execute("SELECT 1 FROM docs LIMIT 1").fetchone() is None:
            self._recreate_docs()
            return
        self._stale = (f"搜索索引 {self.path.parent.name}/{self.path.name} 由旧版本建立（布局版本"
                       f" {layout or 3}；当前为 {DOCS_LAYOUT}），请运行 dossier reindex 重建索引")

    def _recreate_docs(self) -> None:
        """Empty document tables of the current layout (the pages' FTS tables dropped too)."""
        self._drop_tables()
        for table in _DOC_TABLES:
            self._db.execute(f"DROP TABLE IF EXISTS {table}")
        self._create_schema()
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('layout', ?)", (str(DOCS_LAYOUT),))

    @property
    def outdated(self) -> str | None:
        """Why this index cannot be used until `dossier reindex` (an older layout), or None."""
        try:
            self._usable()
        except IndexOutdated as exc:
            return str(exc)
        return None

    def _usable(self) -> None:
        """Refuse a search or a write on an index of an older layout (IndexOutdated), read
        again until another process's `dossier reindex` has rebuilt it."""
        if self._stale is None:
            return
        with self._lock:
            if self._layout() == DOCS_LAYOUT:
                self._stale = None
                return
        raise IndexOutdated(self._stale)

    def _check_analyzer(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'analyzer'").fetchone()
        current = _analyzer_id()
        if row is not None and row[0] != current:
            self._rebuild()
        if row is None or row[0] != current:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('analyzer', ?)", (current,))

    def _rebuild(self) -> None:
        """Re-tokenise every stored page (the analyzer, dictionary or layout changed)."""
        self._drop_tables()
        docs = self._db.execute("SELECT document_id, parties, date FROM docs").fetchall()
        for document_id, parties, iso in docs:
            pages = self._db.execute(
                "SELECT page, text FROM pages WHERE document_id = ? ORDER BY page", (document_id,)
            ).fetchall()
            self._db.execute("DELETE FROM pages WHERE document_id = ?", (document_id,))
            texts = [t for _, t in pages]
            self._insert_pages(document_id, day_key(iso), texts, json.loads(parties),
                               self._doc_tables(document_id, create=True))

    def _insert_pages(
        self, document_id: int, day: int, pages: list[str], parties: list[str],
        tables: list[str],
    ) -> None:
        if len(pages) > PAGE_MASK:
            raise ValueError(f"the embedded index holds at most {PAGE_MASK} pages per document")
        fields = analyze_document(pages, parties)
        for n, (text, f) in enumerate(zip(pages, fields, strict=True), start=1):
            terms = f.terms
            rowid = page_rowid(document_id, day, n)
            self._db.execute(
                "INSERT INTO pages(id, document_id, page, text, terms) VALUES (?, ?, ?, ?, ?)",
                (rowid, document_id, n, text, terms),
            )
            for table in tables:
                self._db.execute(
                    f"INSERT INTO {table}(rowid, body, terms) VALUES (?, ?, ?)",
                    (rowid, f.body, terms),
                )

    def _delete_rows(self, document_id: int) -> None:
        """Remove a document; a contentless FTS row is deleted by repeating its exact tokens,
        in the table of every agency that saw it."""
        rows = self._db.execute(
            "SELECT id, text, terms FROM pages WHERE document_id = ?", (document_id,)
        ).fetchall()
        tables = self._doc_tables(document_id) if rows else []
        for rowid, text, terms in rows:
            body = body_text(text)
            for table in tables:
                self._db.execute(
                    f"INSERT INTO {table}({table}, rowid, body, terms)"
                    " VALUES ('delete', ?, ?, ?)",
                    (rowid, body, terms),
                )
        for table in _DOC_TABLES:
            self._db.execute(f"DELETE FROM {table} WHERE document_id = ?", (document_id,))

    # -- SearchBackend --------------------------------------------------------------------

    def index(self, doc: IndexDoc) -> None:
        self._usable()
        with self._tx() as db:
            self._delete_rows(doc.document_id)
            db.execute(
                "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc.document_id, doc.case_id, doc.case_number, doc.filename,
                    doc.doc_type, _key(doc.doc_type), doc.court, _key(doc.court),
                    doc.agency, json.dumps(doc.shared_with, ensure_ascii=False),
                    json.dumps(doc.charges, ensure_ascii=False),
                    json.dumps(doc.parties, ensure_ascii=False), doc.date, doc.year,
                    doc.court_level, doc.trial_stage,
                ),
            )  # fmt: skip
            db.executemany(
                "INSERT OR IGNORE INTO doc_charges VALUES (?, ?, ?)",
                [(doc.document_id, _key(c), c) for c in doc.charges if c.strip()],
            )
            db.executemany(
                "INSERT OR IGNORE INTO doc_articles VALUES (?, ?)",
                [(doc.document_id, a) for a in doc.articles if a.strip()],
            )
            agencies = {a for a in [doc.agency, *doc.shared_with] if a}
            db.executemany(
                "INSERT INTO doc_agencies VALUES (?, ?)",
                [(a, doc.document_id) for a in sorted(agencies)],
            )
            self._insert_pages(doc.document_id, day_key(doc.date), doc.pages, doc.parties,
                               self._doc_tables(doc.document_id, create=True))

    def delete(self, document_id: int) -> None:
        with self._tx():
            self._delete_rows(document_id)

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0])

    def clear(self) -> None:
        """Empty the index, in the current layout (`dossier reindex` then fills it)."""
        with self._tx():
            self._recreate_docs()
            self._stale = None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> EmbeddedSearch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def search(self, query: SearchQuery) -> SearchResult:
        """Search with bounded work, however many documents match.

        A query whose every match must contain one of its words is driven by the FTS index,
        which lists matching pages newest judgment first: when more than RANK_WINDOW pages
        match, only the documents holding the newest RANK_WINDOW of them (their whole date,
        for a date sort) are ranked, filtered and counted, so ``total`` is a lower bound
        (``total_relation`` "gte") and paging past the window widens it. A query without
        such words (filters, NOT alone, a filter OR a word) scans the documents newest
        first and counts at most TOTAL_CAP. Facets count the FACET_SAMPLE best matches at
        most (``facets_sampled`` when that is not all of them).
        """
        query.validate()
        node = parse(query.q)
        words = positive_texts(node)
        conds = _conjuncts([*request_filters(query), *([node] if node is not None else [])])
        self._usable()
        with self._tx(write=False) as db:
            db.execute("DELETE FROM temp.matched")
            tables = self._tables(query.agencies)
            if words and any(_needs_text(c) for c in conds):
                total, exact = self._match_words(words, conds, query, tables)
            else:
                total, exact = self._match_docs(words, conds, query, tables)
            hits = self._hits(query)
            facets, sampled = self._facets(query, exact)
            texts = self._page_texts([(h.document_id, h.page) for h in hits if h.page])
        for hit in hits:
            if hit.page is not None:
                hit.highlights = snippets(texts.get((hit.document_id, hit.page), ""), words)
        return SearchResult(
            total=total,
            hits=hits,
            facets=facets,
            total_relation="eq" if exact else "gte",
            facets_sampled=sampled,
        )

    # -- search helpers (inside the read transaction) -------------------------------------

    def _window_start(self, table: str, any_words: str, window: int, whole_day: bool) -> int:
        """The lowest FTS rowid of a table's window: every page of the documents (of the days,
        when whole_day) holding its newest `window` matching pages; 0 when that is every
        match."""
        row = self._db.execute(
            f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid DESC"
            " LIMIT 1 OFFSET ?",
            (any_words, window - 1),
        ).fetchone()
        if row is None:
            return 0
        shift = DAY_SHIFT if whole_day and int(row[0]) >> DAY_SHIFT else PAGE_BITS
        lo = int(row[0]) >> shift << shift
        older = self._db.execute(
            f"SELECT 1 FROM {table} WHERE {table} MATCH ? AND rowid < ? LIMIT 1",
            (any_words, lo),
        ).fetchone()
        return lo if older is not None else 0

    @staticmethod
    def _rank_cte(parts: list[Part], any_words: str) -> tuple[str, list[Any]]:
        """CTE ``s`` over the parts' tables: per document in their windows, the bm25 of its
        best page (each table ranking with its own statistics) and that page; its params."""
        selects, params = [], []
        for table, lo in parts:
            selects.append(f"SELECT rowid AS rid, bm25({table}, ?, ?) AS r FROM {table}"
                           f" WHERE {table} MATCH ? AND rowid >= ?")
            params += [*BM25_WEIGHTS, any_words, lo]
        if not selects:
            selects.append("SELECT NULL AS rid, NULL AS r WHERE 0")
        rid = "rid"
        cte = (
            f"WITH f AS MATERIALIZED ({' UNION ALL '.join(selects)}),"
            f" s AS (SELECT ({rid} >> {PAGE_BITS}) & {DOC_MASK} AS document_id,"
            f"  {rid} & {PAGE_MASK} AS page, MIN(r) AS rank, {rid} >> {DAY_SHIFT} AS day"
            "  FROM f GROUP BY 1)"
        )
        return cte, params

    def _count_matched(self, query: SearchQuery) -> int:
        if query.group_by_case:
            sql = (
                "SELECT COUNT(DISTINCT d.case_id) FROM temp.matched m"
                " CROSS JOIN docs d ON d.document_id = m.document_id"
            )
        else:
            sql = "SELECT COUNT(*) FROM temp.matched"
        return int(self._db.execute(sql).fetchone()[0])

    def _match_words(
        self, words: list[Text], conds: list[Node], query: SearchQuery, tables: list[str]
    ) -> tuple[int, bool]:
        """Fill temp.matched from the pages matching the words in the tables of the user's
        agencies, in a window of the newest judgments: each table's newest RANK_WINDOW
        matches, all tables cut at the newest of their windows' starts (so the window stays
        a prefix of the date order across the tables), widened until the requested page is
        filled. One statement ranks all tables (a document several of them hold keeps its
        best page). (total, exact)."""
        any_words = " OR ".join(fts_word(w) for w in words)
        if len(words) == 1:  # the windows hold exactly the documents this word matches
            conds = [c for c in conds if c != words[0]]
        whole_day = query.sort == "date"
        windows = dict.fromkeys(tables, RANK_WINDOW)
        los = {t: self._window_start(t, any_words, RANK_WINDOW, whole_day) for t in tables}
        while True:
            lo = max(los.values(), default=0)
            parts = [(t, lo) for t in tables]
            where, params = _conditions(conds, query.agencies, parts)
            # the docs row is read only when a condition needs more than the document id
            needs_row = set(re.findall(r"\bd\.(\w+)", where)) - {"document_id"}
            if needs_row:
                source = "s.* FROM s CROSS JOIN docs d ON d.document_id = s.document_id"
            else:
                source = "d.* FROM s AS d"
            cte, cte_params = self._rank_cte(parts, any_words)
            self._db.execute("DELETE FROM temp.matched")
            self._db.execute(
                f"INSERT INTO temp.matched {cte} SELECT {source} WHERE {where}",
                [*cte_params, *params],
            )
            total = self._count_matched(query)
            if lo == 0 or total >= query.page * query.size:
                return total, lo == 0
            for t in [t for t in tables if los[t]]:
                windows[t] *= 4
                los[t] = self._window_start(t, any_words, windows[t], whole_day)

    def _match_docs(
        self, words: list[Text], conds: list[Node], query: SearchQuery, tables: list[str]
    ) -> tuple[int, bool]:
        """Fill temp.matched by scanning the documents (a query not driven by its words).
        (total, exact)."""
        where, params = _conditions(conds, query.agencies, [(t, 0) for t in tables])
        if words:  # rare (a word OR a filter): every match, ranked in the window
            any_words = " OR ".join(fts_word(w) for w in words)
            parts = [(t, self._window_start(t, any_words, RANK_WINDOW, whole_day=False))
                     for t in tables]
            cte, cte_params = self._rank_cte(parts, any_words)
            self._db.execute(
                f"INSERT INTO temp.matched {cte}"
                " SELECT d.document_id, s.page, s.rank, day_key(d.date) FROM docs d"
                f" LEFT JOIN s ON s.document_id = d.document_id WHERE {where}",
                [*cte_params, *params],
            )
            return self._count_matched(query), True
        # Unranked: the result order is the docs_newest index, so LIMIT bounds the work.
        limit = max(FACET_SAMPLE, query.page * query.size)
        while True:
            self._db.execute("DELETE FROM temp.matched")
            self._db.execute(
                "INSERT INTO temp.matched SELECT d.document_id, NULL, NULL, day_key(d.date)"
                " FROM docs d WHERE " + where + " ORDER BY d.date IS NULL, d.date DESC,"
                " d.document_id DESC LIMIT ?",
                [*params, limit + 1],
            )
            matched = int(self._db.execute("SELECT COUNT(*) FROM temp.matched").fetchone()[0])
            if matched <= limit:
                return self._count_matched(query), True
            if not query.group_by_case or self._count_matched(query) >= query.page * query.size:
                break
            limit *= 4
        distinct = "DISTINCT d.case_id" if query.group_by_case else "1"
        total = int(
            self._db.execute(
                f"SELECT COUNT(*) FROM (SELECT {distinct} FROM docs d WHERE {where} LIMIT ?)",
                [*params, TOTAL_CAP + 1],
            ).fetchone()[0]
        )
        return min(total, TOTAL_CAP), total <= TOTAL_CAP

    def _hits(self, query: SearchQuery) -> list[SearchHit]:
        """The requested page of temp.matched, in the requested order."""
        order = _ORDER[query.sort]
        source = "temp.matched"
        if query.group_by_case:  # each case's best document
            source = (
                f"(SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY"
                f" {order}) AS rn FROM (SELECT m.*, d.case_id FROM temp.matched m"
                " CROSS JOIN docs d ON d.document_id = m.document_id)) WHERE rn = 1)"
            )
        qualified = re.sub(r"\b(rank|day|document_id)\b", r"m.\1", order)
        rows = self._db.execute(
            f"SELECT {_HIT_COLUMNS} FROM (SELECT document_id, page, rank, day FROM {source}"
            f" ORDER BY {order} LIMIT ? OFFSET ?) m"
            f" CROSS JOIN docs d ON d.document_id = m.document_id ORDER BY {qualified}",
            (query.size, (query.page - 1) * query.size),
        ).fetchall()
        return [
            SearchHit(
                document_id=r[0], case_id=r[1], filename=r[2],
                score=0.0 if r[3] is None else round(-r[3], 6), page=r[4], highlights=[],
                case_number=r[5], doc_type=r[6], court=r[7], date=r[8],
                charges=json.loads(r[9]), court_level=r[10], trial_stage=r[11],
            )
            for r in rows
        ]  # fmt: skip

    def _facets(
        self, query: SearchQuery, exact: bool
    ) -> tuple[dict[str, list[dict[str, Any]]], bool]:
        """Facet counts over temp.matched, or over its FACET_SAMPLE best; and whether that
        is a sample of the matches rather than all of them."""
        self._db.execute("DELETE FROM temp.sample")
        self._db.execute(
            "INSERT INTO temp.sample SELECT document_id FROM temp.matched"
            f" ORDER BY {_ORDER[query.sort]} LIMIT ?",
            (FACET_SAMPLE,),
        )
        matched = self._db.execute("SELECT COUNT(*) FROM temp.matched").fetchone()[0]
        sampled = int(matched) > FACET_SAMPLE
        rows = self._db.execute(
            "SELECT 'charge', MIN(c.charge), COUNT(*) FROM temp.sample m"
            " CROSS JOIN doc_charges c ON c.document_id = m.document_id GROUP BY c.charge_key"
            " UNION ALL SELECT 'article', a.article, COUNT(*) FROM temp.sample m"
            " CROSS JOIN doc_articles a ON a.document_id = m.document_id GROUP BY a.article"
            " UNION ALL SELECT * FROM (WITH s AS MATERIALIZED (SELECT d.court, d.doc_type, d.year,"
            "  d.court_level, d.trial_stage"
            "  FROM temp.sample m CROSS JOIN docs d ON d.document_id = m.document_id)"
            " SELECT 'court', court, COUNT(*) FROM s WHERE court IS NOT NULL GROUP BY court"
            " UNION ALL SELECT 'doc_type', doc_type, COUNT(*) FROM s"
            "  WHERE doc_type IS NOT NULL GROUP BY doc_type"
            " UNION ALL SELECT 'year', year, COUNT(*) FROM s WHERE year IS NOT NULL GROUP BY year"
            " UNION ALL SELECT 'court_level', court_level, COUNT(*) FROM s"
            "  WHERE court_level IS NOT NULL GROUP BY court_level"
            " UNION ALL SELECT 'trial_stage', trial_stage, COUNT(*) FROM s"
            "  WHERE trial_stage IS NOT NULL GROUP BY trial_stage)"
        ).fetchall()
        grouped: dict[str, list[tuple[Any, int]]] = {name: [] for name in FACETS}
        for name, value, n in rows:
            grouped[name].append((value, n))
        facets = {}
        for name, values in grouped.items():
            values.sort(key=lambda vn: (-vn[1], vn[0]))
            facets[name] = [{"value": v, "count": n} for v, n in values[:FACET_LIMIT]]
        return facets, sampled or not exact

    def _page_texts(self, keys: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
        texts: dict[tuple[int, int], str] = {}
        for document_id, page in keys:
            row = self._db.execute(
                "SELECT text FROM pages WHERE document_id = ? AND page = ?", (document_id, page)
            ).fetchone()
            if row is not None:
                texts[(document_id, page)] = row[0]
        return texts
