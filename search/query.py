"""The search box syntax, parsed into a small tree that any backend can compile.

Syntax: words, "quoted phrases", AND / OR / NOT (a leading ``-`` is NOT), parentheses and
field filters (``charge:盗窃罪 court:... doc_type:... year:2018 case:12``); words next to each
other are ANDed. A word is matched as the phrase of its tokens (search.analysis.query_tokens),
so an unquoted 盗窃财物 needs those four characters in a row, which is what users of CJK search
expect, and a phrase cut anywhere from a text (15年3月27日凌晨) finds that text.

Chinese quotation marks quote too: “…”, 「…」 and 『…』 as a pair; inside a phrase quoted
otherwise, and where no closing mark follows, they are plain punctuation, so text pasted from
a judgment ("他称“不知情”") is no syntax error. Parentheses and NOT nest at most MAX_DEPTH
deep, and a query holds at most MAX_TERMS words and filters. Errors (QuerySyntaxError) are
worded for the user, in Chinese, with the position.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from search.analysis import is_word_token, normalize, query_tokens, term_token
from search.base import QuerySyntaxError, SearchQuery

FieldName = Literal["charge", "court", "doc_type", "year", "case"]
FIELDS: dict[str, FieldName] = {
    "charge": "charge",
    "court": "court",
    "doc_type": "doc_type",
    "type": "doc_type",
    "year": "year",
    "case": "case",
}
_FIELD = re.compile(r"([A-Za-z_]+):(.*)", re.DOTALL)
# Opening quotation marks and the mark that closes each: ASCII, and what Chinese input
# methods produce (“ ”, 「 」, 『 』).
_CLOSING = {'"': '"', "\u201c": "\u201d", "\u300c": "\u300d", "\u300e": "\u300f"}
MAX_DEPTH = 12  # parentheses and NOT nested in each other (Elasticsearch: 30 nested bools)
# Words, phrases and field filters in one query: each is a subquery per document (SQLite's
# expression depth is 1,000) and several clauses on a cluster (790 at a 512 MB heap).
MAX_TERMS = 50


@dataclass(frozen=True)
class Text:
    """A word or quoted phrase: its tokens must occur in a row on one page."""

    text: str
    tokens: tuple[str, ...]
    term: str  # the whole-word form, matched against dictionary terms (charges, party names)

    @property
    def single_char(self) -> bool:
        """One character: it may lie inside a run of the text, where only the bigram it
        begins holds it, so backends match it as a token prefix (bigrams and unigrams)."""
        return len(self.tokens) == 1 and len(self.tokens[0]) == 1 and is_word_token(self.tokens[0])

    @property
    def has_words(self) -> bool:
        """Whether it holds a letter or digit (punctuation alone searches nothing)."""
        return any(is_word_token(t) for t in self.tokens)


@dataclass(frozen=True)
class Field:
    name: FieldName
    value: str  # normalised; year and case are validated integers


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Text | Field | Not | And | Or


@dataclass(frozen=True)
class _Tok:
    kind: Literal["(", ")", "AND", "OR", "NOT", "word", "phrase", "field"]
    pos: int
    text: str = ""
    field: FieldName | None = None


def _opens_quote(q: str, i: int, last: dict[str, int]) -> bool:
    """Whether q[i] starts a quoted phrase: an ASCII quote, or a Chinese opening mark whose
    closing mark follows (a lone Chinese mark is punctuation, as pasted text has them);
    `last`: where each closing mark last occurs in q."""
    close = _CLOSING.get(q[i])
    return close is not None and (close == '"' or last[close] > i)


def _read_quoted(q: str, i: int) -> tuple[str, int]:
    """The phrase starting at the quote q[i], and the index after its closing quote."""
    end = q.find(_CLOSING[q[i]], i + 1)
    if end < 0:
        raise QuerySyntaxError(f"引号不成对：第 {i + 1} 个字符处的 {q[i]} 没有闭合")
    return q[i + 1 : end], end + 1


def _lex(q: str) -> Iterator[_Tok]:
    i, n = 0, len(q)
    last = {close: q.rfind(close) for close in _CLOSING.values()}
    while i < n:
        ch = q[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            yield _Tok(ch, i)  # type: ignore[arg-type]
            i += 1
        elif _opens_quote(q, i, last):
            start = i
            text, i = _read_quoted(q, i)
            yield _Tok("phrase", start, text)
        elif ch == "-" and (i + 1 == n or q[i + 1].isspace() or q[i + 1] in "-)"):
            raise QuerySyntaxError(f"第 {i + 1} 个字符处的 - 后面须紧跟检索词")
        elif ch == "-":
            yield _Tok("NOT", i, "-")
            i += 1
        else:
            start = i
            while (i < n and not q[i].isspace() and q[i] not in "()"
                   and not _opens_quote(q, i, last)):
                i += 1
            word = q[start:i]
            if word in ("AND", "OR", "NOT"):
                yield _Tok(word, start)  # type: ignore[arg-type]
                continue
            m = _FIELD.fullmatch(word)
            field = FIELDS.get(m.group(1).lower()) if m else None
            if m is None or field is None:
                yield _Tok("word", start, word)
                continue
            value = m.group(2)
            if not value and i < n and _opens_quote(q, i, last):
                value, i = _read_quoted(q, i)
            yield _Tok("field", start, value, field)


def _describe(tok: _Tok | None) -> str:
    return "查询已结束" if tok is None else f"第 {tok.pos + 1} 个字符处是 {tok.text or tok.kind}"


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary (AND? unary)*; unary := NOT unary.

    Parentheses and NOT count towards the nesting depth, capped at MAX_DEPTH: deeper queries
    are refused with a QuerySyntaxError instead of exhausting the stack (and the engines'
    own limits on nested boolean queries).
    """

    _STARTS = ("(", "NOT", "word", "phrase", "field")

    def __init__(self, q: str) -> None:
        self.toks = list(_lex(q))
        self.i = 0
        self.depth = 0
        terms = sum(t.kind in ("word", "phrase", "field") for t in self.toks)
        if terms > MAX_TERMS:
            raise QuerySyntaxError(f"检索词过多（共 {terms} 个，最多 {MAX_TERMS} 个）")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(f"查询嵌套过深（括号与 NOT 最多 {MAX_DEPTH} 层）")

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def need_term(self, after: str) -> None:
        tok = self.peek()
        if tok is None or tok.kind not in self._STARTS:
            raise QuerySyntaxError(f"{after} 后面缺少检索词（{_describe(tok)}）")

    def parse(self) -> Node | None:
        if not self.toks:
            return None
        node = self.parse_or()
        tok = self.peek()
        if tok is not None:  # only a stray ')' can stop parse_or early
            raise QuerySyntaxError(f"括号不成对：第 {tok.pos + 1} 个字符处的 ) 没有对应的 (")
        return node

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            self.need_term("OR")
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Node:
        items = [self.parse_unary()]
        while (tok := self.peek()) is not None and tok.kind in ("AND", *self._STARTS):
            if tok.kind == "AND":
                self.take()
                self.need_term("AND")
            items.append(self.parse_unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind == "NOT":
            self.take()
            self.need_term("NOT" if tok.text != "-" else "-")
            self.enter()
            node = Not(self.parse_unary())
            self.depth -= 1
            return node
        return self.parse_primary()

    def parse_primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("查询在应有检索词处结束")
        if tok.kind in ("AND", "OR"):
            raise QuerySyntaxError(f"第 {tok.pos + 1} 个字符处的 {tok.kind} 前面缺少检索词")
        if tok.kind == ")":
            raise QuerySyntaxError(f"第 {tok.pos + 1} 个字符处的 ) 前面缺少检索词（空括号或多余的括号）")
        self.take()
        if tok.kind == "(":
            self.need_term("(")
            self.enter()
            node = self.parse_or()
            close = self.peek()
            if close is None or close.kind != ")":
                raise QuerySyntaxError(f"括号不成对：第 {tok.pos + 1} 个字符处的 ( 没有闭合")
            self.take()
            self.depth -= 1
            return node
        if tok.kind == "field":
            assert tok.field is not None
            return _field(tok.field, tok.text, tok.pos)
        return _text(tok.text)


def _field(name: FieldName, raw: str, pos: int) -> Field:
    value = normalize(raw).strip()
    if not value:
        raise QuerySyntaxError(f"第 {pos + 1} 个字符处的字段 {name}: 缺少取值")
    if name in ("year", "case") and not value.isdigit():
        raise QuerySyntaxError(f"字段 {name}: 的取值须为整数，而不是 {raw!r}")
    return Field(name, value)


def _text(raw: str) -> Text:
    return Text(raw, tuple(query_tokens(raw)), term_token(raw))


def _prune(node: Node) -> Node | None:
    """Drop words without letters or digits (lone punctuation) and what they leave empty."""
    if isinstance(node, Text):
        return node if node.has_words else None
    if isinstance(node, Field):
        return node
    if isinstance(node, Not):
        child = _prune(node.child)
        return None if child is None else Not(child)
    kids = tuple(k for k in map(_prune, node.children) if k is not None)
    if len(kids) <= 1:
        return kids[0] if kids else None
    return And(kids) if isinstance(node, And) else Or(kids)


def parse(q: str) -> Node | None:
    """Parse a search box query; None when it has no terms or filters (match everything).

    Raises QuerySyntaxError (a ValueError) with a message fit to show to the user.
    """
    q = unicodedata.normalize("NFKC", q)
    node = _Parser(q).parse()
    return None if node is None else _prune(node)


def positive_texts(node: Node | None, negated: bool = False) -> list[Text]:
    """Words and phrases that a hit should contain (not under NOT): for ranking, highlights."""
    if node is None or isinstance(node, Field):
        return []
    if isinstance(node, Text):
        return [] if negated else [node]
    if isinstance(node, Not):
        return positive_texts(node.child, not negated)
    return [t for child in node.children for t in positive_texts(child, negated)]


def request_filters(query: SearchQuery) -> list[Field]:
    """The request's facet filters, as the same Field nodes the query syntax produces."""
    given: list[tuple[FieldName, object]] = [
        ("charge", query.charge),
        ("court", query.court),
        ("doc_type", query.doc_type),
        ("year", query.year),
        ("case", query.case_id),
    ]
    return [
        Field(name, normalize(str(value)).strip())
        for name, value in given
        if value is not None and str(value).strip()
    ]
