"""Fingerprints (捺印) as ridged blots on pages without colour (ocr/prints.py, issue 19): the
hand-filled 讯问笔录 page (tests/scans/handwriting.py) faxed or scanned grey keeps both prints and
the signature found beside one; a printed judgment page, a QR-code-like block and a solid black
box are no print."""

from __future__ import annotations

import random

import pytest
from PIL import Image, ImageDraw

from ocr.marks import find_marks, page_dpi
from ocr.prints import blot_prints
from tests.scans.generate import CONDITIONS, degrade, grey_scan, render_pages
from tests.scans.handwriting import render_record_marks
from tests.support.env import GOLD


def _text(k: int) -> str:
    files = sorted((GOLD / "texts").glob("*.txt"))
    if not files:
        pytest.fail(f"no judgment texts under {GOLD / 'texts'} (the shared data)")
    return files[k].read_text("utf-8-sig")


@pytest.mark.parametrize("seed", [3, 6])
def test_faxed_and_grey_prints_are_found_where_they_were_pressed(seed: int) -> None:
    img, _, drawn = render_record_marks(_text(seed), seed=seed)
    pressed = [d.box for d in drawn if d.kind == "fingerprint"]
    assert len(pressed) == 2
    for page in (degrade(img, seed=seed, **CONDITIONS["fax"]),
                 grey_scan(degrade(img, seed=seed, **CONDITIONS["scanned"]))):
        sx, sy = page.width / img.width, page.height / img.height
        found = [m["box"] for m in find_marks(page) if m["kind"] == "fingerprint"]
        assert len(found) == 2, found
        for box in pressed:  # each pressed print holds the centre of one found
            assert any(box[0] * sx <= (f[0] + f[2]) / 2 <= box[2] * sx
                       and box[1] * sy <= (f[1] + f[3]) / 2 <= box[3] * sy for f in found)


@pytest.mark.parametrize("condition", ["fax", "scanned", "clean", "hard", "seal"])
def test_no_print_on_a_printed_judgment_page(condition: str) -> None:
    page = degrade(render_pages(_text(25))[0][0], seed=25, **CONDITIONS[condition])
    for img in (page, grey_scan(page)):
        assert blot_prints(img, page_dpi(img) / 25.4) == []


def test_a_qr_code_and_a_black_box_are_no_print() -> None:
    dpi = 300
    px_mm = dpi / 25.4
    img = Image.new("L", (round(210 * px_mm), round(297 * px_mm)), 255)
    img.info["dpi"] = (dpi, dpi)
    draw = ImageDraw.Draw(img)
    rng = random.Random(5)
    module = round(0.6 * px_mm)  # a 33 × 33 QR code of 20 mm
    x0, y0 = round(40 * px_mm), round(40 * px_mm)
    for i in range(33):
        for j in range(33):
            if rng.random() < 0.5:
                draw.rectangle((x0 + i * module, y0 + j * module,
                                x0 + (i + 1) * module - 1, y0 + (j + 1) * module - 1), fill=0)
    draw.rectangle((round(120 * px_mm), round(40 * px_mm), round(135 * px_mm),
                    round(55 * px_mm)), fill=0)
    assert blot_prints(img, px_mm) == []
    assert [m for m in find_marks(img) if m["kind"] == "fingerprint"] == []
