"""Corrections for photographed pages and faxes, before the clean-up of ``ocr.preprocess``.

A page photographed with a phone shows the sheet in perspective on a darker desk, lit
unevenly (a gradient, the shadow of a hand); a fax is a 150–200 dpi black-and-white image with
speckles and ragged strokes. Scanned pages need neither step, so each page is first looked at
by a cheap detector (``detect``, a few milliseconds on a thumbnail) and only a page that looks
photographed or faxed is corrected: clean scans are neither slowed nor changed.

- **photo** (``correct_photo``): the sheet is found as the largest bright quadrilateral on a
  thumbnail (Otsu threshold, largest contour, polygon of 4 corners), warped to a rectangle by
  a homography (A4 proportions when the sheet is close to them, about 300 dpi), then the
  illumination is flattened: the grey page is divided by its background (a max filter removes
  the ink, a large blur gives the light), so shadows and gradients become white paper.
  A page photographed without any desk around it but unevenly lit only gets the flattening.
- **fax** (``correct_fax``): the page is enlarged to 300 dpi by bilinear interpolation, which
  does not ring around the edges of a binary page as Lanczos and bicubic do (see ``ENABLED``
  for the figures); removing isolated specks (connected components of a few pixels) is left
  off, and a median filter, tried first, erased strokes of 150-dpi characters.

  What a fax does to the recogniser (issue 19; the bench's 10 fax pages, 20,629 characters, CER
  2.46 % as ``ocr.preprocess`` enlarges them): 70 % of the 508 errors are Han characters read
  as look-alikes whose strokes the 150-dpi thickening fused (赌→赔, 惠→急, 骗→躺), 25 % are
  punctuation (。 read as · or dropped, 、 and , dropped, ; read as :), no line is missed;
  30-38 px type fails at 1.9-3.2 %, 44 px at 0.7 %. 79 % of the errors sit in lines read at
  0.90-0.98, above the engine's second-look bar. The same pages faxed without specks and
  drop-outs read at 2.25 %, without the thickening at 1.94 %, without the threshold noise at
  2.56 %: even a perfect speck removal and thinning would leave ~1.7 %, the 150-dpi binary page
  itself is the floor. Measured on those pages (pages 0-9; the engine is not bit-for-bit
  repeatable: the same run gave 2.46 % and 2.42 %, bilinear 2.20 % and 2.38 %): bilinear 2×
  2.20-2.38 %, nearest 2.37 %, bicubic 2.92 %, straight to the engine's 2,000 px 2.28 %, left
  at 150 dpi 2.25 %, 250 / 400 dpi 2.28 / 2.26 %; thinning by moving the edge level 2.61-2.90 %
  (4.04 % with a blur), thinning by a 1-px erosion at 300 dpi 2.82 %, thickening 8.44 %,
  contour smoothing (4× up, blur, threshold, down) 2.95-6.29 %, a 3 % vertical un-stretch
  2.47 %, specks removed only away from other ink 2.30-2.34 %. Engine side (not in this module):
  the small recogniser on every line 1.53-1.67 % (8.5 CPU-s a page), a second look below 0.985
  for every line 1.75-1.83 %.

Each correction is a function ``image -> Corrected | None`` (``Correction``); ``CORRECTIONS``
maps a detected kind to its function. ``Corrected.to_original`` maps a box in the corrected
image back to the pixels of the page as uploaded (a homography for photos, a scale for faxes).
Needs OpenCV (``opencv-python-headless``, a dependency of ``rapidocr``); without it pages are
passed through unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

THUMB = 400  # long side of the detector's thumbnail
BORDER = 0.04  # share of each side that forms the frame band looked at by the detector
#: photo: the frame band is mostly darker than this share of the paper's brightness...
DESK_RATIO = 0.70
DESK_SHARE = 0.45  # ...in at least this share of the band
#: uneven light: the brightest paper in the darkest and in the brightest cell of a 6 × 6 grid
#: differ by more than this ratio (a scan's paper is even within a few per cent)
UNEVEN_RATIO = 1.20
#: fax: at most this share of the pixels is neither black nor white...
FAX_GREY_SHARE = 0.03
FAX_MAX_DPI = 220  # ...and the page has at most this resolution
TARGET_DPI = 300
A4_RATIO = 297 / 210
A4_WIDTH_IN = 210 / 25.4
SHEET_RATIO = 0.65  # a pixel at least this bright relative to the light around it is paper
MIN_SHEET_AREA = 0.25  # of the photo: a smaller bright quadrilateral is not the sheet
SPECK_MAX_AREA = 3  # px at fax resolution: smaller black components are noise
#: moiré (``has_fringes``): the paper's brightness averaged over 1.25 and over 4 px at half
#: resolution differs by more than this share in a tenth of the paper (fringes 12-40 px apart
#: darken it by 10-18 %; on the bench's photos and curled pages 0-29 it is at most 0.5 %, on
#: its moiré pages 0-29 at least 2.6 %)
FRINGE_SHARE = 0.015

Homography = Any  # a 3 × 3 numpy array: corrected pixel -> original pixel


@dataclass
class Corrected:
    """A corrected page and the way back to the original's pixels."""

    image: Image.Image
    kind: str
    steps: list[str] = field(default_factory=list)
    original_size: tuple[int, int] = (0, 0)
    to_source: Homography | None = None  # corrected (x, y, 1) -> original, projective

    def to_original(
        self, box: tuple[float, float, float, float]
    ) -> tuple[float, float, float, float]:
        """The axis-aligned box around ``box``'s corners mapped into the original image."""
        if self.to_source is None:
            return box
        x0, y0, x1, y1 = box
        pts = np.array([[x0, y0, 1.0], [x1, y0, 1.0], [x1, y1, 1.0], [x0, y1, 1.0]]).T
        mapped = self.to_source @ pts
        xs, ys = mapped[0] / mapped[2], mapped[1] / mapped[2]
        w, h = self.original_size
        nx0, nx1 = max(0.0, float(xs.min())), min(float(w), float(xs.max()))
        ny0, ny1 = max(0.0, float(ys.min())), min(float(h), float(ys.max()))
        return (nx0, ny0, max(nx1, nx0), max(ny1, ny0))


