"""Similar-case ranking: the dense-only ranker and the hybrid pool ranker.

`rank_candidates` ranks by dense cosine alone (kept as the baseline and for callers that only
have vectors). `rank_pools` is the production hybrid ranker (see `similarity.fusion`) over
per-query candidate pools, used by `dossier rank` and `python -m benchmarks.lecard`:
lexical BM25 over bigrams with IDF from every candidate, optional dense cosines, and structured
agreement of charges, circumstances, amounts.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from similarity.embedder import Embedder
from similarity.features import CaseFeatures, from_text
from similarity.fusion import WEIGHTS_HYBRID, WEIGHTS_LEXICAL, rank, statute_order
from similarity.lexical import BM25

K = TypeVar("K", bound=Hashable)  # case ids: ints, strings or a mix


def rank_candidates(
    query_text: str, candidates: Mapping[K, str], embedder: Embedder
) -> list[tuple[K, float]]:
    """Rank `candidates` (id -> facts text) by dense cosine to `query_text`, best first.

    Ties keep the candidates' input order. Scores are cosines in [-1, 1]; they are comparable
    within one call, not across embedders.
    """
    if not candidates:
        return []
    ids = list(candidates)
    passages = embedder.embed_passages([candidates[i] for i in ids])
    query = embedder.embed_queries([query_text])[0]
    scores = passages @ query
    order = sorted(range(len(ids)), key=lambda i: -float(scores[i]))
    return [(ids[i], float(scores[i])) for i in order]


@dataclass
class Query:
    """A query case: its facts and, when known, its charges."""

    text: str
    charges: list[str] | None = None


@dataclass
class Judgment:
    """A candidate judgment: facts (ranked on) and verdict text (charges are read from it)."""

    facts: str
    verdict: str = ""


def read_queries(path: Path) -> dict[str, Query]:
    """LeCaRD-style queries.jsonl: {ridx, q, crime?} per line -> ridx -> Query."""
    out: dict[str, Query] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                crime = row.get("crime")
                out[str(row["ridx"])] = Query(row["q"], list(crime) if crime else None)
    return out


def read_pools(path: Path) -> dict[str, list[str]]:
    """pools.json {ridx: [candidate ids]} with string keys and ids."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return {str(k): [str(c) for c in v] for k, v in raw.items()}


def read_corpus(path: Path, wanted: Iterable[str] | None = None) -> dict[str, Judgment]:
    """LeCaRD-style corpus.jsonl(.gz): candidate_id, ajjbqk facts, pjjg verdict, ajName."""
    keep = None if wanted is None else set(wanted)
    opener: Callable[..., Any] = gzip.open if str(path).endswith(".gz") else open
    out: dict[str, Judgment] = {}
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            cid = str(row["candidate_id"])
            if keep is None or cid in keep:
                facts = row.get("ajjbqk") or row.get("ajName") or ""
                verdict = " ".join(str(row.get(k) or "") for k in ("pjjg", "ajName", "writName"))
                out[cid] = Judgment(facts, verdict)
    return out


@dataclass
class PoolRanker:
    """Everything needed to rank pools: candidate texts, features, a shared BM25 index."""

    texts: dict[str, str]
    feats: dict[str, CaseFeatures]
    lexical: BM25[str]
    order: dict[str, int]
    vocabulary: tuple[str, ...]

    @classmethod
    def build(cls, corpus: Mapping[str, Judgment], vocabulary: Sequence[str]) -> PoolRanker:
        vocab = tuple(vocabulary)
        texts = {cid: j.facts for cid, j in corpus.items()}
        feats = {cid: from_text(j.facts, vocab, verdict=j.verdict) for cid, j in corpus.items()}
        lexical: BM25[str] = BM25()
        lexical.add_many(texts)
        return cls(texts, feats, lexical, statute_order(vocab), vocab)

    def query_features(self, query: Query) -> CaseFeatures:
        return from_text(query.text, self.vocabulary, charges=query.charges)

    def signals(
        self, query: Query, pool: Sequence[str], dense: Mapping[str, float] | None = None
    ) -> Any:
        """The signal matrix of one pool (for fitting weights)."""
        from similarity.fusion import signal_rows

        qf = self.query_features(query)
        if not qf.charges:  # the same inference `rank` makes, so fitted rows match ranking
            qf = replace(qf, charges=_inferred(self, query, pool))
        rows, _ = signal_rows(query.text, qf, pool, self.feats, lexical=self.lexical,
                              dense=dense, order=self.order)
        return rows

    def rank(
        self,
        query: Query,
        pool: Sequence[str],
        *,
        dense: Mapping[str, float] | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> list[str]:
        """Candidate ids of `pool` best first."""
        pool = [c for c in pool if c in self.feats]
        if weights is None:
            weights = WEIGHTS_HYBRID if dense else WEIGHTS_LEXICAL
        ranked = rank(query.text, self.query_features(query), pool, self.feats,
                      weights=weights, lexical=self.lexical, dense=dense, order=self.order)
        return [s.key for s in ranked]


def _inferred(ranker: PoolRanker, query: Query, pool: Sequence[str]) -> tuple[str, ...]:
    from similarity.fusion import infer_charges

    bm = ranker.lexical.score(query.text, pool)
    top = sorted(pool, key=lambda k: -bm.get(k, 0.0))[:10]
    return infer_charges([ranker.feats[k].charges for k in top])


def rank_pools(
    queries: Mapping[str, Query],
    pools: Mapping[str, Sequence[str]],
    corpus: Mapping[str, Judgment],
    vocabulary: Sequence[str],
    *,
    dense: Mapping[str, Mapping[str, float]] | None = None,
    weights: Mapping[str, float] | None = None,
) -> dict[str, list[str]]:
    """Run {ridx: candidate ids best first} for every query that has a pool."""
    ranker = PoolRanker.build(corpus, vocabulary)
    return {
        r: ranker.rank(q, pools[r], dense=(dense or {}).get(r), weights=weights)
        for r, q in queries.items()
        if r in pools
    }
