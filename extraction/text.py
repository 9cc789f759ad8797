"""One searchable string for a whole document, with offsets back into its pages.

OCR breaks lines inside names, charges and numbers, and page texts come separately. Rules
therefore search a copy with all whitespace removed and width folded (``norm``) and map every
match back to (page, start, end) in the original page text for provenance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from extraction.numbers import fold_width

# page furniture that OCR puts between two halves of a sentence: 第 2 页 共 5 页, - 3 -, 2/5
_FOOTER = re.compile(
    r"^\s*(?:第\s*\d+\s*页\s*[,，/]?\s*(?:共\s*\d+\s*页)?|[-—]\s*\d+\s*[-—]|\d+\s*/\s*\d+)\s*$"
)
T = TypeVar("T")


@dataclass(frozen=True)
class Found(Generic[T]):
    """A value read from the document and the span of ``DocText.norm`` it was read from."""

    value: T
    start: int
    end: int
    confidence: float


_ALNUM = str.maketrans(
    {
        chr(c): chr(c - 0xFEE0)
        for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
        for c in range(r[0], r[1] + 1)
    }
)
_BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "[", "】": "]", "﹝": "(", "﹞": ")"})


@dataclass(frozen=True)
class DocText:
    """Whitespace-free view of a document.

    ``raw`` keeps the original characters (values are cut from it, e.g. full-width brackets of a
    case number); ``norm`` is the same string width-folded, for matching. Both have one entry
    per kept character in ``page`` (1-based), ``offset`` (into that page) and ``gap`` (whether
    whitespace or a page break preceded it, a hint for where a header line ended).
    """

    raw: str
    norm: str
    page: tuple[int, ...]
    offset: tuple[int, ...]
    gap: tuple[bool, ...]
    pages: tuple[str, ...]

    @classmethod
    def from_pages(cls, pages: list[str]) -> DocText:
        raw: list[str] = []
        page: list[int] = []
        offset: list[int] = []
        gap: list[bool] = []
        for number, text in enumerate(pages, start=1):
            pending_gap = True
            position = 0
            for line in text.splitlines(keepends=True):
                if _FOOTER.match(line):
                    position += len(line)
                    pending_gap = True
                    continue
                for i, ch in enumerate(line):
                    if ch.isspace():
                        pending_gap = True
                        continue
                    raw.append(ch)
                    page.append(number)
                    offset.append(position + i)
                    gap.append(pending_gap)
                    pending_gap = False
                position += len(line)
        raw_text = "".join(raw)
        return cls(
            raw=raw_text,
            norm=fold_width(raw_text).translate(_BRACKETS),
            page=tuple(page),
            offset=tuple(offset),
            gap=tuple(gap),
            pages=tuple(pages),
        )

    def __len__(self) -> int:
        return len(self.norm)

    def value(self, start: int, end: int) -> str:
        """The original characters of a span (whitespace removed), full-width 0-9/A-Z folded.

        Punctuation and brackets stay as written (a case number keeps its （）).
        """
        return self.raw[start:end].translate(_ALNUM)

    def locate(self, start: int, end: int) -> tuple[int | None, int, int]:
        """(page, start, end) in the page text for a span of ``norm``.

        A span that runs onto the next page is cut at the end of its first page, since a
        provenance names one page.
        """
        if not self.norm or start >= len(self.norm):
            return None, 0, 0
        end = max(start + 1, min(end, len(self.norm)))
        page = self.page[start]
        if self.page[end - 1] == page:
            return page, self.offset[start], self.offset[end - 1] + 1
        return page, self.offset[start], len(self.pages[page - 1])

    def original(self, start: int, end: int) -> str:
        """The page text (whitespace kept) under a span, pages joined by a newline."""
        if start >= end or start >= len(self.norm):
            return ""
        end = min(end, len(self.norm))
        first, last = self.page[start], self.page[end - 1]
        parts = []
        for number in range(first, last + 1):
            text = self.pages[number - 1]
            begin = self.offset[start] if number == first else 0
            stop = self.offset[end - 1] + 1 if number == last else len(text)
            parts.append(text[begin:stop])
        return "\n".join(parts)
