"""Lexical similarity: Okapi BM25 over CJK character bigrams, in memory.

Chinese has no spaces; character bigrams are what Elasticsearch's `cjk` analyzer indexes and
what the published LeCaRD BM25 baseline approximates with word segmentation. Runs of Latin
letters and digits are kept as single tokens (vehicle plates, amounts, blood alcohol values).
Text is NFKC-folded first, so full-width digits and letters match their ASCII forms.

The index is small and exact: a candidate pool of a few hundred or a few thousand judgments is
scored in milliseconds; document frequencies come from every text added, so a larger pool
(e.g. the whole corpus) gives better IDF than the 100 candidates of one query.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:\.[0-9]+)?")
_CJK_RUN = re.compile(rf"[{_CJK}]")


def tokens(text: str) -> list[str]:
    """CJK character bigrams (a single character when a run has one) plus Latin/digit runs."""
    out: list[str] = []
    for run in _TOKEN.findall(unicodedata.normalize("NFKC", text or "").lower()):
        if _CJK_RUN.match(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out


class BM25(Generic[K]):
    """Okapi BM25 (k1, b) over `tokens`; `score` gives every document's score for a query."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._tf: dict[K, Counter[str]] = {}
        self._len: dict[K, int] = {}
        self._df: Counter[str] = Counter()
        self._total = 0

    def __len__(self) -> int:
        return len(self._tf)

    def __contains__(self, key: object) -> bool:
        return key in self._tf

    def add(self, key: K, text: str) -> None:
        """Index (or re-index) one document."""
        if key in self._tf:
            self.remove(key)
        tf = Counter(tokens(text))
        self._tf[key] = tf
        self._len[key] = sum(tf.values())
        self._total += self._len[key]
        self._df.update(tf.keys())

    def add_many(self, docs: Mapping[K, str] | Iterable[tuple[K, str]]) -> None:
        """Index several documents."""
        items = docs.items() if isinstance(docs, Mapping) else docs
        for key, text in items:
            self.add(key, text)

    def remove(self, key: K) -> bool:
        """Drop a document; False when it was absent."""
        tf = self._tf.pop(key, None)
        if tf is None:
            return False
        self._total -= self._len.pop(key)
        self._df.subtract(tf.keys())
        return True

    def idf(self, term: str) -> float:
        """Lucene's non-negative BM25 IDF."""
        n = len(self._tf)
        df = self._df.get(term, 0)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def score(self, query: str, keys: Iterable[K] | None = None) -> dict[K, float]:
        """BM25 of `query` against `keys` (default: every document). Unknown keys are skipped."""
        qtf = Counter(tokens(query))
        if not self._tf:
            return {}
        avgdl = self._total / len(self._tf) or 1.0
        weights = {t: self.idf(t) * (1.0 + math.log(c)) for t, c in qtf.items()}
        wanted = self._tf.keys() if keys is None else [k for k in keys if k in self._tf]
        out: dict[K, float] = {}
        k1, b = self.k1, self.b
        for key in wanted:
            tf = self._tf[key]
            norm = k1 * (1.0 - b + b * self._len[key] / avgdl)
            s = 0.0
            for term, w in weights.items():
                f = tf.get(term)
                if f:
                    s += w * f * (k1 + 1.0) / (f + norm)
            out[key] = s
        return out

    def matched_terms(self, query: str, key: K, limit: int = 10) -> list[str]:
        """The query bigrams found in document `key`, highest IDF first (for explanations)."""
        tf = self._tf.get(key)
        if tf is None:
            return []
        found = {t for t in tokens(query) if t in tf}
        return sorted(found, key=lambda t: (-self.idf(t), t))[:limit]


def bm25_scores(query: str, docs: Mapping[K, str], k1: float = 1.2, b: float = 0.75) -> dict[K, float]:
    """One-shot BM25 of `query` over `docs` (IDF from `docs` alone)."""
    index: BM25[K] = BM25(k1, b)
    index.add_many(docs)
    return index.score(query)
