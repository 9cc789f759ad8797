"""Real OCR of photographed and faxed pages of a real judgment, with and without ocr.correct.

Slow: loads RapidOCR's bundled PP-OCR models and reads four small pages (25 lines each).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PIL import Image

from models.records import Line
from ocr.base import OcrEngine
from ocr.document import ocr_page
from ocr.engines import get_engine
from ocr.metrics import cer, normalize
from tests.scans.generate import degrade, render_pages
from tests.support.env import GOLD

JUDGMENT = "judge-01885b6c-a37e-4b28-9173-6b94a6581ba2.txt"


def judgment_page() -> tuple[Image.Image, str]:
    path = GOLD / "texts" / JUDGMENT
    if not path.is_file():
        pytest.fail(f"shared data missing: {path}")
    return render_pages(path.read_text("utf-8"), max_lines=25)[0]


@pytest.fixture(scope="module")
def rapid() -> Iterator[OcrEngine]:
    yield get_engine("rapidocr", threads=2)


@pytest.mark.slow
def test_photographed_page_is_read_better_corrected(
    rapid: OcrEngine, record_property: Callable[[str, object], None]
) -> None:
    page, truth = judgment_page()
    shot = degrade(page, photo=True, seed=4)
    # the correction's own effect: ocr.lm alone also mends this page's uncorrected reading,
    # and so do the recognisers in OpenVINO's bfloat16 (0.00 % either way): ONNX Runtime's
    engine = get_engine("rapidocr", threads=2, language_model="off", runtime="onnxruntime")
    corrected = ocr_page(1, shot, engine)
    plain = ocr_page(1, shot, engine, correct=False)
    after, before = cer(truth, corrected.text), cer(truth, plain.text)
    record_property("cer_corrected", after)
    record_property("cer_uncorrected", before)
    print(f"\nphoto: CER {before:.2%} uncorrected -> {after:.2%} corrected")
    assert corrected.flags[0] == "dewarped"  # ocr.dewarp, then the light (ocr.correct)
    assert after < 0.01, corrected.text
    assert after < before
    for item in ("1960年6月30日", "李林长"):
        assert item in normalize(corrected.text)
    for line in corrected.lines:
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 < x1 <= shot.width and 0 <= y0 < y1 <= shot.height


@pytest.mark.slow
def test_faxed_page_is_read(rapid: OcrEngine) -> None:
    page, truth = judgment_page()
    sent = degrade(page, fax=True, seed=4)
    result = ocr_page(1, sent, rapid)
    error = cer(truth, result.text)
    print(f"\nfax: CER {error:.2%}")
    assert "scaled_2.00" in result.flags  # 150 dpi read at 300
    assert error < 0.03, result.text
    assert "李林长" in normalize(result.text)


class Recording:
    """A page-kind-aware engine that records which of its settings read each page."""

    def __init__(self, engine: OcrEngine) -> None:
        self.engine, self.name, self.version = engine, engine.name, engine.version
        self.read: list[str] = []

    def recognize(self, image: Image.Image) -> list[Line]:
        self.read.append("as is")
        return self.engine.recognize(image)

    def for_kind(self, kind: str | None) -> OcrEngine:
        twin = self.engine.for_kind(kind)  # type: ignore[attr-defined]
        outer = self

        class Twin:
            name, version = twin.name, twin.version

            def recognize(self, image: Image.Image) -> list[Line]:
                outer.read.append(kind or "scan")
                return list(twin.recognize(image))

        return Twin()


@pytest.mark.slow
def test_each_kind_of_page_gets_its_setting(rapid: OcrEngine) -> None:
    """A faxed page is read by the engine's fax setting (``for_kind("fax")``: the same models,
    more lines re-read by the small recogniser where that is cheap), a scan by the scan
    setting (lines detected on a smaller copy of the page), a photo by the engine as it is."""
    from ocr.base import PageKindEngine
    from ocr.engines.rapid import (
        DET_MAX_SIDE,
        FAX_RECHECK_CHAR_BELOW,
        RECHECK_CHAR_BELOW,
        SCAN_DET_MAX_SIDE,
        RapidOcrEngine,
    )

    assert isinstance(rapid, RapidOcrEngine) and isinstance(rapid, PageKindEngine)
    fax, scan = rapid.for_kind("fax"), rapid.for_kind(None)
    for twin in (fax, scan):  # nothing loaded again
        assert twin._rec is rapid._rec and twin._recheck is rapid._recheck
    assert fax.recheck_char_below == FAX_RECHECK_CHAR_BELOW[rapid.runtime]
    assert (fax.det_max_side, scan.det_max_side) == (DET_MAX_SIDE, SCAN_DET_MAX_SIDE)
    assert scan.recheck_char_below == RECHECK_CHAR_BELOW
    assert fax.fax and not scan.fax and not rapid.fax  # both readers and × runs: faxes only
    assert rapid.for_kind("photo") is rapid
    # the engine itself unchanged
    assert (rapid.recheck_char_below, rapid.det_max_side) == (RECHECK_CHAR_BELOW, DET_MAX_SIDE)
    page, truth = judgment_page()
    recording = Recording(rapid)
    assert isinstance(recording, PageKindEngine)
    faxed = ocr_page(1, degrade(page, fax=True, seed=4), recording)
    scanned = ocr_page(1, page, recording)
    ocr_page(1, page, recording, correct=False)  # the kind unknown: the engine as it is
    assert recording.read == ["fax", "scan", "as is"]
    assert cer(truth, faxed.text) < 0.03
    assert cer(truth, scanned.text) < 0.005


@pytest.mark.slow
def test_language_model_picks_the_faxed_look_alikes(rapid: OcrEngine) -> None:
    """ocr.lm, built by make install from judgments other than this one, chooses among the
    recogniser's candidates where a fax fused the strokes (the bench: 2.38 % -> ~0.7 %)."""
    from ocr.lm import default_path

    path = default_path()
    if path is None or not path.is_file():
        pytest.fail(f"OCR language model {path} missing: make install builds it")
    page, truth = judgment_page()
    sent = degrade(page, fax=True, seed=4)
    plain = ocr_page(1, sent, get_engine("rapidocr", threads=2, language_model="off"))
    read = ocr_page(1, sent, rapid)
    before, after = cer(truth, plain.text), cer(truth, read.text)
    print(f"\nfax: CER {before:.2%} without the language model -> {after:.2%} with it")
    assert rapid.version.endswith("+lm") and after < before
    assert "李林长" in normalize(read.text)


