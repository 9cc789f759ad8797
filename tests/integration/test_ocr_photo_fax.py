"""Real OCR of photographed and faxed pages of a real judgment, with and without ocr.correct.

Slow: loads RapidOCR's bundled PP-OCR models and reads four small pages (25 lines each).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PIL import Image

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
    # the correction's own effect: ocr.lm alone also mends this page's uncorrected reading
    engine = get_engine("rapidocr", threads=2, language_model="off")
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
