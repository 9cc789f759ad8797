"""Tables as rows and cells from the geometry of recognised lines: the seizure lists of real
dossiers (tests/scans/dossier_templates.py) rendered as ruled tables and OCR'd; prose stays prose."""

from __future__ import annotations

import io

import pytest

from models.records import Line
from ocr.tables import find_tables
from tests.scans.dossier_templates import documents
from tests.scans.generate import render_table
from tests.support.dossiers import dev_case

pytestmark = pytest.mark.needs_shared("cail2018", "cases.jsonl.gz")


def box(x0: float, y0: float, text: str, w: float = 80, h: float = 50) -> Line:
    return Line(text, (x0, y0, x0 + w, y0 + h), 0.99)


def test_a_grid_with_an_empty_cell_and_prose_around_it() -> None:
    prose = [box(100, 50, "扣押物品、文件清单", 900), box(100, 120, "持有人：张某 见证人：李某", 900)]
    grid = [box(x, y, t) for y, row in ((200, ("编号", "名称", "数量")), (270, ("1", "手机", "1部")),
                                        (340, ("2", "现金", "")))
            for x, t in zip((100, 300, 500), row, strict=True) if t]
    tail = [box(100, 420, "以上物品已当面清点", 900)]
    [table] = find_tables(prose + grid + tail)
    assert table.rows == [["编号", "名称", "数量"], ["1", "手机", "1部"], ["2", "现金", ""]]
    assert table.box == (100, 200, 580, 390)
    assert find_tables(prose + tail) == []
    stored = [{"text": ln.text, "box": list(ln.box), "confidence": 0.9} for ln in grid]
    assert find_tables(stored)[0].rows == table.rows  # the stored JSON form reads the same


@pytest.mark.parametrize("case_type", ["盗窃", "非法持有、私藏枪支弹药"])
def test_a_real_seizure_list_scanned_comes_back_as_its_rows(case_type: str) -> None:
    from models.settings import get_settings
    from ocr.document import open_document
    from services import engines

    doc = next(d for d in documents(dev_case(case_type)) if d.table)
    assert doc.table is not None
    image, _ = render_table(doc.table)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    with open_document(buf.getvalue(), "image/png") as src:
        page = src.read_page(1, lambda: engines.ocr_engine(get_settings()))
    [table] = find_tables(page.lines)
    assert len(table.rows) == len(doc.table) and len(table.rows[0]) == len(doc.table[0])
    cells = [(a, b) for got, want in zip(table.rows, doc.table, strict=True)
             for a, b in zip(got, want, strict=True)]
    exact = sum(a == b for a, b in cells) / len(cells)
    assert exact >= 0.9, list(zip(table.rows, doc.table, strict=True))


def test_a_cell_wrapped_over_two_lines_stays_one_cell() -> None:
    # 名称 wrapped in a ruled row: its two lines stack in the column, the others sit centred
    grid = [box(100, 200, "序号"), box(300, 200, "名称"), box(500, 200, "数量"),
            box(100, 300, "1"), box(300, 275, "黑色苹果牌"), box(300, 325, "手机"),
            box(500, 300, "1部"),
            box(100, 400, "2"), box(300, 400, "现金"), box(500, 400, "500元")]
    [table] = find_tables(grid)
    assert table.rows == [["序号", "名称", "数量"], ["1", "黑色苹果牌手机", "1部"],
                          ["2", "现金", "500元"]]
    # two cells side by side in one column are not a wrapped cell: no table of that row
    clash = [box(100, 200, "序号"), box(300, 200, "名称"), box(500, 200, "数量"),
             box(100, 270, "1"), box(300, 270, "手机"), box(340, 270, "现金"), box(500, 270, "1")]
    assert find_tables(clash) == []


def test_a_scanned_seizure_list_with_a_wrapped_name() -> None:
    from models.settings import get_settings
    from ocr.document import open_document
    from services import engines

    rows = [["序号", "名称", "数量", "备注"],
            ["1", "黑色苹果牌\n手机", "1部", "已封存"],
            ["2", "现金", "3200元", "已扣押"],
            ["3", "银色电动自行车", "1辆", "发还"]]
    image, _ = render_table(rows)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    with open_document(buf.getvalue(), "image/png") as src:
        page = src.read_page(1, lambda: engines.ocr_engine(get_settings()))
    [table] = find_tables(page.lines)
    assert table.rows == [[cell.replace("\n", "") for cell in row] for row in rows]
