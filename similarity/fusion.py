"""Hybrid similar-case ranking: lexical + dense + structured agreement, linearly fused.

Each candidate of a query gets a row of signals (`SIGNALS`):

- ``lexical``: BM25 over character bigrams of the facts, z-scored within the candidate set;
- ``dense``: cosine of the e5 embeddings, z-scored within the set (0 when no vectors);
- ``charges`` / ``exact_charges``: charge agreement (fuzzy name overlap / exact Jaccard);
- ``related_charges``: how close the charges sit in the Criminal Law (statute order), so that
  故意伤害 and 过失致人死亡 count as neighbours while 盗窃 and 危险驾驶 do not;
- ``circumstances``, ``amount``, ``alcohol``: agreement of the structured features;
- ``charges_text``: charge agreement times sigmoid(2 x lexical z): the same charges count for
  more when the facts read alike too. LeCaRD's annotators judged both the key elements of the
  offence and the facts, and the candidates of a pool that share the query's charges but not
  its story are mostly unlabelled (relevance 0 under the full-pool protocol); a linear mix of
  the two signals cannot push those down without also demoting textually close candidates
  with a different but related charge.

The score is the dot product with a weight vector. Weights are fitted by ridge regression on the
graded relevance of LeCaRD dev queries (`fit_weights`), pointwise over each query's whole pool
(unlabelled candidates = 0). `bench_lecard` reports figures for queries held out of the fit;
the constants below are the fit on all 72 dev queries (with and without dense vectors).
When the query's charges are unknown (pasted facts), they are inferred from the charges of its
best lexical neighbours (`infer_charges`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

import numpy as np

from similarity.features import Agreement, CaseFeatures, agreement
from similarity.lexical import LexicalIndex, PoolBM25

K = TypeVar("K", bound=Hashable)

SIGNALS = (
    "lexical",
    "dense",
    "charges",
    "exact_charges",
    "related_charges",
    "circumstances",
    "amount",
    "alcohol",
    "charges_text",
)

#: fitted by `python -m benchmarks.lecard --fit` on all 72 LeCaRD dev queries (ridge,
#: alpha 3); the dense weight comes out near zero: e5-small adds little over bigrams + charges.
#: Charge agreement works through ``charges_text`` (gated by lexical closeness); the plain
#: ``charges`` weight turns negative once the gated one is there (same-charge candidates whose
#: facts read differently go down).
WEIGHTS_HYBRID: dict[str, float] = {
    "lexical": 0.1684,
    "dense": 0.0176,
    "charges": -0.247,
    "exact_charges": -0.0847,
    "related_charges": 0.0179,
    "circumstances": 0.0066,
    "amount": 0.0402,
    "alcohol": -0.0222,
    "charges_text": 1.0,
}
#: `--no-dense --fit`: the same without the dense signal (no model, or vectors not computed)
WEIGHTS_LEXICAL: dict[str, float] = {
    "lexical": 0.1839,
    "dense": 0.0,
    "charges": -0.2378,
    "exact_charges": -0.0824,
    "related_charges": 0.0221,
    "circumstances": 0.0076,
    "amount": 0.0445,
    "alcohol": -0.02,
    "charges_text": 1.0,
}

#: slope of the sigmoid that gates charge agreement by lexical closeness (``charges_text``);
#: picked among 1, 2 and 3 by the 2-fold cross-validation of `bench_lecard` (all three held
#: full-pool NDCG@30 >= 0.922); 2 maps lexical z = +-1 to 0.88 / 0.12
TEXT_GATE_SLOPE = 2.0


def _z(values: Sequence[float]) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        return x
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-12 else np.zeros_like(x)


def statute_order(vocabulary: Sequence[str]) -> dict[str, int]:
    """Charge -> its position in the Criminal Law's list (the vocabulary is in statute order)."""
    return {name: i for i, name in enumerate(vocabulary)}


def related_charges(query: Sequence[str], cand: Sequence[str], order: Mapping[str, int]) -> float:
    """Mean over the query's charges of exp(-distance / 3) to the nearest candidate charge."""
    qi = [order[c] for c in query if c in order]
    ci = [order[c] for c in cand if c in order]
    if not qi or not ci:
        return 0.0
    return sum(math.exp(-min(abs(a - b) for b in ci) / 3.0) for a in qi) / len(qi)


def infer_charges(
    neighbour_charges: Sequence[Sequence[str]], min_share: float = 0.5
) -> tuple[str, ...]:
    """Charges named by at least `min_share` of the neighbours (at least the most common one)."""
    counts: Counter[str] = Counter(c for cs in neighbour_charges for c in set(cs))
    if not counts:
        return ()
    n = len(neighbour_charges)
    top = counts.most_common()
    chosen = [c for c, k in top if k >= min_share * n] or [top[0][0]]
    return tuple(chosen)


