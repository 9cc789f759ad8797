"""Which recognised lines were written by hand (a hand-filled 笔录 answer, the confirmation, a
signature) rather than printed.

Two tests, either marks a line. No handwriting classifier ships in a registry package, so both
are measurements:

* Ink colour: a dossier's print is black or grey toner while its hand-filled lines are often
  blue or blue-black ballpoint. A line whose ink is mostly blue (B − R > 40 grey levels) is
  marked, whatever the page (a page printed in blue would be marked).
* Shape, relative to the page (any ink, a black ballpoint too): a printed Chinese line is made
  of horizontal and vertical strokes, so most of its strong edges lie within 2° of the axes,
  while a hand's strokes are slanted and each glyph turned its own way. A line is measured in
  windows two line-heights wide; it is marked when its lower windows (the 30th percentile) hold
  under ``HAND_ALIGNED_RATIO`` of the page's typical share (the median line's, lines already
  marked blue left out). Compared with the same page's print, the measure keeps what faxing,
  photographing or a faint copy does to the whole page; an absolute bar did not (blurred and
  photographed print scored as low as the hand, and a hand's baseline wobble and glyph-size
  spread scored as high on faxed and photographed print: on 16 printed pages of eight
  conditions no absolute bar kept print unmarked and found more than 14 % of the hand lines).
  Only pages whose median line keeps ``PAGE_MIN_ALIGNED`` of its edges on the axes are judged:
  on a blurred scan or a photo (scanned, hard, photo and faint conditions) the print's edges
  are no longer straight enough to tell, and some of its lines fell as low as the hand, so
  there a black hand is not marked; nor is a page printed in a 楷体 font (its own strokes are
  off the axes: median 0.13). A line is judged only when it is at least
  ``MIN_SHAPE_WIDTH`` line-heights long and mostly Chinese (digits and Latin letters are
  curved: a printed case number scored closest to the hand), and a page only with
  ``MIN_SHAPE_LINES`` measured lines; a page written mostly by hand has no print to compare
  with (its median line is the hand's, below ``PAGE_MIN_ALIGNED``) and is left to the colour.
  The bars were set on the tune seeds of `python -m benchmarks.handwriting --set tune`, where
  the hand is an imitation (tests/scans/handwriting.py: a 楷体 glyph by glyph, turned and
  shifted), not real handwriting.

A handwritten line is marked (`Line.handwritten`, the page's `handwriting` flag) and goes to
review below a higher confidence than print (`HANDWRITING_REVIEW_CONFIDENCE`): the recogniser
was trained on print, so its confidence on a hand says less. The figures:
`python -m benchmarks.handwriting`.
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
#: an edge this close to horizontal or vertical (degrees) is on the axes
ALIGNED_DEG = 2.0
#: a page is judged by shape when its median line has this share of its strong edges on the
#: axes (tune: clean, fax, seal, rotated pages 0.31-0.50; faint 0.25-0.28, photo <= 0.27,
#: scanned and hard <= 0.17, a clean page printed in 楷体 0.13)
PAGE_MIN_ALIGNED = 0.30
#: a line whose lower windows hold less than this share of the page's median is a hand (tune,
#: judged pages: hand <= 0.39, print >= 0.61; a printed case number, (2019)苏0282刑初48号, 0.50
#: before lines mostly not Chinese were left out)
HAND_ALIGNED_RATIO = 0.45
MIN_SHAPE_WIDTH = 4.0  # line-heights: a shorter line is not judged by shape
MIN_SHAPE_LINES = 8  # measured lines on a page: fewer and the page is not judged by shape
MIN_HAN_SHARE = 0.6  # of a line's characters: fewer and the line is not judged by shape


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


def _any_blue(rgb: Any) -> bool:
    """Whether any pixel of the page is as blue as ``blue_share`` counts: a page without one
    (most: printed, scanned grey or black) skips the per-line colour test, whose answer is then
    no for every line (~0.08 CPU-s of a clean page's 0.17 in this module)."""
    import cv2

    red, _, blue = cv2.split(rgb)
    blue = cv2.subtract(blue, red)
    return bool(cv2.countNonZero(cv2.threshold(blue, 40, 255, cv2.THRESH_BINARY)[1]))


def aligned_shares(rgb: Any) -> tuple[float, float] | None:
    """A line crop's (H × W × 3 uint8) strong edges on the axes: the share over the whole line
    and the 30th percentile over windows two line-heights wide (a line's hand part after a
    printed label); None when the crop is too short or holds no ink. Red ink is left out."""
    import cv2
    import numpy as np

    from ocr.preprocess import SEAL_REDNESS

    h, w = rgb.shape[:2]
    if h < 8 or w < MIN_SHAPE_WIDTH * h:
        return None
    crop = np.ascontiguousarray(rgb, dtype=np.uint8)
    wide = crop.astype(np.int16)
    red = wide[..., 0] - np.maximum(wide[..., 1], wide[..., 2]) > SEAL_REDNESS
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    grey[red] = 255.0
    if int((grey < INK_GREY).sum()) < MIN_INK:
        return None
    gx = np.abs(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3))
    gy = np.abs(cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3))
    mag = cv2.magnitude(gx, gy)
    # strong: over half the 99th percentile (of every other pixel: the same, four times faster)
    strong = mag > 0.5 * float(np.percentile(mag[::2, ::2], 99))
    if not strong.any():
        return None
    aligned = strong & (np.minimum(gx, gy) < np.tan(np.radians(ALIGNED_DEG)) * np.maximum(gx, gy))
    on_axes = (mag * aligned).sum(axis=0)
    edges = (mag * strong).sum(axis=0)
    windows = []
    for x in range(0, max(1, w - h), h):
        total = float(edges[x:x + 2 * h].sum())
        if total > 0:
            windows.append(float(on_axes[x:x + 2 * h].sum()) / total)
    whole = float(on_axes.sum() / edges.sum())
    return whole, float(np.percentile(windows, 30)) if windows else whole


def _han_share(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in chars) / len(chars)


def handwritten(image: Image.Image, lines: Sequence[Line],
                inverse: Sequence[float] | None = None) -> list[bool]:
    """For each line: written by hand (ballpoint blue, or shaped unlike the page's print)?

    Boxes are in ``image``'s pixels, or with ``inverse`` (an affine map x' = a x + b y + c,
    y' = d x + e y + f, as ``ocr.preprocess.Prepared.inverse``) in the pixels of a cleaned-up
    page made from ``image``: the line's pixels are then looked up in ``image`` itself, whose
    colours the clean-up may have dropped (a page with a red seal or 捺印 is recognised grey).
    """
    import numpy as np

    from ocr.pixels import rgb_array

    rgb = rgb_array(image)
    blue_ink = _any_blue(rgb)
    identity = inverse is None or tuple(inverse) == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    out = []
    shapes: list[tuple[float, float] | None] = []
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
        share = blue_share(crop) if crop is not None and blue_ink else None
        out.append(share is not None and share >= BLUE_SHARE)
        shapes.append(aligned_shares(crop) if crop is not None else None)
    # the page's print: the median measured line not already marked blue
    typical = [s[0] for s, blue in zip(shapes, out, strict=True) if s is not None and not blue]
    if len(typical) < MIN_SHAPE_LINES:
        return out
    page = float(np.median(typical))
    if page < PAGE_MIN_ALIGNED:
        return out
    for i, (ln, s) in enumerate(zip(lines, shapes, strict=True)):
        if (not out[i] and s is not None and _han_share(ln.text) >= MIN_HAN_SHARE
                and s[1] < HAND_ALIGNED_RATIO * page):
            out[i] = True
    return out
