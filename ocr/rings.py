"""Seals in any ink, found by their ring: a fax or a black-and-white scan turns a red 印章 black.

Why: ``ocr.marks`` tells a seal by its red ink, and a faxed or black-and-white page has none, so a
document that carries its agency's seal (the one that counts) showed no seal at all. What is left
of a seal there is its shape: a round ring 20–60 mm across, its stroke about a millimetre, far
denser than the paper just inside and outside it, which text never is all the way round.

How, without a model: the page's ink in 1 mm cells (its grey level reduced, so a binarised fax
and a grey scan read alike); for each radius from 10 to 30 mm the ring's mean ink less the mean
of the bands 1.5–3 mm inside and outside it, by one FFT convolution per radius (``RING_SCORE``: a
low bar, so a grey seal is looked at too); each peak is then checked sector by sector: the ring
must be inked and denser than its bands in at least ``RING_SECTORS`` of 36 sectors (a seal's
impression fades in places; a block of text is as dense across a band as along it). Only pages without colour are looked at: on a colour page a
seal is red and ``ocr.marks`` finds it, and a photo's desk and shadows make rings of their own.
Figures: ``python -m benchmarks.handwriting`` (marks on faxed records and printed pages).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

#: seals 20-60 mm across: an agency's round seal is 38-50 mm (ocr.marks.SEAL_MM takes red ones to
#: 80 mm; each 10 mm more of radius is a third more of this step's time)
RADII_MM = (10, 30)
RADIUS_STEP_MM = 1.0  # radii looked at
RING_HALF_MM = 0.75  # the ring's band: its stroke, ±0.75 mm about the radius
BAND_MM = (1.5, 3.0)  # the paper inside and outside it
#: ring ink less band ink for a peak to be looked at (tune pages 0-9: faxed seals 0.39-0.53, a
#: red seal scanned grey 0.18-0.41; text peaks up to 0.22 on a fax, 0.09 on a clean page)
RING_SCORE = 0.15
#: sectors of 36 where the ring is inked (≥ SECTOR_INK) and denser than its bands by SECTOR_LEAD
#: (tune: seals 32-36 faxed, 33-36 grey; text peaks at most 21, a photo's desk 0)
RING_SECTORS = 28
SECTOR_INK = 0.25
SECTOR_LEAD = 0.10
#: a page has colour when this share of its 1 mm cells has a chroma over COLOUR_CHROMA (a
#: 42 mm red seal is ~2 % of an A4 page's cells)
COLOUR_SHARE = 0.002
COLOUR_CHROMA = 48
MAX_SEALS = 4


def page_cells(image: Image.Image, px_mm: float) -> tuple[Any, int, bool]:
    """One look at the page in cells of about 1 mm: its ink share (float32, 0 paper – 1 ink),
    the cell's side in pixels, and whether any of it is coloured (red ink, a photo's desk)."""
    import numpy as np

    side = max(1, round(px_mm))
    rgb = image.mode in ("RGB", "RGBA")
    page = image if image.mode == ("RGB" if rgb else "L") else image.convert("RGB" if rgb else "L")
    small = np.asarray(page.reduce(side) if side > 1 else page, dtype=np.float32)
    if not rgb:
        return 1.0 - small / 255.0, side, False
    chroma = small.max(axis=2) - small.min(axis=2)
    coloured = bool((chroma > COLOUR_CHROMA).mean() > COLOUR_SHARE)
    grey = small @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return 1.0 - grey / 255.0, side, coloured


def has_colour(image: Image.Image, px_mm: float = 300 / 25.4) -> bool:
    """Whether any part of the page is coloured (``page_cells``)."""
    return page_cells(image, px_mm)[2]


@lru_cache(maxsize=64)
def _kernel(radius: float, shape: tuple[int, int], reach: int) -> Any:
    """The ring-less-bands kernel's spectrum for cells padded to ``shape``."""
    import numpy as np
    from scipy import fft

    yy, xx = np.mgrid[-reach:reach + 1, -reach:reach + 1]
    off = np.abs(np.hypot(yy, xx) - radius)
    ring = (off <= RING_HALF_MM).astype(np.float32)
    band = ((off >= BAND_MM[0]) & (off <= BAND_MM[1])).astype(np.float32)
    k = ring / ring.sum() - band / band.sum()
    return fft.rfft2(k, shape)


def ring_scores(cells: Any) -> tuple[Any, Any]:
    """(radii in cells, scores: radius × row × column) for ``cells`` of 1 mm."""
    import numpy as np
    from scipy import fft

    radii = np.arange(RADII_MM[0], RADII_MM[1] + 1, RADIUS_STEP_MM)
    reach = int(RADII_MM[1] + BAND_MM[1] + 2)
    h, w = cells.shape
    shape = (fft.next_fast_len(h + 2 * reach, real=True),
             fft.next_fast_len(w + 2 * reach, real=True))
    spectrum = fft.rfft2(cells, shape)
    out = np.empty((len(radii), h, w), dtype=np.float32)
    for i, r in enumerate(radii):
        full = fft.irfft2(spectrum * _kernel(float(r), shape, reach), shape)
        out[i] = full[reach:reach + h, reach:reach + w]
    return radii, out


def sectors_inked(cells: Any, cy: float, cx: float, r: float) -> int:
    """How many of 36 sectors hold the ring: inked, and denser than the bands beside it."""
    import numpy as np
    from scipy import ndimage

    angles = np.linspace(0, 2 * np.pi, 36 * 8, endpoint=False)

    def along(radius: float) -> Any:
        ys, xs = cy + radius * np.sin(angles), cx + radius * np.cos(angles)
        return ndimage.map_coordinates(cells, [ys, xs], order=1, mode="constant", cval=0.0)

    ring = np.maximum.reduce([along(r + d) for d in (-0.5, 0.0, 0.5)]).reshape(36, 8).mean(1)
    bands = [along(r + s * d).reshape(36, 8).mean(1) for s in (-1, 1) for d in (2.0, 2.5)]
    beside = np.maximum.reduce(bands)
    return int(((ring >= SECTOR_INK) & (ring >= beside + SECTOR_LEAD)).sum())


def ring_seals(image: Image.Image, px_mm: float, looked: tuple[Any, int, bool] | None = None
               ) -> list[tuple[float, float, float, float]]:
    """Boxes (page pixels) of round seals on a page without colour; none on a coloured one.
    ``looked`` is ``page_cells``'s answer when the caller has it already."""
    import numpy as np

    cells, side, coloured = looked or page_cells(image, px_mm)
    if coloured:
        return []
    if min(cells.shape) < 2 * RADII_MM[0]:
        return []
    radii, scores = ring_scores(cells)
    boxes: list[tuple[float, float, float, float]] = []
    for _ in range(MAX_SEALS * 3):
        i, y, x = np.unravel_index(int(np.argmax(scores)), scores.shape)
        if scores[i, y, x] < RING_SCORE:
            break
        r = float(radii[i])
        if sectors_inked(cells, float(y), float(x), r) >= RING_SECTORS:
            half = (r + RING_HALF_MM + 0.5) * side
            cy, cx = (y + 0.5) * side, (x + 0.5) * side
            boxes.append((max(0.0, cx - half), max(0.0, cy - half),
                          min(float(image.width), cx + half), min(float(image.height), cy + half)))
            if len(boxes) == MAX_SEALS:
                break
        # nothing else centred within this ring's radius (a seal's own text and star)
        y0, y1 = max(0, y - int(r)), y + int(r) + 1
        x0, x1 = max(0, x - int(r)), x + int(r) + 1
        scores[:, y0:y1, x0:x1] = -1.0
    return boxes
