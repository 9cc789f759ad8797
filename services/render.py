"""Page images for the web document view, rendered from the stored original."""

from __future__ import annotations

import io

from models.blobs import BlobStore
from models.settings import Settings
from ocr.document import open_document


class NoPageImage(ValueError):
    """The document has no image for that page (plain text, or the page does not exist)."""


def page_png(settings: Settings, sha256: str, mime: str, number: int, dpi: int = 100) -> bytes:
    """Page `number` (1-based) of the stored original as PNG bytes."""
    if mime.startswith("text/"):
        raise NoPageImage("a plain-text document has no page image")
    data = BlobStore(settings.blob_dir).get(sha256)
    with open_document(data, mime, max_pages=settings.max_pages,
                       max_pixels=settings.max_image_pixels) as doc:
        if not 1 <= number <= doc.page_count:
            raise NoPageImage(f"page {number} out of range 1..{doc.page_count}")
        image = doc.render_page(number, dpi=dpi)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