Correction = Callable[["Image.Image"], "Corrected | None"]


def _cv2() -> Any | None:
    try:
        import cv2
    except ImportError:  # pragma: no cover - rapidocr depends on opencv
        return None
    return cv2


def _grey_thumb(image: Image.Image) -> np.ndarray:
    """A grey thumbnail (long side about ``THUMB``): a box reduction first, then to grey."""
    factor = max(1, math.ceil(max(image.size) / THUMB))
    small = image.reduce(factor) if factor > 1 else image
    return np.asarray(small.convert("L"))


def image_dpi(image: Image.Image) -> float | None:
    """The dpi the image records (None for none, or a phone's or screen's 72/96)."""
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return None
    if round(value) in (72, 96) or not 50 <= value <= 2400:
        return None
    return value


def detect(image: Image.Image) -> str | None:
    """"photo", "fax" or None (a scan: leave it alone), from a thumbnail in milliseconds."""
    grey = _grey_thumb(image)
    if grey.size == 0 or min(grey.shape) < 20:
        return None
    if looks_faxed(image):
        return "fax"
    if looks_photographed(grey):
        return "photo"
    return None


def looks_faxed(image: Image.Image) -> bool:
    """Black and white only, at fax resolution (from the dpi, else the width of an A4 sheet)."""
    dpi = image_dpi(image) or min(image.size) / A4_WIDTH_IN
    if dpi > FAX_MAX_DPI:
        return False
    # a thumbnail made by averaging is grey at stroke edges: sample the page's own pixels
    full = np.asarray(image.convert("L"))[::3, ::3]
    if full.size == 0:
        return False
    mid = float(((full > 40) & (full < 215)).mean())
    return mid <= FAX_GREY_SHARE and float((full < 128).mean()) >= 0.002


