"""Search benchmark on real judgments: ``python -m benchmarks.search`` (``make bench``).

Three parts, each printed with the command that reproduces it:

1. LeCaRD: the full texts of the corpus (6,428 judgments; text cut into scan-sized pages,
   metadata pulled from the text the way extraction would) indexed into the embedded engine,
   one document per transaction as the worker does, and, when ``--cluster-url`` or
   ``DOSSIER_SEARCH_BENCH_URL`` names one, into an Elasticsearch/OpenSearch cluster with the
   bulk ``index_many``, side by side: index time, index size, p50/p95 latency of a fixed query
   set (charge names, phrases, AND/OR/NOT, filters, facets and highlights included).
2. Known-item search: for N judgments (fixed seed) a 12-16 character run of their facts
   section that occurs in no other judgment is searched as a phrase; it must come back first.
3. Scale: ``--scale N`` documents synthesised by recombining real paragraphs of the corpus
   (each with the charges/court/date of a real judgment) in the embedded engine: index time,
   size and the same query set's p50/p95.

The cluster part uses its own alias (``--cluster-alias``, default ``bench-lecard``; never
the service's ``dossier-pages``) and deletes its index afterwards.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from benchmarks.paths import SHARED_DATA
from search.analysis import is_cjk, legal_dictionary, normalize
from search.base import IndexDoc, SearchQuery, SearchResult
from search.embedded import EmbeddedSearch

DEFAULT_CORPUS = (
    SHARED_DATA / "lecard" / "corpus.jsonl.gz"
)
BENCH_URL_ENV = "DOSSIER_SEARCH_BENCH_URL"
DEFAULT_ALIAS = "bench-lecard"
_COURT = re.compile(r"(\S{2,30}?法院)")
_CASE_NO = re.compile(r"[（(]\d{4}[）)]\S{2,20}?号")
_DEFENDANT = re.compile(r"被告人([\u4e00-\u9fff]{2,4}?)[，,。（(]")
_NUM = "〇○零一二三四五六七八九十"
_DATE = re.compile(f"([{_NUM}]{{4}})年([{_NUM}]{{1,2}})月([{_NUM}]{{1,3}})日")
_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}
_CJK_RUN = re.compile(r"[\u3007\u3400-\u4dbf\u4e00-\u9fff]{12,}")
_AGENCIES = ["A1", "A2", "A3", "P1", "P2"]


# -- the corpus --------------------------------------------------------------------------


@dataclass
class Judgment:
    """One LeCaRD candidate: its full text and its facts section (经审理查明 …)."""

    doc_id: int  # 1-based, the document_id it is indexed under
    name: str
    text: str
    facts: str


def load_corpus(path: Path, n: int | None = None) -> list[Judgment]:
    """The first n judgments of a LeCaRD corpus.jsonl.gz (all when n is None)."""
    out: list[Judgment] = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if n is not None and len(out) >= n:
                break
            row = json.loads(line)
            text = str(row["qw"])
            out.append(
                Judgment(
                    doc_id=len(out) + 1,
                    name=str(row.get("candidate_id", len(out) + 1)),
                    text=text,
                    facts=str(row.get("ajjbqk") or text),
                )
            )
    return out


def _cn_int(s: str) -> int:
    """二十九 -> 29 (numbers below 100, as in dates)."""
    if "十" not in s:
        return _DIGITS[s]
    tens, _, ones = s.partition("十")
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


def _date(text: str) -> str | None:
    found = _DATE.findall(text[-300:])
    if not found:
        return None
    y, m, d = found[-1]
    try:
        year = int("".join(str(_DIGITS[c]) for c in y))
        return f"{year:04d}-{_cn_int(m):02d}-{_cn_int(d):02d}"
    except KeyError:
        return None


def paginate(text: str, page_chars: int) -> list[str]:
    return [text[j : j + page_chars] for j in range(0, len(text), page_chars)] or [""]


def index_docs(judgments: Sequence[Judgment], page_chars: int) -> list[IndexDoc]:
    """The judgments as the index sees them (metadata as extraction would find it)."""
    charges = [t for t in legal_dictionary().terms if t.endswith("罪")]
    docs = []
    for j in judgments:
        text = j.text
        court = _COURT.search(text[:200])
        case_no = _CASE_NO.search(text[:300])
        verdict = text[-1500:]
        i = j.doc_id - 1
        docs.append(
            IndexDoc(
                document_id=j.doc_id,
                case_id=i // 2 + 1,
                case_number=case_no.group(0) if case_no else None,
                filename=f"{j.name}.pdf",
                doc_type="刑事判决书" if "刑事判决书" in text[:200] else None,
                court=court.group(1) if court else None,
                agency=_AGENCIES[i % len(_AGENCIES)],
                shared_with=[_AGENCIES[(i + 1) % len(_AGENCIES)]],
                charges=[c for c in charges if c in verdict],
                date=_date(text),
                pages=paginate(text, page_chars),
                parties=sorted(set(_DEFENDANT.findall(text[:1500]))),
            )
        )
    return docs


# -- the fixed query set -----------------------------------------------------------------

CHARGE_QUERIES = [
    "盗窃罪", "故意伤害", "诈骗罪", "危险驾驶", "交通肇事罪",
    "抢劫", "寻衅滋事罪", "开设赌场", "非法拘禁罪", "容留他人吸毒",
]  # fmt: skip
BOOLEAN_QUERIES = [
    "盗窃 AND 抢劫", "故意伤害 NOT 轻伤", "诈骗 -电信", "(盗窃 OR 抢夺) AND 自首",
    "毒品 AND 贩卖 NOT 运输", "交通肇事 逃逸", "自首 AND 立功 AND 累犯", "醉酒 OR 酒后",
]  # fmt: skip
FILTER_QUERIES = [
    SearchQuery(q="自首", charge="盗窃罪"),
    SearchQuery(q="charge:故意伤害罪 year:2018"),
    SearchQuery(q="court:上海 盗窃"),
    SearchQuery(charge="危险驾驶罪", year=2017),
    SearchQuery(q="被告人", sort="date"),
    SearchQuery(q="毒品", group_by_case=True),
    SearchQuery(q="赔偿 谅解", doc_type="刑事判决书"),
    SearchQuery(q="缓刑", court="人民法院", page=2),
]


@dataclass(frozen=True)
class BenchQuery:
    kind: str  # charge | phrase | boolean | filter
    query: SearchQuery

    def label(self) -> str:
        q = self.query
        extra = {
            k: v
            for k, v in [
                ("charge", q.charge), ("court", q.court), ("doc_type", q.doc_type),
                ("year", q.year), ("group_by_case", q.group_by_case or None),
                ("sort", None if q.sort == "relevance" else q.sort),
                ("page", None if q.page == 1 else q.page),
            ]
            if v is not None
        }  # fmt: skip
        return q.q + (" " + json.dumps(extra, ensure_ascii=False) if extra else "")


def cut_phrases(docs: Sequence[IndexDoc], k: int, rng: random.Random) -> list[str]:
    """k phrases of 4-8 CJK characters cut from random pages."""
    out: list[str] = []
    for _ in range(10_000 * max(k, 1)):
        if len(out) >= k:
            break
        page = rng.choice(rng.choice(docs).pages)
        size = rng.randint(4, 8)
        start = rng.randrange(max(1, len(page) - size))
        phrase = page[start : start + size]
        if len(phrase) == size and all(is_cjk(c) for c in phrase):
            out.append(phrase)
    return out


def query_set(docs: Sequence[IndexDoc], phrases: int = 10, seed: int = 0) -> list[BenchQuery]:
    """The fixed query set: charges, quoted phrases from the texts, boolean, filtered."""
    rng = random.Random(seed)
    return [
        *(BenchQuery("charge", SearchQuery(q=c)) for c in CHARGE_QUERIES),
        *(BenchQuery("phrase", SearchQuery(q=f'"{p}"')) for p in cut_phrases(docs, phrases, rng)),
        *(BenchQuery("boolean", SearchQuery(q=b)) for b in BOOLEAN_QUERIES),
        *(BenchQuery("filter", replace(f)) for f in FILTER_QUERIES),
    ]


# -- measuring ---------------------------------------------------------------------------


class Engine(Protocol):
    def search(self, query: SearchQuery) -> SearchResult: ...


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


@dataclass
class Latency:
    times_ms: list[float]
    totals: list[int]
    labels: list[tuple[str, str]] = field(default_factory=list)  # (kind, query) per time
    bounded: list[bool] = field(default_factory=list)  # total a lower bound ("gte") per time
    sampled: list[bool] = field(default_factory=list)  # facets over a sample per time

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return percentile(self.times_ms, 95)

    def text(self) -> str:
        bounded = (
            f"; {sum(self.bounded)} with the total a lower bound, {sum(self.sampled)} with"
            " sampled facets"
            if self.bounded
            else ""
        )
        return (
            f"p50 {self.p50:.1f} ms, p95 {self.p95:.1f} ms, max {max(self.times_ms):.1f} ms"
            f" ({len(self.times_ms)} timed searches, median {statistics.median(self.totals):.0f}"
            f" hits{bounded})"
        )

    def by_kind(self) -> str:
        """p95 per kind of query."""
        kinds: dict[str, list[float]] = {}
        for (kind, _), ms in zip(self.labels, self.times_ms, strict=True):
            kinds.setdefault(kind, []).append(ms)
        return ", ".join(f"{k} {percentile(v, 95):.1f}" for k, v in kinds.items()) + " ms"

    def slowest(self, k: int = 3) -> str:
        """The k queries with the highest median time."""
        per: dict[str, list[float]] = {}
        for (_, label), ms in zip(self.labels, self.times_ms, strict=True):
            per.setdefault(label, []).append(ms)
        top = sorted(per.items(), key=lambda kv: -statistics.median(kv[1]))[:k]
        return "; ".join(f"{label} {statistics.median(v):.0f} ms" for label, v in top)


def time_queries(engine: Engine, queries: Sequence[BenchQuery], repeat: int = 3) -> Latency:
    """One untimed pass to warm caches, then `repeat` timed passes over the query set."""
    for bq in queries:
        engine.search(bq.query)
    lat = Latency([], [])
    for _ in range(repeat):
        for bq in queries:
            t = time.perf_counter()
            result = engine.search(bq.query)
            lat.times_ms.append((time.perf_counter() - t) * 1000)
            lat.totals.append(result.total)
            lat.labels.append((bq.kind, bq.label()))
            lat.bounded.append(result.total_relation == "gte")
            lat.sampled.append(result.facets_sampled)
    return lat


@dataclass
class Indexed:
    docs: int
    chars: int
    seconds: float
    size_bytes: int

    def text(self) -> str:
        return (
            f"{self.docs / self.seconds:.0f} docs/s ({self.docs} docs in {self.seconds:.1f} s,"
            f" {self.chars / self.seconds / 1e6:.2f} M chars/s)"
        )

    def size_text(self) -> str:
        return (
            f"{self.size_bytes / 2**20:.1f} MiB ({self.size_bytes / self.chars:.1f} bytes per char)"
        )


def index_embedded(
    engine: EmbeddedSearch, docs: Iterable[IndexDoc], progress: Callable[[int], None] | None = None
) -> tuple[int, int, float]:
    """Index one document per transaction (as the worker does): (docs, chars, seconds)."""
    n = chars = 0
    t0 = time.perf_counter()
    for doc in docs:
        engine.index(doc)
        n += 1
        chars += sum(len(p) for p in doc.pages)
        if progress is not None and n % 10_000 == 0:
            progress(n)
    return n, chars, time.perf_counter() - t0


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


# -- known-item search -------------------------------------------------------------------


@dataclass(frozen=True)
class KnownItem:
    document_id: int
    phrase: str


def _within_one_page(text: str, phrase: str, page_chars: int) -> bool:
    pos = text.find(phrase)
    return pos >= 0 and pos // page_chars == (pos + len(phrase) - 1) // page_chars


def known_items(
    judgments: Sequence[Judgment],
    k: int,
    seed: int = 0,
    page_chars: int = 1500,
    tries: int = 20,
) -> tuple[list[KnownItem], int]:
    """k (judgment, phrase) pairs: a 12-16 CJK character run of the facts section that occurs
    on one page of its judgment and in no other judgment of the corpus.

    Judgments are drawn in a seeded order; one without such a phrase in `tries` attempts (a
    duplicate judgment) is passed over. Returns the items and how many were passed over.
    """
    rng = random.Random(seed)
    corpus = "\x00".join(normalize(j.text) for j in judgments)
    order = list(judgments)
    rng.shuffle(order)
    items: list[KnownItem] = []
    skipped = 0
    for j in order:
        if len(items) >= k:
            break
        runs = [m.group(0) for m in _CJK_RUN.finditer(j.facts)]
        found = None
        for _ in range(tries if runs else 0):
            run = rng.choice(runs)
            size = rng.randint(12, min(16, len(run)))
            start = rng.randrange(len(run) - size + 1)
            phrase = run[start : start + size]
            if not _within_one_page(j.text, phrase, page_chars):
                continue
            norm = normalize(phrase)
            if corpus.count(norm) == normalize(j.text).count(norm):
                found = phrase
                break
        if found is None:
            skipped += 1
        else:
            items.append(KnownItem(j.doc_id, found))
    return items, skipped


@dataclass
class KnownItemResult:
    found_first: int
    items: int
    latency: Latency
    misses: list[tuple[KnownItem, list[int]]] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.found_first / self.items if self.items else 0.0

    def text(self) -> str:
        return (
            f"{self.share:.3f} first ({self.found_first}/{self.items}; target >= 0.99),"
            f" p50 {self.latency.p50:.1f} ms, p95 {self.latency.p95:.1f} ms"
        )


def known_item_search(
    engine: Engine, items: Sequence[KnownItem], agencies: list[str] | None = None
) -> KnownItemResult:
    """Search each phrase (quoted); a hit counts when its judgment is the first result."""
    first = 0
    times, totals = [], []
    misses: list[tuple[KnownItem, list[int]]] = []
    for item in items:
        t = time.perf_counter()
        result = engine.search(SearchQuery(q=f'"{item.phrase}"', size=10, agencies=agencies))
        times.append((time.perf_counter() - t) * 1000)
        totals.append(result.total)
        got = [h.document_id for h in result.hits]
        if got[:1] == [item.document_id]:
            first += 1
        else:
            misses.append((item, got))
    return KnownItemResult(first, len(items), Latency(times or [0.0], totals or [0]), misses)


# -- synthesised documents for the scale run ---------------------------------------------


def paragraphs(judgments: Iterable[Judgment], min_chars: int = 20) -> list[str]:
    """The corpus's paragraphs (its full texts are paragraphs separated by spaces)."""
    return [p for j in judgments for p in j.text.split() if len(p) >= min_chars]


