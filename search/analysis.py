"""Normalisation and tokenisation of Chinese legal text for full-text search.

Chinese has no spaces between words, so text is cut into *runs* (of CJK characters, of digits
or of other letters; punctuation, whitespace and a change between the three end a run) and every run
into overlapping character bigrams, as Elasticsearch's ``cjk`` analyzer does for CJK: any word
of two or more characters is then a phrase of its bigrams, whatever the segmentation.

A query is cut wherever the user cut it, often inside a run of the text: "15年3月27日凌晨"
copied from "2015年3月27日凌晨", "项链（价值5000元" from "价值5000元的". So that a phrase
matches wherever its text appears, with any mix of Chinese, digits, Latin letters and
punctuation, three rules hold on both sides:

* digit and Latin runs are bigrams too (2018 -> 20 01 18), so a query may start or end inside
  a number, a plate or an ID: 15 is a bigram of 2015;
* each run of two or more characters also yields its first and last character as unigrams,
  before and after its bigrams (至2018年 -> 至 · 2 20 01 18 8 · 年): a query whose edge is one
  character of a longer run of the text (the 日 of "…21日" against "…21日止") still finds a
  token there. A query drops the outer unigram of its own first and last run
  (query_tokens), as the text may continue beyond them;
* whitespace between two CJK characters is no boundary (OCR line breaks and letter-spaced
  titles split words: 被告人张⏎三, 刑 事 判 决 书), and middle dots count as whitespace
  (甘A·12345 is 甘A12345);
* every punctuation mark is a token of its own (in its full-width form), so a phrase matches
  only where its punctuation stands too: "主犯。对" is not "主犯，对", "1.5万元" not "15万元".

Whole-word terms from a legal dictionary (the charge list) and the document's party names
are indexed beside the bigrams so whole-word hits rank higher. Index and query side use the
same functions, so they always agree; every engine indexes exactly these tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# Bump when tokenisation changes: an index built with another version is rebuilt on open
# (embedded) or refused until ``dossier reindex`` (cluster).
ANALYZER_VERSION = "edge-2"

_CJK_CHARS = (
    "\u3007"  # 〇, as in 二〇一七年
    "\u3040-\u30ff"  # kana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # han
    "\uac00-\ud7af"  # hangul
    "\U00020000-\U0003134f"  # han extensions B-H
)
_CJK = re.compile(f"[{_CJK_CHARS}]")
# A run of CJK characters, of digits, or of other letters (latin words), or one punctuation
# mark or symbol; whitespace, and a change between the three kinds of run, separate.
_RUN = re.compile(f"[{_CJK_CHARS}]+|\\d+|[^\\W\\d_{_CJK_CHARS}]+|[^\\w\\s]|_")
# Whitespace between two CJK characters: not a boundary (line breaks, spaced-out titles).
_CJK_GAP = re.compile(f"(?<=[{_CJK_CHARS}])\\s+(?=[{_CJK_CHARS}])")
# Read as whitespace: middle dots (甘A·12345 is 甘A12345, 阿不都·热合曼 阿不都热合曼) and
# invisible format characters (zero-width spaces, soft hyphens) that PDFs and OCR leave.
_GAPS = re.compile("[\u00b7\u2022\u2027\u30fb\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# A punctuation token is the full-width form of an ASCII mark (the FTS5 ascii tokenizer splits
# on ASCII punctuation; NFKC made every full-width mark ASCII): ， for ",", （ for "(".
_WIDE = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F)) if not c.isalnum()}
# Circles written for zero in dates (二○一八年) read as 〇; one character for one.
_ZEROS = ("\u25cb", "\u25ef")


def _fold(norm: str) -> str:
    for zero in _ZEROS:  # str.replace, not translate: this runs over every page
        if zero in norm:
            norm = norm.replace(zero, "\u3007")
    return norm


def normalize(text: str) -> str:
    """NFKC (full-width letters, digits and punctuation to half-width), lowercase, ○ as 〇."""
    return _fold(unicodedata.normalize("NFKC", text).lower())


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
            return _fold(lowered), list(range(len(text)))
    out: list[str] = []
    starts: list[int] = []
    for i, ch in enumerate(text):
        n = ch.lower() if ch.isascii() else unicodedata.normalize("NFKC", ch).lower()
        out.append(n)
        starts.extend([i] * len(n))
    return _fold("".join(out)), starts


def is_cjk(ch: str) -> bool:
    return _CJK.match(ch) is not None


def compact(norm: str) -> str:
    """Normalised text without the whitespace between CJK characters, middle dots and format
    characters read as whitespace (see the module doc)."""
    return _CJK_GAP.sub("", _GAPS.sub(" ", norm))


def _run_tokens(run: str) -> list[str]:
    """A run's tokens: its bigrams between its first and last character; one char alone
    (a punctuation mark in its full-width form)."""
    if len(run) == 1:
        return [_WIDE.get(run, run)]
    return [run[0], *[run[i : i + 2] for i in range(len(run) - 1)], run[-1]]


def is_word_token(token: str) -> bool:
    """A token of letters or digits, not a punctuation mark."""
    return token[:1].isalnum()


def _runs(norm: str) -> list[str]:
    return [m.group(0) for m in _RUN.finditer(compact(norm))]


def _compact_tokens(joined: str) -> list[str]:
    """_run_tokens of every run, inlined: this is most of the time spent indexing a page."""
    out: list[str] = []
    for run in _RUN.findall(joined):
        if len(run) == 1:
            out.append(_WIDE.get(run, run))
        else:
            out.append(run[0])
            out += [run[i : i + 2] for i in range(len(run) - 1)]
            out.append(run[-1])
    return out


def _token_texts(norm: str) -> list[str]:
    """Index tokens of normalised text: each run's bigrams with its edge unigrams."""
    return _compact_tokens(compact(norm))


