"""The embedded search engine: one SQLite file with an FTS5 index, no server to run.

Pages are tokenised in Python (search.analysis) and stored as space-separated tokens in a
contentless FTS5 table with the ``ascii`` tokenizer, which keeps every CJK bigram intact; the
original text lives in a plain table for highlighting and for deleting exactly what was
indexed. Boolean logic is evaluated per document (a word on page 1 AND a word on page 3
match), ranking is the bm25 of the best page.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from hashlib import sha256
from pathlib import Path
from typing import Any

from search.analysis import (
    ANALYZER_VERSION,
    Dictionary,
    analyze_page,
    body_text,
    legal_dictionary,
    normalize,
    term_token,
)
from search.base import FACETS, IndexDoc, SearchHit, SearchQuery, SearchResult
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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs(
    document_id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, case_number TEXT,
    filename TEXT NOT NULL, doc_type TEXT, doc_type_key TEXT, court TEXT, court_key TEXT,
    agency TEXT, shared_with TEXT NOT NULL, charges TEXT NOT NULL, parties TEXT NOT NULL,
    date TEXT, year INTEGER);
CREATE INDEX IF NOT EXISTS docs_case ON docs(case_id);
CREATE TABLE IF NOT EXISTS doc_charges(
    document_id INTEGER NOT NULL, charge_key TEXT NOT NULL, charge TEXT NOT NULL,
    PRIMARY KEY(document_id, charge_key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_charges_key ON doc_charges(charge_key);
CREATE TABLE IF NOT EXISTS doc_agencies(
    agency TEXT NOT NULL, document_id INTEGER NOT NULL,
    PRIMARY KEY(agency, document_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pages(
    id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL, page INTEGER NOT NULL,
    text TEXT NOT NULL, terms TEXT NOT NULL, UNIQUE(document_id, page));
CREATE VIRTUAL TABLE IF NOT EXISTS page_fts USING fts5(body, terms, content='', tokenize='ascii');
"""


def _analyzer_id() -> str:
    """Changes when tokens or the dictionary change, so a stale index is rebuilt on open."""
    digest = sha256("\n".join(legal_dictionary().terms).encode()).hexdigest()[:16]
    return f"{ANALYZER_VERSION}:{digest}"


def _key(value: str | None) -> str | None:
    return None if value is None else normalize(value).strip()


def _phrase(tokens: tuple[str, ...] | list[str]) -> str:
    return '"' + " ".join(tokens) + '"'


def _fts(word: Text) -> str:
    """FTS5 expression for one word: the phrase of its bigrams, or the whole dictionary term."""
    if word.single_cjk:
        return f"body : {_phrase(word.tokens)} *"
    alts = [f"body : {_phrase(word.tokens)}"]
    if len(word.term) >= 2:
        alts.append(f"terms : {_phrase([word.term])}")
    return "(" + " OR ".join(alts) + ")"


def _field_sql(name: str, value: str, params: list[Any]) -> str:
    """A document-level filter; COALESCE so that NOT of a NULL column still selects the doc."""
    if name == "charge":
        keys = [value] if value.endswith("罪") else [value, value + "罪"]
        params += keys
        marks = ", ".join("?" * len(keys))
        return (
            f"d.document_id IN (SELECT document_id FROM doc_charges WHERE charge_key IN ({marks}))"
        )
    params.append(int(value) if name in ("year", "case") else value)
    return {
        "court": "COALESCE(instr(d.court_key, ?), 0) > 0",
        "doc_type": "COALESCE(instr(d.doc_type_key, ?), 0) > 0",
        "year": "COALESCE(d.year = ?, 0)",
        "case": "d.case_id = ?",
    }[name]


def _where(node: Node, params: list[Any]) -> str:
    """Compile the query tree to SQL over ``docs d``: boolean logic per document."""
    if isinstance(node, Text):
        params.append(_fts(node))
        return (
            "d.document_id IN (SELECT p.document_id FROM page_fts f"
            " JOIN pages p ON p.id = f.rowid WHERE page_fts MATCH ?)"
        )
    if isinstance(node, Field):
        return _field_sql(node.name, node.value, params)
    if isinstance(node, Not):
        return f"NOT ({_where(node.child, params)})"
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(_where(child, params) for child in node.children) + ")"


