"""A second look at the empty cells of a page's tables.

The line detector misses a lone short mark in a narrow cell: the 序号 digit of a one-item
扣押清单 photographed with a phone, the 序号 column of a faxed list. Its table then reads with
an empty cell where the paper has ink (or splits where a row lost its first cell). So, on a
page where ``ocr.tables.find_tables`` finds a table, each empty cell (not covered by a merged
cell) whose middle holds ink is cut out of the page, set on white and enlarged, and read on its
own; what is read with confidence is added as a line. A cell that is empty on paper (no ink
away from its rules) costs a few array operations and no model call, so a page without gaps
pays nothing.

A fax drops every 序号 digit of a list, so that no column of the table holds them and a price
table's rows split from its two-row header: no empty cell is left to look into. So the ink of a
table's rows that no line covers is read as well (``stray_ink``: the rows' bands, rules and
read lines whitened, clusters of strokes a fax's specks are too small to be). And a fax's thick
strokes close the gap between two cells, so the detector reads 3200元3200元 (unruled) or
编号名称 (over a vertical rule) as one line: ``split_runs`` cuts such a line where its ink
falls apart and keeps the pieces only when, read one by one, they join to the line's text.
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
#: a piece of a line cut at a gap (``split_runs``) only says where the line's own text goes,
#: and only when the pieces, joined, read as the line did: a lower bar will do. With the
#: recognisers on OpenVINO's bfloat16 a faxed 金额 read at 0.747 and the unruled price table's
#: header stayed one box (单价金额), the table lost whole (held-out tables 27/30 against 29/30)
PIECE_MIN_CONFIDENCE = 0.50
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


def despeckle(pixels: Any, h: float) -> Any:
    """``pixels`` with each speck of ink under 0.15 text heights across whitened (a fax's noise
    beside a lone digit reads as a full stop: 4.)."""
    import cv2
    import numpy as np

    a = np.asarray(pixels, dtype=np.uint8)
    if a.size == 0:
        return a
    paper = float(np.percentile(a, 90))
    dark = (a < 0.6 * paper).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    small = [i for i in range(1, n) if max(stats[i][2], stats[i][3]) < 0.15 * h]
    if not small:
        return a
    out = a.copy()
    out[np.isin(labels, small)] = 255
    return out


def _overlap(a: Sequence[float], b: Sequence[float]) -> float:
    """Share of box ``a`` inside box ``b``."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    area = (a[2] - a[0]) * (a[3] - a[1])
    return w * h / area if w > 0 and h > 0 and area > 0 else 0.0


def _read_crop(grey: Any, pixels: Any, box: tuple[int, int, int, int],
               cell: tuple[float, float, float, float], engine: OcrEngine,
               known: list[Line], min_confidence: float = MIN_CONFIDENCE) -> list[Line]:
    """What the cleaned crop ``pixels`` of ``box`` (in ``grey``'s pixels; ``cell`` the box
    before clipping) reads as, enlarged on a white sheet: lines read with ``min_confidence``
    or more, centred in the cell's height and overlapping no line of ``known``, boxes in the
    page's pixels."""
    from PIL import Image as PILImage

    y0, y1 = cell[1], cell[3]
    crop = PILImage.fromarray(pixels)
    scale = max(1.0, CROP_HEIGHT / crop.height)
    big = crop.resize((round(crop.width * scale), round(crop.height * scale)),
                      PILImage.Resampling.BILINEAR) if scale > 1 else crop
    # a white margin: the detector finds no text touching the image's edge
    m = big.height // 2
    sheet = PILImage.new("L", (big.width + 2 * m, big.height + 2 * m), 255)
    sheet.paste(big, (m, m))
    out: list[Line] = []
    for ln in engine.recognize(sheet.convert("RGB")):
        if ln.confidence < min_confidence or not any(ch.isalnum() for ch in ln.text):
            continue  # (a lone stroke of a rule read as / or |)
        bx0, by0, bx1, by1 = ln.box
        cy = box[1] + ((by0 + by1) / 2 - m) / scale
        if not y0 + 0.15 * (y1 - y0) <= cy <= y1 - 0.15 * (y1 - y0):
            continue  # a piece of a stroke at the crop's edge, not the cell's text
        mapped = (box[0] + (bx0 - m) / scale, box[1] + (by0 - m) / scale,
                  box[0] + (bx1 - m) / scale, box[1] + (by1 - m) / scale)
        if any(_overlap(mapped, other.box) > 0.3 for other in [*known, *out]):
            continue
        out.append(Line(ln.text, mapped, ln.confidence))
    return out


