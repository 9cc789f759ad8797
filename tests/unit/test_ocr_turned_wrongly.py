"""A page the orientation profile turned on its side by mistake is read as it came: the
unruled 备注 list, its columns set far apart, scanned noisy and skewed, profiled sharper across
than down; turned, its lines stood on end and the detector dropped 1部/2张/1辆
(``ocr.document._standing_lines``)."""

from __future__ import annotations

from models.records import Line
from ocr.document import _standing_lines


def test_standing_lines_tell_a_wrong_turn() -> None:
    flat = [Line("扣押物品清单", (100, 100, 700, 140), 0.99), Line("手机", (100, 200, 180, 240), 0.98)]
    standing = [Line("序号", (100, 100, 140, 190), 0.9), Line("名称", (300, 100, 340, 190), 0.9),
                Line("1", (100, 300, 120, 330), 0.9)]
    assert not _standing_lines(flat)
    assert _standing_lines(standing)
    assert not _standing_lines([Line("1", (0, 0, 10, 30), 0.9)])  # one character says nothing
    assert not _standing_lines([])


def test_the_unruled_list_scanned_noisy_comes_back_upright_and_whole() -> None:
    import numpy as np

    from benchmarks.tables import conditions, read_lines
    from ocr.preprocess import estimate_orientation_and_skew, ink_mask
    from ocr.tables import find_tables
    from tests.scans.generate import degrade, render_table
    from tests.scans.tables import NOTE, NOTE_SPANS

    image, _ = render_table(NOTE, spans=NOTE_SPANS, ruled=False)
    page = degrade(image, **conditions(0)["noisy+skewed"])
    grey = np.asarray(page.convert("L"))[::4, ::4]
    assert estimate_orientation_and_skew(ink_mask(grey))[0] == 90  # the profile's mistake
    tables = find_tables(read_lines(page))
    assert len(tables) == 1 and tables[0].rows == NOTE