def synth_docs(
    base: Sequence[IndexDoc],
    pool: Sequence[str],
    n: int,
    seed: int = 0,
    page_chars: int = 1500,
    first_id: int = 1,
) -> Iterator[IndexDoc]:
    """n documents of 3-8 random real paragraphs each, with the metadata (charges, court,
    date, type, parties) of a random real judgment; deterministic for a seed."""
    rng = random.Random(seed)
    for i in range(n):
        donor = rng.choice(base)
        text = " ".join(rng.choice(pool) for _ in range(rng.randint(3, 8)))
        doc_id = first_id + i
        yield replace(
            donor,
            document_id=doc_id,
            case_id=(doc_id - 1) // 2 + 1,
            filename=f"synth-{doc_id}.pdf",
            agency=_AGENCIES[i % len(_AGENCIES)],
            shared_with=[_AGENCIES[(i + 1) % len(_AGENCIES)]],
            pages=paginate(text, page_chars),
        )


# -- the cluster -------------------------------------------------------------------------


def _http(method: str, url: str) -> Any:
    req = urllib.request.Request(url, data=b"" if method == "POST" else None, method=method)
    with urllib.request.urlopen(req, timeout=120) as resp:
        body = resp.read()
    return json.loads(body) if body else None


def drop_cluster_indices(url: str, alias: str) -> None:
    """Delete the bench's versioned indices (``{alias}-v*``), never anything else."""
    if alias.startswith("dossier-pages"):
        raise ValueError("the bench must not touch the service's dossier-pages indices")
    rows = _http("GET", f"{url.rstrip('/')}/_cat/indices/{alias}-v*?format=json&h=index") or []
    for row in rows:
        if re.fullmatch(re.escape(alias) + r"-v\d+", row["index"]):
            _http("DELETE", f"{url.rstrip('/')}/{row['index']}")


