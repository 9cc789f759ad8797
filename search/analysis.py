"""Normalisation and tokenisation of Chinese legal text for full-text search.

Chinese has no spaces between words, so CJK runs become overlapping character bigrams (what
Elasticsearch's ``cjk`` analyzer does): any word of two or more characters is then a phrase of
its bigrams, whatever the segmentation. Whole-word terms from a legal dictionary (the charge
list) and the document's party names are indexed beside the bigrams so whole-word hits rank
higher. Index and query side use the same functions, so they always agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# Bump when tokenisation changes: an index built with another version is rebuilt on open.
ANALYZER_VERSION = "bigram-1"

_CJK_CHARS = (
    "\u3007"  # 〇, as in 二〇一七年
    "\u3040-\u30ff"  # kana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # han
    "\uac00-\ud7af"  # hangul
    "\U00020000-\U0003134f"  # han extensions B-H
)
_CJK = re.compile(f"[{_CJK_CHARS}]")
# A CJK run, or a run of other letters/digits (latin words, numbers); anything else separates.
_RUN = re.compile(f"([{_CJK_CHARS}]+)|((?:(?![{_CJK_CHARS}])[^\\W_])+)")


def normalize(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation to half-width) and lowercase."""
    return unicodedata.normalize("NFKC", text).lower()


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """Normalise char by char, also returning for each output char the index of its source.

    Highlighting needs this to map spans found in normalised text back to the original.
    """
    whole = unicodedata.normalize("NFKC", text)
    if len(whole) == len(text) and all(
        unicodedata.normalize("NFKC", a) == b for a, b in zip(text, whole, strict=True) if a != b
    ):  # one char in, one char out (the usual case): the cheap path
        lowered = whole.lower()
        if len(lowered) == len(text):
            return lowered, list(range(len(text)))
    out: list[str] = []
    starts: list[int] = []
    for i, ch in enumerate(text):
        n = ch.lower() if ch.isascii() else unicodedata.normalize("NFKC", ch).lower()
        out.append(n)
        starts.extend([i] * len(n))
    return "".join(out), starts


def is_cjk(ch: str) -> bool:
    return _CJK.match(ch) is not None


def token_spans(norm: str) -> tuple[list[str], list[int]]:
    """Tokens of normalised text and where each starts (highlighting maps them back)."""
    texts: list[str] = []
    starts: list[int] = []
    for m in _RUN.finditer(norm):
        run = m.group(1)
        if run is None or len(run) == 1:
            texts.append(m.group(0))
            starts.append(m.start())
        else:
            texts.extend([run[i : i + 2] for i in range(len(run) - 1)])
            starts.extend(range(m.start(), m.end() - 1))
    return texts, starts


def _token_texts(norm: str) -> list[str]:
    """Token strings of normalised text: CJK bigrams (a lone CJK char stays a unigram) and
    whole latin/digit runs."""
    out: list[str] = []
    for m in _RUN.finditer(norm):
        run = m.group(1)
        if run is None or len(run) == 1:
            out.append(m.group(0))
        else:
            out.extend([run[i : i + 2] for i in range(len(run) - 1)])
    return out


def tokenize(text: str) -> list[str]:
    """Normalise and cut text into search tokens."""
    return _token_texts(normalize(text))


def term_token(term: str) -> str:
    """One index token for a whole word: normalised, without ASCII separators.

    The index splits tokens on ASCII spaces and punctuation only, so what remains stays whole.
    """
    return "".join(ch for ch in normalize(term) if not ch.isascii() or ch.isalnum())


class Dictionary:
    """Whole-word terms, found in a page by their first two characters.

    A page is scanned with one set intersection against its bigrams plus a few substring
    counts, instead of a lookup at every character.
    """

    def __init__(self, terms: Iterable[str]) -> None:
        self._by_head: dict[str, list[str]] = {}
        self._other: list[str] = []  # terms not starting with two CJK chars (e.g. 张3)
        seen: set[str] = set()
        for raw in terms:
            term = normalize(raw).strip()
            if len(term) < 2 or term in seen:
                continue
            seen.add(term)
            if is_cjk(term[0]) and is_cjk(term[1]):
                self._by_head.setdefault(term[:2], []).append(term)
            else:
                self._other.append(term)

    @property
    def terms(self) -> list[str]:
        return sorted([t for ts in self._by_head.values() for t in ts] + self._other)

    def find(self, norm: str, bigrams: set[str]) -> list[str]:
        """Term tokens found in normalised text, once per occurrence (term frequency counts)."""
        found: list[str] = []
        candidates = [t for head in bigrams & self._by_head.keys() for t in self._by_head[head]]
        for term in candidates + self._other:
            n = norm.count(term)
            if n:
                found.extend([term_token(term)] * n)
        return found


@lru_cache(maxsize=1)
def legal_dictionary() -> Dictionary:
    """The charge list and each charge without 罪, from data shipped with the package."""
    text = resources.files(__package__).joinpath("data", "legal_terms.txt").read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return Dictionary(line for line in lines if line and not line.startswith("#"))


@dataclass(frozen=True, slots=True)
class PageFields:
    """What the index stores for one page: space-separated tokens and whole-word terms."""

    body: str
    terms: str


def analyze_page(text: str, parties: Dictionary | None = None) -> PageFields:
    """Tokens of a page plus the legal terms and party names occurring in it."""
    norm = normalize(text)
    tokens = _token_texts(norm)
    bigrams = set(tokens)
    terms = legal_dictionary().find(norm, bigrams)
    if parties is not None:
        terms += parties.find(norm, bigrams)
    return PageFields(" ".join(tokens), " ".join(terms))


def analyze_document(pages: list[str], parties: list[str]) -> list[PageFields]:
    """Fields of every page of a document, as both engines index them: a party named nowhere
    in the text is still findable, its whole-word term added to page 1."""
    names = Dictionary(parties)
    fields = [analyze_page(text, names) for text in pages]
    present = {t for f in fields for t in f.terms.split()}
    missing = [term_token(p) for p in parties if term_token(p) not in present]
    if missing and fields:
        first = fields[0]
        fields[0] = PageFields(first.body, " ".join([first.terms, *missing]).strip())
    return fields


def body_text(text: str) -> str:
    """The body column alone (deleting a page needs exactly what was indexed)."""
    return " ".join(tokenize(text))
