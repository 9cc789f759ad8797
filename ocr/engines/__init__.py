"""Choose and cache OCR engines.

Loading PP-OCR models takes seconds and ~1 GB, so each worker process keeps one engine per
name and options and reuses it for every page. The cache is keyed by process id as well: a
Celery prefork child must not reuse an ONNX Runtime session created in its parent before fork.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from ocr.base import OcrEngine

DEFAULT_ENGINE = "rapidocr"
ENGINES = ("rapidocr", "paddleocr", "tesseract")

_lock = threading.Lock()
_cache: dict[tuple[str, tuple[tuple[str, Any], ...]], OcrEngine] = {}
_cache_pid = os.getpid()


def _factory(name: str) -> Callable[..., OcrEngine]:
    """Import an engine module only when it is asked for (each pulls heavy libraries)."""
    if name == "rapidocr":
        from ocr.engines.rapid import RapidOcrEngine

        return RapidOcrEngine
    if name == "paddleocr":
        from ocr.engines.paddle import PaddleOcrEngine

        return PaddleOcrEngine
    if name == "tesseract":
        from ocr.engines.tesseract import TesseractEngine

        return TesseractEngine
    raise ValueError(f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINES)}")


def get_engine(name: str = DEFAULT_ENGINE, **options: Any) -> OcrEngine:
    """Return this process's engine for ``name`` and ``options``, creating it on first use.

    Raises ``ValueError`` for an unknown name and ``EngineUnavailable`` when the engine cannot
    run here. Options must be hashable (they form the cache key).
    """
    global _cache_pid
    key = (name, tuple(sorted(options.items())))
    with _lock:
        if _cache_pid != os.getpid():
            _cache.clear()
            _cache_pid = os.getpid()
        engine = _cache.get(key)
        if engine is None:
            engine = _factory(name)(**options)
            _cache[key] = engine
        return engine


def clear_cache() -> None:
    """Forget cached engines (tests; or to free model memory in a long-lived process)."""
    with _lock:
        _cache.clear()
