"""Which embedded engine: SQLite FTS5 or tantivy? ``python -m benchmarks.search_engine_choice``.

The issue asks to pick the embedded full-text engine by benchmark; this is that benchmark,
on the real LeCaRD judgments and the corpus, pages and query set of ``benchmarks.search``.
Both engines get the very same input: the page tokens that EmbeddedSearch feeds FTS5
(``search.analysis.analyze_page``: NFKC, CJK bigrams, dictionary terms and party names),
space-separated; FTS5 splits them with its ``ascii`` tokenizer, tantivy with its whitespace
tokenizer, so both index the same tokens at the same positions and a phrase is a phrase of
bigrams on both. The unit is the page (one FTS5 row, one tantivy document), ranked by bm25
(body weight 1, whole-word terms 2), a document by its best page.

1. Index time, one commit per document (the worker indexes a document when it is processed)
   and in bulk (one commit), and index size. Tokenising is done once beforehand and timed
   apart, so the figures are the engines' own work.
2. Query latency of the fixed query set's word, phrase and boolean queries, both engines
   doing the same work: match, rank every match, the top 10 documents by best page, and the
   number of matching pages (which must be equal on both: a check of the translation).
3. Known-item phrases (``benchmarks.search.known_items``): the right judgment must come first.
4. Concurrency: two writer processes indexing one document per commit into the same index
   while a third searches, as several Celery workers would; exceptions are reported as
   raised.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from benchmarks.search import (
    DEFAULT_CORPUS,
    BenchQuery,
    KnownItem,
    KnownItemResult,
    Latency,
    command_line,
    dir_size,
    index_docs,
    known_item_search,
    known_items,
    load_corpus,
    query_set,
    time_queries,
)
from search.analysis import analyze_document
from search.base import IndexDoc, SearchHit, SearchQuery, SearchResult
from search.embedded import (
    BM25_WEIGHTS,
    CACHE_KIB,
    DOC_MASK,
    FTS_AUTOMERGE,
    FTS_SCHEMA,
    MMAP_BYTES,
    PAGE_BITS,
    EmbeddedSearch,
    day_key,
    fts_word,
    page_rowid,
)
from search.query import And, Node, Not, Or, Text, parse

KINDS = ("charge", "phrase", "boolean")  # the query kinds both engines run; "filter" is not
HEAP_BYTES = 128_000_000  # tantivy's default writer heap
RETRY_HEAP_BYTES = 15_000_000  # the smallest heap tantivy accepts for one writer thread


def _tantivy() -> Any:
    """The tantivy module, imported only when a tantivy figure is asked for."""
    try:
        import tantivy
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SystemExit("tantivy is not installed: .venv/bin/pip install tantivy==0.27.0") from exc
    return tantivy


# -- the same tokens for both ------------------------------------------------------------


@dataclass(frozen=True)
class PageRow:
    """One page as EmbeddedSearch writes it to page_fts (rowid, body, terms)."""

    rowid: int
    document_id: int
    page: int
    body: str
    terms: str


def page_rows(doc: IndexDoc) -> list[PageRow]:
    """The FTS rows of a document, exactly as EmbeddedSearch._insert_pages builds them
    (search.analysis.analyze_document)."""
    day = day_key(doc.date)
    return [PageRow(page_rowid(doc.document_id, day, n), doc.document_id, n, f.body, f.terms)
            for n, f in enumerate(analyze_document(doc.pages, doc.parties), start=1)]


# -- SQLite FTS5, as EmbeddedSearch sets it up ------------------------------------------


def open_fts(path: Path, timeout: float = 30.0, synchronous: str = "NORMAL") -> sqlite3.Connection:
    """The page_fts table alone, with EmbeddedSearch's pragmas, tokenizer and automerge.
    (synchronous=NORMAL in WAL mode does not fsync a commit, tantivy does: FULL, which
    does, is measured too.)"""
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    db.execute(FTS_SCHEMA.format(table="page_fts"))
    db.execute("INSERT INTO page_fts(page_fts, rank) VALUES ('automerge', ?)", (FTS_AUTOMERGE,))
    return db


def fts_index(db: sqlite3.Connection, docs: Sequence[Sequence[PageRow]], per_doc: bool) -> float:
    """Insert the rows, one transaction per document or one for all; seconds."""
    sql = "INSERT INTO page_fts(rowid, body, terms) VALUES (?, ?, ?)"
    t0 = time.perf_counter()
    if not per_doc:
        db.execute("BEGIN IMMEDIATE")
    for rows in docs:
        if per_doc:
            db.execute("BEGIN IMMEDIATE")
        db.executemany(sql, [(r.rowid, r.body, r.terms) for r in rows])
        if per_doc:
            db.execute("COMMIT")
    if not per_doc:
        db.execute("COMMIT")
    return time.perf_counter() - t0


def fts_match(node: Node | None) -> str | None:
    """The FTS5 MATCH expression of a query tree, page-level; None when it has a field
    filter or a NOT without a positive term (neither engine can run those on pages)."""
    if isinstance(node, Text):
        return fts_word(node)
    if isinstance(node, And):
        pos = [fts_match(c) for c in node.children if not isinstance(c, Not)]
        neg = [fts_match(c.child) for c in node.children if isinstance(c, Not)]
        if not pos or None in pos or None in neg:
            return None
        expr = "(" + " AND ".join(str(p) for p in pos) + ")"
        return expr + (" NOT (" + " OR ".join(str(n) for n in neg) + ")" if neg else "")
    if isinstance(node, Or):
        alts = [fts_match(c) for c in node.children]
        return None if None in alts else "(" + " OR ".join(str(a) for a in alts) + ")"
    return None  # Field, Not alone, no query


_FTS_TOP = (
    "WITH f AS MATERIALIZED (SELECT rowid, bm25(page_fts, ?, ?) AS r FROM page_fts"
    f" WHERE page_fts MATCH ?), s AS MATERIALIZED (SELECT (rowid >> {PAGE_BITS}) & {DOC_MASK} AS doc,"
    " MIN(r) AS r, COUNT(*) AS n FROM f GROUP BY 1)"
    " SELECT doc, r, (SELECT SUM(n) FROM s) FROM s ORDER BY r, doc DESC LIMIT ?"
)


def _result(total: int, top: list[tuple[int, float]]) -> SearchResult:
    hits = [SearchHit(d, 0, "", s, None, []) for d, s in top]
    return SearchResult(total=total, hits=hits, facets={})


class FtsPages:
    """Raw SQL on page_fts: every matching page ranked by bm25, the best page per document,
    the top documents and the number of matching pages (no metadata, facets, highlights)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def search(self, query: SearchQuery) -> SearchResult:
        match = fts_match(parse(query.q))
        if match is None:
            raise ValueError(f"not a page-level text query: {query.q!r}")
        rows = self.db.execute(_FTS_TOP, (*BM25_WEIGHTS, match, query.size)).fetchall()
        total = int(rows[0][2]) if rows else 0
        return _result(total, [(int(d), -float(r)) for d, r, _ in rows])