def test_a_mark_left_before_a_line_box_is_taken_into_it() -> None:
    """A comma that opens a line stands apart from the line's first character; on a fax the
    detector's box starts after it (``ocr.engines.rapid._take_leading_marks``)."""
    import numpy as np

    from ocr.engines.rapid import _take_leading_marks

    def quad(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
        return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]

    page = np.full((200, 600, 3), 255, dtype=np.uint8)
    page[30:60, 100:500] = 0  # a line's ink, boxed below from x = 100
    page[50:58, 82:88] = 0  # a comma 12 px before the box: 48 px of ink, 0.053 h^2
    page[130:160, 100:500] = 0  # a second line...
    page[140:141, 85:86] = 0  # ...with a speck before it
    boxes = np.array([quad(100, 30, 500, 60), quad(100, 130, 500, 160)], dtype=np.float32)
    taken = _take_leading_marks(page, boxes)
    assert taken[0][0][0] == taken[0][3][0] == 80 and taken[0][1][0] == 500
    assert taken[1][0][0] == 100  # a speck is not a mark
    # ink that is another box's (a cell on the same row) is left to it
    beside = np.array([quad(100, 30, 500, 60), quad(70, 30, 95, 60)], dtype=np.float32)
    assert _take_leading_marks(page, beside)[0][0][0] == 100


def test_a_mark_among_specks_before_a_line_box_is_taken_into_it() -> None:
    """A fax's specks beside the mark made the strip's ink as tall as a character, and the mark
    was left out (``_mark_blob``: the mark is the largest blob and those a quarter its size)."""
    import numpy as np

    from ocr.engines.rapid import _take_leading_marks

    page = np.full((100, 600, 3), 255, dtype=np.uint8)
    page[30:60, 100:500] = 0
    page[50:58, 82:88] = 0  # the comma
    page[31:33, 90:92] = page[58:60, 78:80] = 0  # specks above and below it
    boxes = np.array([[[100, 30], [500, 30], [500, 60], [100, 60]]], dtype=np.float32)
    assert _take_leading_marks(page, boxes)[0][0][0] == 80


