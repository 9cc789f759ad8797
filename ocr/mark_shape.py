"""The shape of one mark on a page, measured in millimetres: what tells a seal (a ring), a
fingerprint (a ridged filled ellipse) and anything else apart.

Why a module of its own: the red marks (``ocr.marks``) and the marks that lost their red
(``ocr.prints``) are measured alike, and neither search imports the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Shape:
    """What is measured of one red mark (sizes in mm)."""

    box: tuple[float, float, float, float]  # page pixels
    width_mm: float
    height_mm: float
    fill: float  # share of the mark's ellipse that is red
    coverage: float  # share of 36 sectors of the outer band (0.9–1.0 of the radius) inked
    ring: float  # outer band's density / densest band inside 0.2–0.8
    min_band: float  # least dense radial band (tenths, 0.1–0.9; a flat pink counts as ink)
    ridges_per_mm: float  # ink on/off changes per mm along rows and columns, inner part


def measure(mask: Any, box: tuple[int, int, int, int], px_mm: float,
            hidden: Any = None, smear: Any = None) -> Shape:
    """The shape features of the red pixels of ``mask`` inside ``box`` (``mask`` in page
    pixels, or a crop of it whose top left is ``box``'s when ``mask`` is no larger).

    ``hidden`` (the crop's shape, optional) marks pixels whose red cannot be seen: another ink
    over the mark (a name written across a print) and its blur. The densities are taken over
    the rest, so a print is not judged hollow where a name covers its ridges. ``smear``
    (optional) marks a flat pink: the mark's ink is there but its detail is lost (a faint
    copy's JPEG greys a print's middle), so it fills the hollow test and no ridges are
    counted on it."""
    import numpy as np

    x0, y0, x1, y1 = box
    crop = mask[y0:y1, x0:x1] if mask.shape[0] > y1 - y0 or mask.shape[1] > x1 - x0 else mask
    seen = np.ones(crop.shape, bool) if hidden is None else ~hidden
    flat = np.zeros(crop.shape, bool) if smear is None else smear
    ys, xs = np.nonzero(crop)
    if len(xs) > 50:  # tighten to the ink (a stray speck at the border aside)
        lx, hx = (int(v) for v in np.percentile(xs, [0.2, 99.8]))
        ly, hy = (int(v) for v in np.percentile(ys, [0.2, 99.8]))
        crop = crop[ly:hy + 1, lx:hx + 1]
        seen = seen[ly:hy + 1, lx:hx + 1]
        flat = flat[ly:hy + 1, lx:hx + 1]
        x0, y0, x1, y1 = x0 + lx, y0 + ly, x0 + hx + 1, y0 + hy + 1
    h, w = crop.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ry, rx = max(h / 2, 1.0), max(w / 2, 1.0)
    r = np.sqrt(((xx + 0.5 - rx) / rx) ** 2 + ((yy + 0.5 - ry) / ry) ** 2)
    if seen[r < 1.0].mean() < 0.5:  # mostly under another ink: judged whole, as it shows
        seen = np.ones(crop.shape, bool)
    inside = (r < 1.0) & seen
    fill = float(crop[inside].mean()) if inside.any() else 0.0
    bands: list[float | None] = []  # None: a band mostly under another ink is not judged
    filled = []  # the same with the flat pink as ink: the hollow test
    for k in range(10):
        ring_k = (r >= k / 10) & (r < (k + 1) / 10)
        band = ring_k & seen
        enough = band.sum() >= 0.25 * max(ring_k.sum(), 1)
        bands.append(float(crop[band].mean()) if enough else None)
        if 1 <= k <= 8 and enough:
            filled.append(float((crop | flat)[band].mean()))
    # the centre tenth is left out of min_band: a handwritten name across a print's core
    # (its ink dark, not red) may empty so small a disc
    outer = bands[9] or 0.0
    inner = max((b for b in bands[2:8] if b is not None), default=0.0)
    ring = outer / max(inner, 0.02)
    theta = np.arctan2(yy + 0.5 - ry, xx + 0.5 - rx)
    sector = ((theta + math.pi) / (2 * math.pi) * 36).astype(np.int32).clip(0, 35)
    rim = r >= 0.88
    rim &= r < 1.0
    inked = np.bincount(sector[rim & crop], minlength=36)
    total = np.bincount(sector[rim], minlength=36)
    seen_rim = np.bincount(sector[rim & seen], minlength=36)
    judged = seen_rim >= 0.5 * total  # a sector mostly under another ink is not judged
    lit = inked >= np.maximum(0.1 * total, 1)
    coverage = float(lit[judged].mean()) if judged.any() else 0.0
    seen &= ~flat  # no ridges are read on a flat pink
    centre = (r < 0.6) & seen
    core = crop & centre
    core_area = float(centre.sum())
    both_x, both_y = seen[:, 1:] & seen[:, :-1], seen[1:, :] & seen[:-1, :]
    changes = float(np.count_nonzero((core[:, 1:] != core[:, :-1]) & both_x) +
                    np.count_nonzero((core[1:, :] != core[:-1, :]) & both_y))
    # changes per mm of row and column run through the core (its area / px_mm per pixel row)
    ridges = changes / max(2 * core_area / px_mm, 1.0)
    return Shape(box=(float(x0), float(y0), float(x1), float(y1)), width_mm=w / px_mm,
                 height_mm=h / px_mm, fill=fill, coverage=coverage, ring=ring,
                 min_band=min(filled, default=0.0), ridges_per_mm=ridges)