# -- tantivy over the same tokens --------------------------------------------------------


def open_tantivy(path: Path) -> Any:
    """A tantivy index in `path` (created if absent): one document per page, u64 fast fields
    doc/page, and body/terms indexed with positions by the whitespace tokenizer."""
    tv = _tantivy()
    b = tv.SchemaBuilder()
    b.add_unsigned_field("doc", indexed=True, fast=True)
    b.add_unsigned_field("page", fast=True)
    b.add_text_field("body", tokenizer_name="ws", index_option="position")
    b.add_text_field("terms", tokenizer_name="ws", index_option="position")
    path.mkdir(parents=True, exist_ok=True)
    index = tv.Index(b.build(), path=str(path), reuse=True)
    index.register_tokenizer("ws", tv.TextAnalyzerBuilder(tv.Tokenizer.whitespace()).build())
    return index


def tantivy_doc(row: PageRow) -> Any:
    doc = _tantivy().Document()
    doc.add_unsigned("doc", row.document_id)
    doc.add_unsigned("page", row.page)
    doc.add_text("body", row.body)
    doc.add_text("terms", row.terms)
    return doc


def tantivy_index(
    index: Any, docs: Sequence[Sequence[PageRow]], per_doc: bool
) -> tuple[float, float]:
    """Add the pages with one writer (one indexing thread, as one worker process), committing
    per document or once; (seconds until the last commit, seconds waiting for merges)."""
    writer = index.writer(HEAP_BYTES, 1)
    t0 = time.perf_counter()
    for rows in docs:
        for row in rows:
            writer.add_document(tantivy_doc(row))
        if per_doc:
            writer.commit()
    if not per_doc:
        writer.commit()
    t1 = time.perf_counter()
    writer.wait_merging_threads()
    index.reload()
    return t1 - t0, time.perf_counter() - t1


