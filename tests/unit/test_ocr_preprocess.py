"""Page clean-up before OCR (ocr.preprocess) and the page flags of ocr_page, without a model.

Pages are rendered from a real judgment (../shared/data) and degraded by tests/scans/generate.py;
the recognition engine is a fake so these tests take seconds.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from models.records import Line
from ocr.document import REVIEW_LINE_CONFIDENCE, lines_for_review, ocr_page
from ocr.preprocess import (
    estimate_dpi,
    ink_mask,
    prepare,
    remove_red,
    rotate_small,
)
from tests.scans.generate import degrade, render_pages
from tests.support.pages import judgment_page

page = judgment_page  # a clean rendered judgment page (tests.support.pages)


def ink_bbox(img: Image.Image) -> tuple[int, int, int, int]:
    dark = np.asarray(img.convert("L")) < 128
    ys, xs = np.nonzero(dark)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@pytest.mark.parametrize("skew", [-3.0, 0.7, 2.5])
def test_deskew_finds_the_angle(skew: float) -> None:
    scan = degrade(page(), skew_deg=skew, blur=0.8, noise=8.0, jpeg_quality=60, seed=3)
    prep = prepare(scan)
    assert prep.rotation == 0
    assert prep.skew == pytest.approx(skew, abs=0.15)
    assert "deskewed" in prep.steps


def test_straight_page_is_left_alone() -> None:
    prep = prepare(page())
    assert prep.steps == [] and prep.rotation == 0 and prep.skew == 0.0
    assert prep.image.size == page().size


@pytest.mark.parametrize("turn", [90, 270])
def test_page_on_its_side_is_turned_upright_or_upside_down(turn: int) -> None:
    scan = degrade(page(), rotate=turn, skew_deg=1.5, noise=4.0, seed=1)
    prep = prepare(scan)
    assert prep.rotation == 90  # 270 comes out upside down; recognition decides that
    assert prep.skew == pytest.approx(1.5, abs=0.15)
    upright = prep if turn == 270 else prep.flipped()
    # the turned page has the portrait shape again, and its text starts at the top left
    # (upside-down text starts at the bottom right)
    w, h = upright.image.size
    assert h > w
    x0, y0, _, _ = ink_bbox(upright.image)
    assert x0 < 0.2 * w and y0 < 0.2 * h


@pytest.mark.parametrize("turn", [0, 90])
def test_sparse_page_in_large_print_finds_its_side(turn: int) -> None:
    """Page 39 of the OCR bench (uming 44 px, 41 lines): its sideways scan was read as upright
    while the profiles' sharpness was compared without allowing for the page's two sides."""
    from benchmarks.ocr import condition_params, source_texts

    _, text = source_texts(50)[39]
    sheet, _ = render_pages(text, font="uming", font_size=44)[0]
    scan = degrade(sheet, seed=1039, **(condition_params("rotated90", 39) if turn else {}))
    prep = prepare(scan)
    assert prep.rotation == turn


def test_boxes_map_back_through_a_quarter_turn_and_a_flip() -> None:
    scan = degrade(page(), rotate=90)
    prep = prepare(scan).flipped()  # 90 + 180: the page as fed (turned by 270)
    mapped = prep.to_original(tuple(float(v) for v in ink_bbox(prep.image)))  # type: ignore[arg-type]
    for got, want in zip(mapped, ink_bbox(scan), strict=True):
        assert got == pytest.approx(want, abs=2)


def test_small_rotation_maps_points_back() -> None:
    img = Image.new("RGB", (800, 600), "white")
    ImageDraw.Draw(img).rectangle((600, 100, 609, 109), fill="black")
    out, inv = rotate_small(img, 2.5)
    x0, y0, x1, y1 = ink_bbox(out)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    a, b, c, d, e, f = inv
    assert (a * cx + b * cy + c, d * cx + e * cy + f) == pytest.approx((605, 105), abs=1.5)


def test_red_seal_is_removed_and_text_under_it_kept() -> None:
    clean = page()
    sealed = degrade(clean, seal=True, seed=5)
    prep = prepare(sealed)
    assert "seal_suppressed" in prep.steps
    before = np.asarray(sealed.convert("L"), dtype=np.int16)
    after = np.asarray(prep.image.convert("L"), dtype=np.int16)
    truth = np.asarray(clean.convert("L"), dtype=np.int16)
    seal_pixels = np.abs(before - truth) > 60
    assert seal_pixels.sum() > 5000
    # where the seal was, the cleaned page is close to the clean page again
    assert np.abs(after - truth)[seal_pixels].mean() < 0.35 * np.abs(before - truth)[
        seal_pixels
    ].mean()
    # black text under the seal stays black
    ys, xs = np.nonzero(seal_pixels)
    under = np.zeros_like(seal_pixels)
    under[ys.min() : ys.max(), xs.min() : xs.max()] = True
    text_under_seal = under & (truth < 60)
    assert text_under_seal.sum() > 100
    assert after[text_under_seal].mean() < 90


def test_remove_red_keeps_black_and_blue_ink() -> None:
    arr = np.array([[[0, 0, 0], [215, 40, 40], [30, 30, 160], [255, 255, 255]]], dtype=np.uint8)
    grey = np.asarray(remove_red(Image.fromarray(arr)))
    assert grey[0, 0] < 10 and grey[0, 1] == 255 and grey[0, 2] < 60 and grey[0, 3] == 255


def test_faint_copy_is_stretched_and_can_be_binarized() -> None:
    faint = degrade(page(), faint_copy=True, seed=2)
    assert np.percentile(np.asarray(faint.convert("L")), 0.5) > 60  # grey "black"
    prep = prepare(faint)
    assert "contrast_stretched" in prep.steps
    assert np.percentile(np.asarray(prep.image.convert("L")), 0.5) < 20
    binary = prepare(faint, binarize=True)
    assert set(np.unique(np.asarray(binary.image.convert("L")))) <= {0, 255}


def test_low_dpi_scan_is_scaled_to_300_and_boxes_map_back() -> None:
    small = page().resize((page().width // 2, page().height // 2))
    small.info["dpi"] = (150, 150)
    prep = prepare(small)
    assert prep.scale == pytest.approx(2.0) and prep.image.width == small.width * 2
    assert prep.to_original((100.0, 200.0, 300.0, 400.0)) == pytest.approx((50, 100, 150, 200))
    assert estimate_dpi((2480, 3508)) == pytest.approx(300, abs=1)
    assert estimate_dpi((1000, 1000)) is None


def test_blank_page_has_no_ink() -> None:
    blank = degrade(Image.new("RGB", (1240, 1754), "white"), noise=4.0, jpeg_quality=70)
    assert not ink_mask(np.asarray(blank)).any()
    assert prepare(blank).steps == []


class UprightOnly:
    """Reads well only when the page's black marker is at the top left (i.e. upright)."""

    name = "fake"
    version = "1"

    def __init__(self) -> None:
        self.calls = 0

    def recognize(self, image: Image.Image) -> list[Line]:
        self.calls += 1
        grey = np.asarray(image.convert("L"))
        upright = grey[90:130, 90:290].mean() < 100  # the marker is where it belongs
        conf = 0.99 if upright else 0.55
        return [
            Line("被告人张某某", (100.0, 100.0, 500.0, 140.0), conf),
            Line("犯盗窃罪", (100.0, 200.0, 400.0, 240.0), conf if upright else 0.3),
        ]


