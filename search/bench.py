"""Benchmark of the embedded engine on real judgments: ``python -m search.bench``.

Indexes N full LeCaRD judgments (text split into scan-sized pages, metadata pulled from the
text the way extraction would) one document per transaction, as the worker does, then times
search-box queries end to end (facets and highlights included).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from search.analysis import is_cjk, legal_dictionary
from search.base import IndexDoc, SearchQuery
from search.embedded import EmbeddedSearch

DEFAULT_CORPUS = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "lecard" / "corpus.jsonl.gz"
)
_COURT = re.compile(r"(\S{2,30}?法院)")
_CASE_NO = re.compile(r"[（(]\d{4}[）)]\S{2,20}?号")
_DEFENDANT = re.compile(r"被告人([\u4e00-\u9fff]{2,4}?)[，,。（(]")
_NUM = "〇○零一二三四五六七八九十"
_DATE = re.compile(f"([{_NUM}]{{4}})年([{_NUM}]{{1,2}})月([{_NUM}]{{1,3}})日")
_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}


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
    year = int("".join(str(_DIGITS[c]) for c in y))
    return f"{year:04d}-{_cn_int(m):02d}-{_cn_int(d):02d}"


def _docs(corpus: Path, n: int, page_chars: int) -> Iterator[IndexDoc]:
    charges = [t for t in legal_dictionary().terms if t.endswith("罪")]
    agencies = ["A1", "A2", "A3", "P1", "P2"]
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= n:
                return
            row = json.loads(line)
            text: str = row["qw"]
            court = _COURT.search(text[:200])
            case_no = _CASE_NO.search(text[:300])
            verdict = row.get("pjjg") or text[-1500:]
            yield IndexDoc(
                document_id=i + 1,
                case_id=i // 2 + 1,
                case_number=case_no.group(0) if case_no else None,
                filename=f"{row['candidate_id']}.pdf",
                doc_type="刑事判决书" if "刑事判决书" in text[:200] else None,
                court=court.group(1) if court else None,
                agency=agencies[i % len(agencies)],
                shared_with=[agencies[(i + 1) % len(agencies)]],
                charges=[c for c in charges if c in verdict],
                date=_date(text),
                pages=[text[j : j + page_chars] for j in range(0, len(text), page_chars)],
                parties=sorted(set(_DEFENDANT.findall(text[:1500]))),
            )


def _queries(docs: list[IndexDoc], k: int, rng: random.Random) -> list[str]:
    """Half charge names (some without 罪), half 4-8 character phrases cut from the texts."""
    charges = sorted({c for d in docs for c in d.charges})
    out = [c if j % 2 else c.removesuffix("罪") for j, c in enumerate(rng.sample(charges, k // 2))]
    while len(out) < k:
        page = rng.choice(rng.choice(docs).pages)
        size = rng.randint(4, 8)
        start = rng.randrange(max(1, len(page) - size))
        phrase = page[start : start + size]
        if len(phrase) == size and all(is_cjk(c) for c in phrase):
            out.append(phrase)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m search.bench", description=__doc__)
    ap.add_argument("--docs", type=int, default=2000, help="judgments to index")
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--page-chars", type=int, default=1500, help="characters per page")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    docs = list(_docs(args.corpus, args.docs, args.page_chars))
    chars = sum(len(p) for d in docs for p in d.pages)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.sqlite"
        engine = EmbeddedSearch(path)
        t0 = time.perf_counter()
        for doc in docs:
            engine.index(doc)
        index_s = time.perf_counter() - t0
        queries = _queries(docs, args.queries, random.Random(args.seed))
        engine.search(SearchQuery(q=queries[0]))  # warm the page cache
        times, totals = [], []
        for q in queries:
            t = time.perf_counter()
            totals.append(engine.search(SearchQuery(q=q)).total)
            times.append((time.perf_counter() - t) * 1000)
        engine.close()
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    times.sort()
    pages = sum(len(d.pages) for d in docs)
    command = " ".join(["python -m search.bench", *(sys.argv[1:] if argv is None else argv)])
    for label, value in [
        ("documents", f"{len(docs)} ({pages} pages, {chars / 1e6:.1f} M chars)"),
        ("indexing", f"{len(docs) / index_s:.0f} docs/s ({chars / index_s / 1e6:.2f} M chars/s)"),
        ("index size", f"{size / 2**20:.1f} MiB ({size / chars:.1f} bytes per char)"),
        (
            "queries",
            f"{len(times)} charges and phrases, median {statistics.median(totals):.0f} hits",
        ),
        ("latency median", f"{statistics.median(times):.1f} ms"),
        ("latency p95", f"{times[min(len(times) - 1, int(0.95 * len(times)))]:.1f} ms"),
        ("reproduce", command),
    ]:
        print(f"{label:<16} {value}")


if __name__ == "__main__":
    main()