def cluster_index(
    cluster: Any, docs: Sequence[IndexDoc], batch: int = 50, retries: int = 10
) -> int:
    """Bulk-index through ``index_many`` in batches of `batch` documents (a small node's
    heap rejects big bulk requests); a batch refused with 429/503 (SearchUnavailable) is
    re-sent after a pause, which is harmless as indexing is idempotent. Returns the retries."""
    from search.base import SearchUnavailable

    retried = 0
    for start in range(0, len(docs), batch):
        for attempt in range(retries + 1):
            try:
                cluster.index_many(docs[start : start + batch])
                break
            except SearchUnavailable:
                if attempt == retries:
                    raise
                retried += 1
                time.sleep(min(30.0, 2.0 * 2**attempt))
    return retried


def cluster_store_bytes(url: str, alias: str) -> int:
    """Primary store size of the index behind the alias (_stats)."""
    stats = _http("GET", f"{url.rstrip('/')}/{alias}/_stats/store")
    return int(stats["_all"]["primaries"]["store"]["size_in_bytes"])


# -- the report --------------------------------------------------------------------------


def _row(label: str, value: str) -> None:
    print(f"  {label:<22} {value}", flush=True)


def _latency_rows(lat: Latency, target: str = "") -> None:
    _row("query latency", lat.text() + target)
    if hasattr(os, "getloadavg"):  # other work on the machine inflates the times
        _row("  machine load", f"{os.getloadavg()[0]:.1f} (1-min average, {os.cpu_count()} CPUs)")
    _row("  p95 by kind", lat.by_kind())
    _row("  slowest", lat.slowest())