def marker_page() -> Image.Image:
    img = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle((80, 80, 300, 140), fill="black")
    for y in range(300, 1500, 60):
        draw.rectangle((100, y, 1100, y + 25), fill="black")
    img.info["dpi"] = (300, 300)
    return img


def test_upside_down_page_is_read_turned_and_flagged() -> None:
    engine = UprightOnly()
    upside_down = marker_page().transpose(Image.Transpose.ROTATE_180)
    result = ocr_page(1, upside_down, engine)
    assert engine.calls == 2
    assert "rotated_180" in result.flags
    assert result.confidence == pytest.approx(0.99)
    assert result.text == "被告人张某某\n犯盗窃罪"
    # boxes are in the pixels of the page as uploaded: near its bottom right
    x0, y0, x1, y1 = result.lines[0].box
    assert (x0, y0, x1, y1) == pytest.approx((740.0, 1614.0, 1140.0, 1654.0))
    assert (result.width, result.height) == (1240.0, 1754.0)


class Orienting(UprightOnly):
    """An engine that finds the page's way up itself (``OrientingEngine``), as RapidOCR's does:
    ``ocr_page`` takes its word and never reads the page a second time."""

    def recognize_oriented(self, image: Image.Image) -> tuple[list[Line], bool]:
        grey = np.asarray(image.convert("L"))
        turned = grey[90:130, 90:290].mean() >= 100
        page = image.transpose(Image.Transpose.ROTATE_180) if turned else image
        return self.recognize(page), turned


