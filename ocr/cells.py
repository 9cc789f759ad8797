"""A second look at the empty cells of a page's tables.

The line detector misses a lone short mark in a narrow cell: the 序号 digit of a one-item
扣押清单 photographed with a phone, the 序号 column of a faxed list. Its table then reads with
an empty cell where the paper has ink (or splits where a row lost its first cell). So, on a
page where ``ocr.tables.find_tables`` finds a table, each empty cell (not covered by a merged
cell) whose middle holds ink is cut out of the page, set on white and enlarged, and read on its
own; what is read with confidence is added as a line. A cell that is empty on paper (no ink
away from its rules) costs a few array operations and no model call, so a page without gaps
pays nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from models.records import Line

if TYPE_CHECKING:
    from PIL import Image

    from ocr.base import OcrEngine
    from ocr.tables import Table

#: a cell is looked into when at least this share of its middle is ink...
MIN_INK = 0.004
#: ...and a line read there is kept at this confidence or more
MIN_CONFIDENCE = 0.80
#: the crop is enlarged to at least this many pixels high (the detector's strokes)
CROP_HEIGHT = 96
#: at most this many cells a page are read again (a table the engine lost whole is not fixed)
MAX_CELLS = 24


def empty_cells(table: Table) -> list[tuple[int, int, tuple[float, float, float, float]]]:
    """(row, col, box) of each empty cell of ``table`` not covered by a merged cell: the box
    from the middle of the gap to the column before to the middle of the gap to the next, and
    the row's text extent widened by a quarter of its height."""
    if not table.columns or len(table.bands) != len(table.rows):
        return []
    covered = {(s.row + i, s.col + j) for s in table.spans
               for i in range(s.rows) for j in range(s.cols)}
    cols = table.columns
    h = sorted(b - a for a, b in table.bands)[len(table.bands) // 2]
    edges = [cols[0][0] - h] + [(cols[k][1] + cols[k + 1][0]) / 2
                                for k in range(len(cols) - 1)] + [cols[-1][1] + h]
    out = []
    for r, row in enumerate(table.rows):
        y0, y1 = table.bands[r]
        pad = 0.25 * (y1 - y0)
        # not past the middle of the gap to the next row (its ink cut at the edge reads as 一)
        above = (table.bands[r - 1][1] + y0) / 2 if r else y0 - pad
        below = (y1 + table.bands[r + 1][0]) / 2 if r + 1 < len(table.bands) else y1 + pad
        for c, text in enumerate(row):
            if text or (r, c) in covered or c >= len(cols):
                continue
            out.append((r, c, (edges[c], max(y0 - pad, above), edges[c + 1], min(y1 + pad, below))))
    return out


def without_rules(grey: Any) -> tuple[Any, float]:
    """A cell's crop with its rules whitened (runs of ink longer than half the crop's width or
    height: the cell's borders, cut at an angle on a skewed page) and the share of ink left in
    its middle. A ruled cell empty on paper reads nothing then (its border was read as 口)."""
    import cv2
    import numpy as np

    a = np.asarray(grey, dtype=np.uint8)
    if a.size == 0 or min(a.shape) < 4:
        return a, 0.0
    paper = float(np.percentile(a, 90))
    dark = (a < 0.6 * paper).astype(np.uint8)
    h, w = dark.shape
    opened = [np.asarray(cv2.morphologyEx(dark, cv2.MORPH_OPEN,
                                          cv2.getStructuringElement(cv2.MORPH_RECT, size)))
              for size in ((max(8, w // 2), 1), (1, max(8, h // 2)))]
    rules = np.asarray(cv2.dilate(np.maximum(*opened), np.ones((5, 5), np.uint8)))
    clean = a.copy()
    clean[rules > 0] = 255
    left = dark & (rules == 0)
    middle = left[h // 6: h - h // 6, w // 10: w - w // 10]
    return clean, float(middle.mean()) if middle.size else 0.0


def _overlap(a: Sequence[float], b: Sequence[float]) -> float:
    """Share of box ``a`` inside box ``b``."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    area = (a[2] - a[0]) * (a[3] - a[1])
    return w * h / area if w > 0 and h > 0 and area > 0 else 0.0


def reread_empty_cells(image: Image.Image, lines: Sequence[Line], tables: Sequence[Table],
                       engine: OcrEngine) -> list[Line]:
    """What each inked empty cell of ``tables`` (found from ``lines``) reads as: new lines,
    boxes in ``image``'s pixels. Ink a line already read reaches into (a long text running over
    its cell's edge) is not read twice."""
    from PIL import Image as PILImage

    grey = image.convert("L")
    found: list[Line] = []
    cells = [cell for t in tables for cell in empty_cells(t)][:MAX_CELLS]
    for _, _, (x0, y0, x1, y1) in cells:
        box = (max(0, round(x0)), max(0, round(y0)),
               min(image.width, round(x1)), min(image.height, round(y1)))
        if box[2] - box[0] < 4 or box[3] - box[1] < 4:
            continue
        pixels, ink = without_rules(grey.crop(box))
        if ink < MIN_INK:
            continue
        crop = PILImage.fromarray(pixels)
        scale = max(1.0, CROP_HEIGHT / crop.height)
        big = crop.resize((round(crop.width * scale), round(crop.height * scale)),
                          PILImage.Resampling.BILINEAR) if scale > 1 else crop
        # a white margin: the detector finds no text touching the image's edge
        m = big.height // 2
        sheet = PILImage.new("L", (big.width + 2 * m, big.height + 2 * m), 255)
        sheet.paste(big, (m, m))
        for ln in engine.recognize(sheet.convert("RGB")):
            if ln.confidence < MIN_CONFIDENCE or not ln.text.strip():
                continue
            bx0, by0, bx1, by1 = ln.box
            cy = box[1] + ((by0 + by1) / 2 - m) / scale
            if not y0 + 0.15 * (y1 - y0) <= cy <= y1 - 0.15 * (y1 - y0):
                continue  # a piece of a stroke at the crop's edge, not the cell's text
            mapped = (box[0] + (bx0 - m) / scale, box[1] + (by0 - m) / scale,
                      box[0] + (bx1 - m) / scale, box[1] + (by1 - m) / scale)
            if any(_overlap(mapped, other.box) > 0.3 for other in [*lines, *found]):
                continue
            found.append(Line(ln.text, mapped, ln.confidence))
    return found