def _command(args: argparse.Namespace, **override: Any) -> str:
    """The command line that reproduces a figure (only the options that matter to it)."""
    opts = {
        "--corpus": None if args.corpus == DEFAULT_CORPUS else args.corpus,
        "--docs": args.docs,
        "--no-lecard": args.no_lecard or None,
        "--known-items": args.known_items,
        "--scale": args.scale,
        "--queries": None if args.phrases == 10 else args.phrases,
        "--page-chars": None if args.page_chars == 1500 else args.page_chars,
        "--seed": None if args.seed == 0 else args.seed,
        "--repeat": None if args.repeat == 3 else args.repeat,
        "--cluster-url": " --cluster-url ".join(args.cluster_url) or None,
        "--cluster-alias": None if args.cluster_alias == DEFAULT_ALIAS else args.cluster_alias,
        "--bulk-docs": None if args.bulk_docs == 50 else args.bulk_docs,
        "--as-agency": None if args.agencies is None else args.agencies[0],
    }
    opts.update(override)
    return command_line("python -m benchmarks.search", opts)


def command_line(prog: str, opts: dict[str, Any]) -> str:
    """`prog` with the options that are set: True as a flag, None left out."""
    parts = [prog]
    for name, value in opts.items():
        if value is True:
            parts.append(name)
        elif value is not None:
            parts += [name, str(value)]
    return " ".join(parts)


