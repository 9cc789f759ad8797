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
import operator
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

from similarity.textfold import fold

K = TypeVar("K", bound=Hashable)

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:\.[0-9]+)?")
_CJK_RUN = re.compile(rf"[{_CJK}]")


class LexicalIndex(Protocol[K]):
    """What the hybrid ranker needs of a lexical index (`BM25`, `PoolBM25`)."""

    def __contains__(self, key: object) -> bool: ...

    def score(self, query: str, keys: Iterable[K] | None = None) -> dict[K, float]: ...


def tokens(text: str) -> list[str]:
    """CJK character bigrams (a single character when a run has one) plus Latin/digit runs."""
    out: list[str] = []
    for run in _TOKEN.findall(fold(text or "").lower()):
        if len(run) > 1 and _CJK_RUN.match(run):
            out.extend(map(operator.add, run[:-1], run[1:]))  # the bigrams, at C speed
        else:
            out.append(run)
    return out


def lucene_idf(n: int, df: Any) -> Any:
    """Lucene's non-negative BM25 IDF of terms in ``df`` of ``n`` documents (a number or an
    array of them)."""
    return np.log(1.0 + (n - df + 0.5) / (df + 0.5))


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
        return float(lucene_idf(len(self._tf), self._df.get(term, 0)))

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

    def matched_terms(self, query: str | Iterable[str], key: K, limit: int = 10) -> list[str]:
        """The query bigrams found in document `key`, highest IDF first (for explanations).

        `query` is the text or its `tokens` (tokenise once when explaining many documents)."""
        tf = self._tf.get(key)
        if tf is None:
            return []
        found = {t for t in (tokens(query) if isinstance(query, str) else query) if t in tf}
        return sorted(found, key=lambda t: (-self.idf(t), t))[:limit]


def bm25_scores(query: str, docs: Mapping[K, str], k1: float = 1.2, b: float = 0.75) -> dict[K, float]:
    """One-shot BM25 of `query` over `docs` (IDF from `docs` alone)."""
    index: BM25[K] = BM25(k1, b)
    index.add_many(docs)
    return index.score(query)


_LATIN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


def _code_tokens(text: str) -> tuple[np.ndarray, np.ndarray, Counter[str], int]:
    """`tokens(text)` as sorted unique int64 codes of the CJK tokens with their counts, the
    Latin/digit tokens as a Counter, and the token count. A CJK bigram ab is a*2^21 + b, a
    lone CJK character c is c*2^21 (code points are < 2^21, CJK ones never 0)."""
    folded = fold(text or "").lower()
    a = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    cjk = np.zeros(a.shape[0], dtype=bool)
    for lo, hi in _CJK_RANGES:
        cjk |= (a >= lo) & (a <= hi)
    pair = cjk[:-1] & cjk[1:]
    left = np.concatenate(([False], cjk[:-1]))
    right = np.concatenate((cjk[1:], [False]))
    lone = cjk & ~left & ~right
    codes = np.concatenate(((a[:-1][pair] << 21) | a[1:][pair], a[lone] << 21))
    uniq, counts = np.unique(codes, return_counts=True)
    # Latin/digit runs between CJK runs, exactly as `tokens` cuts them
    latin: Counter[str] = Counter(_LATIN.findall(folded))  # the same runs `_TOKEN` cuts
    return uniq, counts, latin, int(codes.shape[0]) + sum(latin.values())


def _code_of(token: str) -> int | None:
    if _CJK_RUN.match(token):
        return (ord(token[0]) << 21) | (ord(token[1]) if len(token) > 1 else 0)
    return None