class EmbeddedSearch:
    """SearchBackend on one SQLite file; safe to share between processes (WAL, busy timeout)."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._tx():
            self._create_schema()
            self._check_analyzer()
        self._db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS matched("
            "document_id INTEGER PRIMARY KEY, page INTEGER, rank REAL)"
        )

    # -- plumbing -------------------------------------------------------------------------

    def _create_schema(self) -> None:
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)

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

    def _check_analyzer(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'analyzer'").fetchone()
        current = _analyzer_id()
        if row is not None and row[0] != current:
            self._rebuild()
        if row is None or row[0] != current:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('analyzer', ?)", (current,))

    def _rebuild(self) -> None:
        """Re-tokenise every stored page (the analyzer or dictionary changed)."""
        self._db.execute("INSERT INTO page_fts(page_fts) VALUES ('delete-all')")
        docs = self._db.execute("SELECT document_id, parties FROM docs").fetchall()
        for document_id, parties in docs:
            pages = self._db.execute(
                "SELECT page, text FROM pages WHERE document_id = ? ORDER BY page", (document_id,)
            ).fetchall()
            self._db.execute("DELETE FROM pages WHERE document_id = ?", (document_id,))
            self._insert_pages(document_id, [t for _, t in pages], json.loads(parties))

    def _insert_pages(self, document_id: int, pages: list[str], parties: list[str]) -> None:
        names = Dictionary(parties)
        fields = [analyze_page(text, names) for text in pages]
        present = {t for f in fields for t in f.terms.split()}
        missing = [term_token(p) for p in parties if term_token(p) not in present]
        for n, (text, f) in enumerate(zip(pages, fields, strict=True), start=1):
            terms = f.terms
            if n == 1 and missing:  # a party named nowhere in the text is still findable
                terms = " ".join([terms, *missing]).strip()
            cur = self._db.execute(
                "INSERT INTO pages(document_id, page, text, terms) VALUES (?, ?, ?, ?)",
                (document_id, n, text, terms),
            )
            self._db.execute(
                "INSERT INTO page_fts(rowid, body, terms) VALUES (?, ?, ?)",
                (cur.lastrowid, f.body, terms),
            )

    def _delete_rows(self, document_id: int) -> None:
        """Remove a document; a contentless FTS row is deleted by repeating its exact tokens."""
        rows = self._db.execute(
            "SELECT id, text, terms FROM pages WHERE document_id = ?", (document_id,)
        ).fetchall()
        for rowid, text, terms in rows:
            self._db.execute(
                "INSERT INTO page_fts(page_fts, rowid, body, terms) VALUES ('delete', ?, ?, ?)",
                (rowid, body_text(text), terms),
            )
        for table in ("pages", "doc_charges", "doc_agencies", "docs"):
            self._db.execute(f"DELETE FROM {table} WHERE document_id = ?", (document_id,))

    # -- SearchBackend --------------------------------------------------------------------

    def index(self, doc: IndexDoc) -> None:
        with self._tx() as db:
            self._delete_rows(doc.document_id)
            db.execute(
                "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc.document_id, doc.case_id, doc.case_number, doc.filename,
                    doc.doc_type, _key(doc.doc_type), doc.court, _key(doc.court),
                    doc.agency, json.dumps(doc.shared_with, ensure_ascii=False),
                    json.dumps(doc.charges, ensure_ascii=False),
                    json.dumps(doc.parties, ensure_ascii=False), doc.date, doc.year,
                ),
            )  # fmt: skip
            db.executemany(
                "INSERT OR IGNORE INTO doc_charges VALUES (?, ?, ?)",
                [(doc.document_id, _key(c), c) for c in doc.charges if c.strip()],
            )
            agencies = {a for a in [doc.agency, *doc.shared_with] if a}
            db.executemany(
                "INSERT INTO doc_agencies VALUES (?, ?)",
                [(a, doc.document_id) for a in sorted(agencies)],
            )
            self._insert_pages(doc.document_id, doc.pages, doc.parties)

    def delete(self, document_id: int) -> None:
        with self._tx():
            self._delete_rows(document_id)

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0])

    def clear(self) -> None:
        with self._tx() as db:
            db.execute("INSERT INTO page_fts(page_fts) VALUES ('delete-all')")
            for table in ("pages", "doc_charges", "doc_agencies", "docs"):
                db.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> EmbeddedSearch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def search(self, query: SearchQuery) -> SearchResult:
        query.validate()
        node = parse(query.q)
        words = positive_texts(node)
        params: list[Any] = []
        conds = [_where(f, params) for f in request_filters(query)]
        if node is not None:
            conds.append(_where(node, params))
        if query.agencies is not None:
            marks = ", ".join("?" * len(query.agencies)) or "NULL"
            conds.append(
                f"d.document_id IN (SELECT document_id FROM doc_agencies WHERE agency IN ({marks}))"
            )
            params += query.agencies
        where = " AND ".join(conds) or "1"
        with self._tx(write=False) as db:
            db.execute("DELETE FROM temp.matched")
            if words:
                # bm25() only works in the FTS scan itself, so it is materialised first.
                db.execute(
                    "INSERT INTO temp.matched"
                    " WITH f AS MATERIALIZED (SELECT rowid AS rid, bm25(page_fts, ?, ?) AS r"
                    "  FROM page_fts WHERE page_fts MATCH ?),"
                    " s AS (SELECT p.document_id, p.page, MIN(f.r) AS rank"
                    "  FROM f JOIN pages p ON p.id = f.rid GROUP BY p.document_id)"
                    " SELECT d.document_id, s.page, s.rank FROM docs d"
                    f" LEFT JOIN s ON s.document_id = d.document_id WHERE {where}",
                    [*BM25_WEIGHTS, " OR ".join(_fts(w) for w in words), *params],
                )
            else:
                db.execute(
                    "INSERT INTO temp.matched SELECT d.document_id, NULL, NULL FROM docs d"
                    f" WHERE {where}",
                    params,
                )
            total, hits = self._hits(query)
            facets = {name: self._facet(name) for name in FACETS}
            texts = self._page_texts([(h.document_id, h.page) for h in hits if h.page])
        for hit in hits:
            if hit.page is not None:
                hit.highlights = snippets(texts.get((hit.document_id, hit.page), ""), words)
        return SearchResult(total=total, hits=hits, facets=facets)

    # -- search helpers (inside the read transaction) -------------------------------------

    def _hits(self, query: SearchQuery) -> tuple[int, list[SearchHit]]:
        if query.sort == "date":
            order = "date IS NULL, date DESC, rank IS NULL, rank, document_id DESC"
        else:
            order = "rank IS NULL, rank, date IS NULL, date DESC, document_id DESC"
        base = (
            "SELECT d.document_id, d.case_id, d.filename, m.rank, m.page, d.case_number,"
            " d.doc_type, d.court, d.date, d.charges"
            " FROM temp.matched m JOIN docs d ON d.document_id = m.document_id"
        )
        if query.group_by_case:
            base = (
                f"SELECT * FROM (SELECT b.*, ROW_NUMBER() OVER"
                f" (PARTITION BY case_id ORDER BY {order}) AS rn FROM ({base}) b) WHERE rn = 1"
            )
        total = self._db.execute(f"SELECT COUNT(*) FROM ({base})").fetchone()[0]
        rows = self._db.execute(
            f"SELECT * FROM ({base}) ORDER BY {order} LIMIT ? OFFSET ?",
            (query.size, (query.page - 1) * query.size),
        ).fetchall()
        hits = [
            SearchHit(
                document_id=r[0], case_id=r[1], filename=r[2],
                score=0.0 if r[3] is None else round(-r[3], 6), page=r[4], highlights=[],
                case_number=r[5], doc_type=r[6], court=r[7], date=r[8],
                charges=json.loads(r[9]),
            )
            for r in rows
        ]  # fmt: skip
        return int(total), hits

    def _facet(self, name: str) -> list[dict[str, Any]]:
        if name == "charge":
            sql = (
                "SELECT MIN(c.charge), COUNT(*) AS n FROM temp.matched m"
                " JOIN doc_charges c ON c.document_id = m.document_id"
                " GROUP BY c.charge_key ORDER BY n DESC, 1 LIMIT ?"
            )
        else:
            sql = (
                f"SELECT d.{name}, COUNT(*) AS n FROM temp.matched m"
                f" JOIN docs d ON d.document_id = m.document_id WHERE d.{name} IS NOT NULL"
                f" GROUP BY d.{name} ORDER BY n DESC, 1 LIMIT ?"
            )
        rows = self._db.execute(sql, (FACET_LIMIT,)).fetchall()
        return [{"value": value, "count": n} for value, n in rows]

    def _page_texts(self, keys: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
        texts: dict[tuple[int, int], str] = {}
        for document_id, page in keys:
            row = self._db.execute(
                "SELECT text FROM pages WHERE document_id = ? AND page = ?", (document_id, page)
            ).fetchone()
            if row is not None:
                texts[(document_id, page)] = row[0]
        return texts
