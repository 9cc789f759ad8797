"""The interface every opened upload offers (PDF, image, text, DOCX, OFD): pages read one by
one, rendered when they have images. Its own module so that format readers outside
``ocr.document`` (``ocr.office``) share it without an import circle."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from models.records import PageResult
from ocr.base import OcrEngine

if TYPE_CHECKING:
    from PIL import Image


EngineFactory = Callable[[], OcrEngine]


class SourceDocument:
    """An opened upload: ``page_count`` pages, read one by one (1-based), then ``close()``.

    Not thread-safe (PDFium is not): use one SourceDocument per thread or process.
    """

    mime: str
    page_count: int

    def read_page(self, number: int, engine_factory: EngineFactory) -> PageResult:
        """Text of page ``number``; calls ``engine_factory`` only if the page needs OCR."""
        raise NotImplementedError

    def render_page(self, number: int, dpi: int = 200,
                    max_pixels: int | None = None) -> Image.Image:
        """The page as an RGB image, for display next to its text; scaled down to at most
        ``max_pixels`` pixels when given (a page image for a browser needs no more)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release native handles; reading afterwards is an error."""

    def __enter__(self) -> SourceDocument:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_number(self, number: int) -> int:
        """Turn a 1-based page number into a 0-based index, refusing out-of-range numbers."""
        if not 1 <= number <= self.page_count:
            raise IndexError(f"page {number} out of range 1..{self.page_count}")
        return number - 1
