"""Page clean-up before recognition: DPI, red seals, faint copies, orientation and skew.

Everything here is plain NumPy/Pillow on the page image and costs a few hundred milliseconds per
A4 page at 300 dpi, against seconds for recognition. The steps, in order:

1. **DPI normalisation** to ``TARGET_DPI`` (PP-OCR is tuned on ~300 dpi; a 600 dpi scan only
   costs time, a 150 dpi one loses small characters). The dpi comes from the image metadata,
   else it is estimated from the page size assuming A4/Letter paper.
2. **Red seal suppression**: strongly red pixels (公章 ink, ``R - max(G, B)`` large) are replaced
   by their red channel as grey, which is what the page looked like under the seal: red ink
   becomes near-white while black text under the stamp stays dark.
3. **Faint copies**: when the darkest ink is grey or the paper is dark, the grey levels are
   stretched; ``binarize=True`` additionally thresholds the page (Otsu).
4. **Orientation family** (0/180 vs 90/270) and **small-angle skew** from projection profiles
   of the ink on a thumbnail: horizontal text lines give a sharply peaked row profile at the
   right angle. The search covers ±``MAX_SKEW_DEG`` around 0° and 90°.
5. Upside-down pages (0 vs 180) cannot be told from geometry alone; ``ocr.document.ocr_page``
   recognises the page and, when the confidence is low, tries it turned by 180° (see
   ``Prepared.flipped``).

The prepared image comes with the affine map back to the original pixels
(``Prepared.to_original``) so that line boxes are reported on the page as uploaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

TARGET_DPI = 300
DPI_TOLERANCE = 0.25  # rescale only when the dpi is off by more than this fraction
MAX_SCALE_UP = 2.0
MAX_PIXELS = 12_000_000  # never upscale beyond this (an A4 page at 300 dpi is 8.7 Mpx)
SCREEN_DPIS = (72, 96)
MAX_SKEW_DEG = 5.0
MIN_SKEW_DEG = 0.2  # below this the page is left alone: < 9 px drift over an A4 line
THUMB_LONG_SIDE = 1000
# A pixel is seal ink when red exceeds the larger of green/blue by this much (0..255).
SEAL_REDNESS = 45
SEAL_MIN_FRACTION = 0.0005  # of the page's pixels, checked on the thumbnail
PAPER_SIZES_IN = ((8.27, 11.69), (8.5, 11.0), (8.5, 14.0))  # A4, Letter, Legal

Affine = tuple[float, float, float, float, float, float]  # x' = a x + b y + c; y' = d x + e y + f
IDENTITY: Affine = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


@dataclass
class Prepared:
    """A page ready for recognition and how it was obtained from the original.

    ``rotation`` is the counter-clockwise quarter turn applied (0, 90, 180, 270), ``skew`` the
    further small rotation in degrees (counter-clockwise, as ``PIL.Image.rotate``), ``scale``
    the resize factor. ``steps`` names what was done, for the page's record.
    """

    image: Image.Image
    original_size: tuple[int, int]
    rotation: int = 0
    skew: float = 0.0
    scale: float = 1.0
    steps: list[str] = field(default_factory=list)
    ink_fraction: float = 0.0
    # prepared pixel -> original pixel
    inverse: Affine = IDENTITY

    def to_original(
        self, box: tuple[float, float, float, float]
    ) -> tuple[float, float, float, float]:
        """Map an axis-aligned box in the prepared image to one in the original image."""
        x0, y0, x1, y1 = box
        a, b, c, d, e, f = self.inverse
        xs, ys = [], []
        for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
            xs.append(a * x + b * y + c)
            ys.append(d * x + e * y + f)
        w, h = self.original_size
        nx0, nx1 = max(0.0, min(xs)), min(float(w), max(xs))
        ny0, ny1 = max(0.0, min(ys)), min(float(h), max(ys))
        return (nx0, ny0, max(nx1, nx0), max(ny1, ny0))

    def flipped(self) -> Prepared:
        """The same page turned by 180° (for upside-down pages found by recognition)."""
        from PIL import Image

        w, h = self.image.size
        image = self.image.transpose(Image.Transpose.ROTATE_180)
        image.info.update(self.image.info)
        # flipped pixel (x, y) -> prepared pixel (w - x, h - y) -> original
        flip: Affine = (-1.0, 0.0, float(w), 0.0, -1.0, float(h))
        return Prepared(
            image=image,
            original_size=self.original_size,
            rotation=(self.rotation + 180) % 360,
            skew=self.skew,
            scale=self.scale,
            steps=[*[s for s in self.steps if not s.startswith("rotated")],
                   f"rotated_{(self.rotation + 180) % 360}"],
            ink_fraction=self.ink_fraction,
            inverse=compose(self.inverse, flip),
        )


def compose(outer: Affine, inner: Affine) -> Affine:
    """The affine map ``outer(inner(p))``."""
    a1, b1, c1, d1, e1, f1 = outer
    a2, b2, c2, d2, e2, f2 = inner
    return (
        a1 * a2 + b1 * d2,
        a1 * b2 + b1 * e2,
        a1 * c2 + b1 * f2 + c1,
        d1 * a2 + e1 * d2,
        d1 * b2 + e1 * e2,
        d1 * c2 + e1 * f2 + f1,
    )


def prepare(
    image: Image.Image,
    *,
    dpi: float | None = None,
    suppress_seals: bool = True,
    binarize: bool = False,
    orient: bool = True,
    deskew: bool = True,
) -> Prepared:
    """Clean up one page image (RGB or L) for recognition; see the module docstring."""
    from PIL import Image

    from ocr.pixels import rgb_array

    rgb = image if image.mode == "RGB" else image.convert("RGB")
    original_size = rgb.size
    prep = Prepared(image=rgb, original_size=original_size)

    # 1. DPI
    source_dpi = dpi or _image_dpi(image) or estimate_dpi(rgb.size)
    scale = 1.0
    if source_dpi and abs(source_dpi - TARGET_DPI) > DPI_TOLERANCE * TARGET_DPI:
        scale = min(TARGET_DPI / source_dpi, MAX_SCALE_UP)
        pixels = rgb.width * rgb.height
        if scale > 1 and pixels * scale * scale > MAX_PIXELS:
            scale = max(1.0, math.sqrt(MAX_PIXELS / pixels))
    if abs(scale - 1.0) > 0.05:
        size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
        rgb = rgb.resize(size, Image.Resampling.LANCZOS)
        prep.steps.append(f"scaled_{scale:.2f}")
        prep.inverse = (1.0 / scale, 0.0, 0.0, 0.0, 1.0 / scale, 0.0)
    else:
        scale = 1.0
    prep.scale = scale

    # 2-3. colour and contrast, on a grey page (Pillow's C routines on 8-bit planes: an A4
    # page at 300 dpi is 26 MB of RGB, float copies of it would cost hundreds of MB)
    thumb = _thumbnail(rgb_array(rgb))
    grey: Image.Image | None = None
    if suppress_seals and _red_fraction(thumb) > SEAL_MIN_FRACTION:
        grey = remove_red(rgb)
        prep.steps.append("seal_suppressed")
    stretch = _needs_stretch(thumb)
    if stretch or binarize:
        if grey is None:
            grey = rgb.convert("L")
        if stretch:
            grey = stretch_contrast(grey)
            prep.steps.append("contrast_stretched")
        if binarize:
            threshold = otsu_threshold(np.asarray(grey))
            grey = grey.point([255 if v > threshold else 0 for v in range(256)])
            prep.steps.append("binarized")
    if grey is not None:
        rgb = grey.convert("RGB")
        thumb = _thumbnail(np.asarray(grey))

    # 4. orientation family and skew from the ink on a thumbnail
    ink = ink_mask(thumb)
    prep.ink_fraction = float(ink.mean()) if ink.size else 0.0
    if (orient or deskew) and ink.sum() >= 50:
        quarter, angle = estimate_orientation_and_skew(ink, search_90=orient)
        if not deskew or abs(angle) < MIN_SKEW_DEG:
            angle = 0.0
        if quarter:
            w, h = rgb.size
            rgb = rgb.transpose(Image.Transpose.ROTATE_90)
            # rotated pixel (x, y) -> unrotated (w - y, x)
            prep.inverse = compose(prep.inverse, (0.0, -1.0, float(w), 1.0, 0.0, 0.0))
            prep.rotation = 90
            prep.steps.append("rotated_90")
        if angle:
            rgb, inv = rotate_small(rgb, angle)
            prep.inverse = compose(prep.inverse, inv)
            prep.skew = angle
            prep.steps.append("deskewed")
    rgb.info["dpi"] = (TARGET_DPI, TARGET_DPI) if scale != 1.0 else (source_dpi, source_dpi)
    prep.image = rgb
    return prep


def _image_dpi(image: Image.Image) -> float | None:
    """The dpi recorded in the image, unless absent, absurd or a screen default (72/96)."""
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return None
    if round(value) in SCREEN_DPIS:
        return None  # cameras and editors write 72/96 whatever the scan's resolution
    return value if 50 <= value <= 2400 else None


def estimate_dpi(size: tuple[int, int]) -> float | None:
    """The dpi of a page image of common paper size (A4/Letter/Legal), else None."""
    short, long = sorted(size)
    if short <= 0:
        return None
    for paper_short, paper_long in PAPER_SIZES_IN:
        if abs(long / short - paper_long / paper_short) < 0.03:
            return long / paper_long
    return None


def _thumbnail(arr: np.ndarray) -> np.ndarray:
    """A small copy (long side about THUMB_LONG_SIDE) by striding: cheap and good enough."""
    step = max(1, math.ceil(max(arr.shape[:2]) / THUMB_LONG_SIDE))
    return arr[::step, ::step]


def _luminance(arr: np.ndarray) -> np.ndarray:
    if arr.ndim == 2:
        return arr.astype(np.uint8)
    rgb = arr.astype(np.float32)
    return (rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114).astype(np.uint8)


def _redness(arr: np.ndarray) -> np.ndarray:
    rgb = arr.astype(np.int16)
    return rgb[..., 0] - np.maximum(rgb[..., 1], rgb[..., 2])


def _red_fraction(arr: np.ndarray) -> float:
    if arr.ndim != 3:
        return 0.0
    return float((_redness(arr) > SEAL_REDNESS).mean())


def remove_red(image: Image.Image) -> Image.Image:
    """Grey page (mode L) with red ink removed: red pixels take their (brightened) red channel.

    A seal printed over black text multiplies the colours: black stays black (red channel
    ~0), bare seal ink has a high red channel and becomes near-white.
    """
    from PIL import ImageChops

    r, g, b = image.convert("RGB").split()
    redness = ImageChops.subtract(r, ImageChops.lighter(g, b))  # max(0, r - max(g, b))
    mask = redness.point([255 if v > SEAL_REDNESS else 0 for v in range(256)])
    grey = image.convert("L")
    grey.paste(r.point([min(255, round(v * 255 / 215)) for v in range(256)]), mask=mask)
    return grey


def _needs_stretch(thumb: np.ndarray) -> bool:
    """True for faint or grey pages: the darkest ink is light grey, or the paper is dark."""
    grey = _luminance(thumb)
    if grey.size == 0:
        return False
    dark, paper = np.percentile(grey, [0.5, 60])
    return bool(paper - dark > 40 and (dark > 60 or paper < 200))


def stretch_contrast(grey: Image.Image) -> Image.Image:
    """Map the 0.5th percentile to black and the paper level (90th) to white, linearly."""
    sample = _thumbnail(np.asarray(grey))
    lo, hi = (float(v) for v in np.percentile(sample, [0.5, 90]))
    if hi - lo < 10:
        return grey
    return grey.point([min(255, max(0, round((v - lo) * 255.0 / (hi - lo)))) for v in range(256)])


def otsu_threshold(grey: np.ndarray) -> float:
    """Otsu's threshold of a grey image."""
    hist = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 128.0
    levels = np.arange(256, dtype=np.float64)
    weight = np.cumsum(hist)
    mean = np.cumsum(hist * levels)
    w0, w1 = weight, total - weight
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean[-1] * w0 / total - mean) ** 2 * total / (w0 * w1)
    between[~np.isfinite(between)] = 0.0
    return float(np.argmax(between))