def tantivy_query(index: Any, node: Node | None) -> Any:
    """The tantivy query of a tree, the same logic as fts_match: a word is the phrase of its
    bigrams in body (weight 1) or its whole-word term in terms (weight 2)."""
    tv = _tantivy()
    schema = index.schema
    if isinstance(node, Text):
        if node.single_char:
            return None  # FTS5 matches it as a prefix; left out (no such query in the set)
        toks = list(node.tokens)
        body = (
            tv.Query.term_query(schema, "body", toks[0])
            if len(toks) == 1
            else tv.Query.phrase_query(schema, "body", toks)
        )
        alts = [(tv.Occur.Should, tv.Query.boost_query(body, BM25_WEIGHTS[0]))]
        if len(node.term) >= 2:
            term = tv.Query.term_query(schema, "terms", node.term)
            alts.append((tv.Occur.Should, tv.Query.boost_query(term, BM25_WEIGHTS[1])))
        return tv.Query.boolean_query(alts)
    if isinstance(node, And | Or):
        subs = []
        for child in node.children:
            neg = isinstance(child, Not)
            q = tantivy_query(index, child.child if isinstance(child, Not) else child)
            if q is None or (neg and isinstance(node, Or)):
                return None
            occur = (
                tv.Occur.MustNot
                if neg
                else (tv.Occur.Must if isinstance(node, And) else tv.Occur.Should)
            )
            subs.append((occur, q))
        if all(o == tv.Occur.MustNot for o, _ in subs):
            return None
        return tv.Query.boolean_query(subs)
    return None  # Field, Not alone, no query


class TantivyPages:
    """tantivy's TopDocs+Count over the pages; pages are read in score order (the doc fast
    field) until the top documents are known, widening the page window when needed."""

    def __init__(self, index: Any) -> None:
        self.index = index
        self.searcher = index.searcher()

    def search(self, query: SearchQuery) -> SearchResult:
        q = tantivy_query(self.index, parse(query.q))
        if q is None:
            raise ValueError(f"not a page-level text query: {query.q!r}")
        limit = 10 * query.size
        while True:
            res = self.searcher.search(q, limit, count=True)
            addrs = [a for _, a in res.hits]
            best: dict[int, float] = {}
            for (score, _), doc in zip(
                res.hits, self.searcher.fast_field_values("doc", addrs), strict=True
            ):
                best.setdefault(int(doc), float(score))
            if len(best) >= query.size or len(res.hits) >= int(res.count):
                top = sorted(best.items(), key=lambda ds: (-ds[1], -ds[0]))[: query.size]
                return _result(int(res.count), top)
            limit *= 4


# -- the comparison ----------------------------------------------------------------------


def text_queries(queries: Sequence[BenchQuery]) -> tuple[list[BenchQuery], list[BenchQuery]]:
    """(the queries both engines run, those left out): filters, facets, sort and paging
    work on document metadata, not on the text index."""
    keep = [q for q in queries if q.kind in KINDS and fts_match(parse(q.query.q)) is not None]
    return keep, [q for q in queries if q not in keep]