def _clip(image: Any, x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
    return (max(0, round(x0)), max(0, round(y0)),
            min(image.width, round(x1)), min(image.height, round(y1)))


def stray_ink(grey: Any, lines: Sequence[Line], table: Table
              ) -> list[tuple[tuple[float, float, float, float], Any]]:
    """Boxes of the ink in ``table``'s rows that no line covers: each row's band (widened as
    ``empty_cells`` widens it) from two text heights left of the table to two right of it, its
    rules whitened (ink running the band's height or three text heights across), the lines'
    boxes blanked, and what is left split at gaps of half a text height; a cluster is kept when
    it stands at least 0.4 text heights tall and 0.15 wide (a speck of a fax is smaller). Before
    the table is whole: a 序号 column whose every digit the detector dropped is no column of
    the table, and the rows of a price table whose digits are gone split from its header.
    Each box comes with its pixels, the rules and the lines' ink whitened."""
    import cv2
    import numpy as np

    if len(table.bands) != len(table.rows) or not table.bands:
        return []
    a = np.asarray(grey, dtype=np.uint8)
    h = sorted(y1 - y0 for y0, y1 in table.bands)[len(table.bands) // 2]
    left, right = table.box[0] - 2 * h, table.box[2] + 2 * h
    out: list[tuple[tuple[float, float, float, float], Any]] = []
    for r, (y0, y1) in enumerate(table.bands):
        pad = 0.25 * (y1 - y0)
        above = (table.bands[r - 1][1] + y0) / 2 if r else y0 - pad
        below = (y1 + table.bands[r + 1][0]) / 2 if r + 1 < len(table.bands) else y1 + pad
        top, bottom = max(y0 - pad, above), min(y1 + pad, below)
        bx0, by0, bx1, by1 = _clip(grey, left, top, right, bottom)
        if bx1 - bx0 < 4 or by1 - by0 < 4:
            continue
        band = a[by0:by1, bx0:bx1]
        paper = float(np.percentile(band, 90))
        dark = (band < 0.6 * paper).astype(np.uint8)
        bh, bw = dark.shape
        opened = [np.asarray(cv2.morphologyEx(dark, cv2.MORPH_OPEN,
                                              cv2.getStructuringElement(cv2.MORPH_RECT, size)))
                  for size in ((max(8, round(3 * h)), 1), (1, max(8, round(0.85 * bh))))]
        rules = np.asarray(cv2.dilate(np.maximum(*opened), np.ones((5, 5), np.uint8)))
        left_ink = dark & (rules == 0)
        clean = band.copy()
        clean[rules > 0] = 255
        for ln in lines:
            lx0, ly0, lx1, ly1 = ln.box
            if min(ly1, by1) - max(ly0, by0) <= 0.3 * (ly1 - ly0):
                continue  # (a line of the row above or below reaching into the band)
            m = 0.15 * h
            covered = slice(max(0, round(lx0 - m - bx0)), max(0, round(lx1 + m - bx0)))
            left_ink[:, covered] = 0
            clean[:, covered] = 255
        # the strokes: ink at least 0.3 text heights tall or wide (a fax's specks are not)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(left_ink, connectivity=8)
        strokes = sorted((int(x), int(y), int(x + w), int(y + hh))
                         for x, y, w, hh in (stats[i][:4] for i in range(1, n))
                         if max(w, hh) >= 0.3 * h)
        runs: list[list[int]] = []
        for x0, y0_, x1, y1_ in strokes:
            if runs and x0 - runs[-1][2] <= 0.5 * h:
                run = runs[-1]
                run[1], run[2], run[3] = min(run[1], y0_), max(run[2], x1), max(run[3], y1_)
            else:
                runs.append([x0, y0_, x1, y1_])
        for c0, r0, c1, r1 in runs:
            if c1 - c0 < 0.15 * h or r1 - r0 < 0.4 * h:
                continue
            x0, x1 = max(0, round(c0 - 0.3 * h)), min(bw, round(c1 + 0.3 * h))
            out.append(((bx0 + x0, by0, bx0 + x1, by1), despeckle(clean[:, x0:x1], h)))
    return out


def reread_empty_cells(image: Image.Image, lines: Sequence[Line], tables: Sequence[Table],
                       engine: OcrEngine) -> list[Line]:
    """What each inked empty cell of ``tables`` (found from ``lines``) reads as, and then the
    ink in the tables' rows that no line covers (``stray_ink``): new lines, boxes in
    ``image``'s pixels. Ink a line already read reaches into (a long text running over its
    cell's edge) is not read twice."""
    grey = image.convert("L")
    found: list[Line] = []
    cells = [cell for t in tables for _, _, cell in empty_cells(t)][:MAX_CELLS]
    read = 0
    for cell in cells:
        box = _clip(image, *cell)
        if box[2] - box[0] < 4 or box[3] - box[1] < 4:
            continue
        pixels, ink = without_rules(grey.crop(box))
        if ink < MIN_INK:
            continue
        read += 1
        # (the cell's band is its text height and a quarter of it above and below)
        pixels = despeckle(pixels, (cell[3] - cell[1]) / 1.5)
        found += _read_crop(grey, pixels, box, cell, engine, [*lines, *found])
    for t in tables:
        for cell, pixels in stray_ink(grey, [*lines, *found], t):
            if read >= MAX_CELLS:
                return found
            box = _clip(image, *cell)
            read += 1
            found += _read_crop(grey, pixels, box, cell, engine, [*lines, *found])
    return found


#: a line is cut where its ink leaves a gap this many text heights wide (a fax's column of an
#: unruled list: 0.9-1.7; between characters: 0.15 at most) ...
SPLIT_GAP = 0.6
#: ... or where a vertical rule crosses it (a ruled list's 编号 | 名称 read as one line)
RULE_HEIGHT = 1.6


def cuts(grey: Any, box: Sequence[float]) -> list[tuple[int, int]]:
    """The pieces (x0, x1 in ``grey``'s pixels) of the ink of the line boxed ``box``: apart
    at a gap of ``SPLIT_GAP`` text heights or a vertical rule (ink running ``RULE_HEIGHT``
    text heights tall through it); one piece when it does not fall apart, none when the box
    holds no ink. Specks and horizontal rules are no ink here."""
    import cv2
    import numpy as np

    x0, y0, x1, y1 = (round(v) for v in box)
    x0, x1 = max(0, x0), min(grey.width, x1)
    h = y1 - y0
    if h < 8 or x1 - x0 < 2 * h:
        return [(x0, x1)]
    # the line and a text height above and below it: a rule runs through all of it
    top, bottom = max(0, round(y0 - 0.5 * h)), min(grey.height, round(y1 + 0.5 * h))
    a = np.asarray(grey.crop((x0, top, x1, bottom)), dtype=np.uint8)
    paper = float(np.percentile(a, 90))
    a = despeckle(a, h)
    dark = (a < 0.6 * paper).astype(np.uint8)
    rows = slice(y0 - top, y0 - top + h)
    tall = round(min(RULE_HEIGHT * h, 0.95 * (bottom - top)))
    vertical = np.asarray(np.asarray(cv2.morphologyEx(dark, cv2.MORPH_OPEN, (
        cv2.getStructuringElement(cv2.MORPH_RECT, (1, tall)))))[rows].any(axis=0), dtype=bool)
    flat = np.asarray(cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(
        cv2.MORPH_RECT, (max(8, 2 * h), 1))))
    ink = dark[rows] & (flat[rows] == 0)
    middle = ink[round(0.15 * h): h - round(0.15 * h)].any(axis=0) & ~vertical
    cols = np.nonzero(middle)[0]
    if not len(cols):
        return []
    pieces: list[list[int]] = [[int(cols[0]), int(cols[0])]]
    for x in cols[1:]:
        if x - pieces[-1][1] - 1 >= SPLIT_GAP * h or vertical[pieces[-1][1]:x].any():
            pieces.append([int(x), int(x)])
        else:
            pieces[-1][1] = int(x)
    return [(x0 + p, x0 + q + 1) for p, q in pieces]


def _inside(piece: tuple[int, int], boxes: Sequence[Sequence[float]]) -> bool:
    """Four fifths of ``piece``'s width (x0, x1) lie in one of ``boxes``."""
    p0, p1 = piece
    return any(min(p1, b[2]) - max(p0, b[0]) >= 0.8 * (p1 - p0) for b in boxes)


def split_runs(image: Image.Image, lines: Sequence[Line], engine: OcrEngine) -> list[Line]:
    """``lines`` with each line the detector ran over two cells cut in two (or more): a line
    whose ink falls apart at a wide gap or a vertical rule (``cuts``) is read again piece by
    piece, and replaced by the pieces when they read, joined, as the line did (spaces aside:
    no text is changed, only where it is); a piece that reads nothing is dropped when it is
    under half a text height wide (a neighbour's edge inside the box). For a page with a table:
    the cells of a fax's unruled list (3200元3200元) and of a ruled one (编号名称)."""
    grey = image.convert("L")
    out: list[Line] = []
    for ln in lines:
        x0, y0, x1, y1 = ln.box
        h = y1 - y0
        beside = [o.box for o in lines if o is not ln and min(o.box[3], y1) - max(o.box[1], y0)
                  >= 0.5 * min(h, o.box[3] - o.box[1])
                  and min(o.box[2], x1) - max(o.box[0], x0) > 0]
        pieces = cuts(grey, ln.box)
        # a piece at either end inside a neighbour's box is the neighbour's ink
        while len(pieces) > 1 and _inside(pieces[-1], beside):
            pieces.pop()
        while len(pieces) > 1 and _inside(pieces[0], beside):
            pieces.pop(0)
        if len(pieces) == 1:
            # a box reaching over blank paper or into its neighbour (1辆 boxed from inside
            # 银色电动自行车 on a fax) is cut to its ink: a third of a text height each side
            p0, p1 = pieces[0]
            a, b = max(x0, p0 - 0.15 * h), min(x1, p1 + 0.15 * h)
            if a - x0 >= 0.3 * h or x1 - b >= 0.3 * h:
                ln = Line(ln.text, (a, y0, b, y1), ln.confidence, ln.handwritten)
        if len(pieces) < 2:
            out.append(ln)
            continue
        read: list[Line] = []
        for p0, p1 in pieces:
            cell = (p0 - 0.3 * h, y0 - 0.2 * h, p1 + 0.3 * h, y1 + 0.2 * h)
            box = _clip(image, *cell)
            crop = grey.crop(box)
            pixels, _ = without_rules(crop)
            got = sorted(_read_crop(grey, despeckle(pixels, h), box, cell, engine, [],
                                    PIECE_MIN_CONFIDENCE), key=lambda r: r.box[0])
            if not got:
                if p1 - p0 < 0.5 * h:
                    continue
                break
            read.append(Line("".join(r.text for r in got), (max(x0, float(p0)), y0,
                                                              min(x1, float(p1)), y1),
                             min(r.confidence for r in got), ln.handwritten))
        else:
            texts = _apportion(ln.text, [r.text for r in read]) if len(read) >= 2 else None
            if texts is not None:
                # the text is the line's own reading: a piece read under MIN_CONFIDENCE (only
                # kept to place it) keeps the line's confidence
                out += [Line(t, r.box, r.confidence if r.confidence >= MIN_CONFIDENCE
                             else ln.confidence, r.handwritten)
                        for t, r in zip(texts, read, strict=True)]
                continue
        out.append(ln)
    return out


def _apportion(text: str, pieces: Sequence[str]) -> list[str] | None:
    """The line's own text cut at the pieces' lengths, when the pieces read, joined, as the line
    did (spaces aside) but for one character in ten: the line's reading is kept (it was read
    whole, with its context); the pieces only say where it is. A small crop may read one
    character otherwise (发还 as 发环 with the recognisers on OpenVINO), which alone must not
    leave a run over four cells whole. ``None`` when they read otherwise."""
    line = text.replace(" ", "")
    parts = [p.replace(" ", "") for p in pieces]
    if sum(map(len, parts)) != len(line) or not all(parts):
        return None
    if sum(a != b for a, b in zip(line, "".join(parts), strict=True)) > len(line) // 10:
        return None
    out, at = [], 0
    for p in parts:
        out.append(line[at:at + len(p)])
        at += len(p)
    return out
