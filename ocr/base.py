"""What the OCR stage needs from a recognition engine.

A Protocol rather than a base class so that engines stay independent small adapters and tests
can pass a fake engine without loading any model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from models.records import Line

if TYPE_CHECKING:
    from PIL import Image


@runtime_checkable
class OcrEngine(Protocol):
    """Recognises the text lines of one page image.

    ``name`` and ``version`` are recorded on every page (``PageResult.engine``) so a result can
    be traced to the model that produced it. ``recognize`` returns lines in any order with boxes
    in the pixels of the given image; the caller sorts them into reading order.
    """

    name: str
    version: str

    def recognize(self, image: Image.Image) -> list[Line]: ...


@runtime_checkable
class OrientingEngine(OcrEngine, Protocol):
    """An engine that also finds an upside-down page while reading it, so that such a page is
    read once instead of twice (read, found unsure, turned and read again).

    ``recognize_oriented`` returns the lines and whether the page was upside down; when it was,
    the boxes are in the pixels of the image turned by 180°.
    """

    def recognize_oriented(self, image: Image.Image) -> tuple[list[Line], bool]: ...


@runtime_checkable
class PageKindEngine(OcrEngine, Protocol):
    """An engine set otherwise for each kind of page ``ocr.correct.detect`` tells apart:
    ``for_kind`` is the same engine (the same models, loaded once) set for a ``"fax"`` (thickened
    strokes leave more characters unsure: ``ocr.engines.rapid`` takes a wider second look), a
    ``"photo"``, or a plain scan (``None``: print of a known size, so ``ocr.engines.rapid``
    detects its lines on a smaller copy of the page)."""

    def for_kind(self, kind: str | None) -> OcrEngine: ...


#: below this (char-weighted) confidence a page may be upside down and is also read turned by
#: 180° (PP-OCR reads upright pages at ~0.99, upside-down ones at ~0.6); ``ocr.document`` uses it
#: for the whole page, an orienting engine for its probe lines
FLIP_BELOW = 0.90


def reading_score(reads: Iterable[tuple[str, float]]) -> float:
    """How much text was read surely, from (text, confidence) pairs: upside-down text reads as
    few, unsure characters, so of two readings of a page the higher score is the right way up."""
    return sum(len(text.strip()) * conf**2 for text, conf in reads)