def test_a_mark_wrapped_onto_a_row_of_its_own_gets_a_box() -> None:
    """A paragraph's full last row carries its 。 to the next row, alone at the text's left
    edge, where the detector finds no line (``ocr.engines.rapid._take_lone_marks``)."""
    import numpy as np

    from ocr.engines.rapid import _take_lone_marks

    def quad(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
        return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]

    page = np.full((400, 700, 3), 255, dtype=np.uint8)
    rows = [quad(160, 40, 600, 70), quad(100, 80, 600, 110), quad(100, 120, 600, 150),
            quad(160, 200, 600, 230), quad(100, 240, 600, 270), quad(160, 280, 400, 310)]
    for (x0, y0), _, (x1, y1), _ in rows:
        page[int(y0) + 4:int(y1) - 4, int(x0):int(x1)] = 0
    page[172:180, 102:110] = 0  # the 。 of the full row at y 120, alone on the next row
    page[326:334, 102:110] = 0  # a mark under a short row: no wrapped one
    page[136:137, 650:651] = 0  # a speck
    boxes = np.array(rows, dtype=np.float32)
    found = _take_lone_marks(page, boxes)
    assert len(found) == len(rows) + 1
    added = [q for q in found if not any(np.allclose(q, r) for r in boxes)]
    (x0, y0), _, (x1, y1), _ = added[0]
    assert x0 <= 102 and x1 >= 110 and y0 <= 172 and y1 >= 180 and y1 - y0 == 30
    # in reading order: after the row above it, before the next paragraph
    order = [round(float(q[0][1])) for q in found]
    assert order == sorted(order) and order.index(round(float(y0))) == 3
    # a row below that starts at the left edge is text, not a lone mark
    under = np.array([*rows[:3], quad(100, 160, 600, 190)], dtype=np.float32)
    assert len(_take_lone_marks(page, under)) == 4
    # nothing under a row that ends short of the right edge
    short = np.array([rows[0], rows[1], quad(100, 120, 400, 150), rows[3]], dtype=np.float32)
    assert len(_take_lone_marks(page, short)) == 4


@pytest.mark.slow
def test_a_poorly_read_fax_page_is_read_by_both_recognisers(
        rapid: OcrEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fax of small 楷体 print, which the tiny recogniser reads poorly (its mean character
    score under ``FAX_POOR_PAGE``): its unsure lines are read by the small recogniser too and
    ``ocr.lm`` chooses among both readers' candidates (the bench's fax pages 60-89, never read
    before: 0.76 % -> 0.67 % CER). The same page read with the tiny recogniser's candidates
    alone (the bar at 0) has more errors."""
    from ocr.engines import rapid as engine

    path = GOLD / "texts" / JUDGMENT
    page, truth = render_pages(path.read_text("utf-8"), font="ukai", font_size=30,
                               max_lines=25)[0]
    sent = degrade(page, fax=True, seed=4)
    means: list[float] = []
    char_mean = engine._char_mean

    def noted(reads: list[engine.Reading]) -> float:  # the page's mean, as the engine sees it
        means.append(char_mean(reads))
        return means[-1]

    monkeypatch.setattr(engine, "_char_mean", noted)
    both = cer(truth, ocr_page(1, sent, rapid).text)
    assert means and means[-1] < engine.FAX_POOR_PAGE  # a poorly read page
    monkeypatch.setattr(engine, "FAX_POOR_PAGE", 0.0)
    monkeypatch.setattr(engine, "WINDOW_REACH", 0.0)  # nor windows of its weak characters
    tiny = cer(truth, ocr_page(1, sent, rapid).text)
    print(f"\npoor fax: CER {tiny:.2%} with the tiny recogniser's candidates, "
          f"{both:.2%} with both readers'")
    assert both < tiny


@pytest.mark.slow
def test_a_fax_pages_weak_characters_are_read_again_in_windows(
        rapid: OcrEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fax page the tiny recogniser reads well enough overall (its mean character score at
    least ``FAX_POOR_PAGE``) is not read twice line by line; each weak Chinese character's
    stretch of its line (``WINDOW_REACH`` line heights either side) is read by the small
    recogniser, and ``ocr.lm`` chooses among both readers' candidates there (the bench's fax
    pages 200-229: 301 -> 289 errors). Without the windows this page reads worse."""
    from ocr.engines import rapid as engine

    path = GOLD / "texts" / JUDGMENT
    page, truth = render_pages(path.read_text("utf-8"), font="wqy-zenhei", font_size=30,
                               max_lines=25)[0]
    sent = degrade(page, fax=True, seed=4)
    means: list[float] = []
    windows: list[tuple[float, float, int, int]] = []
    char_mean, weak_windows = engine._char_mean, engine._weak_windows

    def noted(reads: list[engine.Reading]) -> float:
        means.append(char_mean(reads))
        return means[-1]

    def seen(read: engine.Reading, aspect: float) -> list[tuple[float, float, int, int]]:
        found = weak_windows(read, aspect)
        windows.extend(found)
        return found

    monkeypatch.setattr(engine, "_char_mean", noted)
    monkeypatch.setattr(engine, "_weak_windows", seen)
    read = normalize(ocr_page(1, sent, rapid).text)
    both = cer(truth, read)
    assert means and means[-1] >= engine.FAX_POOR_PAGE  # read well enough: no whole lines
    assert windows and all(hi - lo < 0.5 for lo, hi, _, _ in windows)
    monkeypatch.setattr(engine, "WINDOW_REACH", 0.0)
    tiny = cer(truth, ocr_page(1, sent, rapid).text)
    print(f"\nfax: CER {tiny:.2%} with the tiny recogniser's candidates, {both:.2%} with the "
          f"small one's in {len(windows)} windows")
    assert both < tiny
    assert "于同月21日" in read  # the tiny recogniser alone: 于例月21日
