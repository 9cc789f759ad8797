"""Page images for the web document view, rendered from the stored original, within bounds.

A browser needs no more than a few million pixels per page, so a page is rendered to at most
``render_max_pixels`` whatever its declared size; at most ``render_concurrency`` renders run at
once per process (others wait), and finished PNGs are kept in a small LRU cache keyed by the
original's SHA-256, so a page viewed again costs nothing. A hostile or merely huge page cannot
take the API's memory with it.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

from models.blob_store import open_blob_store
from models.settings import Settings
from ocr.document import open_document
from ocr.errors import InputError
from ocr.sniff import has_page_images


class NoPageImage(ValueError):
    """The document has no image for that page (plain text, or the page does not exist)."""


class Unrenderable(NoPageImage):
    """The stored original cannot be rendered within today's limits (a 422, never a 500)."""


_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()
_cache: OrderedDict[tuple[str, int, int, int], bytes] = OrderedDict()
_cache_bytes = 0
_cache_lock = threading.Lock()


def _slot(settings: Settings) -> threading.BoundedSemaphore:
    with _slots_lock:
        return _slots.setdefault(settings.render_concurrency,
                                 threading.BoundedSemaphore(settings.render_concurrency))


def _cached(key: tuple[str, int, int, int]) -> bytes | None:
    with _cache_lock:
        png = _cache.get(key)
        if png is not None:
            _cache.move_to_end(key)
        return png


def _remember(settings: Settings, key: tuple[str, int, int, int], png: bytes) -> None:
    global _cache_bytes
    limit = settings.render_cache_mb * 1024 * 1024
    if len(png) > limit:
        return
    with _cache_lock:
        if key not in _cache:
            _cache[key] = png
            _cache_bytes += len(png)
        while _cache_bytes > limit and _cache:
            _, old = _cache.popitem(last=False)
            _cache_bytes -= len(old)


def page_png(settings: Settings, sha256: str, mime: str, number: int, dpi: int = 100) -> bytes:
    """Page `number` (1-based) of the stored original as PNG bytes (see the module docstring)."""
    if not has_page_images(mime):
        raise NoPageImage("文本类文件（TXT、DOCX、OFD）没有页面图像")
    key = (sha256, number, dpi, settings.render_max_pixels)
    png = _cached(key)
    if png is not None:
        return png
    with _slot(settings):
        png = _cached(key)  # rendered by another request while this one waited
        if png is not None:
            return png
        data = open_blob_store(settings).get(sha256)
        try:
            with open_document(data, mime, max_pages=settings.max_pages,
                               max_pixels=settings.max_image_pixels, decode_all=False) as doc:
                if not 1 <= number <= doc.page_count:
                    raise NoPageImage(f"page {number} out of range 1..{doc.page_count}")
                image = doc.render_page(number, dpi=dpi, max_pixels=settings.render_max_pixels)
        except InputError as exc:  # stored before today's limits, or damaged since
            raise Unrenderable(f"该页无法显示：{exc}") from exc
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=False)
        png = out.getvalue()
    _remember(settings, key, png)
    return png
