"""Copies of one judgment count once (同一裁判文书只计一次).

The same judgment reaches the pool more than once: uploaded by the court and again by the
procuratorate it was sent to, as a PDF and as a scan, in two cases before they were merged. Its
copies read alike, so each would be the other's most similar case, and a sentence counted
once per copy would weigh twice in the statistics. A judgment is identified by what its copies
share: the key of the case number (`extraction.case_numbers.case_key`: court numbers are unique
across the country) or the SHA-256 of a document that carries facts (a blank form attached to
many cases is no judgment and joins nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

K = TypeVar("K")


def distinct(hits: Iterable[tuple[K, float]], identities: Mapping[K, Iterable[str]],
             exclude: Iterable[K] = ()) -> list[tuple[K, float]]:
    """The hits, best first, without copies of an excluded case (the query) and with one entry
    per judgment: the first (best) of its copies. Identities chain: a copy of a copy of the
    query is a copy of the query."""
    seen: set[str] = set()
    for key in exclude:
        seen.update(identities.get(key, ()))
    out: list[tuple[K, float]] = []
    for key, score in hits:
        mine = set(identities.get(key, ()))
        if not mine & seen:
            out.append((key, score))
        seen |= mine
    return out


def identity(case_key: str | None, digests: Iterable[str]) -> set[str]:
    """The marks of one case's judgment: ``key:<case key>`` and ``sha:<digest>`` per
    document with facts."""
    marks = {f"sha:{d}" for d in digests if d}
    if case_key:
        marks.add(f"key:{case_key}")
    return marks


def sentences_once(rows: Iterable[tuple[int, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """A case's sentences from its documents, each defendant's once: ``rows`` are (document
    id, defendant name, sentence) in document order; a defendant already sentenced by an
    earlier document of the case (a copy of the judgment) is not counted again. Two defendants
    of one name in one document stay two; a nameless sentence is a copy only when equal."""
    first_doc: dict[str, int] = {}
    nameless: list[dict[str, Any]] = []
    out: list[dict[str, Any]] = []
    for doc_id, name, sentence in rows:
        who = (name or "").strip()
        if not who:
            if sentence in nameless:
                continue
            nameless.append(sentence)
        elif first_doc.setdefault(who, doc_id) != doc_id:
            continue
        out.append(sentence)
    return out
