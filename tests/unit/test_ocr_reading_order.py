"""Reading order of OCR lines: single column, two columns with spanning titles, tables."""

from __future__ import annotations

import random

from models.records import Line
from ocr.document import reading_order

H = 34.0  # line height in px


def line(text: str, x0: float, row: float, x1: float) -> Line:
    y0 = 300.0 + row * 54.0
    return Line(text, (x0, y0, x1, y0 + H), 0.99)


def shuffled(lines: list[Line]) -> list[Line]:
    out = list(lines)
    random.Random(7).shuffle(out)
    return out


def texts(lines: list[Line]) -> list[str]:
    return [ln.text for ln in lines]


def two_column_page() -> list[Line]:
    page = [line("标题", 900, 0, 1580)]
    page += [line(f"左{i}", 295, 1 + i, 1180 if i < 6 else 800) for i in range(7)]
    page += [line(f"右{i}", 1300, 1 + i, 2185 if i != 3 else 1700) for i in range(7)]
    page += [line("小标题横跨两栏", 295, 8, 2185)]
    page += [line(f"下左{i}", 295, 9 + i, 1180) for i in range(3)]
    page += [line(f"下右{i}", 1300, 9 + i, 2185) for i in range(3)]
    return page


def test_two_columns_are_read_column_by_column() -> None:
    assert texts(reading_order(shuffled(two_column_page()))) == [
        "标题",
        *[f"左{i}" for i in range(7)],
        *[f"右{i}" for i in range(7)],
        "小标题横跨两栏",
        *[f"下左{i}" for i in range(3)],
        *[f"下右{i}" for i in range(3)],
    ]


def test_single_column_stays_row_by_row() -> None:
    page = [line(f"行{i}", 295 + (68 if i % 4 == 0 else 0), i, 2185 if i % 4 != 3 else 900)
            for i in range(20)]
    assert texts(reading_order(shuffled(page))) == [f"行{i}" for i in range(20)]


def test_table_is_read_row_by_row() -> None:
    cols = [(295, 600), (800, 1000), (1250, 1500), (1800, 2100)]
    page = [line(f"{r}-{c}", x0, r, x0 + (x1 - x0) * (0.4 + 0.15 * ((r + c) % 4)))
            for r in range(6) for c, (x0, x1) in enumerate(cols)]
    page.insert(0, line("证据清单", 1000, -1, 1400))
    assert texts(reading_order(shuffled(page))) == ["证据清单"] + [
        f"{r}-{c}" for r in range(6) for c in range(4)
    ]


def test_two_cell_table_with_short_cells_is_not_two_columns() -> None:
    page = [line(f"{r}-名", 295, r, 500) for r in range(6)]
    page += [line(f"{r}-值", 1300, r, 1450) for r in range(6)]
    page.append(line("合计", 295, 6, 2185))
    assert texts(reading_order(shuffled(page))) == [
        t for r in range(6) for t in (f"{r}-名", f"{r}-值")
    ] + ["合计"]


def test_cells_whose_boxes_touch_stay_on_their_row() -> None:
    """A scanned 扣押清单 row (the boxes as read): 自制火药枪 and 1支 overlap by 2 px, and the 序号
    read from its cell sits a little lower; the row still reads left to right."""
    row = [Line("自制火药枪", (480, 763, 668, 812), 0.99), Line("1支", (666, 765, 744, 812), 0.99),
           Line("1", (377, 772, 401, 810), 0.99), Line("具备枪支性能", (860, 764, 1200, 811), 0.99)]
    head = [Line(t, (x, 700, x + 84, 750), 0.99)
            for t, x in (("编号", 368), ("名称", 476), ("数量", 679), ("特征", 781))]
    assert texts(reading_order(shuffled(head + row))) == [
        "编号", "名称", "数量", "特征", "1", "自制火药枪", "1支", "具备枪支性能"]
    # lines of a skewed paragraph overlap far more than that: still one under the other
    skewed = [Line("第一行", (100, 300, 1500, 346), 0.99), Line("第二行", (100, 322, 1500, 368), 0.99)]
    assert texts(reading_order(skewed[::-1])) == ["第一行", "第二行"]
