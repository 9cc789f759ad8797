"""CAIL2018 sentencing benchmark: estimate held-out prison terms from similar cases.

The 3,675 CAIL2018 cases are split deterministically: every `--every`-th case (index % every
== 0) is held out, the rest is the reference pool. For each held-out case with a fixed prison
term (life and death sentences and terms of 0 months are not scored), the comparable cases are
the reference cases with the same charges (falling back to those sharing its first charge, then
to all); they are ranked by lexical + structured similarity (BM25 over bigrams of the facts,
z-scored, plus agreement on amount, weight (drug grams), blood alcohol and circumstances; no
dense embedding, to keep the run at seconds), and the estimate is the median term of the top k.

Baseline: the median term of all reference cases with the same charges (same fallbacks).
Reported: MAE in months and the share of estimates within ±25% of the true term.

    python -m benchmarks.sentencing [--k 10] [--every 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.paths import SHARED_DATA, print_reproduce
from similarity.features import CaseFeatures, agreement, from_text
from similarity.lexical import BM25
from similarity.sentencing import estimate_term, quantile


@dataclass
class CailCase:
    facts: str
    charges: tuple[str, ...]
    term: int | None  # fixed term months; None for life / death / no imprisonment
    features: CaseFeatures


def cail_charge(name: str) -> str:
    """'[走私、贩卖、运输、制造]毒品' -> '走私、贩卖、运输、制造毒品罪'."""
    return name.replace("[", "").replace("]", "") + "罪"


def load_cail(path: Path) -> list[CailCase]:
    cases: list[CailCase] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            meta = row["meta"]
            toi = meta["term_of_imprisonment"]
            fixed = not toi["life_imprisonment"] and not toi["death_penalty"]
            term = int(toi["imprisonment"]) if fixed and toi["imprisonment"] > 0 else None
            charges = tuple(sorted(cail_charge(a) for a in meta["accusation"]))
            cases.append(CailCase(row["fact"], charges, term,
                                  from_text(row["fact"], charges=charges)))
    return cases


def structured_score(query: CaseFeatures, cand: CaseFeatures) -> float:
    a = agreement(query, cand)
    parts = [(a.amount, 1.0), (a.quantity, 1.0), (a.alcohol, 1.0), (a.circumstances, 0.5)]
    return sum(w * (0.5 if v is None else v) for v, w in parts)


def comparable(case: CailCase, by_charges: dict[tuple[str, ...], list[int]],
               by_first: dict[str, list[int]], n_ref: int) -> list[int]:
    return (by_charges.get(case.charges) or by_first.get(case.charges[0] if case.charges else "")
            or list(range(n_ref)))


def run(cases: list[CailCase], every: int, k: int) -> dict[str, dict[str, float]]:
    ref = [c for i, c in enumerate(cases) if i % every != 0]
    test = [c for i, c in enumerate(cases) if i % every == 0 and c.term is not None]
    lexical: BM25[int] = BM25()
    lexical.add_many((i, c.facts) for i, c in enumerate(ref))
    by_charges: dict[tuple[str, ...], list[int]] = defaultdict(list)
    by_first: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(ref):
        if c.term is not None:
            by_charges[c.charges].append(i)
            for ch in c.charges:
                by_first[ch].append(i)
    all_terms = [float(c.term) for c in ref if c.term is not None]
    preds: dict[str, list[float]] = {"similar cases (lexical+structured)": [],
                                     "similar cases (lexical only)": [],
                                     "per-charge median (baseline)": []}
    truth: list[float] = []
    for case in test:
        pool = comparable(case, by_charges, by_first, len(ref))
        pool = [i for i in pool if ref[i].term is not None]
        truth.append(float(case.term or 0))
        terms = [float(ref[i].term or 0) for i in pool]
        preds["per-charge median (baseline)"].append(
            quantile(terms, 0.5) if terms else quantile(all_terms, 0.5))
        bm = lexical.score(case.facts, pool)
        lex = np.array([bm.get(i, 0.0) for i in pool])
        sd = float(lex.std()) or 1.0
        lex = (lex - lex.mean()) / sd
        struct = np.array([structured_score(case.features, ref[i].features) for i in pool])
        for name, score in (("similar cases (lexical+structured)", lex + 2.0 * struct),
                            ("similar cases (lexical only)", lex)):
            top = np.argsort(-score, kind="stable")[:k]
            est = estimate_term([terms[j] for j in top])
            preds[name].append(est if est is not None else quantile(all_terms, 0.5))
    y = np.array(truth)
    out: dict[str, dict[str, float]] = {}
    for name, p in preds.items():
        err = np.abs(np.array(p) - y)
        out[name] = {"n": float(len(y)), "mae_months": float(err.mean()),
                     "within_25pct": float(np.mean(err <= 0.25 * y))}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sentencing",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--k", type=int, default=10, help="similar cases per estimate")
    parser.add_argument("--every", type=int, default=5, help="hold out every N-th case")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    cases = load_cail(args.data / "cail2018" / "cases.jsonl.gz")
    results = run(cases, args.every, args.k)
    n = int(next(iter(results.values()))["n"])
    print(f"CAIL2018: {len(cases)} cases, {n} held-out cases with a fixed term, k={args.k}")
    print(f"{'method':40s}{'MAE months':>12s}{'within ±25%':>14s}")
    for name, r in results.items():
        print(f"{name:40s}{r['mae_months']:12.2f}{r['within_25pct']:14.3f}")
    print(f"total {time.perf_counter() - t0:.1f}s")
    print_reproduce("benchmarks.sentencing", argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
