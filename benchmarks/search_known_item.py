"""Known-item search as a prosecutor does it: ``python -m benchmarks.search_known_item``.

A judgment is looked up by a phrase copied from anywhere in its text (header, facts,
reasoning, verdict, signature), pasted between quotes; it should come back first. Phrases
are 4, 6 and 10 characters long and of two classes: *pure* (Chinese characters, maybe with
punctuation or spaces) and *mixed* (Chinese with digits or Latin letters: dates, amounts,
plates, phone and ID numbers, article numbers, anonymised names such as 张3). A mixed phrase
is cut around a digit or letter drawn at random from the whole text, a pure one at a random
position; either is kept only when it lies on one page, occurs in no other judgment of the
index, holds no ASCII quote (it could not be quoted) and neither starts nor ends with
whitespace (a paste is trimmed). "Occurs" compares the normalised texts without whitespace and
middle dots, which the analyser reads as layout (an OCR line break, a paragraph gap): "主犯。对"
of one judgment is "主犯。 对" of another.

One index holds four sources, and phrases are drawn from each separately:

* development: LeCaRD candidate judgments. The analyser's rules (search.analysis) were
  written while looking at these; their figure is an in-sample one.
* held out: the JuDGE judgments (../shared/data/judge, full texts) and CAIL2018 case facts.
  No rule was written from them, but one early run printed a few of their misses beside
  LeCaRD's (all were phrases whose punctuation made them unique, which led to punctuation
  tokens): treat them as held out from the rules, not from that decision.
* held out and never looked at: the MUD case facts (../shared/data/mud); no run printed a
  phrase or a miss of them before the figure was reported.

``--sources`` restricts which sources get phrases (the index holds all four either way), so
development runs can leave the held-out ones unseen.

Every engine gets the same documents: the embedded engine (one transaction per document, as
the worker indexes) and each ``--cluster-url`` (bulk ``index_many``, own alias, dropped
afterwards). Printed: index time and size per engine (a cluster's after a force-merge to one
segment), look-up latency, recall@1 per source, engine, class and length, how many phrases
found nothing at all, and the first misses.

Run with ``PYTHONPATH`` naming an older checkout's ``search`` package first to measure the
analyser before a change on the same phrases (a syntax error then counts as a miss).
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
import os
import random
import re
import tempfile
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from benchmarks.paths import SHARED_DATA
from benchmarks.search import (
    BENCH_URL_ENV,
    Indexed,
    Judgment,
    cluster_index,
    cluster_store_bytes,
    command_line,
    dir_size,
    drop_cluster_indices,
    index_docs,
    index_embedded,
    load_corpus,
    percentile,
)
from search.base import IndexDoc, SearchQuery, SearchResult
from search.embedded import EmbeddedSearch

DEFAULT_ALIAS = "bench-known-item"
LENGTHS = (4, 6, 10)
CLASSES = ("pure", "mixed")
SOURCES = ("lecard", "judge", "cail2018", "mud")
HELD_OUT = ("judge", "cail2018", "mud")
_CJK = re.compile("[\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
                  "\U00020000-\U0003134f]")
_ZERO = str.maketrans({"\u25cb": "\u3007", "\u25ef": "\u3007"})
_LATIN_DIGIT = re.compile(r"[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_JUDGE_ID = 1_000_000  # document ids of the JuDGE judgments start above this
_CAIL_ID = 2_000_000
_MUD_ID = 3_000_000


# -- the corpora -------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    name: str  # lecard | judge | cail2018
    judgments: list[Judgment]


def load_judge(path: Path, first_id: int = _JUDGE_ID) -> list[Judgment]:
    """The JuDGE full criminal judgments (``fd``)."""
    out: list[Judgment] = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            row = json.loads(line)
            text = str(row["fd"])
            out.append(Judgment(first_id + i, f"judge-{row['text_id']}", text, text))
    return out


def load_facts(path: Path, key: str, name: str, n: int | None, first_id: int
               ) -> list[Judgment]:
    """The first n case facts of a jsonl.gz file (distinct texts only: the sets repeat some)."""
    out: list[Judgment] = []
    seen: set[str] = set()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if n is not None and len(out) >= n:
                break
            text = str(json.loads(line)[key]).strip()
            if text and text not in seen:
                seen.add(text)
                out.append(Judgment(first_id + len(out), f"{name}-{len(out)}", text, text))
    return out


_LAYOUT = re.compile(r"[\s\u00b7\u2022\u2027\u30fb\u200b\u200c\u200d\u2060\ufeff\u00ad]+")


def normalize(raw: str) -> str:
    """NFKC, lowercase, ○ as 〇: the bench's own copy of search.analysis.normalize, so that an
    older analyser measured on the same phrases draws the very same ones."""
    return unicodedata.normalize("NFKC", raw).lower().translate(_ZERO)


def text_of(raw: str) -> str:
    """What a phrase is compared on: normalised, without whitespace and middle dots."""
    return _LAYOUT.sub("", normalize(raw))


class Corpus:
    """Every indexed text, compared as text_of and joined, to tell whether a phrase is unique."""

    def __init__(self, judgments: Sequence[Judgment]) -> None:
        self.ids: list[int] = []
        self.starts: list[int] = []
        parts: list[str] = []
        pos = 0
        for j in judgments:
            self.ids.append(j.doc_id)
            self.starts.append(pos)
            norm = text_of(j.text)
            parts.append(norm)
            pos += len(norm) + 1
        self.text = "\x00".join(parts)

    def only_in(self, phrase: str, doc_id: int) -> bool:
        """Whether every occurrence of the phrase (text_of) lies in that judgment."""
        needle = text_of(phrase)
        at = self.text.find(needle)
        while at >= 0:
            if self.ids[bisect.bisect_right(self.starts, at) - 1] != doc_id:
                return False
            at = self.text.find(needle, at + 1)
        return True


# -- the phrases -------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    source: str
    cls: str  # pure | mixed
    length: int
    document_id: int
    phrase: str


def phrase_class(phrase: str) -> str | None:
    """pure, mixed, or None (no Chinese character: out of both classes)."""
    norm = normalize(phrase)
    if not _CJK.search(norm):
        return None
    return "mixed" if _LATIN_DIGIT.search(norm) else "pure"


@dataclass
class Skipped:
    not_unique: int = 0
    across_pages: int = 0
    quote_or_edge_space: int = 0

    def text(self) -> str:
        return (f"{self.not_unique} not unique, {self.across_pages} across a page break,"
                f" {self.quote_or_edge_space} with a quote or an edge space")


def draw_items(source: Source, corpus: Corpus, per_cell: int, seed: int, page_chars: int,
               lengths: Sequence[int] = LENGTHS, tries: int = 200_000,
               ) -> tuple[list[Item], Skipped]:
    """per_cell phrases of each class and length, at most two per judgment and cell."""
    rng = random.Random(f"{seed}:{source.name}")
    judgments = [j for j in source.judgments if len(j.text) > max(lengths)]
    anchors = {j.doc_id: [m.start() for m in _LATIN_DIGIT.finditer(j.text)] for j in judgments}
    items: list[Item] = []
    skipped = Skipped()
    used: dict[tuple[str, int, int], int] = {}
    for cls in CLASSES:
        for length in lengths:
            got = 0
            for _ in range(tries):
                if got >= per_cell:
                    break
                j = rng.choice(judgments)
                if used.get((cls, length, j.doc_id), 0) >= 2:
                    continue
                if cls == "mixed":
                    if not anchors[j.doc_id]:
                        continue
                    start = rng.choice(anchors[j.doc_id]) - rng.randrange(length)
                else:
                    start = rng.randrange(len(j.text) - length + 1)
                if not 0 <= start <= len(j.text) - length:
                    continue
                phrase = j.text[start : start + length]
                if phrase_class(phrase) != cls:
                    continue
                if '"' in normalize(phrase) or phrase != phrase.strip():
                    skipped.quote_or_edge_space += 1
                    continue
                if start // page_chars != (start + length - 1) // page_chars:
                    skipped.across_pages += 1
                    continue
                if not corpus.only_in(phrase, j.doc_id):
                    skipped.not_unique += 1
                    continue
                items.append(Item(source.name, cls, length, j.doc_id, phrase))
                used[(cls, length, j.doc_id)] = used.get((cls, length, j.doc_id), 0) + 1
                got += 1
    return items, skipped


# -- searching ---------------------------------------------------------------------------


@dataclass
class Outcome:
    item: Item
    first: bool
    hits: int  # 0: not found at all; -1: the query was refused (a syntax error)
    got: list[int] = field(default_factory=list)


def look_up(engine: Any, items: Sequence[Item]) -> tuple[list[Outcome], list[float]]:
    """Search each phrase, quoted, as the search box gets it; (outcomes, times in ms)."""
    out: list[Outcome] = []
    times: list[float] = []
    for item in items:
        t = time.perf_counter()
        try:
            result: SearchResult = engine.search(SearchQuery(q=f'"{item.phrase}"', size=3))
        except ValueError:  # QuerySyntaxError: the phrase could not be searched at all
            out.append(Outcome(item, False, -1))
            continue
        times.append((time.perf_counter() - t) * 1000)
        got = [h.document_id for h in result.hits]
        out.append(Outcome(item, got[:1] == [item.document_id], result.total, got))
    return out, times


def latency(times: Sequence[float]) -> str:
    if not times:
        return "no searches"
    return (f"look-ups p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms"
            f" ({len(times)})")


def recall(outcomes: Sequence[Outcome]) -> str:
    if not outcomes:
        return "  -  "
    return f"{sum(o.first for o in outcomes) / len(outcomes):.3f}"


# -- the report --------------------------------------------------------------------------


def _command(args: argparse.Namespace) -> str:
    return command_line("python -m benchmarks.search_known_item", {
        "--lecard-docs": args.lecard_docs,
        "--cail-docs": None if args.cail_docs == 1000 else args.cail_docs,
        "--per-cell": None if args.per_cell == 100 else args.per_cell,
        "--sources": None if args.sources == list(SOURCES) else ",".join(args.sources),
        "--seed": None if args.seed == 0 else args.seed,
        "--cluster-url": " --cluster-url ".join(args.cluster_url) or None,
    })


def table(results: dict[str, list[Outcome]], sources: Sequence[str]) -> list[str]:
    """recall@1 rows: per source and engine, per class (all lengths, then each length)."""
    head = "  ".join(f"{cls:>5} " + " ".join(f"{n:>5}" for n in LENGTHS) for cls in CLASSES)
    lines = [f"  {'source, engine':<34} {head}   not found / refused"]
    for src in sources:
        label = "held out" if src in HELD_OUT else "dev"
        for engine, outcomes in results.items():
            mine = [o for o in outcomes if o.item.source == src]
            if not mine:
                continue
            cells = []
            for cls in CLASSES:
                of = [o for o in mine if o.item.cls == cls]
                by_len = [recall([o for o in of if o.item.length == n]) for n in LENGTHS]
                cells.append(f"{recall(of):>5} " + " ".join(f"{r:>5}" for r in by_len))
            none = sum(o.hits == 0 for o in mine)
            refused = sum(o.hits < 0 for o in mine)
            lines.append(f"  {src + ' (' + label + '), ' + engine:<34} " + "  ".join(cells)
                         + f"   {none} / {refused} of {len(mine)}")
    return lines


def run(args: argparse.Namespace) -> dict[str, Any]:
    t_start = time.perf_counter()
    sources = [
        Source("judge", load_judge(SHARED_DATA / "judge" / "judgments.jsonl.gz")),
        Source("cail2018", load_facts(SHARED_DATA / "cail2018" / "cases.jsonl.gz", "fact",
                                      "cail", args.cail_docs, _CAIL_ID)),
        Source("mud", load_facts(SHARED_DATA / "mud" / "cases.jsonl.gz", "facts", "mud", None,
                                 _MUD_ID)),
        Source("lecard", load_corpus(SHARED_DATA / "lecard" / "corpus.jsonl.gz",
                                     args.lecard_docs)),
    ]
    everything = [j for s in sources for j in s.judgments]
    corpus = Corpus(everything)
    docs: list[IndexDoc] = []
    for s in sources:
        made = index_docs(s.judgments, args.page_chars)
        if s.name != "lecard":  # index_docs numbers cases from the position; keep ids apart
            made = [replace(d, case_id=d.document_id) for d in made]
        docs += made
    chars = sum(len(p) for d in docs for p in d.pages)
    items: list[Item] = []
    print(f"known-item search: one index of {len(docs)} documents"
          f" ({', '.join(f'{len(s.judgments)} {s.name}' for s in sources)};"
          f" {chars / 1e6:.1f} M chars, {args.page_chars}-char pages)", flush=True)
    for s in sources:
        if s.name not in args.sources:
            continue
        got, skipped = draw_items(s, corpus, args.per_cell, args.seed, args.page_chars)
        items += got
        print(f"  {s.name}: {len(got)} phrases ({skipped.text()})", flush=True)
    print(f"  reproduce: {_command(args)}", flush=True)

    results: dict[str, list[Outcome]] = {}
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="search-known-item-") as tmp:
        engine = EmbeddedSearch(Path(tmp) / "index.sqlite")
        n, _, secs = index_embedded(engine, docs)
        outcomes, times = look_up(engine, items)
        engine.close()
        emb = Indexed(n, chars, secs, dir_size(Path(tmp)))
    results["embedded"] = outcomes
    figures["embedded"] = {"index": emb, "times_ms": times}
    print(f"  embedded: index {emb.text()}, {emb.size_text()}; {latency(times)}", flush=True)
    for url in args.cluster_url:
        name, index, outcomes, times = bench_cluster(args, url, docs, chars, items)
        results[name] = outcomes
        figures[name] = {"index": index, "times_ms": times}
        print(f"  {name}: index {index.text()} (bulk of {args.bulk_docs}),"
              f" {index.size_text()}; {latency(times)}", flush=True)

    print("recall@1 (the judgment first), by class (all lengths, then 4 / 6 / 10 chars):")
    for line in table(results, [s for s in SOURCES if s in args.sources]):
        print(line)
    for engine_name, outcomes in results.items():
        misses = [o for o in outcomes if not o.first]
        for o in misses[: args.show_misses]:
            print(f"  miss {engine_name} {o.item.source} doc {o.item.document_id}"
                  f" {o.item.phrase!r}: {o.hits} hits, first {o.got[:2]}")
    print(f"bench runtime {time.perf_counter() - t_start:.0f} s")
    figures["results"] = results
    return figures


def bench_cluster(args: argparse.Namespace, url: str, docs: Sequence[IndexDoc], chars: int,
                  items: Sequence[Item]) -> tuple[str, Indexed, list[Outcome], list[float]]:
    from search.cluster import ClusterSearch

    drop_cluster_indices(url, args.cluster_alias)
    cluster = ClusterSearch(url, alias=args.cluster_alias, refresh=False)
    name = cluster.engine.split()[0]
    try:
        t0 = time.perf_counter()
        cluster_index(cluster, docs, args.bulk_docs)
        urlreq(url, f"{args.cluster_alias}/_refresh")
        secs = time.perf_counter() - t0
        urlreq(url, f"{args.cluster_alias}/_flush")
        # one segment, so that sizes compare whatever merges happened to have run
        urlreq(url, f"{args.cluster_alias}/_forcemerge?max_num_segments=1")
        index = Indexed(cluster.count(), chars, secs, cluster_store_bytes(url, args.cluster_alias))
        outcomes, times = look_up(cluster, items)
    finally:
        cluster.close()
        drop_cluster_indices(url, args.cluster_alias)
    return name, index, outcomes, times


def urlreq(url: str, path: str) -> None:
    import urllib.request

    req = urllib.request.Request(f"{url.rstrip('/')}/{path}", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=600) as resp:
        resp.read()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.search_known_item",
                                 description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lecard-docs", type=int, default=None,
                    help="LeCaRD judgments indexed (default: all 6,428)")
    ap.add_argument("--cail-docs", type=int, default=1000, help="CAIL2018 facts indexed")
    ap.add_argument("--per-cell", type=int, default=100,
                    help="phrases per source, class and length")
    ap.add_argument("--sources", type=lambda v: v.split(","), default=list(SOURCES),
                    help=f"sources to draw phrases from, comma-separated (default: {','.join(SOURCES)})")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--page-chars", type=int, default=1500)
    ap.add_argument("--cluster-url", action="append", default=None,
                    help=f"an OpenSearch/Elasticsearch URL, repeatable (default ${BENCH_URL_ENV})")
    ap.add_argument("--cluster-alias", default=DEFAULT_ALIAS)
    ap.add_argument("--bulk-docs", type=int, default=50)
    ap.add_argument("--show-misses", type=int, default=8, help="misses printed per engine")
    args = ap.parse_args(argv)
    if args.cluster_url is None:
        args.cluster_url = os.environ.get(BENCH_URL_ENV, "").split()
    return args


def main(argv: list[str] | None = None) -> None:
    run(parse_args(argv))


if __name__ == "__main__":
    main()