def _pool_codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[Counter[str]],
                                               np.ndarray]:
    """`_code_tokens` of several texts at once: every text's CJK token codes in text order
    (each text's codes contiguous, unsorted), the offset of each text's codes, the Latin/digit
    tokens of each, and each text's token count. One pass of numpy over the texts joined by
    NUL (neither CJK nor Latin: no token crosses it) instead of a dozen calls per text."""
    folded = [fold(t or "").lower() for t in texts]
    a = np.frombuffer("\x00".join(folded).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    lengths = np.array([len(f) for f in folded], dtype=np.int64)
    doc = np.repeat(np.arange(len(folded), dtype=np.int64), lengths + 1)[: a.shape[0]]
    cjk = np.zeros(a.shape[0], dtype=bool)
    for lo, hi in _CJK_RANGES:
        cjk |= (a >= lo) & (a <= hi)
    pair = np.zeros(a.shape[0], dtype=bool)  # a bigram starts here
    pair[:-1] = cjk[:-1] & cjk[1:]
    left = np.concatenate(([False], cjk[:-1]))
    lone = cjk & ~left & ~pair  # a CJK character with no CJK neighbour
    nxt = np.zeros_like(a)
    nxt[:-1] = a[1:]
    keep = pair | lone
    codes = (a[keep] << 21) | np.where(pair[keep], nxt[keep], 0)
    counts = np.bincount(doc[keep], minlength=len(folded))
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    latin: list[Counter[str]] = [Counter(_LATIN.findall(f)) for f in folded]
    sizes = counts + np.array([sum(c.values()) for c in latin], dtype=np.int64)
    return codes, offsets, latin, sizes


class PoolBM25(Generic[K]):
    """BM25 with the statistics of a small candidate set (a rerank pool), equal to `BM25` built
    over the same texts but without a term dictionary per document: the texts become one
    array of token codes (numpy), and only the query's terms are ever counted, for every
    document at once. Offers the part of `BM25`'s interface the ranker uses: `score`, `idf`,
    `matched_terms`."""

    def __init__(self, docs: Mapping[K, str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._keys: list[K] = list(docs)
        self._row = {key: i for i, key in enumerate(self._keys)}
        self._codes, self._offsets, self._latin, self._sizes = _pool_codes(
            [docs[key] for key in self._keys])
        self._total = int(self._sizes.sum())
        self._uniq: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # row -> sorted codes, counts
        self._df_cache: dict[str, int] = {}
        self._prepared: tuple[tuple[str, ...], np.ndarray] | None = None  # last query's codes
        self._query: tuple[str, list[str]] | None = None  # last query text and its tokens

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._row

    def _tokens(self, query: str) -> list[str]:
        if self._query is None or self._query[0] != query:
            self._query = (query, tokens(query))
        return self._query[1]

    def _tf(self, key: K, terms: Sequence[str], codes: np.ndarray) -> np.ndarray:
        """Counts of `terms` (their CJK codes given, -1 for Latin ones) in document `key`."""
        row = self._row[key]
        if row not in self._uniq:
            self._uniq[row] = np.unique(self._codes[self._offsets[row]:self._offsets[row + 1]],
                                        return_counts=True)
        uniq, counts = self._uniq[row]
        latin = self._latin[row]
        out = np.zeros(len(terms), dtype=np.float64)
        if uniq.size:
            pos = np.searchsorted(uniq, codes)
            pos[pos >= uniq.size] = 0
            hit = (uniq[pos] == codes) & (codes >= 0)
            out[hit] = counts[pos[hit]]
        if latin:
            for i in np.flatnonzero(codes < 0).tolist():
                out[i] = latin.get(terms[i], 0)
        return out

    def _prepare(self, terms: Sequence[str]) -> np.ndarray:
        key = tuple(terms)
        if self._prepared is None or self._prepared[0] != key:
            codes = np.array([-1 if (c := _code_of(t)) is None else c for t in terms],
                             dtype=np.int64)
            self._prepared = (key, codes)
        return self._prepared[1]

    def idf(self, term: str) -> float:
        """Lucene's non-negative BM25 IDF over the pool."""
        df = self._df_cache.get(term)
        if df is None:
            code = _code_of(term)
            codes = np.array([-1 if code is None else code], dtype=np.int64)
            df = sum(1 for key in self._keys if self._tf(key, [term], codes)[0] > 0)
            self._df_cache[term] = df
        return float(lucene_idf(len(self._keys), df))

    def score(self, query: str, keys: Iterable[K] | None = None) -> dict[K, float]:
        """BM25 of `query` against `keys` (default: every document); unknown keys skipped."""
        qtf = Counter(self._tokens(query))
        if not self._keys or not qtf:
            return {key: 0.0 for key in (self._keys if keys is None else keys)
                    if key in self._row}
        terms = list(qtf)
        codes = self._prepare(terms)
        tf = self._tf_all(terms, codes)
        df = np.sum(tf > 0, axis=0)
        n = len(self._keys)
        idf = lucene_idf(n, df)
        self._df_cache.update(zip(terms, (int(x) for x in df), strict=True))
        w = idf * (1.0 + np.log(np.array([qtf[t] for t in terms], dtype=np.float64)))
        avgdl = self._total / n or 1.0
        k1, b = self.k1, self.b
        out: dict[K, float] = {}
        for key in self._keys if keys is None else keys:
            row = self._row.get(key)
            if row is None:
                continue
            f = tf[row]
            norm = k1 * (1.0 - b + b * int(self._sizes[row]) / avgdl)
            out[key] = float(np.sum(w * f * (k1 + 1.0) / (f + norm)))
        return out

    def _tf_all(self, terms: Sequence[str], codes: np.ndarray) -> np.ndarray:
        """(documents, terms) counts of `terms` (CJK codes given, -1 for Latin ones): every
        document's codes looked up among the query's sorted codes at once."""
        n, m = len(self._keys), len(terms)
        cols = np.flatnonzero(codes >= 0)
        cols = cols[np.argsort(codes[cols], kind="stable")]
        wanted = codes[cols]
        if wanted.size and self._codes.size:
            pos = np.searchsorted(wanted, self._codes)
            pos[pos >= wanted.size] = 0
            hit = wanted[pos] == self._codes
            doc = np.repeat(np.arange(n, dtype=np.int64), np.diff(self._offsets))
            tf = np.bincount(doc[hit] * m + cols[pos[hit]], minlength=n * m)
            out = tf.reshape(n, m).astype(np.float64)
        else:
            out = np.zeros((n, m), dtype=np.float64)
        for i in np.flatnonzero(codes < 0).tolist():
            for row, latin in enumerate(self._latin):
                if latin:
                    out[row, i] = latin.get(terms[i], 0)
        return out

    def matched_terms(self, query: str | Iterable[str], key: K, limit: int = 10) -> list[str]:
        """The query tokens found in document `key`, highest IDF first (for explanations)."""
        if key not in self._row:
            return []
        # the order `score` prepared them in, so their codes are reused
        terms = list(dict.fromkeys(self._tokens(query) if isinstance(query, str) else query))
        found = [t for t, f in zip(terms, self._tf(key, terms, self._prepare(terms)),
                                   strict=True) if f > 0]
        return sorted(found, key=lambda t: (-self.idf(t), t))[:limit]
