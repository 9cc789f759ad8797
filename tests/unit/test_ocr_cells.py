"""A second look at a table's empty cells (ocr.cells): the lone 序号 digits the line detector
drops on faxed and photographed lists are read from the cell's ink; a cell empty on paper, and
ink a neighbouring cell's text already covers, add nothing."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from models.records import Line
from ocr.cells import MIN_INK, empty_cells, reread_empty_cells, without_rules
from ocr.tables import find_tables
from tests.scans.generate import degrade, load_font, render_table
from tests.scans.tables import NOTE, NOTE_SPANS
from tests.unit.test_ocr_tables import read_page

pytestmark = pytest.mark.needs_shared("cail2018", "cases.jsonl.gz")


def box(x0: float, y0: float, text: str, w: float = 80, h: float = 50) -> Line:
    return Line(text, (x0, y0, x0 + w, y0 + h), 0.99)


def grid(rows: list[list[str]]) -> list[Line]:
    return [box(x, 200 + 90 * r, t) for r, row in enumerate(rows)
            for x, t in zip((100, 300, 500), row, strict=True) if t]


def test_an_empty_cell_is_boxed_between_its_neighbours() -> None:
    [table] = find_tables(grid([["序号", "名称", "数量"], ["", "手机", "1部"], ["2", "现金", ""]]))
    cells = empty_cells(table)
    assert [(r, c) for r, c, _ in cells] == [(1, 0), (2, 2)]
    (_, _, (x0, y0, x1, y1)), (_, _, (a0, _, a1, _)) = cells
    # from the left of the table to the middle of the gap before 名称; the row's band widened
    # by a quarter of its height, not past the middle of the gap to the next row
    assert (x0, x1) == (50.0, 240.0) and y0 == pytest.approx(277.5) and y1 == pytest.approx(352.5)
    assert (a0, a1) == (440.0, 630.0)


def test_a_cell_border_is_no_ink_and_a_digit_is() -> None:
    empty = Image.new("L", (160, 90), 255)
    ImageDraw.Draw(empty).rectangle((2, 3, 157, 86), outline=0, width=4)
    clean, ink = without_rules(empty)
    assert ink < MIN_INK and int(np.asarray(clean).min()) > 128
    digit = empty.copy()
    ImageDraw.Draw(digit).text((70, 25), "1", font=load_font(None, 36), fill=0)
    assert without_rules(digit)[1] >= MIN_INK


class Reads:
    """An engine that reads one fixed text wherever it looks (asked only for inked cells)."""

    name, version = "fixed", "1"

    def __init__(self, text: str) -> None:
        self.text, self.asked = text, 0

    def recognize(self, image: Image.Image) -> list[Line]:
        self.asked += 1
        w, h = image.size
        return [Line(self.text, (w * 0.4, h * 0.4, w * 0.6, h * 0.6), 0.99)]


def test_only_inked_cells_are_read_and_text_already_read_is_not_read_twice() -> None:
    rows = [["序号", "名称", "数量"], ["1", "手机", "1部"], ["2", "现金", ""]]
    image, _ = render_table(rows)
    lines = [ln for ln in read_page(image) if ln.text != "1"]  # as if the detector missed it
    tables = find_tables(lines)
    engine = Reads("1")
    found = reread_empty_cells(image, lines, tables, engine)
    assert [ln.text for ln in found] == ["1"] and engine.asked == 1  # the empty 数量: no ink
    assert found[0].box[0] < min(ln.box[0] for ln in lines if ln.text == "手机")
    # the same cell with its digit read already: nothing to add
    assert reread_empty_cells(image, [*lines, *found], tables, Reads("1")) == []


@pytest.mark.parametrize("scan", [{"fax": True, "seed": 107}, {"fax": True, "seed": 111},
                                  {"photo": True, "seed": 103}])
def test_a_faxed_or_photographed_list_keeps_its_numbers(scan: dict[str, object]) -> None:
    image, _ = render_table(NOTE, spans=NOTE_SPANS)
    [table] = find_tables(read_page(degrade(image, **scan)))  # type: ignore[arg-type]
    numbers = [row[0].rstrip(".") for row in table.rows[1:]]
    assert sum(a == b for a, b in zip(numbers, "1234", strict=True)) >= 3, table.rows
    assert table.rows[3][3] == "" and [(s.row, s.col) for s in table.spans] == [(2, 3)]
