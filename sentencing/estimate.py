"""One term from the guideline's computation and the comparable cases, with a range.

Why a blend and not either alone: the guideline gives the legal structure (tier, increments,
circumstances) but its province figures are partly placeholders and judges use the 20 % latitude;
comparable cases carry local practice but drift on rare charges and long terms, and a small pool
has none. The blend is linear in log(1 + months) (the LawBench score's scale) over three inputs:
the guideline's term, the median of the k most similar cases with the same charges, and the
median of every pool case with the same charges. Its weights are fitted on part of CAIL2018
(`benchmarks.sentencing_guideline --fit`, stored in data/estimate.json with what they were fitted
on) and reported on the part held out. The range is the fitted 10th-90th percentile of the
held-in residuals around the estimate, met with the statutory range.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sentencing.guideline import half_up

PARAMS = Path(__file__).with_name("data") / "estimate.json"


@dataclass(frozen=True)
class Params:
    """Weights per group: 'guideline' (the charge has rules) and 'pool' (it has none)."""

    weights: Mapping[str, Sequence[float]]  # intercept, guideline, comparable, charge median
    # (a group missing from a fit falls back to its kind's 'many' weights, then to default)
    residual: Mapping[str, Sequence[float]]  # 10th and 90th percentile of log residuals
    fitted_on: str = ""
    k: int = 10  # comparable cases whose median was fitted: callers take that many

    @classmethod
    def default(cls) -> Params:
        """Before any fit: the guideline where it applies, else the comparable median."""
        return cls({"guideline": (0.0, 1.0, 0.0, 0.0), "pool": (0.0, 0.0, 1.0, 0.0)},
                   {"guideline": (-0.5, 0.5), "pool": (-0.5, 0.5)}, "default")

    def of(self, group: str) -> tuple[Sequence[float], Sequence[float]]:
        kind = group.split(":")[0]
        for key in (group, f"{kind}:many", kind, kind.split("_")[0]):
            if key in self.weights:
                return self.weights[key], self.residual[key]
        d = Params.default()
        return d.weights[kind.split("_")[0]], d.residual[kind.split("_")[0]]

    def to_dict(self) -> dict[str, Any]:
        return {"weights": {k: list(v) for k, v in self.weights.items()},
                "residual": {k: list(v) for k, v in self.residual.items()},
                "fitted_on": self.fitted_on, "k": self.k}


@lru_cache(maxsize=1)
def load_params(path: Path = PARAMS) -> Params:
    if not path.is_file():
        return Params.default()
    d = json.loads(path.read_text("utf-8"))
    return Params(d["weights"], d["residual"], d.get("fitted_on", ""), int(d.get("k", 10)))


def median(values: Sequence[float]) -> float | None:
    xs = sorted(values)
    if not xs:
        return None
    mid = len(xs) // 2
    return float(xs[mid]) if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2.0


#: pool cases with the query's charges: (upper bound, name); a small pool leans on the guideline
POOL_SIZES = ((4, "few"), (29, "some"), (10**12, "many"))


def pool_size(n: int) -> str:
    return next(name for top, name in POOL_SIZES if n <= top)


def features(guideline: float | None, comparable: float | None, charge_median: float | None,
             charge_n: int = 10**6, several: bool = False
             ) -> tuple[str, tuple[float, float, float]] | None:
    """The group and (guideline, comparable, charge median) in log(1 + months), a missing one
    standing in for another (a pool with no case of the charge, a charge with no rule). The
    group is 'guideline' or 'pool' (the charge has no rule) and the pool's size for the charge:
    the weights of a pool of 3 cases are not those of a pool of 3,000. Several charges make
    their own guideline group: the 数罪并罚 point between the highest term and the sum is the
    platform's convention, not the guideline's."""
    lc = comparable if comparable is not None else charge_median
    lp = charge_median if charge_median is not None else comparable
    size = pool_size(charge_n if lc is not None else 0)
    if guideline is not None:
        lg = math.log1p(guideline)
        group = "guideline_several" if several else f"guideline:{size}"
        if lc is None or lp is None:
            return group, (lg, lg, lg)
        return group, (lg, math.log1p(lc), math.log1p(lp))
    if lc is None or lp is None:
        return None
    return f"pool:{size}", (0.0, math.log1p(lc), math.log1p(lp))


def estimate(guideline: float | None, comparable: Sequence[float], charge_median: float | None,
             *, charge_n: int | None = None, several: bool = False, statutory: tuple[int, int] | None = None,
             params: Params | None = None) -> dict[str, Any] | None:
    """{'months', 'range', 'group', 'inputs'}; None when there is nothing to go on."""
    params = params or load_params()
    comp = median(comparable)
    f = features(guideline, comp, charge_median,
                 len(comparable) if charge_n is None else charge_n, several)
    if f is None:
        return None
    group, (lg, lc, lp) = f
    w, (lo_r, hi_r) = params.of(group)
    log_est = w[0] + w[1] * lg + w[2] * lc + w[3] * lp
    months = max(0.0, math.expm1(log_est))
    lo, hi = max(0.0, math.expm1(log_est + lo_r)), math.expm1(log_est + hi_r)
    if statutory is not None:
        months = min(max(months, statutory[0]), max(statutory[1], statutory[0]))
        lo, hi = max(lo, 0.0), max(min(hi, statutory[1]), months)
    return {"months": half_up(months), "range": [half_up(lo), half_up(hi)], "group": group,
            "inputs": {"guideline": guideline, "comparable_median": comp,
                       "comparable_n": len(comparable), "charge_median": charge_median,
                       "charge_n": charge_n},
            "weights": list(w), "fitted_on": params.fitted_on}