def test_orienting_engine_turns_an_upside_down_page_itself() -> None:
    engine = Orienting()
    result = ocr_page(1, marker_page().transpose(Image.Transpose.ROTATE_180), engine)
    assert engine.calls == 1
    assert "rotated_180" in result.flags
    assert result.text == "被告人张某某\n犯盗窃罪"
    assert result.lines[0].box == pytest.approx((740.0, 1614.0, 1140.0, 1654.0))
    upright = Orienting()
    assert ocr_page(1, marker_page(), upright).flags == [] and upright.calls == 1


def test_upright_page_is_read_once() -> None:
    engine = UprightOnly()
    result = ocr_page(1, marker_page(), engine)
    assert engine.calls == 1 and result.flags == []
    assert lines_for_review(result) == []


class Unsure:
    name = "fake"
    version = "1"

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines

    def recognize(self, image: Image.Image) -> list[Line]:
        return list(self.lines)


def test_unreadable_page_is_flagged_not_silently_empty() -> None:
    result = ocr_page(1, marker_page(), Unsure([]))
    assert result.text == "" and result.flags[0] == "unreadable"
    assert result.confidence == 0.0
    garbled = ocr_page(1, marker_page(), Unsure([Line("口口", (0.0, 0.0, 50.0, 20.0), 0.4)]))
    assert garbled.flags[:2] == ["unreadable", "review"]


def test_blank_page_is_flagged_blank() -> None:
    blank = Image.new("RGB", (2480, 3508), "white")
    result = ocr_page(1, blank, Unsure([]))
    assert result.flags == ["blank"] and result.confidence is None


def test_low_confidence_lines_are_flagged_for_review() -> None:
    lines = [
        Line("被告人张某某", (0.0, 0.0, 300.0, 30.0), 0.99),
        Line("犯盗窃罪，判处有期徒刑", (0.0, 50.0, 500.0, 80.0), REVIEW_LINE_CONFIDENCE - 0.1),
        Line("一年", (0.0, 100.0, 100.0, 130.0), 0.95),
    ]
    result = ocr_page(1, marker_page(), Unsure(lines), preprocess=False)
    assert "review" in result.flags
    assert lines_for_review(result) == [1]


def test_screen_dpi_and_huge_photos_are_not_blown_up() -> None:
    photo = Image.new("RGB", (4032, 3024), "white")
    photo.info["dpi"] = (72, 72)  # what cameras write
    assert prepare(photo).scale == 1.0
    a4_at_150 = Image.new("RGB", (1240, 1754), "white")
    a4_at_150.info["dpi"] = (96, 96)
    assert prepare(a4_at_150).scale == pytest.approx(2.0, abs=0.01)  # estimated from A4
    big_low_dpi = Image.new("RGB", (3000, 4000), "white")
    big_low_dpi.info["dpi"] = (150, 150)
    prep = prepare(big_low_dpi)
    assert prep.image.width * prep.image.height <= 12_000_000 * 1.01


def test_a_small_sheet_photographed_on_a_desk_is_read_not_called_blank() -> None:
    """A landscape 扣押清单 photographed in a portrait frame: the desk is most of the frame, so
    the pre-check's 'paper' level was the desk's and the page was stored blank, its text lost."""
    from ocr.document import looks_blank, read_image
    from tests.scans.generate import render_table

    sheet, _ = render_table([["序号", "名称", "数量"], ["1", "黑色苹果牌手机", "1部"]])
    photo = degrade(sheet, photo=True, seed=0)
    assert not looks_blank(photo)
    # a blank sheet photographed the same way is still blank, after the correction and OCR
    empty = degrade(Image.new("RGB", sheet.size, "white"), photo=True, seed=0)
    engine = Unsure([])
    assert read_image(1, empty, lambda: engine).flags[0] == "blank"
    assert looks_blank(Image.new("RGB", (2480, 3508), "white"))
    assert read_image(1, photo, lambda: Unsure([Line("黑色苹果牌手机", (0, 0, 300, 40), 0.99)])
                      ).text == "黑色苹果牌手机"
