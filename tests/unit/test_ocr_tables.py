"""Tables as rows and cells from the geometry of recognised lines: the seizure lists of real
dossiers (tests/scans/dossier_templates.py) rendered as ruled tables and OCR'd; prose stays prose."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pytest

from models.records import Line
from ocr.tables import find_tables, join_pages
from tests.scans.dossier_templates import documents
from tests.scans.generate import render_table
from tests.scans.tables import NOTE, NOTE_SPANS, PRICE, PRICE_SPANS
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


# --- merged cells and tables over two pages (issue 19) ------------------------------------------



def spans(table: Any) -> list[tuple[int, int, int, int]]:
    return [(s.row, s.col, s.rows, s.cols) for s in table.spans]


def read_page(image: Any) -> list[Line]:
    from models.settings import get_settings
    from ocr.document import open_document
    from services import engines

    buf = io.BytesIO()
    image.save(buf, "PNG")
    with open_document(buf.getvalue(), "image/png") as src:
        return src.read_page(1, lambda: engines.ocr_engine(get_settings())).lines


def price_grid(top: float = 200) -> list[Line]:
    """The 价格认定 table as hand-made line boxes: text 50 high, rows 90 apart; the cells merged
    down sit between the two header rows, 价格认定 centred over 单价 and 金额."""
    xs = {0: (100, 80), 1: (250, 240), 2: (550, 120), 3: (720, 120), 4: (900, 80)}
    out = [box(615, top, "价格认定", 160), box(550, top + 90, "单价"), box(720, top + 90, "金额")]
    out += [box(xs[k][0], top + 45, t) for k, t in ((0, "序号"), (1, "名称"), (4, "备注"))]
    for r, row in enumerate(PRICE[2:]):
        out += [box(xs[k][0], top + 180 + 90 * r, t, min(xs[k][1], 40 * len(t)))
                for k, t in enumerate(row)]
    return out


def test_a_merged_header_and_cells_merged_down_from_line_boxes() -> None:
    prose = [box(100, 50, "价格认定结论书", 600), box(100, 120, "经认定，涉案物品价格如下：", 800)]
    tail = [box(100, 660, "以上价格认定结论仅对本案有效。", 900)]
    [table] = find_tables(prose + price_grid() + tail)
    assert table.rows == PRICE
    assert spans(table) == PRICE_SPANS
    assert table.to_dict()["spans"][2] == {"row": 0, "col": 2, "rows": 1, "cols": 2}
    # a title centred over the table is no merged header; the prose around stays prose
    title = [box(400, 120, "涉案物品价格认定明细表", 400)]
    [table] = find_tables(title + price_grid())
    assert table.rows == PRICE


def test_a_cell_merged_over_two_rows_from_line_boxes() -> None:
    grid = []
    for r, row in enumerate(NOTE):
        y = 200 + 90 * r + (45 if r == 3 else 0)  # row 3's 备注 is the one merged over rows 2-3
        grid += [box(x, 200 + 90 * r if k < 3 or r != 2 else y + 45, t)
                 for k, (x, t) in enumerate(zip((100, 250, 550, 720), row, strict=True)) if t]
    [table] = find_tables(grid)
    assert table.rows == NOTE and spans(table) == NOTE_SPANS
    # the same 备注 on row 2 only (its own row) is no merged cell
    flat = [ln for ln in grid if ln.text != "均已扣押"] + [box(720, 380, "均已扣押")]
    [table] = find_tables(flat)
    assert table.rows == NOTE and table.spans == ()


@pytest.mark.parametrize("ruled", [True, False])
@pytest.mark.parametrize("scanned", [False, True])
def test_a_scanned_price_table_with_a_merged_header(ruled: bool, scanned: bool) -> None:
    from tests.scans.generate import degrade

    image, _ = render_table(PRICE, spans=PRICE_SPANS, ruled=ruled)
    if scanned:
        image = degrade(image, skew_deg=1.2, noise=6, blur=0.6, jpeg_quality=60, seed=2)
    [table] = find_tables(read_page(image))
    assert table.rows[:2] == PRICE[:2] and spans(table) == PRICE_SPANS
    cells = [(a, b) for got, want in zip(table.rows, PRICE, strict=True)
             for a, b in zip(got, want, strict=True)]
    assert sum(a == b for a, b in cells) / len(cells) >= 0.95, table.rows


@pytest.mark.parametrize("scan", [None, {"skew_deg": -2, "seal": True, "seed": 4},
                                  {"skew_deg": -1.5, "noise": 8, "seed": 5},
                                  {"fax": True, "seed": 7}])
def test_a_scanned_seizure_list_with_a_note_merged_over_two_rows(scan: dict[str, Any] | None
                                                                 ) -> None:
    # noise and fax make the merged cell's box tall enough to be grouped with a row: set apart
    from tests.scans.generate import degrade

    image, _ = render_table(NOTE, spans=NOTE_SPANS)
    if scan:
        image = degrade(image, **scan)
    [table] = find_tables(read_page(image))
    assert spans(table) == NOTE_SPANS and table.rows[2][3] == "均已扣押" and table.rows[3][3] == ""
    cells = [(a, b) for got, want in zip(table.rows, NOTE, strict=True)
             for a, b in zip(got, want, strict=True)]
    # every cell read is in its place; the fax loses some single digits (序号) to the engine
    # and may misread a character of a cell (黑 -> 照: the fax CER is the OCR bench's figure)
    from ocr.metrics import edit_distance

    assert all(a in (b, "") or edit_distance(a, b) <= 1 for a, b in cells), table.rows
    assert sum(a == b for a, b in cells) / len(cells) >= 0.75, table.rows


HEAD = ["序号", "名称", "数量", "特征", "备注"]
ITEMS = [["1", "黑色苹果牌手机", "1部", "屏幕碎裂", "已封存"],
         ["2", "现金", "3200元", "百元面额", "已扣押"],
         ["3", "银色电动自行车", "1辆", "无牌照", "发还"],
         ["4", "金项链", "1条", "约20克", "已扣押"],
         ["5", "银行卡", "2张", "工商银行", "已冻结"]]


def list_page(rows: list[list[str]], top: float = 300, above: Sequence[str] = (),
              below: Sequence[str] = ()) -> list[Line]:
    """A page of line boxes: prose lines, a 5-column table, prose lines."""
    out = [box(100, 50 + 70 * k, t, 900) for k, t in enumerate(above)]
    out += [box(x, top + 80 * r, t) for r, row in enumerate(rows)
            for x, t in zip((100, 250, 400, 550, 700), row, strict=False) if t]
    out += [box(100, top + 80 * len(rows) + 70 * k, t, 900) for k, t in enumerate(below)]
    return out


def test_a_table_over_two_pages_from_line_boxes() -> None:
    first = list_page([HEAD] + ITEMS[:3], above=["扣押清单", "持有人：张某"])
    again = list_page([HEAD] + ITEMS[3:], top=60, below=["以上物品已当面清点无误。"])
    [whole] = join_pages([(1, first), (2, again)])
    assert whole.rows == [HEAD] + ITEMS and whole.pages == [1, 2] and len(whole.boxes) == 2
    assert whole.to_dict()["pages"] == [1, 2] and whole.to_dict()["columns"] == 5
    # no header on the next page, and a page number under the first part and 续表 over the next
    numbered = first + [box(500, 1500, "第 1 页")]
    rest = [box(100, 10, "续表")] + list_page(ITEMS[3:], top=60)
    [whole] = join_pages([(1, numbered), (2, rest)])
    assert whole.rows == [HEAD] + ITEMS and whole.pages == [1, 2]
    # not joined: prose under the first part, prose over the second, another header, another
    # column count, or pages that are not consecutive
    signed = list_page([HEAD] + ITEMS[:3], below=["持有人：张某 见证人：李某"])
    assert len(join_pages([(1, signed), (2, again)])) == 2
    opened = list_page([HEAD] + ITEMS[3:], top=200, above=["以下为随案移送的物品："])
    assert len(join_pages([(1, first), (2, opened)])) == 2
    other = list_page([["编号", "名称", "单价", "金额", "来源"]] + ITEMS[3:], top=60)
    assert len(join_pages([(1, first), (2, other)])) == 2
    narrow = list_page([row[:4] for row in [HEAD] + ITEMS[3:]], top=60)
    assert len(join_pages([(1, first), (2, narrow)])) == 2
    assert len(join_pages([(1, first), (3, again)])) == 2


def test_prose_after_a_table_is_not_joined_to_it() -> None:
    first = list_page([HEAD] + ITEMS[:3], above=["扣押清单"])
    prose = [box(100, 60 + 70 * k, t, 900) for k, t in enumerate(
        ["经查，犯罪嫌疑人张某于2023年5月在某市某区盗窃手机一部。", "以上事实有证人证言、",
         "扣押清单等证据证实。", "本局认为，犯罪嫌疑人张某的行为已触犯刑法。"])]
    [table] = join_pages([(1, first), (2, prose)])
    assert table.pages == [1] and table.rows == [HEAD] + ITEMS[:3]


def test_a_scanned_seizure_list_over_two_pages_is_one_table() -> None:
    from tests.scans.generate import render_pages

    first, _ = render_table([HEAD] + ITEMS[:3], above=[
        "扣押清单", "持有人：张某某，住某市某区某路8号。", "扣押机关：某市公安局某分局"])
    second, _ = render_table([HEAD] + ITEMS[3:], below=[
        "以上物品已当面清点无误。", "持有人：张某某    见证人：李某    办案人：王某、赵某"])
    lines = [read_page(first), read_page(second)]
    [whole] = join_pages([(1, lines[0]), (2, lines[1])])
    assert whole.pages == [1, 2] and whole.rows == [HEAD] + ITEMS  # the header read once
    # the next page without the header
    bare, _ = render_table(ITEMS[3:], below=["以上物品已当面清点无误。"])
    [whole] = join_pages([(1, lines[0]), (2, read_page(bare))])
    assert whole.pages == [1, 2] and whole.rows == [HEAD] + ITEMS
    # a page of prose after the table is not joined to it
    [(prose, _)] = render_pages("本局认为，犯罪嫌疑人张某某以非法占有为目的，秘密窃取他人财物，"
                                "数额较大，其行为已触犯《中华人民共和国刑法》第二百六十四条之规定。")[:1]
    tables = join_pages([(1, lines[0]), (2, read_page(prose))])
    assert [t.pages for t in tables] == [[1]]


def test_a_title_centred_above_a_seizure_list_is_no_merged_header() -> None:
    # the lines of a rendered 扣押清单 page as read: the title is centred over 名称 | 数量, whose
    # header cells fill them, but it stands five lines above the table
    lines = [Line(t, b, 0.99) for t, b in (
        ("某市某区公安局", (359, 297, 602, 339)), ("扣押物品、文件清单", (356, 352, 671, 398)),
        ("编号", (306, 654, 393, 705)), ("名称", (414, 658, 495, 704)),
        ("数量", (513, 656, 594, 704)), ("特征", (615, 654, 698, 707)),
        ("备注", (789, 658, 867, 705)), ("1", (320, 722, 340, 766)), ("手机", (412, 720, 493, 767)),
        ("1部", (511, 723, 576, 766)), ("被盗物品", (616, 721, 764, 769)),
        ("已发还被害人", (786, 723, 1000, 766)),
        ("持有人:刘某见证人：杨某某办案人：冯某、", (285, 831, 1083, 886)))]
    [table] = find_tables(lines)
    assert table.rows == [["编号", "名称", "数量", "特征", "备注"],
                          ["1", "手机", "1部", "被盗物品", "已发还被害人"]]
    assert table.spans == ()


def test_a_price_table_with_a_two_row_header_over_two_pages() -> None:
    first = price_grid()
    # page 2: the two header rows again, then two more items
    again = [ln for ln in price_grid(top=60) if ln.box[1] < 60 + 180 + 90 * 2]
    [whole] = join_pages([(1, first), (2, again)])
    assert whole.pages == [1, 2]
    assert whole.rows == PRICE + PRICE[2:4]  # the header read once
    assert spans(whole) == PRICE_SPANS  # and its merged cells once


def test_a_page_of_prose_in_two_columns_continues_no_table() -> None:
    # a two-column page is no table of long lines (ocr.columns finds its gutter), so it is not
    # joined to a two-column table that ends the page before
    first = [box(x, 300 + 80 * r, t, 120) for r, row in enumerate(
        [["检验项目", "检验结果"], ["血液乙醇含量", "85mg/100ml"], ["检材", "静脉血"]])
        for x, t in zip((100, 400), row, strict=True)]
    text = ["经审理查明，被告人张某于二〇二三年五月十二日", "晚饮酒后驾驶小型轿车沿某路由南向北行驶，",
            "行至某路口时被执勤民警查获。经鉴定，其血液", "中乙醇含量为85mg/100ml，属于醉酒驾驶。"]
    prose = [box(x, 60 + 70 * r, t, 330) for r in range(4)
             for x, t in ((100, text[r]), (500, text[3 - r]))]
    assert find_tables(prose) == []  # it had been read as a table of two columns
    stored = [{"text": ln.text, "box": list(ln.box), "confidence": 0.9} for ln in prose]
    assert find_tables(stored) == []  # as the tables endpoint reads a stored page
    assert len(find_tables(first)) == 1
    assert [t.pages for t in join_pages([(1, first), (2, prose)])] == [[1]]


@pytest.mark.parametrize("which,seed", [("盗窃", 0), ("note", 1), ("price-unruled", 2)])
def test_a_photographed_seizure_list_comes_back_as_its_rows(which: str, seed: int) -> None:
    """A5-landscape lists photographed with a phone (perspective, curl, a hand's shadow, shake,
    JPEG; the sheet fills under half of the portrait frame): the photo correction crops the
    sheet, the table keeps its rows, columns and merged cells. The lone 序号 digit the detector
    drops on these photos is read by looking into the empty cell (ocr.cells)."""
    from ocr.metrics import edit_distance
    from tests.scans.generate import degrade

    if which == "盗窃":  # a real case's 扣押清单 (tests/scans/dossier_templates.py)
        doc = next(d for d in documents(dev_case(which)) if d.table)
        assert doc.table is not None
        want, want_spans, ruled = [list(r) for r in doc.table], [], True
    elif which == "note":
        want, want_spans, ruled = NOTE, NOTE_SPANS, True
    else:
        want, want_spans, ruled = PRICE, PRICE_SPANS, False
    image, _ = render_table(want, spans=want_spans, ruled=ruled)
    [table] = find_tables(read_page(degrade(image, photo=True, seed=seed)))
    assert len(table.rows) == len(want) and len(table.rows[0]) == len(want[0]), table.rows
    assert spans(table) == want_spans
    cells = [(a, b) for got, row in zip(table.rows, want, strict=True)
             for a, b in zip(got, row, strict=True)]
    assert all(a == b or edit_distance(a, b) <= 1 for a, b in cells), table.rows
    assert [row[0] for row in table.rows[1:]] == [row[0] for row in want[1:]]
    assert sum(a == b for a, b in cells) / len(cells) >= 0.9, table.rows
