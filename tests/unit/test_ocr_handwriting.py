"""Handwritten lines (issue 19): a hand-filled 讯问笔录 page rendered from a real judgment's
sentences (tests/scans/handwriting.py) read by the real engine: the hand is marked, print is
not, and a handwritten line goes to review below the higher bar. A hand in black ink is told
by its shape against the same page's print (ocr.handwriting's shape test)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from PIL import Image, ImageDraw

from models.records import Line, PageResult
from ocr.document import lines_for_review, ocr_page
from ocr.handwriting import (
    HANDWRITING_REVIEW_CONFIDENCE,
    PAGE_MIN_ALIGNED,
    aligned_shares,
    blue_share,
    handwritten,
)
from tests.scans.generate import CONDITIONS, degrade, load_font, render_pages
from tests.scans.handwriting import INKS, render_record
from tests.support.env import GOLD


def _text() -> str:
    files = sorted((GOLD / "texts").glob("*.txt"))
    if not files:
        pytest.fail(f"no judgment texts under {GOLD / 'texts'} (the shared data)")
    return files[7].read_text("utf-8-sig")


@lru_cache(maxsize=1)
def _page() -> tuple[Image.Image, list, PageResult]:
    from ocr.engines import get_engine

    img, truth = render_record(_text(), seed=7)  # seed 7: blue-black ink (INKS[7 % 3])
    return img, truth, ocr_page(1, img, get_engine())


def _printed(text: str, colour: tuple[int, int, int] = (0, 0, 0)) -> np.ndarray:
    img = Image.new("RGB", (1400, 60), "white")
    ImageDraw.Draw(img).text((10, 8), text, font=load_font("noto-serif", 34), fill=colour)
    return np.asarray(img)


def test_black_print_is_not_a_hand_and_ballpoint_blue_is() -> None:
    line = "被告人某某于二〇一六年五月在本市某区实施盗窃，价值人民币三千元"
    assert blue_share(_printed(line)) == 0.0
    assert (blue_share(_printed(line, (20, 60, 160))) or 0) > 0.9  # ballpoint blue
    assert (blue_share(_printed(line, (28, 38, 110))) or 0) > 0.9  # blue-black
    assert (blue_share(_printed(line, (200, 40, 40))) or 0) == 0.0  # a red seal's ink is not
    assert blue_share(np.full((40, 200, 3), 255, np.uint8)) is None  # no ink


def test_a_hand_filled_record_marks_its_handwritten_lines() -> None:
    img, truth, page = _page()
    assert "handwriting" in page.flags
    marked = [ln for ln in page.lines if ln.handwritten]
    # the printed form's questions are never marked; the confirmation and answers are
    assert marked and not any(ln.text.startswith("问") for ln in marked)
    assert any("笔录我看过" in ln.text for ln in marked)
    hand_truth = [t for t in truth if t.handwritten]
    assert len(marked) >= 0.8 * len(hand_truth)
    # stored pages keep the mark (asdict), and it is recomputed from nothing else
    assert page.to_dict()["lines"][page.lines.index(marked[0])]["handwritten"] is True
    assert handwritten(img, [Line("讯问笔录", page.lines[0].box, 0.99)]) == [False]


def test_a_handwritten_line_is_reviewed_below_the_higher_bar() -> None:
    unsure = (HANDWRITING_REVIEW_CONFIDENCE + 0.80) / 2  # fine for print, not for a hand
    page = PageResult(1, "a\nb", "ocr", "test", lines=[
        Line("a", (0, 0, 10, 10), unsure), Line("b", (0, 20, 10, 30), unsure, True)])
    assert lines_for_review(page) == [1]


BLACK = 5  # a seed whose hand is in black ballpoint (INKS[5 % 3]); a tune seed


def _truth_lines(truth: list) -> list[Line]:
    return [Line(t.text, t.box, 0.99) for t in truth]


def test_a_black_hand_is_told_from_the_print_on_its_page_by_shape() -> None:
    assert INKS[BLACK % len(INKS)] == INKS[2]
    img, truth = render_record(_text(), seed=BLACK)
    arr = np.asarray(img)
    hand = [t for t in truth if t.handwritten]
    printed = [t for t in truth if not t.handwritten and t.box[2] - t.box[0] > 8 * 34]

    def crop(t: object) -> np.ndarray:
        x0, y0, x1, y1 = (int(v) for v in t.box)  # type: ignore[attr-defined]
        return arr[y0:y1, x0:x1]

    # black ink: the colour says nothing ...
    assert all((blue_share(crop(t)) or 0) < 0.05 for t in hand)
    # ... its strokes are off the axes where print's are on them
    page = float(np.median([aligned_shares(crop(t))[0] for t in printed]))  # type: ignore[index]
    assert page >= PAGE_MIN_ALIGNED
    for t in hand:
        shares = aligned_shares(crop(t))
        if shares is not None:
            assert shares[1] < 0.5 * page, t.text
    # the truth lines themselves: every long, mostly Chinese hand line marked, print not
    marks = handwritten(img, _truth_lines(truth))
    for t, marked in zip(truth, marks, strict=True):
        if not t.handwritten:
            assert not marked, t.text
    assert sum(marks) >= len(hand) - 2


@lru_cache(maxsize=1)
def _black_page() -> tuple[list, PageResult]:
    from ocr.engines import get_engine

    img, truth = render_record(_text(), seed=BLACK)
    return truth, ocr_page(1, img, get_engine())


def test_a_black_ink_record_read_by_the_engine_marks_its_hand() -> None:
    truth, page = _black_page()
    assert "handwriting" in page.flags
    marked = [ln for ln in page.lines if ln.handwritten]
    assert not any(ln.text.startswith(("问", "时间", "地点", "讯问笔录")) for ln in marked)
    assert any("笔录我看过" in ln.text for ln in marked)
    assert len(marked) >= 0.8 * sum(t.handwritten for t in truth)


def test_a_page_written_mostly_by_hand_is_left_to_the_colour() -> None:
    # no print to compare with: the page's median line is the hand's, nothing is marked by shape
    img, truth = render_record(_text(), seed=BLACK, hand_share=1.0)
    lines = [t for t in truth if t.handwritten] + [t for t in truth if not t.handwritten][:3]
    assert not any(handwritten(img, _truth_lines(lines)))


@pytest.mark.parametrize(("font", "condition"), [("ukai", "clean"), ("uming", "fax"),
                                              ("noto-serif", "rotated")])
def test_printed_pages_are_not_marked(font: str, condition: str) -> None:
    # fax and rotated: judged (the print's edges are on the axes) and no line is an outlier;
    # a page printed in the 楷体 font the imitated hand is drawn from: its own strokes are off
    # the axes too, and the page is not judged by shape
    from ocr.engines import get_engine

    img, _ = render_pages(_text(), font=font)[0]
    page = ocr_page(1, degrade(img, seed=1, **CONDITIONS[condition]), get_engine())
    assert len(page.lines) >= 10
    assert not any(ln.handwritten for ln in page.lines), [ln.text for ln in page.lines
                                                          if ln.handwritten]


def test_a_page_without_blue_skips_the_colour_test_and_a_blue_stroke_keeps_it() -> None:
    """`_any_blue` lets a page with no blue pixel skip the per-line colour test: its lines are
    then judged exactly as before (no line of such a page can be blue)."""
    from ocr.handwriting import _any_blue

    page = np.full((200, 600, 3), 255, np.uint8)
    page[50:80, 20:580] = 30  # black print
    page[120:130, 20:200] = (200, 60, 60)  # a red seal's edge: red, not blue
    assert not _any_blue(page)
    page[150:155, 20:200] = (40, 60, 140)  # one ballpoint stroke (blue - red = 100)
    assert _any_blue(page)
    line = Line("签名", (20.0, 145.0, 200.0, 160.0), 0.9)
    assert handwritten(Image.fromarray(page), [line]) == [True]
    page[150:155, 20:200] = (60, 60, 90)  # bluish grey, blue - red = 30: not counted
    assert not _any_blue(page) and handwritten(Image.fromarray(page), [line]) == [False]
