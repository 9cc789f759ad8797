"""Tables as tables: rows and cells of a page's table (扣押清单, 价格认定 and 鉴定 tables) found
from the geometry of its recognised lines, not only its reading order.

OCR (and a PDF's text layer) gives one line per cell of a ruled table, since the rules cut the
text apart, and widely spaced columns of an unruled list likewise. So lines are grouped into
rows by their vertical extent, and a run of at least ``MIN_ROWS`` consecutive rows whose cells
fall into the same columns (left edges within a tolerance of the text height, or overlapping a
column's extent; two boxes that touch by under a fifth of their width are two columns, as a
fax's thick strokes set 编号 | 名称) is a table. A row that fits the columns no other way is
tried again with the pieces of one text joined (two boxes of the row overlapping by under half
the text height: 具备枪支性能 | （见鉴定书） cut apart on a fax). A column a row leaves empty
stays an empty cell, so every row has the table's width. Prose (one line per row) never forms
a table.

Merged cells (``Table.spans``), read from the geometry of the text (so only a merged cell whose
text is centred in it, as forms set them, is told apart) and, where given, the page's rules:

* across columns: a line that overlaps two or more columns and is centred (within the text
  height) on a run of columns its row leaves empty spans them ("价格认定" over 单价 | 金额). The
  columns are those of the table's fullest rows: a header row with fewer cells (a merged
  header) is placed on them, above or below. A short text over a wide span may be given fewer
  columns than drawn (the narrowest centred run is taken); a line that is not centred on the
  columns it crosses (prose, a signature line) ends the table.
* across rows: a row of cells that sits between two rows (the rows above and below are one row
  pitch apart, and the columns it fills are empty in both) is a cell merged over those two
  rows (序号, 名称 and 备注 beside a two-level header; 备注 written once for rows 2-3), also
  when its box is tall enough to be grouped with one of the two rows (noisy scans, faxes) but
  lies half a row off that row's middle. Without the ruling, a merged cell centred on a row of
  its span (three rows, the text on the middle one) or set at its top looks like a single cell
  with empty cells around it, and is read so (its text still once).
* by the ruling, when the page's horizontal rules are given (``find_rules``: the binarised
  page opened with a long horizontal kernel) and a rule separates every two rows of the table
  in some column: rows that no rule separates in a column are one cell there (the 备注 of
  items 1-3 centred on item 2), when only one of them holds text (a rule lost to the scan
  never joins two texts). A table ruled in part (under the header only) or not at all is read
  from the text's place as above.

The merged text is in the top-left cell of its span, the cells it covers are empty.
``join_pages`` joins a table that runs over two pages (see there), also one continued by a
single row whose cells fall in the table's columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from statistics import median
from typing import Any

from ocr.columns import column_gutter

MIN_ROWS = 3
MIN_COLUMNS = 2


@dataclass(frozen=True)
class Span:
    """A merged cell: its top-left cell and how many rows and columns it covers."""

    row: int
    col: int
    rows: int = 1
    cols: int = 1

    def to_dict(self) -> dict[str, int]:
        return {"row": self.row, "col": self.col, "rows": self.rows, "cols": self.cols}


@dataclass(frozen=True)
class Table:
    """Rows of cell texts (the first row is usually the header), the table's box and its merged
    cells (text in the top-left cell of each, the covered cells empty)."""

    rows: list[list[str]]
    box: tuple[float, float, float, float]
    spans: tuple[Span, ...] = field(default=())
    #: each column's text extent (x0, x1) on the page, for a continuation on the next page
    columns: tuple[tuple[float, float], ...] = field(default=(), compare=False)
    #: each row's text extent (y0, y1) on the page (``ocr.cells`` looks into its empty cells)
    bands: tuple[tuple[float, float], ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "box": list(self.box), "columns": len(self.rows[0]),
                "spans": [s.to_dict() for s in self.spans]}


@dataclass
class _Cell:
    text: str
    x0: float
    y0: float  # levelled (see _level); the box as read is y0 + dy, y1 + dy
    x1: float
    y1: float
    dy: float = 0.0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def _cells(lines: Sequence[Any]) -> list[_Cell]:
    out = []
    for ln in lines:
        text, box = (ln["text"], ln["box"]) if isinstance(ln, dict) else (ln.text, ln.box)
        if box and len(box) == 4 and box[2] > box[0] and box[3] > box[1] and str(text).strip():
            out.append(_Cell(str(text).strip(), *(float(v) for v in box)))
    return out


def _level(cells: list[_Cell], h: float) -> float:
    """Undo what is left of a scan's skew (a degree turns a row 15 px over a table): the median
    slope between lines side by side on one row, when it is under 3°, sheared away (returned;
    0 when none)."""
    slopes = []
    by_y = sorted(cells, key=lambda c: c.cy)
    for i, p in enumerate(by_y):
        for q in by_y[i + 1:]:
            if q.cy - p.cy > h:  # no more lines beside p
                break
            a, b = (p, q) if p.x0 <= q.x0 else (q, p)
            if b.x0 - a.x1 < h or (a.y1 - a.y0) > 2 * h or (b.y1 - b.y0) > 2 * h:
                continue
            if min(a.y1, b.y1) - max(a.y0, b.y0) >= 0.6 * min(a.y1 - a.y0, b.y1 - b.y0):
                slopes.append((b.cy - a.cy) / ((b.x0 + b.x1) / 2 - (a.x0 + a.x1) / 2))
    if len(slopes) < 3:
        return 0.0
    slope = median(slopes)
    if abs(slope) > 0.05:
        return 0.0
    for c in cells:
        c.dy = slope * (c.x0 + c.x1) / 2
        c.y0 -= c.dy
        c.y1 -= c.dy
    return slope


#: a horizontal rule of the page: its ends (x0, y0, x1, y1) in the unit of the lines' boxes
Rule = tuple[float, float, float, float]


def find_rules(image: Any, min_length: int | None = None) -> list[Rule]:
    """The horizontal rules of a page image (PIL image or numpy array, in the unit of its
    lines' boxes): the page binarised (an adaptive threshold, so that shading and a grey scan
    do not matter), opened with a long horizontal kernel (``min_length``, 1/50 of the page's
    width: a stroke of text is shorter, a rule tilted by a scan's skew still runs longer), each
    stroke left at least twice that long and thin for its length fitted by a straight line."""
    import cv2
    import numpy as np

    arr = np.asarray(image.convert("L") if hasattr(image, "convert") else image)
    if arr.ndim == 3:
        arr = cv2.cvtColor(arr[:, :, :3], cv2.COLOR_RGB2GRAY)
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    k = min_length or max(25, arr.shape[1] // 50)
    ink = cv2.adaptiveThreshold(arr, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                31, 15)
    ruled = cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ruled, connectivity=8)
    out: list[Rule] = []
    for i in range(1, n):
        x, y, w, hh = (int(v) for v in stats[i][:4])
        if w < 2 * k or hh > 0.06 * w + 12:
            continue
        ys, xs = np.nonzero(labels[y:y + hh, x:x + w] == i)
        slope, at = np.polyfit(xs.astype(float), ys.astype(float), 1)
        out.append((float(x), float(y + at), float(x + w - 1), float(y + at + slope * (w - 1))))
    return out


def _ruled(rules: Sequence[Rule], x0: float, x1: float, lo: float, hi: float,
           slope: float) -> bool:
    """Rules run under half of [x0, x1] or more between the levelled heights lo and hi."""
    parts = []
    for rx0, ry0, rx1, ry1 in rules:
        a, b = max(x0, rx0), min(x1, rx1)
        if b <= a:
            continue
        xm = (a + b) / 2
        y = ry0 + (ry1 - ry0) * ((xm - rx0) / (rx1 - rx0) if rx1 > rx0 else 0.0) - slope * xm
        if lo < y < hi:
            parts.append((a, b))
    total, end = 0.0, float("-inf")
    for a, b in sorted(parts):
        if b > end:
            total += b - max(a, end)
            end = b
    return total >= 0.5 * (x1 - x0)


def _merge_ruled(rows: list[list[str]], spans: list[Span], centres: list[float],
                 colx: list[tuple[float, float] | None], rules: Sequence[Rule], slope: float,
                 h: float) -> None:
    """Cells merged down by the ruling (in place): when a rule separates every two rows of the
    table in some column (a ruled table), rows that no rule separates in a column are one
    cell there, its one text (any other cell of the run empty) put in the top cell. Cells
    merged across columns keep their columns when every one of them is unruled alike; a merged
    cell already found from the text's place is kept when the rules would shorten it."""
    n_rows, n = len(rows), len(rows[0])
    if n_rows < 2 or not rules:
        return
    sep: list[list[bool | None]] = []
    for r in range(n_rows - 1):
        # a rule between the rows runs nearer their middle than their text
        mid, half = (centres[r] + centres[r + 1]) / 2, 0.35 * (centres[r + 1] - centres[r])
        lo, hi = mid - half, mid + half
        if half < 0.1 * h:
            return
        sep.append([None if x is None else _ruled(rules, x[0], x[1], lo, hi, slope)
                    for x in colx])
    if not all(any(v for v in line) for line in sep):
        return  # not ruled between every two rows: the text's place decides
    covered = {(s.row + i, s.col + j): s for s in spans
               for i in range(s.rows) for j in range(s.cols)}
    for k in range(n):
        r0 = 0
        while r0 < n_rows:
            r1 = r0
            while r1 < n_rows - 1 and sep[r1][k] is False:
                r1 += 1
            group, r0 = range(r0, r1 + 1), r1 + 1
            if len(group) < 2:
                continue
            full = [t for t in group if rows[t][k]]
            if len(full) != 1:
                continue
            t = full[0]
            old = covered.get((t, k))
            cols = old.cols if old is not None else 1
            if (old is not None and (old.row, old.col) != (t, k)) or any(
                    (x, j) != (t, k) and (rows[x][j] or (x, j) in covered and covered[(x, j)] is not old)
                    for x in group for j in range(k, k + cols)):
                continue
            if old is not None and (old.row < group[0] or old.row + old.rows - 1 > group[-1]):
                continue
            if any(j >= n or any(sep[x][j] is not False for x in group[:-1])
                   for j in range(k + 1, k + cols)):
                continue
            new = Span(group[0], k, len(group), cols)
            if old is not None:
                spans.remove(old)
            spans.append(new)
            text, rows[t][k] = rows[t][k], ""
            rows[group[0]][k] = text
            for x in group:
                for j in range(k, k + cols):
                    covered[(x, j)] = new


def _rows(cells: list[_Cell]) -> list[list[_Cell]]:
    """Cells grouped by vertical overlap (half the smaller height) with the row's band (the
    median top and bottom of its cells, so that one tall or offset box does not draw the next
    row in), top to bottom, each row left to right."""
    rows: list[list[_Cell]] = []
    for c in sorted(cells, key=lambda c: c.cy):
        if rows:
            top, bottom = median(x.y0 for x in rows[-1]), median(x.y1 for x in rows[-1])
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


def _columns(row: list[_Cell]) -> list[list[float]]:
    """A row's column extents: its cells left to right, lines stacked in one cell merged."""
    columns: list[list[float]] = []
    for c in sorted(row, key=lambda c: c.x0):
        # (two boxes side by side that touch by a few pixels, as a fax's thick strokes make
        # them in a narrow 编号 | 名称 header, are two columns: stacked lines overlap widely)
        if columns and (min(c.x1, columns[-1][1]) - max(c.x0, columns[-1][0])
                        > 0.2 * min(c.x1 - c.x0, columns[-1][1] - columns[-1][0])):
            columns[-1] = [min(columns[-1][0], c.x0), max(columns[-1][1], c.x1)]
        else:
            columns.append([c.x0, c.x1])
    return columns


Placed = list[tuple[_Cell, int, int]]  # a row's cells, each with its first and last column


def _place(row: list[_Cell], columns: list[list[float]], h: float) -> Placed | None:
    """``_place_row``; when the row does not fit, once more with the pieces of one text joined:
    two lines of one row side by side whose boxes overlap by under half the text height (the
    detector cut 具备枪支性能 | （见鉴定书） apart on a fax, the second box reaching back into
    the first)."""
    placed = _place_row(row, columns, h)
    if placed is not None or len(row) < 2:
        return placed
    joined: list[_Cell] = []
    for c in sorted(row, key=lambda c: c.x0):
        p = joined[-1] if joined else None
        if (p is not None and 0 < p.x1 - c.x0 <= 0.5 * h and c.x1 > p.x1
                and min(p.y1, c.y1) - max(p.y0, c.y0) >= 0.6 * min(p.y1 - p.y0, c.y1 - c.y0)):
            joined[-1] = _Cell(p.text + c.text, p.x0, min(p.y0, c.y0), c.x1, max(p.y1, c.y1),
                               (p.dy + c.dy) / 2)
        else:
            joined.append(c)
    return _place_row(joined, columns, h) if len(joined) < len(row) else None


def _place_row(row: list[_Cell], columns: list[list[float]], h: float) -> Placed | None:
    """The columns of each cell of ``row`` (columns as [x0, x1] text extents), or None when a
    cell falls outside the table, two cells side by side fall into one column, or a line
    crosses columns without being centred on a run of them that its row leaves empty. Lines
    stacked in one column are a cell wrapped over several lines (a long 名称 in a ruled
    扣押清单): they share the column."""
    tol = 1.5 * h
    n = len(columns)
    # each column's part of the line: from the middle of the gap before it to the next gap's
    edges = [columns[0][0] - 0.5 * h]
    edges += [(columns[k][1] + columns[k + 1][0]) / 2 for k in range(n - 1)]
    edges.append(columns[-1][1] + 0.5 * h)
    single: dict[int, tuple[int, int]] = {}
    wide: list[tuple[int, list[int]]] = []
    for i, c in enumerate(row):
        if c.x1 < columns[0][0] - tol or c.x0 > columns[-1][1] + tol:
            return None
        hit = [k for k in range(n)
               if min(c.x1, edges[k + 1] if k < n - 1 else c.x1)
               - max(c.x0, edges[k] if k else c.x0) > 0.25 * h]
        if not hit:  # a short line right on a boundary: the part it overlaps most
            hit = [max(range(n), key=lambda k: min(c.x1, edges[k + 1]) - max(c.x0, edges[k]))]
        if len(hit) == 1 or any(abs(c.x0 - columns[k][0]) <= 0.5 * h for k in hit):
            # one column, or a long line starting where a column starts (an unruled list)
            k = hit[0] if len(hit) == 1 else next(k for k in hit
                                                 if abs(c.x0 - columns[k][0]) <= 0.5 * h)
            single[i] = (k, k)
        else:
            wide.append((i, hit))
    taken: dict[int, list[_Cell]] = {}
    for i in sorted(single, key=lambda i: row[i].y0):
        k = single[i][0]
        if not _below(row[i], taken.get(k, [])):
            return None
        taken.setdefault(k, []).append(row[i])
    for i, hit in wide:
        c = row[i]
        mid = (c.x0 + c.x1) / 2
        best: tuple[float, int, int, int] | None = None
        for a in range(min(hit) + 1):
            for b in range(max(hit), n):
                if any(k in taken for k in range(a, b + 1)):
                    continue
                off = abs((edges[a] + edges[b + 1]) / 2 - mid)
                # the nearest centre; of two about as near, the narrower run
                key = (round(off / (0.25 * h)), b - a, a, b)
                if best is None or key < best:
                    best = key
        if best is None or best[0] * 0.25 * h > h:
            return None
        single[i] = (best[2], best[3])
        for k in range(best[2], best[3] + 1):
            taken.setdefault(k, []).append(c)
    return [(row[i], *single[i]) for i in range(len(row))]


def _widen(columns: list[list[float]], placed: Placed) -> None:
    for c, a, b in placed:
        if a == b:
            columns[a] = [min(columns[a][0], c.x0), max(columns[a][1], c.x1)]


def _fits(run: list[Placed], row: list[_Cell], columns: list[list[float]], h: float
          ) -> tuple[list[Placed], list[list[float]]] | None:
    """The run so far placed on ``row``'s columns, when ``row`` has more of them (the run began
    with a merged header)."""
    new = _columns(row)
    if len(new) <= len(columns):
        return None
    replaced = []
    for placed in run:
        again = _place([c for c, _, _ in placed], new, h)
        if again is None:
            return None
        replaced.append(again)
    return replaced, new


def _grid(run: list[Placed], h: float, rules: Sequence[Rule] = (), slope: float = 0.0
          ) -> Table:
    """Rows of the table (rows set between two rows folded in as cells merged over both;
    on a ruled page, cells no rule separates merged, ``_merge_ruled``)."""
    n = 1 + max(b for placed in run for _, _, b in placed)
    centres = [median(c.cy for c, _, _ in placed) for placed in run]
    steps = sorted(b - a for a, b in zip(centres, centres[1:], strict=False))
    pitch = steps[min(len(steps) - 1, (3 * len(steps)) // 4)] if steps else 0.0
    # a cell merged over two rows whose box is tall enough to be grouped with one of them
    # (noisy scans): half a row off its row's middle, alone in its column, its column empty in
    # the row it leans to -- set apart as a row between the two
    t = 0
    while t < len(run) and pitch:
        for cell in run[t]:
            c, a, b = cell
            off = c.cy - centres[t]
            s = t + (1 if off > 0 else -1)
            # (at the table's top or bottom there is no row to lean to: set apart as its own)
            if (len(run[t]) < 3 or abs(off) < 0.4 * pitch or not -1 <= s <= len(run)
                    or any(o is not c and min(b, y) >= max(a, x) for o, x, y in run[t])
                    or (0 <= s < len(run) and any(min(b, y) >= max(a, x) for _, x, y in run[s]))):
                continue
            run = [*run[:t], [p for p in run[t] if p is not cell], *run[t + 1:]]
            at = max(t, s)
            run.insert(at, [cell])
            centres.insert(at, c.cy)
            t += 1
            break
        t += 1
    between: set[int] = set()
    for t in range(1, len(run) - 1):
        if t - 1 in between or centres[t + 1] - centres[t - 1] > 1.4 * pitch:
            continue
        cols = {k for _, a, b in run[t] for k in range(a, b + 1)}
        near = {k for s in (t - 1, t + 1) for _, a, b in run[s] for k in range(a, b + 1)}
        if not cols & near:
            between.add(t)
    rows: list[list[str]] = []
    spans: list[Span] = []
    row_centres: list[float] = []
    bands: list[tuple[float, float]] = []
    for t, placed in enumerate(run):
        if t in between:
            r = len(rows) - 1  # into the row above, over it and the next
            for c, a, b in sorted(placed, key=lambda p: p[0].y0):
                rows[r][a] += c.text
                old = next((s for s in spans if s.row == r and s.col == a), None)
                if old is not None:
                    spans.remove(old)
                spans.append(Span(r, a, 2, b - a + 1))
            continue
        line = [""] * n
        for c, a, b in sorted(placed, key=lambda p: p[0].y0):
            line[a] += c.text  # a wrapped cell's lines, top to bottom
            if b > a and not any(s.row == len(rows) and s.col == a for s in spans):
                spans.append(Span(len(rows), a, 1, b - a + 1))
        rows.append(line)
        row_centres.append(centres[t])
        bands.append((min(c.y0 + c.dy for c, _, _ in placed),
                      max(c.y1 + c.dy for c, _, _ in placed)))
    colx: list[tuple[float, float] | None] = []
    for k in range(n):
        own = [c for placed in run for c, a, b in placed if a == b == k]
        colx.append((min(c.x0 for c in own), max(c.x1 for c in own)) if own else None)
    _merge_ruled(rows, spans, row_centres, colx, rules, slope, h)
    everything = [c for placed in run for c, _, _ in placed]
    box = (min(c.x0 for c in everything), min(c.y0 + c.dy for c in everything),
           max(c.x1 for c in everything), max(c.y1 + c.dy for c in everything))
    return Table(rows, box, tuple(sorted(spans, key=lambda s: (s.row, s.col))),
                 bands=tuple(bands))


def _header_above(row: list[_Cell], placed: Placed | None, below: list[Placed]) -> bool:
    """A row above a table belongs to it: two or more cells, or one merged header over a row
    just below that fills each of its columns (not a title over the table)."""
    if placed is None:
        return False
    if len(row) >= 2:
        return True
    [(_, a, b)] = placed
    n = 1 + max(b for p in below for _, _, b in p)
    return 0 < b - a < n - 1 and any(
        {x for _, x, y in p if x == y} >= set(range(a, b + 1)) for p in below[:2])


def find_tables(lines: Sequence[Any], min_rows: int = MIN_ROWS,
                min_columns: int = MIN_COLUMNS, rules: Sequence[Rule] | None = None
                ) -> list[Table]:
    """The tables of one page's lines (``models.records.Line`` or their stored dicts); with
    the page's horizontal ``rules`` (``find_rules`` of its image) cells merged down are read
    from the ruling where the table is ruled. A page set in two columns of prose has none
    (``ocr.columns``: its lines fall into two columns as a two-column table's would)."""
    if column_gutter(lines) is not None:
        return []
    cells = _cells(lines)
    if len(cells) < min_rows * min_columns:
        return []
    h = median(c.y1 - c.y0 for c in cells)
    slope = _level(cells, h)
    tables: list[Table] = []
    rows = _rows(cells)
    done = 0  # rows above this belong to a table found already
    i = 0
    while i < len(rows):
        if len(rows[i]) < min_columns:
            i += 1
            continue
        columns = _columns(rows[i])
        first = _place(rows[i], columns, h)
        if first is None or len(columns) < min_columns:
            i += 1
            continue
        run = [first]
        j = i + 1
        while j < len(rows):
            placed = _place(rows[j], columns, h)
            if placed is None:
                refit = _fits(run, rows[j], columns, h)
                if refit is not None:
                    run, columns = refit
                    for p in run:
                        _widen(columns, p)
                    placed = _place(rows[j], columns, h)
            if placed is None:
                break
            if len(rows[j]) < min(min_columns, len(columns)):
                # one line: a cell merged over two rows, or the table's end (checked below)
                if any(b > a for _, a, b in placed) or j + 1 >= len(rows):
                    break
                after = _place(rows[j + 1], columns, h)
                if after is None or len(rows[j + 1]) < min_columns:
                    break
            _widen(columns, placed)
            run.append(placed)
            j += 1
        # a merged header above the rows that set the columns (价格认定 over 单价 | 金额)
        top = i
        # ... set as close to it as its rows are to each other (not a title further up)
        gaps = [min(c.y0 for c, _, _ in b) - max(c.y1 for c, _, _ in a)
                for a, b in zip(run, run[1:], strict=False)]
        near = max([h] + gaps)
        while top - 1 >= done:
            placed = _place(rows[top - 1], columns, h)
            if (min(c.y0 for c, _, _ in run[0]) - max(c.y1 for c in rows[top - 1]) > near
                    or not _header_above(rows[top - 1], placed, run)):
                break
            assert placed is not None
            run.insert(0, placed)
            top -= 1
        # a header and one row are a table too when they are wide (a seizure list of one item),
        # but two rows of two columns could be any two-column form
        table = _grid(run, h, rules or (), slope) if len(run) >= 2 else None
        if table is not None and (len(table.rows) >= min_rows
                                  or (len(table.rows) >= 2 and len(columns) >= 3)):
            tables.append(replace(table, columns=tuple((a, b) for a, b in columns)))
            i = done = j
        else:
            i += 1
    return tables


@dataclass(frozen=True)
class DocumentTable:
    """A table of a document: one page's, or one that runs over consecutive pages (joined)."""

    rows: list[list[str]]
    spans: tuple[Span, ...]
    pages: list[int]
    boxes: list[tuple[float, float, float, float]]  # one per page, in that page's coordinates

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "columns": len(self.rows[0]), "pages": self.pages,
                "boxes": [list(b) for b in self.boxes],
                "spans": [s.to_dict() for s in self.spans]}


# lines allowed below a table that runs on, and above its continuation: page numbers, 续表
_MARGINAL = re.compile(r"^[\s\d\-—–·（()）第共页续表/]{1,16}$")


def _only_marginal(lines: Sequence[Any], below: float | None = None,
                   above: float | None = None) -> bool:
    """Nothing but page numbers and 续表 among the lines below ``below`` / above ``above``."""
    for ln in lines:
        text, box = (ln["text"], ln["box"]) if isinstance(ln, dict) else (ln.text, ln.box)
        if not box or len(box) != 4 or not str(text).strip():
            continue
        if ((below is not None and box[1] >= below) or (above is not None and box[3] <= above)) \
                and not _MARGINAL.match(str(text).strip()):
            return False
    return True


def _header_rows(spans: Sequence[Span]) -> int:
    """How many rows the header takes: 1, or more under a cell merged down from the top row."""
    return max([1] + [s.rows for s in spans if s.row == 0])


def _looks_like_header(rows: list[list[str]], spans: Sequence[Span]) -> bool:
    """The first row is a header: no digit, and every cell filled (or covered by a merged
    cell)."""
    covered = {(s.row + i, s.col + j) for s in spans for i in range(s.rows) for j in range(s.cols)}
    return (all(cell or (0, k) in covered for k, cell in enumerate(rows[0]))
            and not any(ch.isdigit() for cell in rows[0] for ch in cell))


def _prose(t: Table) -> bool:
    """A page set in two columns of prose reads as a table of long lines side by side: it
    continues no table (cells of 16 characters and more, as a rule)."""
    return median(len(cell) for row in t.rows for cell in row if cell) >= 16


def _same(a: list[list[str]], b: list[list[str]]) -> bool:
    def flat(rows: list[list[str]]) -> str:
        return "|".join("".join(r) for r in rows).replace(" ", "")
    return SequenceMatcher(None, flat(a), flat(b)).ratio() >= 0.8


def _one_row(lines: Sequence[Any], prev: Table, before: float | None
             ) -> tuple[list[str], tuple[float, float, float, float]] | None:
    """A table's continuation by one row at the top of the next page: the first row of lines
    that are not all page numbers or 续表 (above ``before``, the top of the page's first
    table), its cells in the previous part's columns (each starting or centred within 1.5 text
    heights of where the column's text does), filling two or more and at least half of them,
    and no header (every cell filled and no digit) or prose (cells of 16+ characters)."""
    width = len(prev.columns)
    cells = [c for c in _cells(lines) if before is None or c.y1 <= before + 1]
    if width < MIN_COLUMNS or not cells:
        return None
    h = median(c.y1 - c.y0 for c in cells)
    _level(cells, h)
    row = next((r for r in _rows(cells) if not all(_MARGINAL.match(c.text) for c in r)), None)
    if row is None:
        return None
    columns = [list(x) for x in prev.columns]
    placed = _place(row, columns, h)
    if placed is None or any(a != b for _, a, b in placed):
        return None
    for c, a, _ in placed:
        x0, x1 = columns[a]
        if abs(c.x0 - x0) > 1.5 * h and abs((c.x0 + c.x1) / 2 - (x0 + x1) / 2) > 1.5 * h:
            return None
    texts = [""] * width
    for c, a, _ in sorted(placed, key=lambda p: p[0].y0):
        texts[a] += c.text
    filled = [t for t in texts if t]
    if (len(filled) < max(MIN_COLUMNS, (width + 1) // 2) or _looks_like_header([texts], ())
            or median(len(t) for t in filled) >= 16):
        return None
    box = (min(c.x0 for c in row), min(c.y0 + c.dy for c in row),
           max(c.x1 for c in row), max(c.y1 + c.dy for c in row))
    return texts, box


def join_pages(pages: Sequence[tuple[int, Sequence[Any]]
                               | tuple[int, Sequence[Any], Sequence[Rule] | None]]
               ) -> list[DocumentTable]:
    """A document's tables from its pages' lines (page number, lines[, the page's horizontal
    rules, ``find_rules``]), in page order, a table that runs over pages joined into one.

    The rule: the last table of page n continues on page n+1 when nothing but a page number
    (or 续表) is below it on page n, the first table of page n+1 has nothing but a page number
    or 续表 above it, both have the same number of columns, and page n+1's table either starts
    with the same header (read alike, 80 % of its characters) -- dropped from the joined rows --
    or starts with a row that is no header (a header has every cell filled and no digit). A
    different header, prose between the tables, another column count, or a page of prose set
    in two columns (read as a table of long lines, ``_prose``) keeps them apart.

    A part of one row (no table on its own page) continues the table when its cells fall in
    the previous part's columns (``_one_row``: as many columns, at the same places within
    1.5 text heights) and nothing but a page number or 续表 is above it."""
    out: list[DocumentTable] = []
    last: tuple[int, Sequence[Any], Table] | None = None  # the previous page's last table
    for number, lines, *more in pages:
        found = find_tables(lines, rules=more[0] if more else None)
        first = True  # the page's first table may continue the last one
        if (last is not None and last[0] == number - 1 and out
                and len(last[2].columns) == len(out[-1].rows[0])
                and _only_marginal(last[1], below=last[2].box[3] - 1)):
            row = _one_row(lines, last[2], found[0].box[1] if found else None)
            if row is not None:
                whole = out[-1]
                out[-1] = DocumentTable(whole.rows + [row[0]], whole.spans,
                                        whole.pages + [number], whole.boxes + [row[1]])
                first = False
        for k, t in enumerate(found):
            joined = False
            if k == 0 and first and last is not None and last[0] == number - 1 and out:
                prev_lines, prev = last[1], last[2]
                whole = out[-1]
                width = len(whole.rows[0])
                depth = (_header_rows(whole.spans)
                         if _looks_like_header(whole.rows, whole.spans) else 0)
                head = whole.rows[:depth]
                if (len(t.rows[0]) == width and not _prose(t)
                        and _only_marginal(prev_lines, below=prev.box[3] - 1)
                        and _only_marginal(lines, above=t.box[1] + 1)):
                    if depth and len(t.rows) > depth and _same(t.rows[:depth], head):
                        drop = depth
                    elif not _looks_like_header(t.rows, t.spans):
                        drop = 0
                    else:
                        drop = -1
                    if drop >= 0:
                        base = len(whole.rows)
                        spans = whole.spans + tuple(
                            Span(s.row - drop + base, s.col, s.rows, s.cols)
                            for s in t.spans if s.row >= drop)
                        out[-1] = DocumentTable(whole.rows + t.rows[drop:], spans,
                                                whole.pages + [number], whole.boxes + [t.box])
                        joined = True
            if not joined:
                out.append(DocumentTable(t.rows, t.spans, [number], [t.box]))
        last = (number, lines, found[-1]) if found else None
    return out