def ink_mask(thumb: np.ndarray) -> np.ndarray:
    """Boolean mask of dark (text) pixels; empty when the page is blank."""
    grey = _luminance(thumb)
    if grey.size == 0:
        return np.zeros((0, 0), dtype=bool)
    threshold = otsu_threshold(grey)
    paper = float(np.percentile(grey, 60))
    if paper - threshold < 25:  # no real contrast: a blank or uniform page
        return np.zeros(grey.shape, dtype=bool)
    return grey <= min(threshold, paper - 25)


def _profile_score(xs: np.ndarray, ys: np.ndarray, angle_deg: float) -> float:
    """Sharpness of the row profile of ink points after rotating them by ``angle_deg``."""
    t = math.radians(angle_deg)
    proj = ys * math.cos(t) - xs * math.sin(t)
    proj = proj - proj.min()
    hist = np.bincount(proj.astype(np.int64))
    return float(np.dot(hist, hist))


def _best_angle(xs: np.ndarray, ys: np.ndarray, centre: float) -> tuple[float, float]:
    """(angle, score) maximising profile sharpness within ±MAX_SKEW_DEG of ``centre``."""
    coarse = np.arange(centre - MAX_SKEW_DEG, centre + MAX_SKEW_DEG + 1e-9, 0.5)
    scores = [_profile_score(xs, ys, a) for a in coarse]
    best = float(coarse[int(np.argmax(scores))])
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.05)
    fine_scores = [_profile_score(xs, ys, a) for a in fine]
    i = int(np.argmax(fine_scores))
    return float(fine[i]), float(fine_scores[i])


