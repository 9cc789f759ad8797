"""Which recognised lines were written by hand in ballpoint ink (a hand-filled 笔录 answer, the
confirmation, a signature) rather than printed.

Why by ink colour alone: no handwriting classifier ships in a registry package, and a dossier's
print is black or grey toner while its hand-filled lines are often blue or blue-black ballpoint.
A line whose ink is mostly blue (B − R > 40 grey levels) is marked. Shape was tried and left out:
a hand's baseline wobble and glyph-size spread (relative to the glyph height) told an imitated
hand from clean print, but faxed, photographed and low-contrast print scored as high (on 16
printed pages of eight conditions no bar kept print unmarked and found more than 14 % of the
hand lines). So a black-ink hand is not marked (its lines still go to review by print's bar),
and a page printed in blue would be marked. The figures: `python -m benchmarks.handwriting`.

A handwritten line is marked (`Line.handwritten`, the page's `handwriting` flag) and goes to
review below a higher confidence than print (`HANDWRITING_REVIEW_CONFIDENCE`): the recogniser
was trained on print, so its confidence on a hand says less.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

    from models.records import Line

#: share of a line's ink that is blue: print scored 0.00 on every line of 16 pages of eight
#: conditions, blue-ink hand lines ≥ 0.53 (a printed 答： before the hand on the same line)
BLUE_SHARE = 0.3
#: a handwritten line below this confidence goes to review (print: ocr.document's 0.80)
HANDWRITING_REVIEW_CONFIDENCE = 0.95
INK_GREY = 150  # darker than this is ink
MIN_INK = 20  # pixels: less is a speck


def blue_share(rgb: Any) -> float | None:
    """The share of a line crop's ink (an H × W × 3 uint8 array) that is blue; None: no ink."""
    import numpy as np

    crop = rgb.astype(np.int16)
    ink = crop.mean(axis=2) < INK_GREY
    if int(ink.sum()) < MIN_INK:
        return None
    return float(np.mean((crop[..., 2][ink] - crop[..., 0][ink]) > 40))


def handwritten(image: Image.Image, lines: Sequence[Line]) -> list[bool]:
    """For each line (boxes in ``image``'s pixels): written by hand in ballpoint blue?"""
    import numpy as np

    rgb = np.asarray(image.convert("RGB"))
    out = []
    for ln in lines:
        x0, y0, x1, y1 = (int(round(v)) for v in ln.box)
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(rgb.shape[1], x1), min(rgb.shape[0], y1)
        share = blue_share(rgb[y0:y1, x0:x1]) if x1 - x0 > 4 and y1 - y0 > 4 else None
        out.append(share is not None and share >= BLUE_SHARE)
    return out
