"""Handwritten lines (issue 19): a hand-filled 讯问笔录 page rendered from a real judgment's
sentences (tests/scans/handwriting.py) read by the real engine: the hand is marked, print is
not, and a handwritten line goes to review below the higher bar."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from PIL import Image, ImageDraw

from models.records import Line, PageResult
from ocr.document import lines_for_review, ocr_page
from ocr.handwriting import HANDWRITING_REVIEW_CONFIDENCE, blue_share, handwritten
from tests.scans.generate import load_font
from tests.scans.handwriting import render_record
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