def bench_cluster(args: argparse.Namespace, url: str, docs: Sequence[IndexDoc], chars: int,
                  queries: Sequence[Any], items: Sequence[KnownItem]) -> tuple[str, Any]:
    """Bulk-load the LeCaRD docs into one cluster, time the queries and known items; prints
    its rows and returns ("cluster <engine>", figures)."""
    from search.cluster import ClusterSearch

    drop_cluster_indices(url, args.cluster_alias)
    cluster = ClusterSearch(url, alias=args.cluster_alias, refresh=False)
    engine = cluster.engine
    words = cluster.word_analyzer
    print(f"cluster ({engine} at {url}, words: {words or 'bigrams only'}, bulk index_many,"
          f" alias {args.cluster_alias}):", flush=True)
    try:
        t0 = time.perf_counter()
        retried = cluster_index(cluster, docs, args.bulk_docs)
        _http("POST", f"{url.rstrip('/')}/{args.cluster_alias}/_refresh")
        secs = time.perf_counter() - t0
        _http("POST", f"{url.rstrip('/')}/{args.cluster_alias}/_flush")
        # one segment, so that sizes compare whatever merges happened to have run
        _http("POST", f"{url.rstrip('/')}/{args.cluster_alias}/_forcemerge?max_num_segments=1")
        clu = Indexed(cluster.count(), chars, secs, 0)
        clu.size_bytes = cluster_store_bytes(url, args.cluster_alias)
        clat = time_queries(cluster, queries, args.repeat)
        ckir = known_item_search(cluster, items, args.agencies) if items else None
    finally:
        cluster.close()
        if not args.keep_cluster_index:
            try:
                drop_cluster_indices(url, args.cluster_alias)
            except OSError as exc:  # urllib's HTTPError/URLError
                print(f"  (could not delete the bench index: {exc})", file=sys.stderr)
    _row("index time",
         clu.text() + f" (bulk of {args.bulk_docs} + refresh, {retried} batches re-sent)")
    _row("index size", clu.size_text() + " (_stats primaries store, force-merged)")
    _latency_rows(clat)
    return f"cluster {engine}", {"index": clu, "latency": clat, "known_item": ckir}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the configured parts, printing as it goes; returns the figures."""
    t_start = time.perf_counter()
    figures: dict[str, Any] = {}
    judgments = load_corpus(args.corpus, args.docs)
    lecard = [] if args.no_lecard else judgments
    docs = index_docs(judgments, args.page_chars)
    queries = query_set(docs, args.phrases, args.seed)
    if args.agencies is not None:  # as the API searches: within what one agency sees
        queries = [replace(bq, query=replace(bq.query, agencies=args.agencies)) for bq in queries]
        visible = {d.document_id for d in docs
                   if {d.agency, *d.shared_with} & set(args.agencies)}
    else:
        visible = {d.document_id for d in docs}
    chars = sum(len(p) for d in docs for p in d.pages)

    if lecard:
        items: list[KnownItem] = []
        skipped = 0
        if args.known_items:
            mine = [j for j in lecard if j.doc_id in visible]  # unique among what is seen
            items, skipped = known_items(mine, args.known_items, args.seed, args.page_chars)
        print(
            f"LeCaRD judgments: {len(docs)} docs ({sum(len(d.pages) for d in docs)} pages of"
            f" {args.page_chars} chars, {chars / 1e6:.1f} M chars); {len(queries)} fixed queries"
            f" x {args.repeat} timed passes",
            flush=True,
        )
        print(f"  reproduce: {_command(args, **{'--scale': 0})}")
        print("embedded (SQLite FTS5, one transaction per document):", flush=True)
        with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
            engine = EmbeddedSearch(Path(tmp) / "index.sqlite")
            n, _, secs = index_embedded(engine, docs)
            lat = time_queries(engine, queries, args.repeat)
            kir = known_item_search(engine, items, args.agencies) if items else None
            engine.close()
            emb = Indexed(n, chars, secs, dir_size(Path(tmp)))
        _row("index time", emb.text())
        _row("index size", emb.size_text() + " (SQLite file)")
        _latency_rows(lat)
        figures["embedded"] = {"index": emb, "latency": lat, "known_item": kir}
        for url in args.cluster_url:
            name, result = bench_cluster(args, url, docs, chars, queries, items)
            figures[name] = result
        if items:
            print(
                f"known-item search: {len(items)} judgments (seed {args.seed}), a 12-16 char"
                " phrase of the facts found in no other judgment, searched quoted, must rank"
                f" first ({skipped} duplicate judgments passed over)"
            )
            print(f"  reproduce: {_command(args, **{'--scale': 0})}")
            for name in figures:
                result = figures[name].get("known_item")
                if result is not None:
                    _row(name, result.text())
                    for item, got in result.misses[:5]:
                        _row("  miss", f"doc {item.document_id} {item.phrase!r} -> {got[:3]}")

    if args.scale:
        pool = paragraphs(judgments)
        print(
            f"scale (embedded): {args.scale} docs synthesised from {len(pool)} real paragraphs"
            f" (seed {args.seed}), 3-8 paragraphs each, metadata of a real judgment",
            flush=True,
        )
        print(
            f"  reproduce: {_command(args, **{'--no-lecard': True, '--known-items': None, '--cluster-url': None})}"
        )
        with tempfile.TemporaryDirectory(prefix="search-bench-scale-") as tmp:
            engine = EmbeddedSearch(Path(tmp) / "index.sqlite")
            n, schars, secs = index_embedded(
                engine,
                synth_docs(docs, pool, args.scale, args.seed, args.page_chars),
                progress=lambda k: print(f"  ... {k} indexed", file=sys.stderr, flush=True),
            )
            slat = time_queries(engine, queries, args.repeat)
            engine.close()
            sca = Indexed(n, schars, secs, dir_size(Path(tmp)))
        _row("index time", sca.text())
        _row("index size", sca.size_text())
        _latency_rows(slat, " (target p95 <= 50 ms)")
        figures["scale"] = {"index": sca, "latency": slat}
    print(f"bench runtime {time.perf_counter() - t_start:.0f} s")
    return figures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.search", description=__doc__)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--docs", type=int, default=None, help="LeCaRD judgments (default: all)")
    ap.add_argument("--known-items", type=int, default=200, help="known-item searches")
    ap.add_argument(
        "--scale", type=int, default=10_000, help="synthesised docs for the scale run (0: skip)"
    )
    ap.add_argument("--no-lecard", action="store_true", help="only the scale run")
    ap.add_argument("--queries", dest="phrases", type=int, default=10, help="phrase queries")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes over the query set")
    ap.add_argument("--page-chars", type=int, default=1500, help="characters per page")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--cluster-url",
        action="append",
        default=None,
        help="an Elasticsearch/OpenSearch URL, repeatable: one column each (default"
        f" ${BENCH_URL_ENV}, space-separated URLs); none: embedded only",
    )
    ap.add_argument("--cluster-alias", default=DEFAULT_ALIAS)
    ap.add_argument("--keep-cluster-index", action="store_true")
    ap.add_argument("--bulk-docs", type=int, default=50, help="documents per index_many call")
    ap.add_argument("--as-agency", dest="agencies", type=lambda v: [v], default=None,
                    help="search as a user of this agency (the API always scopes: its own and"
                    f" shared documents; agencies are {', '.join(_AGENCIES)}); default: unscoped")
    args = ap.parse_args(argv)
    if args.cluster_url is None:
        args.cluster_url = os.environ.get(BENCH_URL_ENV, "").split()
    return args


def main(argv: list[str] | None = None) -> None:
    run(parse_args(argv))


if __name__ == "__main__":
    main()
