"""A searchable PDF of a scan: each page image with an invisible text layer, like OCRmyPDF.

Every OCR'd line is written in PDF text render mode 3 (neither filled nor stroked) over its box,
stretched horizontally to the box width, so that selecting, searching or copying in a PDF
viewer hits the characters where they are on the image. The text uses the Adobe-GB1 CID font
``STSong-Light``, which every PDF reader knows and which needs no font file (nothing is
embedded); pdfplumber/pdfminer read the Unicode text back through its standard CMap.

Needs ``reportlab`` (today a dev extra of the project; a download endpoint needs it at run time).
Boxes are taken from ``PageResult.lines`` in the unit of ``PageResult.width``/``height`` (OCR
pixels or text-layer points), so text-layer pages can be included too.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from models.records import PageResult

if TYPE_CHECKING:
    from PIL import Image

    from ocr.document import EngineFactory, SourceDocument

FONT = "STSong-Light"
DEFAULT_DPI = 200  # page images of the searchable PDF; 300 dpi roughly doubles the size
JPEG_QUALITY = 80


def searchable_pdf(
    pages: Iterable[tuple[Image.Image, PageResult]],
    *,
    dpi: float | None = None,
    jpeg_quality: int = JPEG_QUALITY,
) -> bytes:
    """One PDF page per (page image, its PageResult): the image, and the text invisibly on top.

    The page size comes from the image and ``dpi`` (else the image's own dpi, else 300).
    """
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, invariant=True, pageCompression=1)
    count = 0
    for image, result in pages:
        count += 1
        image_dpi = dpi or _dpi(image)
        page_w = image.width * 72.0 / image_dpi
        page_h = image.height * 72.0 / image_dpi
        pdf.setPageSize((page_w, page_h))
        jpeg = io.BytesIO()
        image.convert("RGB").save(jpeg, "JPEG", quality=jpeg_quality)
        jpeg.seek(0)
        pdf.drawImage(ImageReader(jpeg), 0, 0, width=page_w, height=page_h)
        sx = page_w / (result.width or image.width)
        sy = page_h / (result.height or image.height)
        for line in result.lines:
            text = line.text.strip()
            if not text:
                continue
            x0, y0, x1, y1 = line.box
            box_w, box_h = (x1 - x0) * sx, (y1 - y0) * sy
            if box_w <= 0 or box_h <= 0:
                continue
            if box_h > 2.5 * box_w and len(text) > 1:
                # a vertical box (a page on its side): fill its height, turned
                size = max(box_w * 0.85, 1.0)
                _draw(pdf, text, x0 * sx, page_h - y1 * sy, size, box_h, rotate=90)
            else:
                size = max(box_h * 0.85, 1.0)
                _draw(pdf, text, x0 * sx, page_h - y1 * sy + box_h * 0.12, size, box_w)
        pdf.showPage()
    if not count:
        raise ValueError("no pages")
    pdf.save()
    return buf.getvalue()


def _draw(
    pdf: object, text: str, x: float, y: float, size: float, length: float, rotate: int = 0
) -> None:
    """Write ``text`` invisibly from (x, y) (PDF points, bottom-left) stretched to ``length``."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    natural = stringWidth(text, FONT, size) or 1.0
    obj = pdf.beginText()  # type: ignore[attr-defined]
    obj.setTextRenderMode(3)
    obj.setFont(FONT, size)
    obj.setHorizScale(100.0 * length / natural)
    if rotate:
        obj.setTextTransform(0, 1, -1, 0, x + size, y)
    else:
        obj.setTextOrigin(x, y)
    obj.textOut(text)
    pdf.drawText(obj)  # type: ignore[attr-defined]


def _dpi(image: Image.Image) -> float:
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    return value if 50 <= value <= 2400 else 300.0


def document_searchable_pdf(
    doc: SourceDocument,
    engine_factory: EngineFactory,
    *,
    results: Iterable[PageResult] | None = None,
    dpi: int = DEFAULT_DPI,
    max_pixels: int | None = None,
) -> bytes:
    """A searchable PDF of a whole opened document.

    ``results`` are the pages already read (e.g. the stored Page rows as PageResults, in page
    order); without them every page is read now (OCR where needed). Page images are rendered
    at ``dpi`` (at most ``max_pixels`` each); the boxes are rescaled from each result's own
    width/height.
    """
    known = {r.number: r for r in results} if results is not None else {}

    def pages() -> Iterable[tuple[Image.Image, PageResult]]:
        for n in range(1, doc.page_count + 1):
            result = known.get(n) or doc.read_page(n, engine_factory)
            image = doc.render_page(n, dpi=dpi, max_pixels=max_pixels)
            yield image, result

    return searchable_pdf(pages())
