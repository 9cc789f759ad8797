"""A page image's RGB pixels as one NumPy array, made once for each page image.

Why: PIL hands an RGB image to NumPy through ``tobytes`` (its 4-byte pixels repacked piece by
piece), 30-45 ms of CPU for an A4 page at 300 dpi, and ``ocr.document.ocr_page`` had several
steps each ask for the same page's pixels (``ocr.preprocess.prepare``, ``ocr.handwriting``,
``ocr.marks``, the recogniser's input): about 0.1 CPU-s of a clean page's 1.9. Nothing in
``ocr`` changes a page image in place (every step makes a new image), so the last image's
array is kept, found by the image object itself. The reference is weak: a page gone takes its
array with it, and a worker holds at most one page's pixels here.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

_last: tuple[weakref.ref[Image.Image], Any] | None = None


def rgb_array(image: Image.Image) -> Any:
    """``image``'s pixels (H × W × 3 uint8, read-only), converted once while it lives."""
    import numpy as np

    global _last
    last = _last  # one read: another thread may set it meanwhile
    if last is not None and last[0]() is image:
        return last[1]
    array = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    array.flags.writeable = False  # shared by every step that reads this page

    def forget(ref: weakref.ref[Image.Image]) -> None:
        global _last
        if _last is not None and _last[0] is ref:
            _last = None

    _last = (weakref.ref(image, forget), array)
    return array
