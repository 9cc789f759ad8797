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

    from ocr.preprocess import SEAL_REDNESS

    crop = rgb.astype(np.int16)
    # red ink (a 捺印 or seal pressed over the line: ocr.preprocess's seal test) is neither
    red = crop[..., 0] - np.maximum(crop[..., 1], crop[..., 2]) > SEAL_REDNESS
    ink = (crop.mean(axis=2) < INK_GREY) & ~red
    if int(ink.sum()) < MIN_INK:
        return None
    return float(np.mean((crop[..., 2][ink] - crop[..., 0][ink]) > 40))


def handwritten(image: Image.Image, lines: Sequence[Line],
                inverse: Sequence[float] | None = None) -> list[bool]:
    """For each line: written by hand in ballpoint blue?

    Boxes are in ``image``'s pixels, or with ``inverse`` (an affine map x' = a x + b y + c,
    y' = d x + e y + f, as ``ocr.preprocess.Prepared.inverse``) in the pixels of a cleaned-up
    page made from ``image``: the line's pixels are then looked up in ``image`` itself, whose
    colours the clean-up may have dropped (a page with a red seal or 捺印 is recognised grey).
    """
    import numpy as np

    rgb = np.asarray(image.convert("RGB"))
    identity = inverse is None or tuple(inverse) == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    out = []
    for ln in lines:
        x0, y0, x1, y1 = (int(round(v)) for v in ln.box)
        if identity:
            x0, y0 = max(0, x0), max(0, y0)
            x1, y1 = min(rgb.shape[1], x1), min(rgb.shape[0], y1)
            crop = rgb[y0:y1, x0:x1] if x1 - x0 > 4 and y1 - y0 > 4 else None
        elif x1 - x0 > 4 and y1 - y0 > 4:
            assert inverse is not None
            a, b, c, d, e, f = inverse
            ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
            sx = np.clip(np.rint(a * xs + b * ys + c), 0, rgb.shape[1] - 1).astype(np.intp)
            sy = np.clip(np.rint(d * xs + e * ys + f), 0, rgb.shape[0] - 1).astype(np.intp)
            crop = rgb[sy, sx]
        else:
            crop = None
        share = blue_share(crop) if crop is not None else None
        out.append(share is not None and share >= BLUE_SHARE)
    return out
