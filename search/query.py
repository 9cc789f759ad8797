"""The search box syntax, parsed into a small tree that any backend can compile.

Syntax: words, "quoted phrases", AND / OR / NOT (a leading ``-`` is NOT), parentheses and
field filters (``charge:盗窃罪 court:... doc_type:... year:2018 case:12``, and ``level:中级``
``stage:二审`` ``article:第264条`` ``from:2018-01-01`` ``to:2018-06``: court level, trial stage,
a cited article of the Criminal Law, the judgment date's range); words next to each other are
ANDed. A word is matched as the phrase of its tokens (search.analysis.query_tokens),
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
from calendar import monthrange
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

from search.analysis import is_word_token, normalize, query_tokens, term_token
from search.base import QuerySyntaxError, SearchQuery

FieldName = Literal["charge", "court", "doc_type", "year", "case", "court_level", "trial_stage",
                    "article", "date_from", "date_to"]
FIELDS: dict[str, FieldName] = {
    "charge": "charge",
    "court": "court",
    "doc_type": "doc_type",
    "type": "doc_type",
    "year": "year",
    "case": "case",
    "level": "court_level",
    "court_level": "court_level",
    "stage": "trial_stage",
    "trial_stage": "trial_stage",
    "article": "article",
    "from": "date_from",
    "date_from": "date_from",
    "to": "date_to",
    "date_to": "date_to",
}
#: the values of the court-level and trial-stage filters (extraction.citations derives them)
COURT_LEVELS = ("基层", "中级", "高级", "最高")
TRIAL_STAGES = ("一审", "二审", "再审", "再审审查", "死刑复核", "减刑假释")
_LEVEL_ALIASES = {"基层法院": "基层", "基层人民法院": "基层", "中院": "中级", "中级法院": "中级",
                  "中级人民法院": "中级", "高院": "高级", "高级法院": "高级", "高级人民法院": "高级",
                  "最高院": "最高", "最高法": "最高", "最高法院": "最高", "最高人民法院": "最高"}
_STAGE_ALIASES = {"第一审": "一审", "初审": "一审", "第二审": "二审", "终审": "二审",
                  "申诉": "再审审查", "申请再审": "再审审查", "复核": "死刑复核",
                  "减刑": "减刑假释", "假释": "减刑假释"}
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


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100}


def _small_int(text: str) -> int | None:
    """0-999 written in Arabic or Chinese numerals (二百六十四, 二六四, 一百零三, 十二)."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    if all(ch in _CN_DIGITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


_ARTICLE = re.compile(r"(?:中华人民共和国)?(?:刑法)?第?([0-9零〇一二两三四五六七八九十百]+)条?"
                      r"(?:之([一二三四五六七八九十])|-([1-9]))?")


def article_value(raw: str) -> str:
    """A cited article in its one written form (第264条, 第133条之一), from any of 264, 第264条,
    第二百六十四条, 刑法第264条, 133之一, 133-1 (extraction.citations writes the same form)."""
    text = re.sub(r"[\s《》<>]", "", normalize(raw))
    m = _ARTICLE.fullmatch(text)
    number = _small_int(m.group(1)) if m else None
    if m is None or number is None or not 1 <= number <= 452:
        raise QuerySyntaxError(f"法条 {raw!r} 无法识别，请写成 第264条、264 或 第二百六十四条"
                               "（刑法共 452 条）")
    suffix = m.group(2) or ("一二三四五六七八九"[int(m.group(3)) - 1] if m.group(3) else "")
    return f"第{number}条" + (f"之{suffix}" if suffix else "")


_DATE = re.compile(r"(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?)?年?")


def date_value(raw: str, end: bool = False) -> str:
    """An ISO date from 2018-03-05 (or 2018/3/5, 2018.3.5, 2018年3月5日); a year or month alone
    is its first day, or its last when `end` (the end of a range)."""
    text = normalize(raw).replace(" ", "")
    m = _DATE.fullmatch(text)
    try:
        if m is None:
            raise ValueError
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        if month is None:
            value = date(year, 12, 31) if end else date(year, 1, 1)
        elif day is None:
            last = monthrange(year, int(month))[1]
            value = date(year, int(month), last if end else 1)
        else:
            value = date(year, int(month), int(day))
    except ValueError:
        raise QuerySyntaxError(f"日期 {raw!r} 格式有误，应为 年-月-日，如 2018-03-05"
                               "（也可只写年或年-月）") from None
    if not 1900 <= value.year <= 2100:
        raise QuerySyntaxError(f"日期 {raw!r} 超出范围（1900 至 2100 年）")
    return value.isoformat()


def filter_value(name: FieldName, raw: str) -> str:
    """A filter's value as the index holds it; QuerySyntaxError (in Chinese) when it is not
    one: a year or case that is no integer, a malformed date, an unknown level or stage, an
    article that is none."""
    value = normalize(raw).strip()
    if name in ("year", "case") and not value.isdigit():
        raise QuerySyntaxError(f"字段 {name}: 的取值须为整数，而不是 {raw!r}")
    if name == "court_level":
        value = _LEVEL_ALIASES.get(value, value)
        if value not in COURT_LEVELS:
            raise QuerySyntaxError(f"法院层级 {raw!r} 无法识别，可选：{'、'.join(COURT_LEVELS)}")
    elif name == "trial_stage":
        value = _STAGE_ALIASES.get(value, value)
        if value not in TRIAL_STAGES:
            raise QuerySyntaxError(f"审级 {raw!r} 无法识别，可选：{'、'.join(TRIAL_STAGES)}")
    elif name == "article":
        value = article_value(value)
    elif name in ("date_from", "date_to"):
        value = date_value(value, end=name == "date_to")
    return value


def _field(name: FieldName, raw: str, pos: int) -> Field:
    if not normalize(raw).strip():
        raise QuerySyntaxError(f"第 {pos + 1} 个字符处的字段 {name}: 缺少取值")
    return Field(name, filter_value(name, raw))


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
        ("court_level", query.court_level),
        ("trial_stage", query.trial_stage),
        ("article", query.article),
        ("date_from", query.date_from),
        ("date_to", query.date_to),
    ]
    return [
        Field(name, filter_value(name, str(value)))
        for name, value in given
        if value is not None and str(value).strip()
    ]