@dataclass
class Scored(Generic[K]):
    """One ranked candidate: fused score, its signal row and the structured agreement."""

    key: K
    score: float
    signals: dict[str, float]
    agreement: Agreement

    def explanation(self, matched_terms: Sequence[str] = ()) -> dict[str, Any]:
        """Why it ranks here: shared charges and circumstances, top signals, matched bigrams."""
        return {
            **self.agreement.to_dict(),
            "signals": {k: round(v, 4) for k, v in self.signals.items()},
            "matched_terms": list(matched_terms),
        }


def signal_rows(
    query_text: str,
    query: CaseFeatures,
    keys: Sequence[K],
    feats: Mapping[K, CaseFeatures],
    *,
    lexical: LexicalIndex[K] | None = None,
    texts: Mapping[K, str] | None = None,
    dense: Mapping[K, float] | None = None,
    order: Mapping[str, int] | None = None,
) -> tuple[np.ndarray, list[Agreement]]:
    """The (len(keys), len(SIGNALS)) signal matrix and each candidate's agreement.

    `lexical` is an index holding the candidates (IDF from everything it holds); without one,
    a BM25 over `texts` is built on the spot (`PoolBM25`: the same scores as `BM25`).
    """
    if lexical is None:
        lexical = PoolBM25({k: (texts or {}).get(k, "") for k in keys})
    bm = lexical.score(query_text, keys)
    lex = _z([bm.get(k, 0.0) for k in keys])
    den = _z([dense.get(k, 0.0) for k in keys]) if dense else np.zeros(len(keys))
    gate = 1.0 / (1.0 + np.exp(-TEXT_GATE_SLOPE * lex))
    agrees = [agreement(query, feats[k]) for k in keys]
    rows = np.zeros((len(keys), len(SIGNALS)), dtype=np.float64)
    for i, (k, a) in enumerate(zip(keys, agrees, strict=True)):
        rows[i] = (
            lex[i],
            den[i],
            a.charges,
            a.exact_charges,
            related_charges(query.charges, feats[k].charges, order or {}),
            a.circumstances,
            0.5 if a.amount is None else a.amount,
            0.5 if a.alcohol is None else a.alcohol,
            a.charges * gate[i],
        )
    return rows, agrees


def weight_vector(weights: Mapping[str, float]) -> np.ndarray:
    return np.array([float(weights.get(s, 0.0)) for s in SIGNALS])


def rank(
    query_text: str,
    query: CaseFeatures,
    keys: Sequence[K],
    feats: Mapping[K, CaseFeatures],
    *,
    weights: Mapping[str, float] | None = None,
    lexical: LexicalIndex[K] | None = None,
    texts: Mapping[K, str] | None = None,
    dense: Mapping[K, float] | None = None,
    order: Mapping[str, int] | None = None,
    infer_from: int = 10,
) -> list[Scored[K]]:
    """Rank `keys` for the query, best first (ties keep input order).

    When the query has no charges they are inferred from its `infer_from` best lexical
    neighbours first, so charge agreement still counts for pasted facts.
    """
    keys = list(keys)
    if not keys:
        return []
    if weights is None:
        weights = WEIGHTS_HYBRID if dense else WEIGHTS_LEXICAL
    if not query.charges and infer_from > 0:
        if lexical is None:
            lexical = PoolBM25({k: (texts or {}).get(k, "") for k in keys})
        bm = lexical.score(query_text, keys)
        top = sorted(keys, key=lambda k: -bm.get(k, 0.0))[:infer_from]
        query = replace(query, charges=infer_charges([feats[k].charges for k in top]))
    rows, agrees = signal_rows(
        query_text, query, keys, feats, lexical=lexical, texts=texts, dense=dense, order=order
    )
    scores = rows @ weight_vector(weights)
    idx = np.argsort(-scores, kind="stable")
    return [
        Scored(keys[i], float(scores[i]), dict(zip(SIGNALS, map(float, rows[i]), strict=True)),
               agrees[i])
        for i in idx
    ]


def fit_weights(
    rows: Sequence[np.ndarray], labels: Sequence[Sequence[float]], *, alpha: float = 3.0,
    use: Sequence[str] = SIGNALS,
) -> dict[str, float]:
    """Ridge regression of graded relevance on the signal rows (one matrix per query).

    Only the signals in `use` get weight; the intercept is dropped (it does not change ranks).
    Weights are rescaled so the largest is 1.
    """
    cols = [SIGNALS.index(s) for s in use]
    x = np.vstack([r[:, cols] for r in rows])
    y = np.concatenate([np.asarray(lab, dtype=np.float64) for lab in labels])
    xm, ym = x.mean(axis=0), y.mean()
    xc, yc = x - xm, y - ym
    w = np.linalg.solve(xc.T @ xc + alpha * np.eye(len(cols)), xc.T @ yc)
    top = float(np.abs(w).max()) or 1.0
    out = dict.fromkeys(SIGNALS, 0.0)
    for c, v in zip(use, w / top, strict=True):
        out[c] = round(float(v), 4)
    return out
