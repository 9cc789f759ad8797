"""Sentencing statistics over comparable cases.

Given the sentences of the top-k similar cases that share the query's charges, summarise how
comparable cases were punished: the principal penalty distribution, the prison term (months:
median, interquartile range, 10th-90th percentile "comparable range"), the probation rate, fines,
and a histogram of terms as plain data for a chart. A proposed term is flagged when it lies
outside the comparable range (below the 10th or above the 90th percentile of comparable terms).

Terms counted are fixed terms (有期徒刑, 拘役, 管制 in months). 无期徒刑 / 死刑 are counted in the
principal distribution but not in the term statistics.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

FIXED_TERM = ("有期徒刑", "拘役", "管制")
#: histogram edges in months: fine at the short end where most sentences fall
DEFAULT_EDGES = (0, 3, 6, 9, 12, 18, 24, 36, 60, 84, 120, 180, 300)


@dataclass(frozen=True)
class SentenceRecord:
    """One defendant's final sentence (the SCHEMA.md `sentence` object) and the case's charges."""

    principal: str | None = None
    term_months: float | None = None  # a term with days is a fraction (2个月15日 = 2.5)
    probation_months: float | None = None
    fine_yuan: int | None = None
    case_id: Any = None
    charges: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, case_id: Any = None,
                  charges: Iterable[str] = ()) -> SentenceRecord:
        return cls(principal=d.get("principal"), term_months=d.get("term_months"),
                   probation_months=d.get("probation_months"), fine_yuan=d.get("fine_yuan"),
                   case_id=case_id, charges=tuple(charges))

    @property
    def fixed_term(self) -> float | None:
        """Months of a fixed-term penalty (whole months an int, days a fraction), None for
        无期/死刑/免予/单处罚金 or unknown."""
        if self.term_months is None or self.term_months <= 0:
            return None
        if self.principal is not None and self.principal not in FIXED_TERM:
            return None
        t = float(self.term_months)
        return int(t) if t.is_integer() else t


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile (numpy's default) of a non-empty sequence."""
    xs = sorted(values)
    if not xs:
        raise ValueError("quantile of nothing")
    pos = (len(xs) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def histogram(values: Sequence[float], edges: Sequence[float] = DEFAULT_EDGES) -> dict[str, Any]:
    """Counts per bin [edges[i], edges[i+1]); the last bin also holds everything above."""
    counts = [0] * (len(edges) - 1)
    for v in values:
        i = 0
        while i < len(counts) - 1 and v >= edges[i + 1]:
            i += 1
        counts[i] += 1
    labels = [f"{edges[i]}-{edges[i + 1]}" for i in range(len(edges) - 1)]
    labels[-1] = f"{edges[-2]}+"
    return {"unit": "months", "edges": list(edges), "labels": labels, "counts": counts}


def same_charges(query: Sequence[str], cand: Sequence[str]) -> bool:
    """A comparable case shares every charge of the query (extra charges are allowed only
    when the query has none)."""
    if not query:
        return True
    return set(query) == set(cand)


def sentencing_stats(
    records: Sequence[SentenceRecord],
    *,
    proposed_months: float | None = None,
    edges: Sequence[float] = DEFAULT_EDGES,
) -> dict[str, Any]:
    """Statistics of comparable sentences (see the module docstring) as a JSON-ready dict."""
    principals = Counter(r.principal or "unknown" for r in records)
    terms = [t for t in (r.fixed_term for r in records) if t is not None]
    fixed = [r for r in records if r.fixed_term is not None]
    probation = [r for r in fixed if r.probation_months]
    fines = [int(r.fine_yuan) for r in records if r.fine_yuan]
    out: dict[str, Any] = {
        "n_sentences": len(records),
        "n_cases": len({r.case_id for r in records}),
        "principal": dict(principals.most_common()),
        "term_months": None,
        "probation_rate": round(len(probation) / len(fixed), 4) if fixed else None,
        "fine_yuan": None,
        "histogram": histogram(terms, edges),
        "proposed": None,
    }
    if terms:
        out["term_months"] = {
            "n": len(terms),
            "median": quantile(terms, 0.5),
            "q1": quantile(terms, 0.25),
            "q3": quantile(terms, 0.75),
            "p10": quantile(terms, 0.1),
            "p90": quantile(terms, 0.9),
            "min": min(terms),
            "max": max(terms),
            "mean": round(sum(terms) / len(terms), 2),
        }
    if fines:
        out["fine_yuan"] = {"n": len(fines), "rate": round(len(fines) / len(records), 4),
                            "median": quantile(fines, 0.5), "q1": quantile(fines, 0.25),
                            "q3": quantile(fines, 0.75)}
    if proposed_months is not None:
        out["proposed"] = flag_proposed(proposed_months, terms)
    return out


def flag_proposed(months: float, terms: Sequence[float]) -> dict[str, Any]:
    """Where a proposed term falls among comparable terms; `outside` when below P10 or above
    P90 (with fewer than 3 comparable terms nothing is flagged)."""
    if len(terms) < 3:
        return {"months": months, "percentile": None, "range": None, "outside": False,
                "reason": "fewer than 3 comparable fixed terms"}
    lo, hi = quantile(terms, 0.1), quantile(terms, 0.9)
    below = sum(1 for t in terms if t < months) + 0.5 * sum(1 for t in terms if t == months)
    outside = months < lo or months > hi
    reason = (f"below the comparable range {lo:g}-{hi:g} months" if months < lo else
              f"above the comparable range {lo:g}-{hi:g} months" if months > hi else
              f"within the comparable range {lo:g}-{hi:g} months")
    return {"months": months, "percentile": round(100 * below / len(terms), 1),
            "range": [lo, hi], "outside": outside, "reason": reason}


def estimate_term(terms: Sequence[float]) -> float | None:
    """Point estimate of a prison term from comparable terms: their median."""
    return quantile(terms, 0.5) if terms else None