def tokenize(text: str) -> list[str]:
    """Normalise and cut text into index tokens."""
    return _token_texts(normalize(text))


def query_tokens(text: str) -> list[str]:
    """The tokens a query phrase needs in a row: the index tokens of its text, less the outer
    unigram of its first and of its last run, since the text may continue beyond the phrase
    there (its first run may end a longer run of the text, its last begin one). A single
    character stays one token (backends match it as a prefix: see query.Text.single_char)."""
    runs = _runs(normalize(text))
    out: list[str] = []
    for k, run in enumerate(runs):
        toks = _run_tokens(run)
        if len(run) > 1:
            toks = toks[(k == 0) : len(toks) - (k == len(runs) - 1)]
        out += toks
    return out


def token_spans(norm: str) -> tuple[list[str], list[int], list[int]]:
    """Index tokens of normalised text with where each starts and ends in it (highlighting
    maps them back): a bigram joined across whitespace spans that whitespace."""
    spaced = _GAPS.sub(" ", norm)
    joined = _CJK_GAP.sub("", spaced)
    if len(joined) == len(norm):
        where = range(len(norm))
    else:  # where each char of the compact text lies in norm
        keep = [True] * len(norm)
        for m in _CJK_GAP.finditer(spaced):
            keep[m.start() : m.end()] = [False] * (m.end() - m.start())
        where = [i for i, k in enumerate(keep) if k]  # type: ignore[assignment]
    texts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for m in _RUN.finditer(joined):
        a, b = m.start(), m.end()
        if b - a == 1:
            texts += _run_tokens(m.group(0))
            starts.append(where[a])
            ends.append(where[a] + 1)
            continue
        texts += _run_tokens(m.group(0))
        starts += [where[a], *(where[i] for i in range(a, b - 1)), where[b - 1]]
        ends += [where[a] + 1, *(where[i + 1] + 1 for i in range(a, b - 1)), where[b - 1] + 1]
    return texts, starts, ends


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
        self._token: dict[str, str] = {}  # each term's index token (term_token)
        for raw in terms:
            term = compact(normalize(raw)).strip()
            if len(term) < 2 or term in self._token:
                continue
            self._token[term] = term_token(term)
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
                found.extend([self._token[term]] * n)
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
    norm = compact(normalize(text))
    tokens = _compact_tokens(norm)
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
