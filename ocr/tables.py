"""Tables as tables: rows and cells of a page's table (扣押清单, 价格认定 and 鉴定 tables) found
from the geometry of its recognised lines, not only its reading order.

OCR (and a PDF's text layer) gives one line per cell of a ruled table, since the rules cut the
text apart, and widely spaced columns of an unruled list likewise. So lines are grouped into
rows by their vertical extent, and a run of at least ``MIN_ROWS`` consecutive rows whose cells
fall into the same columns (left edges within a tolerance of the text height, or overlapping a
column's extent) is a table. A column a row leaves empty stays an empty cell, so every row has
the table's width. Prose (one line per row) never forms a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

MIN_ROWS = 3
MIN_COLUMNS = 2


@dataclass(frozen=True)
class Table:
    """Rows of cell texts (the first row is usually the header) and the table's box."""

    rows: list[list[str]]
    box: tuple[float, float, float, float]

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "box": list(self.box), "columns": len(self.rows[0])}


@dataclass
class _Cell:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def _cells(lines: Sequence[Any]) -> list[_Cell]:
    out = []
    for ln in lines:
        text, box = (ln["text"], ln["box"]) if isinstance(ln, dict) else (ln.text, ln.box)
        if box and len(box) == 4 and box[2] > box[0] and box[3] > box[1] and str(text).strip():
            out.append(_Cell(str(text).strip(), *(float(v) for v in box)))
    return out


def _rows(cells: list[_Cell]) -> list[list[_Cell]]:
    """Cells grouped by vertical overlap (half the smaller height), top to bottom, each row
    left to right."""
    rows: list[list[_Cell]] = []
    for c in sorted(cells, key=lambda c: (c.y0 + c.y1) / 2):
        if rows:
            top, bottom = min(x.y0 for x in rows[-1]), max(x.y1 for x in rows[-1])
            overlap = min(bottom, c.y1) - max(top, c.y0)
            if overlap >= 0.5 * min(bottom - top, c.y1 - c.y0):
                rows[-1].append(c)
                continue
        rows.append([c])
    return [sorted(r, key=lambda c: c.x0) for r in rows]


def _below(c: _Cell, others: Sequence[_Cell]) -> bool:
    """``c`` is a further line of the same cell: under each of ``others``, hardly overlapping
    (true of no others)."""
    return all(c.y0 >= o.y1 - 0.25 * min(o.y1 - o.y0, c.y1 - c.y0) for o in others)


def _place(row: list[_Cell], columns: list[list[float]], tol: float) -> list[int] | None:
    """The column of each cell of ``row`` (columns as [x0, x1] extents), or None when a cell
    fits no column or two cells side by side fall into one. Lines stacked in one column are a
    cell wrapped over several lines (a long 名称 in a ruled 扣押清单): they share the column."""
    placed: dict[int, int] = {}  # index in row -> column
    for i in sorted(range(len(row)), key=lambda i: row[i].y0):
        c = row[i]
        best = next((k for k, (x0, x1) in enumerate(columns)
                     if abs(c.x0 - x0) <= tol or (min(c.x1, x1) - max(c.x0, x0)) > 0), None)
        if best is None:
            return None
        if not _below(c, [row[j] for j, k in placed.items() if k == best]):
            return None
        placed[i] = best
    return [placed[i] for i in range(len(row))]


def _columns(row: list[_Cell]) -> list[list[float]]:
    """A row's column extents: its cells left to right, lines stacked in one cell merged."""
    columns: list[list[float]] = []
    for c in sorted(row, key=lambda c: c.x0):
        if columns and min(c.x1, columns[-1][1]) - max(c.x0, columns[-1][0]) > 0:
            columns[-1] = [min(columns[-1][0], c.x0), max(columns[-1][1], c.x1)]
        else:
            columns.append([c.x0, c.x1])
    return columns


def find_tables(lines: Sequence[Any], min_rows: int = MIN_ROWS,
                min_columns: int = MIN_COLUMNS) -> list[Table]:
    """The tables of one page's lines (``models.records.Line`` or their stored dicts)."""
    cells = _cells(lines)
    if len(cells) < min_rows * min_columns:
        return []
    tol = 1.5 * median(c.y1 - c.y0 for c in cells)
    tables: list[Table] = []
    rows = _rows(cells)
    i = 0
    while i < len(rows):
        if len(rows[i]) < min_columns:
            i += 1
            continue
        columns = _columns(rows[i])
        first = _place(rows[i], columns, tol)
        if first is None or len(columns) < min_columns:
            i += 1
            continue
        run = [(rows[i], first)]
        j = i + 1
        while j < len(rows):
            placed = _place(rows[j], columns, tol)
            if placed is None or len(rows[j]) < min(min_columns, len(columns)):
                break
            for c, k in zip(rows[j], placed, strict=True):
                columns[k] = [min(columns[k][0], c.x0), max(columns[k][1], c.x1)]
            run.append((rows[j], placed))
            j += 1
        # a header and one row are a table too when they are wide (a seizure list of one item),
        # but two rows of two columns could be any two-column form
        if len(run) >= min_rows or (len(run) >= 2 and len(columns) >= 3):
            grid = []
            for row, placed in run:
                line = [""] * len(columns)
                for c, k in sorted(zip(row, placed, strict=True), key=lambda p: p[0].y0):
                    line[k] += c.text  # a wrapped cell's lines, top to bottom
                grid.append(line)
            everything = [c for row, _ in run for c in row]
            box = (min(c.x0 for c in everything), min(c.y0 for c in everything),
                   max(c.x1 for c in everything), max(c.y1 for c in everything))
            tables.append(Table(grid, box))
            i = j
        else:
            i += 1
    return tables