@dataclass
class Side:
    """One engine's figures."""

    name: str
    tokens_s: float = 0.0
    per_doc_s: float = 0.0
    per_doc_merge_s: float = 0.0
    per_doc_fsync_s: float = 0.0  # FTS5 with synchronous=FULL (an fsync per commit)
    bulk_s: float = 0.0
    bulk_merge_s: float = 0.0
    size_per_doc: int = 0
    size_bulk: int = 0
    latency: Latency | None = None
    known: KnownItemResult | None = None
    totals: list[int] = field(default_factory=list)  # matching pages per query, in order
    tops: list[int | None] = field(default_factory=list)  # top document per query


def _top_and_totals(
    engine: Any, queries: Sequence[BenchQuery]
) -> tuple[list[int], list[int | None]]:
    results = [engine.search(q.query) for q in queries]
    return [r.total for r in results], [r.hits[0].document_id if r.hits else None for r in results]


def compare_engines(
    docs: Sequence[IndexDoc],
    queries: Sequence[BenchQuery],
    items: Sequence[KnownItem],
    tmp: Path,
    repeat: int = 3,
) -> tuple[Side, Side]:
    """Index into both engines (per document and bulk), time the queries on the per-document
    indexes (what the worker leaves), run the known items; (fts5, tantivy)."""
    t0 = time.perf_counter()
    rows = [page_rows(d) for d in docs]
    tokens_s = time.perf_counter() - t0
    fts, tan = Side("SQLite FTS5", tokens_s), Side("tantivy 0.27", tokens_s)

    db = open_fts(tmp / "bulk.sqlite")
    fts.bulk_s = fts_index(db, rows, per_doc=False)
    db.close()
    db = open_fts(tmp / "fts.sqlite")
    fts.per_doc_s = fts_index(db, rows, per_doc=True)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    fts.size_per_doc = sum(
        p.stat().st_size for p in tmp.iterdir() if p.name.startswith("fts.sqlite")
    )
    fts.size_bulk = sum(p.stat().st_size for p in tmp.iterdir() if p.name.startswith("bulk.sqlite"))
    full = open_fts(tmp / "fsync.sqlite", synchronous="FULL")
    fts.per_doc_fsync_s = fts_index(full, rows, per_doc=True)
    full.close()

    bulk = open_tantivy(tmp / "tantivy-bulk")
    tan.bulk_s, tan.bulk_merge_s = tantivy_index(bulk, rows, per_doc=False)
    tan.size_bulk = dir_size(tmp / "tantivy-bulk")
    del bulk
    index = open_tantivy(tmp / "tantivy")
    tan.per_doc_s, tan.per_doc_merge_s = tantivy_index(index, rows, per_doc=True)
    tan.size_per_doc = dir_size(tmp / "tantivy")

    for side, engine in ((fts, FtsPages(db)), (tan, TantivyPages(index))):
        side.latency = time_queries(engine, queries, repeat)
        side.latency.bounded, side.latency.sampled = [], []  # always exact, no facets
        side.totals, side.tops = _top_and_totals(engine, queries)
        side.known = known_item_search(engine, items) if items else None
    db.close()
    return fts, tan


def service_reference(
    docs: Sequence[IndexDoc], queries: Sequence[BenchQuery], tmp: Path, repeat: int = 3
) -> tuple[float, int, Latency]:
    """EmbeddedSearch itself (tokenising, metadata, stored page text, per-document boolean,
    facets and highlights, rank window): index seconds, file bytes, latency."""
    path = tmp / "service" / "index.sqlite"
    with EmbeddedSearch(path) as engine:
        t0 = time.perf_counter()
        for doc in docs:
            engine.index(doc)
        secs = time.perf_counter() - t0
        lat = time_queries(engine, queries, repeat)
    return secs, dir_size(path.parent), lat


# -- concurrency -------------------------------------------------------------------------


