"""Derived downloads built from the data pool: the searchable PDF of a scanned document."""

from __future__ import annotations

from sqlalchemy import select

from models.blob_store import open_blob_store
from models.db import session_scope
from models.records import Line, PageResult
from models.schema import Document, Page
from models.settings import Settings
from ocr.sniff import has_page_images
from services import engines


class NoPageImages(ValueError):
    """A plain-text document has no page images to put a text layer on."""


def stored_pages(settings: Settings, doc_id: int) -> list[PageResult]:
    with session_scope(settings.db_url) as s:
        rows = s.execute(select(Page).where(Page.document_id == doc_id)
                         .order_by(Page.number)).scalars().all()
        return [PageResult(number=p.number, text=p.text, method=p.method,  # type: ignore[arg-type]
                           engine=p.engine, width=p.width, height=p.height,
                           confidence=p.confidence, flags=list(p.flags or []),
                           lines=[Line(ln["text"], tuple(ln["box"]), ln["confidence"],
                                       bool(ln.get("handwritten", False)))
                                  for ln in p.lines])
                for p in rows]


def searchable_pdf(settings: Settings, doc_id: int) -> bytes:
    """The original page images with the stored (OCR or text-layer) text invisible on top."""
    from ocr.document import open_document
    from ocr.errors import InputError
    from ocr.searchable_pdf import document_searchable_pdf

    with session_scope(settings.db_url) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        digest, mime = doc.sha256, doc.mime
    if not has_page_images(mime):
        raise NoPageImages("文本类文件（TXT、DOCX、OFD）没有页面图像，请下载原件")
    data = open_blob_store(settings).get(digest)
    try:
        with open_document(data, mime, max_pages=settings.max_pages,
                           max_pixels=settings.max_image_pixels, decode_all=False) as src:
            return document_searchable_pdf(src, lambda: engines.ocr_engine(settings),
                                           results=stored_pages(settings, doc_id),
                                           max_pixels=settings.render_max_pixels)
    except InputError as exc:  # stored before today's limits, or damaged since
        raise NoPageImages(f"无法生成可检索 PDF：{exc}") from exc