def estimate_orientation_and_skew(ink: np.ndarray, search_90: bool = True) -> tuple[int, float]:
    """(quarter, angle): ``quarter`` is 90 when the text runs vertically (page on its side),
    ``angle`` the skew in degrees to undo with ``PIL.Image.rotate(-angle)`` after the turn.

    The row profile of a page of horizontal lines alternates ink and blank at the line pitch;
    for a page on its side that happens for the column profile instead. The two sharpness
    scores are compared per bin: a profile over fewer bins (the short side of the page) is
    sharper by that alone, which turned sparse pages on their side back the wrong way.
    """
    ys, xs = np.nonzero(ink)
    if len(xs) == 0:
        return 0, 0.0
    rows, cols = int(np.ptp(ys)) + 1, int(np.ptp(xs)) + 1  # bins of the two profiles
    if len(xs) > 200_000:  # plenty for a profile
        keep = np.random.default_rng(0).choice(len(xs), 200_000, replace=False)
        xs, ys = xs[keep], ys[keep]
    xs_f, ys_f = xs.astype(np.float64), ys.astype(np.float64)
    angle, score = _best_angle(xs_f, ys_f, 0.0)
    if search_90:
        # Column profile = row profile of the page turned by 90° counter-clockwise:
        # (x, y) -> (y, w - x); only the transposed coordinates matter for the profile.
        angle90, score90 = _best_angle(ys_f, -xs_f, 0.0)
        if score90 * cols > 1.15 * score * rows:
            return 90, -angle90
    return 0, -angle


def rotate_small(image: Image.Image, angle: float) -> tuple[Image.Image, Affine]:
    """Rotate by ``-angle`` degrees (undoing a skew of ``angle``), growing the canvas.

    Returns the image and the affine map from its pixels back to the input's pixels.
    """
    from PIL import Image

    w, h = image.size
    out = image.rotate(
        -angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255)
    )
    nw, nh = out.size
    # PIL rotates counter-clockwise by its argument about the centre. A point (dx, dy) from
    # the input centre lands at R(dx, dy); invert with the transpose of R.
    t = math.radians(-angle)
    cos, sin = math.cos(t), math.sin(t)
    cx, cy, ncx, ncy = w / 2, h / 2, nw / 2, nh / 2
    # output (X, Y): DX = X - ncx, DY = Y - ncy; input = (cos DX - sin DY, sin DX + cos DY) + c
    inv: Affine = (
        cos,
        -sin,
        cx - cos * ncx + sin * ncy,
        sin,
        cos,
        cy - sin * ncx - cos * ncy,
    )
    return out, inv