@dataclass
class Observed:
    """What one process of the concurrency check did."""

    role: str
    indexed: int = 0
    seconds: float = 0.0
    error: str | None = None  # "ExceptionType: message" of the first exception, as raised
    lock_retries: int = 0
    searches: int = 0
    search_errors: int = 0

    def text(self) -> str:
        if self.role == "searcher":
            done = f"{self.searches} searches, {self.search_errors} failed"
        else:
            done = f"indexed {self.indexed} docs in {self.seconds:.1f} s"
            done += f", {self.lock_retries} lock retries" if self.lock_retries else ""
        return done + (f"; raised {self.error}" if self.error else "")


def _err(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _writer(
    mode: str, path: str, docs: list[IndexDoc], ready: Any, start: Any, out: Any, role: str
) -> None:
    """One worker process: open the index at start-up (as a Celery worker would), say so on
    `ready`, then index `docs` one commit each when `start` is set. Modes: fts5
    (EmbeddedSearch, as our worker), tantivy (the IndexWriter taken at start-up and held),
    tantivy-retry (an IndexWriter taken per document and released after its commit,
    retried while another process holds the lock)."""
    obs = Observed(role)
    engine: EmbeddedSearch | None = None
    index: Any = None
    writer: Any = None
    try:
        if mode == "fts5":
            engine = EmbeddedSearch(Path(path))
        else:
            index = open_tantivy(Path(path))
            if mode == "tantivy":
                writer = index.writer(HEAP_BYTES, 1)
    except Exception as exc:  # reported as raised: the point of the check
        obs.error = _err(exc)
    ready.put(role)
    start.wait()
    t0 = time.perf_counter()
    try:
        for doc in docs if obs.error is None else []:
            if engine is not None:
                engine.index(doc)
            else:
                if mode == "tantivy-retry":
                    writer = _take_writer(index, obs)
                for row in page_rows(doc):
                    writer.add_document(tantivy_doc(row))
                writer.commit()
                if mode == "tantivy-retry":
                    writer.wait_merging_threads()  # consumes the writer: the lock is released
            obs.indexed += 1
        if mode == "tantivy" and writer is not None:
            writer.wait_merging_threads()
    except Exception as exc:
        obs.error = _err(exc)
    if engine is not None:
        engine.close()
    obs.seconds = time.perf_counter() - t0
    out.put(obs)


def _take_writer(index: Any, obs: Observed) -> Any:
    """An IndexWriter, retrying every 5 ms while the lock file is held elsewhere."""
    while True:
        try:
            return index.writer(RETRY_HEAP_BYTES, 1)
        except ValueError as exc:
            if "LockBusy" not in str(exc):
                raise
            obs.lock_retries += 1
            time.sleep(0.005)


def _searcher(mode: str, path: str, stop: Any, out: Any) -> None:
    """The third process: search while the writers write (fresh reader state each time)."""
    obs = Observed("searcher")
    query = SearchQuery(q="被告人")
    engine: Callable[[], Any]
    if mode == "fts5":
        service = EmbeddedSearch(Path(path))
        engine = lambda: service  # noqa: E731
    else:
        index = open_tantivy(Path(path))

        def engine() -> Any:
            index.reload()
            return TantivyPages(index)

    while not stop.is_set():
        try:
            engine().search(query)
            obs.searches += 1
        except Exception as exc:
            obs.search_errors += 1
            obs.error = obs.error or _err(exc)
        time.sleep(0.01)
    out.put(obs)


def concurrency(
    mode: str, docs: Sequence[IndexDoc], per_writer: int, tmp: Path
) -> tuple[list[Observed], int]:
    """Two writer processes (per_writer documents each, distinct ids) and one searcher on one
    index, started together (spawn); what each observed, and the documents in the index."""
    path = tmp / f"concurrency-{mode}"
    if mode == "fts5":
        path = path / "index.sqlite"
        EmbeddedSearch(path).close()
    else:
        open_tantivy(path)
    batches = [
        [
            replace(docs[(w * per_writer + i) % len(docs)], document_id=1 + w * per_writer + i)
            for i in range(per_writer)
        ]
        for w in range(2)
    ]
    ctx = mp.get_context("spawn")
    ready, start, stop, out = ctx.Queue(), ctx.Event(), ctx.Event(), ctx.Queue()
    searcher = ctx.Process(target=_searcher, args=(mode, str(path), stop, out))
    writers = [
        ctx.Process(
            target=_writer, args=(mode, str(path), batch, ready, start, out, f"writer {w + 1}")
        )
        for w, batch in enumerate(batches)
    ]
    for p in [searcher, *writers]:
        p.start()
    for _ in writers:  # both have opened the index (and tried for the writer)
        ready.get(timeout=300)
    start.set()
    observed = [out.get(timeout=1800) for _ in writers]
    stop.set()
    observed.append(out.get(timeout=120))
    for p in [searcher, *writers]:
        p.join(timeout=60)
    observed.sort(key=lambda o: o.role)
    if mode == "fts5":
        with EmbeddedSearch(path) as engine:
            count = engine.count()
    else:
        index = open_tantivy(path)
        index.reload()
        searcher_ = index.searcher()
        docs_agg = {"d": {"terms": {"field": "doc", "size": 4 * per_writer}}}
        buckets = searcher_.aggregate(_tantivy().Query.all_query(), docs_agg)["d"]["buckets"]
        count = len(buckets)
    return observed, count


# -- the report --------------------------------------------------------------------------


def _row(label: str, value: str) -> None:
    print(f"  {label:<24} {value}", flush=True)


def _command(args: argparse.Namespace, **override: Any) -> str:
    opts: dict[str, Any] = {
        "--corpus": None if args.corpus == DEFAULT_CORPUS else args.corpus,
        "--docs": args.docs,
        "--queries": None if args.phrases == 10 else args.phrases,
        "--known-items": None if args.known_items == 200 else args.known_items,
        "--repeat": None if args.repeat == 3 else args.repeat,
        "--page-chars": None if args.page_chars == 1500 else args.page_chars,
        "--seed": None if args.seed == 0 else args.seed,
        "--writer-docs": None if args.writer_docs == 200 else args.writer_docs,
        "--no-service": args.no_service or None,
    }
    opts.update(override)
    return command_line("python -m benchmarks.search_engine_choice", opts)


def _mib(n: int, chars: int) -> str:
    return f"{n / 2**20:.1f} MiB ({n / chars:.2f} bytes/char)"


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run every part, printing as it goes; returns the figures."""
    _tantivy()
    t_start = time.perf_counter()
    judgments = load_corpus(args.corpus, args.docs)
    docs = index_docs(judgments, args.page_chars)
    chars = sum(len(p) for d in docs for p in d.pages)
    queries, left_out = text_queries(query_set(docs, args.phrases, args.seed))
    items, skipped = known_items(judgments, args.known_items, args.seed, args.page_chars)
    figures: dict[str, Any] = {"queries": queries, "left_out": left_out}
    print(
        f"LeCaRD: {len(docs)} docs, {sum(len(d.pages) for d in docs)} pages of {args.page_chars}"
        f" chars ({chars / 1e6:.1f} M chars); same EmbeddedSearch tokens fed to both engines"
    )
    cmd = _command(args)
    print(f"  reproduce: {cmd}")
    with tempfile.TemporaryDirectory(prefix="engine-choice-") as tmp_name:
        tmp = Path(tmp_name)
        fts, tan = compare_engines(docs, queries, items, tmp, args.repeat)
        figures.update(fts=fts, tantivy=tan)
        print(
            f"1. index time, one writer (tokenising beforehand, not counted: {fts.tokens_s:.1f} s;"
            " tantivy: 1 indexing thread, 128 MB heap)"
        )
        print(f"  reproduce: {cmd}")
        for s in (fts, tan):
            merge = f" + {s.per_doc_merge_s:.1f} s waiting for merges" if s.name != fts.name else ""
            _row(
                f"{s.name} per-doc commit",
                f"{s.per_doc_s:.1f} s, {len(docs) / s.per_doc_s:.0f} docs/s{merge}",
            )
        _row(
            "  FTS5, fsync per commit",
            f"{fts.per_doc_fsync_s:.1f} s, {len(docs) / fts.per_doc_fsync_s:.0f} docs/s"
            " (synchronous=FULL; EmbeddedSearch uses NORMAL; tantivy fsyncs every commit)",
        )
        for s in (fts, tan):
            merge = f" + {s.bulk_merge_s:.1f} s merges" if s.name != fts.name else ""
            _row(f"{s.name} bulk", f"{s.bulk_s:.1f} s, {len(docs) / s.bulk_s:.0f} docs/s{merge}")
        for s in (fts, tan):
            _row(
                f"{s.name} size",
                f"per-doc {_mib(s.size_per_doc, chars)}, bulk {_mib(s.size_bulk, chars)}",
            )
        if not args.no_service:
            secs, size, slat = service_reference(docs, queries, tmp, args.repeat)
            figures["service"] = (secs, size, slat)
            _row(
                "EmbeddedSearch (service)",
                f"index {secs:.1f} s incl. tokenising, file {_mib(size, chars)} incl. page text and metadata",
            )

        kinds = {k: sum(q.kind == k for q in queries) for k in KINDS}
        print(
            f"2. query latency, {len(queries)} queries ({kinds}) x {args.repeat} timed passes;"
            f" left out {len(left_out)}: " + ", ".join(sorted({q.kind for q in left_out}))
        )
        print(f"  reproduce: {cmd}")
        print(
            "  both: bm25 of every matching page, best page per document, top 10 documents"
            " and the count of matching pages ('hits' below); FTS5 raw SQL on page_fts,"
            " tantivy TopDocs+Count; boolean logic per page"
        )
        for s in (fts, tan):
            assert s.latency is not None
            _row(s.name, s.latency.text())
            _row("  p95 by kind", s.latency.by_kind())
        if "service" in figures:
            _row(
                "EmbeddedSearch.search()",
                figures["service"][2].text()
                + " (not the same work: per-document boolean, 2,000-page rank window,"
                " metadata, facets, highlights)",
            )
        same_totals = sum(a == b for a, b in zip(fts.totals, tan.totals, strict=True))
        phrase_ix = [i for i, q in enumerate(queries) if q.kind == "phrase"]
        same_top = sum(fts.tops[i] == tan.tops[i] for i in phrase_ix)
        all_top = sum(a == b for a, b in zip(fts.tops, tan.tops, strict=True))
        _row("same matching pages", f"{same_totals}/{len(queries)} queries")
        _row(
            "same top document",
            f"phrases {same_top}/{len(phrase_ix)}, all {all_top}/{len(queries)}",
        )
        print(f"3. known-item: {len(items)} unique 12-16 char phrases ({skipped} passed over)")
        print(f"  reproduce: {cmd}")
        for s in (fts, tan):
            if s.known is not None:
                _row(s.name, s.known.text())
        print(
            f"4. concurrency: 2 writer processes x {args.writer_docs} docs, one commit each, + 1 searcher"
        )
        print(f"  reproduce: {cmd}")
        for mode in ("fts5", "tantivy", "tantivy-retry"):
            observed, count = concurrency(mode, docs, args.writer_docs, tmp)
            figures[f"concurrency {mode}"] = (observed, count)
            _row(mode, f"{count} docs in the index afterwards")
            for obs in observed:
                _row(f"  {obs.role}", obs.text())
    if hasattr(os, "getloadavg"):
        print(
            f"machine load {os.getloadavg()[0]:.1f} (1-min), {os.cpu_count()} CPUs;"
            f" runtime {time.perf_counter() - t_start:.0f} s"
        )
    return figures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.search_engine_choice", description=__doc__)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--docs", type=int, default=None, help="LeCaRD judgments (default: all)")
    ap.add_argument("--queries", dest="phrases", type=int, default=10, help="phrase queries")
    ap.add_argument("--known-items", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3, help="timed passes over the query set")
    ap.add_argument("--page-chars", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--writer-docs", type=int, default=200, help="docs per concurrent writer")
    ap.add_argument("--no-service", action="store_true", help="skip the EmbeddedSearch reference")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    run(parse_args(argv))


if __name__ == "__main__":
    main()
