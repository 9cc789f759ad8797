"""A fax page's weak characters read again by the small recogniser in windows of their line
(``ocr.engines.rapid._window_readers``): where the windows lie, and how they are cut."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from ocr.engines.rapid import (
    WINDOW_REACH,
    RapidOcrEngine,
    Reading,
    _run_centres,
    _sub_quad,
    _weak_windows,
)


def test_each_character_run_has_its_centre_as_a_share_of_the_line() -> None:
    # frames: blank, 张 张, blank, 三 (token ids 5 and 7), blank; each frame a tenth of the line
    assert _run_centres([0, 5, 5, 0, 7, 0], 0.1) == pytest.approx((0.2, 0.45))
    # a repeated character is one run (CTC merges repeats); the last frame's run ends the line
    assert _run_centres([5, 5, 5, 5], 0.25) == (0.5,)
    assert _run_centres([0, 0], 0.5) == ()


def test_windows_lie_around_weak_chinese_characters_and_join_where_they_overlap() -> None:
    slots = [[("被", 1.0)], [("告", 0.99)], [("人", 1.0)], [("", 0.7), ("王", 0.3)],
             [("马", 0.6), ("冯", 0.3)], [("风", 0.5), ("凤", 0.45)], [("春", 1.0)],
             [("，", 0.4), ("。", 0.3)], [("于", 1.0)], [("2", 0.5), ("3", 0.4)]]
    at = (0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85)  # the nine character slots
    read = Reading("被告人马风春，于2", 0.9, 0.5, slots, at)
    aspect = 0.1 / WINDOW_REACH  # a window reaches a tenth of the line to either side
    windows = _weak_windows(read, aspect)
    # 马 (0.35) and 风 (0.45) reach 0.25-0.55 together; a weak mark or digit opens none
    assert len(windows) == 1
    lo, hi, first, last = windows[0]
    assert (lo, hi) == pytest.approx((0.25, 0.55))
    assert (first, last) == (2, 6)  # 人 .. 春: the slots whose centres lie inside, with the gap
    sure = read._replace(slots=[[(ch, 1.0)] for ch in "被告人马凤春，于2"])
    assert _weak_windows(sure, aspect) == []
    assert _weak_windows(read._replace(at=None), aspect) == []
    assert _weak_windows(read._replace(at=at[:-1]), aspect) == []  # slots and runs disagree


def test_a_window_is_the_part_of_a_tilted_line_between_two_shares_of_its_length() -> None:
    quad = np.array([[100, 50], [300, 60], [300, 90], [100, 80]], dtype=np.float32)
    part = _sub_quad(quad, 0.25, 0.5)
    assert np.allclose(part, [[150, 52.5], [200, 55], [200, 85], [150, 82.5]])
    assert np.allclose(_sub_quad(quad, 0.0, 1.0), quad)


class _NoRecogniser:
    def read(self, crops: object, pool: object) -> list[Reading]:
        raise AssertionError("a line the second look read whole is not cut into windows")


def test_a_line_read_whole_already_gives_its_weak_slots_that_reading() -> None:
    slots = [[("被", 1.0)], [("告", 0.99)], [("人", 1.0)], [("马", 0.98)],
             [("风", 0.5), ("凤", 0.45)], [("春", 1.0)], [("，", 0.4), ("。", 0.3)]]
    read = Reading("被告人马风春，", 0.9, 0.5, slots, (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7))
    whole = Reading("被告人冯凤春。", 0.95, 0.9, [[(ch, 1.0)] for ch in "被告人冯凤春。"])
    engine = SimpleNamespace(_recheck=_NoRecogniser(), _pool=None)
    quad = np.array([[0, 0], [700, 0], [700, 30], [0, 30]], dtype=np.float32)
    reads = [read]
    RapidOcrEngine._window_readers(engine, None, [quad], reads, {0: whole})  # type: ignore[arg-type]
    got = reads[0].slots
    assert got is not None
    assert got[4] == [("凤", pytest.approx(0.725)), ("风", pytest.approx(0.25))]
    # sure characters and marks keep the tiny recogniser's reading: 马 stays, ， is not 。
    assert got[3] == [("马", 0.98)] and got[6] == slots[6]
    assert [s for k, s in enumerate(got) if k != 4] == [s for k, s in enumerate(slots) if k != 4]