def _paper_levels(grey: np.ndarray, cells: int = 6) -> np.ndarray:
    """The bright (95th percentile) level of each cell of a ``cells`` × ``cells`` grid."""
    h, w = grey.shape
    out = np.empty((cells, cells))
    for i in range(cells):
        for j in range(cells):
            cell = grey[i * h // cells : (i + 1) * h // cells, j * w // cells : (j + 1) * w // cells]
            out[i, j] = np.percentile(cell, 95) if cell.size else 255
    return out


def looks_photographed(grey: np.ndarray) -> bool:
    """A dark frame around a bright sheet, or paper whose brightness varies across the page."""
    h, w = grey.shape
    bh, bw = max(2, round(h * BORDER)), max(2, round(w * BORDER))
    band = np.concatenate([grey[:bh].ravel(), grey[-bh:].ravel(),
                           grey[:, :bw].ravel(), grey[:, -bw:].ravel()])
    paper = float(np.percentile(grey, 95))
    if paper < 60:
        return False
    if float((band < DESK_RATIO * paper).mean()) >= DESK_SHARE:
        return True
    return _uneven(grey)


def _uneven(grey: np.ndarray) -> bool:
    levels = _paper_levels(grey)
    return bool(levels.max() > UNEVEN_RATIO * max(levels.min(), 1.0))


def find_sheet(grey: np.ndarray) -> np.ndarray | None:
    """Corners (tl, tr, br, bl) of the bright sheet in a grey image, or None."""
    cv2 = _cv2()
    if cv2 is None:
        return None
    blurred = cv2.GaussianBlur(grey, (5, 5), 0)
    # Paper is bright relative to the light around it, whatever the shadow: compare each pixel
    # with the brightest pixels near it (a max filter wider than the desk's margin), so a
    # shadowed corner of the sheet stays paper while the desk beside it is dark.
    size = max(15, round(0.15 * max(grey.shape))) | 1
    light = cv2.dilate(blurred, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    light = cv2.GaussianBlur(light, (0, 0), size / 4)
    ratio = blurred.astype(np.float32) / np.maximum(light.astype(np.float32), 1.0)
    mask = ((ratio > SHEET_RATIO) * 255).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)  # text lines into the paper
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    sheet = max(contours, key=cv2.contourArea)
    if cv2.contourArea(sheet) < MIN_SHEET_AREA * grey.size:
        return None
    hull = cv2.convexHull(sheet)
    perimeter = cv2.arcLength(hull, True)
    quad = None
    for eps in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            quad = approx.reshape(4, 2).astype(np.float64)
            break
    if quad is None:
        quad = cv2.boxPoints(cv2.minAreaRect(hull)).astype(np.float64)
    return order_corners(quad)


def order_corners(pts: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left."""
    s = pts.sum(axis=1)
    d = pts[:, 1] - pts[:, 0]
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]])


def flatten_illumination(grey: np.ndarray) -> np.ndarray:
    """Divide a grey page by its paper brightness: shadows and gradients become white.

    The background is estimated at a quarter of the resolution: a max filter wider than a
    stroke removes the ink, a wide blur smooths it into the light falling on the paper.
    """
    cv2 = _cv2()
    if cv2 is None:
        return grey
    h, w = grey.shape
    small = cv2.resize(grey, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    background = cv2.dilate(small, kernel)
    background = cv2.GaussianBlur(background, (0, 0), 8)
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(grey, np.maximum(background, 1), scale=255)
    return np.asarray(flat, dtype=np.uint8)


def has_fringes(image: Image.Image) -> bool:
    """Whether a photo shows moiré fringes (a phone's sensor grid beating against a screen's
    pixels or a halftone print): the paper between the strokes varies over a few pixels.

    Why it matters: UVDoc (``ocr.dewarp``) can take the fringes for the page's lines and bend
    the real ones; on the OCR bench's moiré pages 30-89 five pages read at 1.8-13.5 % CER
    dewarped against 0.04-0.78 % with the homography alone (``ocr.document.ocr_page`` reads
    such a photo both ways and keeps the better reading)."""
    cv2 = _cv2()
    if cv2 is None:
        return False
    grey = np.asarray(image.convert("L"))
    h, w = grey.shape
    small = cv2.resize(grey, (max(1, w // 2), max(1, h // 2)),
                       interpolation=cv2.INTER_AREA).astype(np.float32)
    # paper: bright beside the light around it, and not the desk
    ink = small < 0.75 * cv2.dilate(small, np.ones((15, 15), np.uint8))
    ink = cv2.dilate(ink.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    paper = ((~ink) & (small > 100)).astype(np.float32)

    def mean(sigma: float) -> tuple[np.ndarray, np.ndarray]:
        weight = cv2.GaussianBlur(paper, (0, 0), sigma)
        return cv2.GaussianBlur(small * paper, (0, 0), sigma) / np.maximum(weight, 1e-3), weight

    fine, fine_w = mean(1.25)
    coarse, coarse_w = mean(4.0)
    seen = (fine_w > 0.5) & (coarse_w > 0.3)
    if not seen.any():
        return False
    spread = np.abs(fine - coarse)[seen] / np.maximum(coarse[seen], 1.0)
    return float(np.percentile(spread, 90)) > FRINGE_SHARE


def sheet_corners(grey: np.ndarray) -> np.ndarray | None:
    """The sheet's four corners in the photo's pixels (``order_corners``' order), or None when
    no sheet stands out from the desk. Searched on a thumbnail of twice ``THUMB``: the
    corners need more than the detector's thumbnail, the photo's full size is too slow."""
    cv2 = _cv2()
    if cv2 is None:
        return None
    h, w = grey.shape
    scale = THUMB * 2 / max(h, w)
    thumb = cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA)
    corners = find_sheet(thumb)
    return None if corners is None else corners / scale


def correct_photo(image: Image.Image) -> Corrected | None:
    """Crop the sheet out of a photo, undo the perspective and flatten the light."""
    from PIL import Image as PILImage

    cv2 = _cv2()
    if cv2 is None:
        return None
    grey = np.asarray(image.convert("L"))
    h, w = grey.shape
    steps: list[str] = []
    quad = sheet_corners(grey)
    to_source = None
    page = grey
    if quad is not None:
        top = np.hypot(*(quad[1] - quad[0]))
        bottom = np.hypot(*(quad[2] - quad[3]))
        left = np.hypot(*(quad[3] - quad[0]))
        right = np.hypot(*(quad[2] - quad[1]))
        out_w, out_h = max(top, bottom), max(left, right)
        covers_frame = out_w * out_h > 0.97 * w * h
        if not covers_frame:
            ratio = out_h / max(out_w, 1.0)
            if abs(ratio - A4_RATIO) < 0.12 * A4_RATIO:  # an A4 sheet seen at an angle
                out_h = out_w * A4_RATIO
            elif abs(1 / max(ratio, 1e-6) - A4_RATIO) < 0.12 * A4_RATIO:
                out_w = out_h * A4_RATIO
            dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]],
                           dtype=np.float32)
            matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
            page = cv2.warpPerspective(grey, matrix, (round(out_w), round(out_h)),
                                       flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            to_source = np.linalg.inv(matrix)
            steps.append("perspective_corrected")
    if to_source is None and not _uneven(_grey_thumb(image)):
        return None
    page = flatten_illumination(page)
    steps.append("illumination_flattened")
    out = PILImage.fromarray(page).convert("RGB")
    pw = out.width
    if to_source is not None and pw > 0:
        # the sheet's width is an A4 width when it has A4 proportions: its dpi follows
        out.info["dpi"] = (pw / A4_WIDTH_IN, pw / A4_WIDTH_IN)
    return Corrected(out, "photo", steps, (w, h), to_source if to_source is not None
                     else np.eye(3))


def correct_fax(image: Image.Image, despeckle: bool = False) -> Corrected | None:
    """Enlarge a black-and-white fax to 300 dpi by bilinear interpolation (``despeckle``: first
    remove isolated specks, which made the recogniser worse; see ``ENABLED``).

    Bilinear, not the clean-up's Lanczos or a bicubic: their overshoot rings around every edge
    of a binary page (bicubic 2.92 % CER against bilinear's 2.20-2.38 % on the bench's faxes).
    Filling white drop-outs inside strokes (a white pixel among black neighbours) or blurring
    the enlarged page made the recogniser worse on 150-dpi faxes (1 page: 0.84 % CER -> 5.2 %
    and 1.2 %): at this resolution the holes of 口 and the gaps of 士/土 are one pixel wide.
    """
    from PIL import Image as PILImage

    cv2 = _cv2()
    if cv2 is None:
        return None
    grey = np.asarray(image.convert("L"))
    h, w = grey.shape
    steps = []
    if despeckle:
        ink = (grey < 128).astype(np.uint8)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        small = stats[:, cv2.CC_STAT_AREA] <= SPECK_MAX_AREA
        small[0] = False  # the background label
        if count > 1:
            ink[small[labels]] = 0
        grey = np.where(ink > 0, 0, 255).astype(np.uint8)
        steps.append("fax_cleaned")
    dpi_x = image_dpi(image) or w / A4_WIDTH_IN
    dpi_info = image.info.get("dpi")
    dpi_y = float(dpi_info[1]) if dpi_info and len(dpi_info) > 1 and dpi_info[1] else dpi_x
    if image_dpi(image) is None:
        dpi_y = dpi_x
    fx, fy = TARGET_DPI / dpi_x, TARGET_DPI / dpi_y
    size = (max(1, round(w * fx)), max(1, round(h * fy)))
    big = cv2.resize(grey, size, interpolation=cv2.INTER_LINEAR)
    out = PILImage.fromarray(big).convert("RGB")
    out.info["dpi"] = (TARGET_DPI, TARGET_DPI)
    to_source = np.array([[1 / fx, 0, 0], [0, 1 / fy, 0], [0, 0, 1]], dtype=np.float64)
    steps.append(f"scaled_{math.sqrt(fx * fy):.2f}")
    return Corrected(out, "fax", steps, (w, h), to_source)


CORRECTIONS: dict[str, Correction] = {"photo": correct_photo, "fax": correct_fax}
#: what ``correct`` applies by default. Faxes are enlarged to 300 dpi by ``correct_fax``'s
#: bilinear interpolation instead of the clean-up's Lanczos (issue 19): tuned on the bench's
#: fax pages 0-9, CER 2.46 % / 2.42 % -> 2.20 % / 2.38 % (two runs each; the engine is not
#: repeatable to the character), held out on pages 10-29 of ``--pages 30`` (36,146 characters,
#: never looked at while tuning) 3.29 % -> 3.10 %, 4.9 -> 4.7 CPU-s a page: a small gain, far
#: from the 0.5 % target. Specks are not removed: that made the recogniser worse (10 pages:
#: CER 2.46 % -> 3.12 %; components of <= 1, 2 or 3 px removed on two pages: 1.86 / 3.38 % ->
#: 2.23-2.50 / 3.42-3.58 %; only those away from other ink, bilinear: 2.30-2.34 %), as
#: binarisation breaks strokes into pieces as small as the specks.
ENABLED: tuple[str, ...] = ("photo", "fax")


def correct(image: Image.Image, kinds: tuple[str, ...] = ENABLED) -> Corrected | None:
    """The corrected page when ``detect`` finds one of ``kinds``; None for a page left alone."""
    kind = detect(image)
    if kind is None or kind not in kinds:
        return None
    return CORRECTIONS[kind](image)
