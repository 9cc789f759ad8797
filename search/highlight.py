"""Highlight snippets cut from the original page text, not from the index tokens.

Matches are found on the token stream exactly as the index matched them, then mapped back to
the original characters, so full-width forms and line breaks show as the user scanned them.
A span runs from the first character of the phrase's first token to the last of its last
token: exactly the words of a mixed phrase (项链（价值5000元 marks 项…元), punctuation
inside it included, its outer punctuation not.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from itertools import accumulate

from search.analysis import normalize_with_offsets, token_spans
from search.query import Text

_SPACE = re.compile(r"\s+")


def _occurrences(haystack: str, needle: str) -> Iterator[int]:
    i = haystack.find(needle)
    while i >= 0:
        yield i
        i = haystack.find(needle, i + 1)


def match_spans(text: str, words: Sequence[Text]) -> list[tuple[int, int]]:
    """Merged, sorted character spans of the original text where the words occur.

    The page's tokens are joined with NUL separators so that a phrase of tokens is found with
    str.find instead of a Python loop over every token.
    """
    norm, origin = normalize_with_offsets(text)
    toks, starts, ends = token_spans(norm)
    joined = "\0" + "\0".join(toks) + "\0"
    first = list(accumulate((len(t) + 1 for t in toks), initial=1))  # where token i begins
    spans: list[tuple[int, int]] = []
    for word in words:
        k = len(word.tokens)
        needle = "\0" + "\0".join(word.tokens) + ("" if word.single_char else "\0")
        for hit in _occurrences(joined, needle):
            i = bisect_left(first, hit + 1)
            end = starts[i] + 1 if word.single_char else ends[i + k - 1]
            spans.append((starts[i], end))
    merged: list[tuple[int, int]] = []
    for s, e in sorted((origin[s], origin[e - 1] + 1) for s, e in spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def snippets(text: str, words: Sequence[Text], limit: int = 3, width: int = 80) -> list[str]:
    """Up to ``limit`` snippets of about ``width`` chars around matches, in <em>…</em>."""
    spans = match_spans(text, words)
    out: list[str] = []
    i = 0
    while i < len(spans) and len(out) < limit:
        s, e = spans[i]
        lo = max(0, s - max(0, width - (e - s)) // 2)
        hi = min(len(text), max(lo + width, e))
        lo = max(0, min(lo, hi - width))
        parts = ["…" if lo > 0 else ""]
        pos = lo
        while i < len(spans) and spans[i][1] <= hi:
            s, e = spans[i]
            parts += [html.escape(text[pos:s]), "<em>", html.escape(text[s:e]), "</em>"]
            pos = e
            i += 1
        parts += [html.escape(text[pos:hi]), "…" if hi < len(text) else ""]
        out.append(_SPACE.sub(" ", "".join(parts)).strip())
    return out
