"""Similar-case ranking.

Currently dense only: the cosine between the query case's facts (embedded as a query) and each
candidate's facts (embedded as passages). Fusing this with lexical similarity (BM25 over CJK
bigrams) and structured agreement (same charges, articles, amounts, sentence bands) is a later
issue; LeCaRD shows the lexical baselines are strong, so fusion is expected to matter.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

from similarity.embedder import Embedder

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
