"""OCR quality measures used by tests and benchmarks.

CER is computed the way ../shared/notes/ocr-engines.md reports it (NFKC folding, whitespace
removed) so that our numbers compare with the engine study: full-width/half-width variants
and line breaks are not counted as errors.
"""

from __future__ import annotations

import unicodedata


def normalize(text: str) -> str:
    """NFKC-fold and drop all whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions all cost 1)."""
    try:
        from rapidfuzz.distance import Levenshtein
    except ImportError:
        pass
    else:
        return int(Levenshtein.distance(a, b))
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(ref: str, hyp: str) -> float:
    """Character error rate: edit distance / reference length after ``normalize``.

    An empty reference gives 0.0 for an empty hypothesis and 1.0 otherwise.
    """
    r, h = normalize(ref), normalize(hyp)
    if not r:
        return 0.0 if not h else 1.0
    return edit_distance(r, h) / len(r)
