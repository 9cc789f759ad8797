"""Fingerprints (捺印) in any ink, found as a ridged blot: a fax or a grey scan turns a red print
dark, and ``ocr.marks`` told a print by its red.

Why: a 笔录 counts only fingerprinted on every page (每页捺印); on a faxed or black-and-white copy
the prints were lost to the reviewer, and so were the signatures found beside them.

How, without a model: in the page's 1 mm cells (``ocr.rings.page_cells``) the inked ones
(``DENSE``) are opened with a disc of ``OPEN_MM``: text lines (3–4 mm high, blank between them),
handwriting, rules and a seal's ring vanish, while a print — an ellipse 8–24 mm inked all over
— stays whole. What stays is then measured like a red mark (``ocr.mark_shape.measure``, on the
pixels darker than the region's paper) and kept when it is print-sized, has no hollow
(``MIN_BAND``), shows ridges (``MIN_RIDGES_PER_MM``) and leaves its box's corners empty
(``MAX_CORNERS``: a QR code or a solid block is as dense in its corners as inside). Only pages
without colour are looked at (on a coloured one a print is red). Bars set on the hand-filled
讯问笔录 pages' tune seeds 0–7, faxed and scanned grey. Figures: ``python -m benchmarks.handwriting``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

#: a 1 mm cell this inked belongs to a blot (a grey print's ridges: ~0.3; tune: 0.2 lost two)
DENSE = 0.15
#: the disc that opens the inked cells: larger than a text line's height and its gaps
OPEN_MM = 4
PRINT_MM = (7.0, 24.0)  # both sides of a print's box (ocr.marks.FINGERPRINT_MM, less a mm)
MAX_ASPECT = 2.0
#: every radial band inked at least this much (tune: prints 0.42-0.77)
MIN_BAND = 0.3
#: ink on/off changes per mm inside (tune: prints 1.19-2.78; a fax merges ridges)
MIN_RIDGES_PER_MM = 0.9
#: the box's corners outside the ellipse, their ink density over the ellipse's
MAX_CORNERS = 0.5


def blot_prints(image: Image.Image, px_mm: float,
                looked: tuple[Any, int, bool] | None = None
                ) -> list[tuple[float, float, float, float]]:
    """Boxes (page pixels) of fingerprints on a page without colour; none on a coloured one.
    ``looked`` is ``ocr.rings.page_cells``'s answer when the caller has it already."""
    import numpy as np
    from scipy import ndimage

    from ocr.mark_shape import measure
    from ocr.pixels import rgb_array
    from ocr.rings import page_cells

    cells, side, coloured = looked or page_cells(image, px_mm)
    if coloured:
        return []
    r = OPEN_MM
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    opened = ndimage.binary_opening(cells >= DENSE, structure=(yy ** 2 + xx ** 2) <= r * r)
    labels, _ = ndimage.label(opened)
    mm = side / px_mm  # a cell in mm
    grey: Any = None
    boxes: list[tuple[float, float, float, float]] = []
    for sl in ndimage.find_objects(labels):
        if sl is None:
            continue
        h_mm, w_mm = (sl[0].stop - sl[0].start) * mm, (sl[1].stop - sl[1].start) * mm
        if not (PRINT_MM[0] <= min(h_mm, w_mm) and max(h_mm, w_mm) <= PRINT_MM[1]
                and max(h_mm, w_mm) <= MAX_ASPECT * min(h_mm, w_mm)):
            continue
        if grey is None:
            grey = rgb_array(image).min(axis=2)
        x0, y0 = sl[1].start * side, sl[0].start * side
        x1, y1 = min(sl[1].stop * side, grey.shape[1]), min(sl[0].stop * side, grey.shape[0])
        crop = grey[y0:y1, x0:x1]
        # ink: darker than the region's paper (a grey print's ridges are mid-grey)
        ink = crop < min(200, int(np.percentile(crop, 50)) + 10)
        shape = measure(ink, (0, 0, crop.shape[1], crop.shape[0]), px_mm)
        if shape.min_band < MIN_BAND or shape.ridges_per_mm < MIN_RIDGES_PER_MM:
            continue
        if _corners(ink) > MAX_CORNERS:
            continue
        boxes.append((float(x0), float(y0), float(x1), float(y1)))
    return boxes


def _corners(ink: Any) -> float:
    """Ink density in the box's corners outside its ellipse, over that inside it."""
    import numpy as np

    h, w = ink.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.hypot((xx + 0.5 - w / 2) / (w / 2), (yy + 0.5 - h / 2) / (h / 2))
    inside, corners = ink[r < 1.0], ink[r >= 1.15]
    if not inside.size or not corners.size:
        return 0.0
    return float(corners.mean()) / max(float(inside.mean()), 1e-6)
