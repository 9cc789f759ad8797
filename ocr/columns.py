"""Whether a page is set in two text columns, and where its gutter runs.

Two readers need it: ``ocr.document.reading_order`` reads such a page column by column, and
``ocr.tables.find_tables`` must not take its two columns of prose for a two-column table (it
did: ``GET /documents/{id}/tables`` showed the prose of a two-column page as a table). So the
test lives here, once, on lines as OCR gives them (``models.records.Line``) or as they are
stored (dicts with ``box``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MIN_COLUMN_LINES = 3
MAX_CROSSING = 0.25  # at most this share of the lines may span the gutter (titles, headings)
COLUMN_FILL = 0.6  # a column's lines are at least this wide (median) relative to the column

Box = tuple[float, float, float, float]


def _boxes(lines: Sequence[Any]) -> list[Box]:
    out: list[Box] = []
    for ln in lines:
        box = ln.get("box") if isinstance(ln, dict) else ln.box
        if box and len(box) == 4:
            x0, y0, x1, y1 = (float(v) for v in box)
            out.append((x0, y0, x1, y1))
    return out


def column_gutter(lines: Sequence[Any]) -> float | None:
    """The x of a two-column gutter, or None for a single column (or a table).

    A page has two columns when a vertical gutter in its middle part separates at least three
    lines on each side, each side's lines mostly fill their column (so a table, whose short
    cells also leave vertical gaps, is not two columns), and few lines cross it.
    """
    boxes = _boxes(lines)
    if len(boxes) < 2 * MIN_COLUMN_LINES:
        return None
    x_min = min(b[0] for b in boxes)
    x_max = max(b[2] for b in boxes)
    width = x_max - x_min
    if width <= 0:
        return None
    heights = sorted(b[3] - b[1] for b in boxes)
    min_gap = 0.5 * heights[len(heights) // 2]
    best: tuple[int, float, float] | None = None  # (crossing, -gap, x)
    for x in sorted({b[2] for b in boxes}):
        if not x_min + 0.3 * width <= x <= x_min + 0.7 * width:
            continue
        left = [b for b in boxes if b[2] <= x]
        right = [b for b in boxes if b[0] > x]
        crossing = len(boxes) - len(left) - len(right)
        if len(left) < MIN_COLUMN_LINES or len(right) < MIN_COLUMN_LINES:
            continue
        if crossing > MAX_CROSSING * len(boxes):
            continue
        gap = min(b[0] for b in right) - x
        if gap < min_gap:
            continue
        gutter = x + gap / 2
        left_w = sorted(b[2] - b[0] for b in left)[len(left) // 2]
        right_w = sorted(b[2] - b[0] for b in right)[len(right) // 2]
        if left_w < COLUMN_FILL * (gutter - x_min) or right_w < COLUMN_FILL * (x_max - gutter):
            continue
        key = (crossing, -gap, gutter)
        if best is None or key < best:
            best = key
    return best[2] if best is not None else None
