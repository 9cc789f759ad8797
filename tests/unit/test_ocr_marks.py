"""Red 捺印, 印章 and signatures on a page (ocr/marks.py, issue 19): the classifier on hand-made
marks, and the real engine on generated hand-filled 讯问笔录 pages (tests/scans/handwriting.py)
whose name and confirmation carry a fingerprint and, on some seeds, a court seal."""

from __future__ import annotations

import math
import random
from functools import lru_cache

import pytest
from PIL import Image, ImageDraw

from models.records import Line, PageResult
from ocr.document import ocr_page
from ocr.marks import find_marks, red_marks, signature_marks
from tests.scans.generate import _stamp_seal, load_font
from tests.scans.handwriting import Mark, fingerprint_stamp, press, render_record_marks
from tests.support.env import GOLD

DPI = 300
PX_MM = DPI / 25.4


def _blank(dpi: int = DPI) -> Image.Image:
    img = Image.new("RGB", (round(210 * dpi / 25.4), round(297 * dpi / 25.4)), "white")
    img.info["dpi"] = (dpi, dpi)
    return img


def _kinds(img: Image.Image) -> list[str]:
    return sorted(m["kind"] for m in find_marks(img))


def _covers(a: list[float] | tuple[float, ...], b: tuple[float, ...], share: float = 0.5) -> bool:
    """``a`` covers more than ``share`` of ``b``."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h) > share * (b[2] - b[0]) * (b[3] - b[1])


def _ring_seal(img: Image.Image, cx: float, cy: float, w_mm: float, h_mm: float,
               label: str = "某某县公安局") -> None:
    """An oval or round seal drawn by hand here: ring, characters along it, a star."""
    rx, ry = w_mm * PX_MM / 2, h_mm * PX_MM / 2
    d = ImageDraw.Draw(img)
    red = (205, 45, 45)
    d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), outline=red, width=max(3, int(rx / 18)))
    fnt = load_font("noto-sans", max(14, int(ry / 5)))
    for k, ch in enumerate(label):
        t = -2.4 + 4.8 * k / max(1, len(label) - 1)
        d.text((cx + 0.72 * rx * math.sin(t) - fnt.size / 2,
                cy - 0.72 * ry * math.cos(t) - fnt.size / 2), ch, font=fnt, fill=red)
    s = 0.25 * ry
    d.polygon([(cx, cy - s), (cx + 0.3 * s, cy), (cx, cy + 0.4 * s), (cx - 0.3 * s, cy)],
              fill=red)


def test_a_fingerprint_is_a_fingerprint_and_a_seal_a_seal() -> None:
    img = _blank()
    for seed in range(6):
        press(img, fingerprint_stamp(DPI, random.Random(seed)), 300 + 330 * seed, 2800)
    img = _stamp_seal(img, random.Random(3))
    _ring_seal(img, 600, 2100, 40, 30)  # an oval seal (the court seal is in the upper half)
    _ring_seal(img, 1800, 2100, 36, 36)
    assert _kinds(img) == ["fingerprint"] * 6 + ["seal"] * 3


def test_a_seal_is_never_a_fingerprint() -> None:
    # round and oval seals from 20 to 45 mm, and the court seal of the scan generator
    for k, (w, h) in enumerate(((20, 20), (24, 18), (30, 30), (38, 26), (42, 42), (45, 30))):
        img = _blank()
        _ring_seal(img, 1200, 1500, w, h)
        assert "fingerprint" not in _kinds(img), (w, h)
        img = _stamp_seal(_blank(), random.Random(k))
        assert _kinds(img) == ["seal"]


def test_red_that_is_no_mark_is_left_alone() -> None:
    img = _blank()
    d = ImageDraw.Draw(img)
    # a filled red ellipse of a fingerprint's size but no ridges, a red title, a red rule
    d.ellipse((400, 400, 400 + 13 * PX_MM, 400 + 18 * PX_MM), fill=(210, 40, 40))
    d.text((300, 1200), "某某县人民检察院文件", font=load_font("noto-serif", 120),
           fill=(210, 30, 30))
    d.rectangle((250, 1450, 2200, 1462), fill=(210, 30, 30))
    assert find_marks(img) == []
    assert len(red_marks(img)) >= 2  # seen, measured, and not taken for a mark


def test_a_page_without_red_has_no_marks() -> None:
    img = _blank()
    d = ImageDraw.Draw(img)
    d.text((300, 300), "被讯问人：张某某", font=load_font("noto-serif", 40), fill=(0, 0, 0))
    d.text((300, 400), "以上笔录我看过", font=load_font("ukai", 46), fill=(20, 60, 160))
    assert find_marks(img) == [] and red_marks(img) == []


def test_sizes_are_measured_in_millimetres_at_the_page_dpi() -> None:
    img = _blank(200)
    press(img, fingerprint_stamp(200, random.Random(1)), 800, 800)
    shape = red_marks(img)[0]
    assert 10 < shape.width_mm < 17 and 13 < shape.height_mm < 21
    assert _kinds(img) == ["fingerprint"]


def test_a_signature_follows_its_label_or_lies_under_a_print() -> None:
    print_box = {"kind": "fingerprint", "box": [560.0, 2970.0, 700.0, 3180.0]}
    lines = [
        Line("被讯问人：", (290, 3055, 465, 3095), 0.99),
        Line("张某某", (485, 3040, 650, 3100), 0.95, True),  # after its label
        Line("以上笔录我看过，和我说的一样。", (295, 2940, 910, 2995), 0.99, True),  # long
        Line("王某", (1500, 400, 1600, 450), 0.9, True),  # a hand without label or print
    ]
    found = signature_marks(lines, [print_box])
    assert [m["box"] for m in found] == [[485, 3040, 650, 3100]]
    # a name under a print, no label; a label and a name read as one line
    assert len(signature_marks([Line("李某", (580, 3050, 690, 3100), 0.9, True)],
                               [print_box])) == 1
    assert len(signature_marks([Line("签名：李某", (300, 500, 690, 560), 0.9, True)], [])) == 1
    # a black-ink name after its label, under a print: signed by hand whatever the ink
    black = Line("被讯问人：张某某", (290, 3040, 660, 3105), 0.9)
    assert len(signature_marks([black], [print_box])) == 1
    assert signature_marks([black], []) == []
    assert signature_marks([Line("被讯问人：", (290, 3040, 600, 3105), 0.9)], [print_box]) == []


def test_a_print_just_after_a_bare_label_marks_the_name_not_read_under_it() -> None:
    # a blurred or faint scan: 被讯问人： is read, the hand's name under the print is not
    label = Line("被讯问人：", (395, 3115, 615, 3182), 0.93)
    print_box = {"kind": "fingerprint", "box": [652.0, 3048.0, 800.0, 3238.0]}
    [found] = signature_marks([label], [print_box])
    assert found["box"][0] == 615 and found["box"][2] == 800
    # a print far along the row, or above it, is not the signature's
    far = {"kind": "fingerprint", "box": [900.0, 3048.0, 1040.0, 3238.0]}
    above = {"kind": "fingerprint", "box": [652.0, 2900.0, 800.0, 3100.0]}
    assert signature_marks([label], [far]) == signature_marks([label], [above]) == []
    # the name was read as a hand (a line between the label and the print's end): that line
    # is the mark; read in part and not as a hand (a faint scan greys the ink), the place is
    name = Line("张某某", (630, 3110, 780, 3190), 0.9, True)
    assert [m["box"] for m in signature_marks([label, name], [print_box])] == [
        [630, 3110, 780, 3190]]
    part = Line("张", (620, 3112, 650, 3180), 0.99)
    assert [m["box"][2] for m in signature_marks([label, part], [print_box])] == [800]
    # the label and the first character as one line, the print just after it
    both = Line("被讯问人：张", (306, 3050, 592, 3139), 0.99)
    pressed = {"kind": "fingerprint", "box": [613.0, 3036.0, 755.0, 3181.0]}
    [found] = signature_marks([both], [pressed])
    assert found["box"][0] == 306 and found["box"][2] == 755


@pytest.mark.parametrize("seed", [2, 4])
def test_a_print_a_faint_name_cuts_in_two_is_one_print(seed: int) -> None:
    # on a faint copy (pale, JPEG's colour smear) the name written across the print greys a
    # band of its red: seed 2 left only the upper piece, too short for a print, seed 4 two
    from tests.scans.generate import CONDITIONS, degrade

    img, _, drawn = render_record_marks(_text(seed), seed=seed)
    marks = find_marks(degrade(img, seed=seed, **CONDITIONS["faint"]))
    prints = [m["box"] for m in marks if m["kind"] == "fingerprint"]
    assert len(prints) == 2
    for mark in drawn:
        if mark.kind == "fingerprint":
            assert any(_covers(box, mark.box, 0.6) for box in prints), mark


def test_a_name_across_a_print_does_not_hollow_it() -> None:
    # dark strokes over the print's middle: its ridges there are not seen, not missing
    img = _blank()
    press(img, fingerprint_stamp(DPI, random.Random(5)), 1000, 1000)
    [shape] = red_marks(img)
    img = img.copy()  # a new page: its pixels are read anew
    d = ImageDraw.Draw(img)
    cy, h = (shape.box[1] + shape.box[3]) / 2, shape.box[3] - shape.box[1]
    d.rectangle((shape.box[0] - 80, cy - 0.15 * h, shape.box[2] + 80, cy + 0.15 * h),
                fill=(40, 40, 60))  # 5 mm of dark ink across it: its red cut in two
    [covered] = red_marks(img)
    assert _kinds(img) == ["fingerprint"]
    assert covered.min_band > 0.5 * shape.min_band and covered.height_mm > 0.9 * shape.height_mm


def test_a_print_whose_middle_is_greyed_to_flat_pink_is_a_print() -> None:
    # a faint copy's JPEG can grey a print's middle into an even pink with no ridges left:
    # ink is there (no hollow, as a seal's inside is paper), its ridges are not read
    img = _blank()
    press(img, fingerprint_stamp(DPI, random.Random(2)), 1000, 1000)
    [shape] = red_marks(img)
    img = img.copy()
    cx, cy = (shape.box[0] + shape.box[2]) / 2, (shape.box[1] + shape.box[3]) / 2
    rx, ry = 0.4 * (shape.box[2] - shape.box[0]) / 2, 0.4 * (shape.box[3] - shape.box[1]) / 2
    ImageDraw.Draw(img).ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=(240, 228, 229))
    assert _kinds(img) == ["fingerprint"]
    # the same middle as paper is a hollow: no print
    paper = img.copy()
    ImageDraw.Draw(paper).ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=(255, 255, 255))
    assert _kinds(paper) == []


def test_old_page_records_load_without_marks() -> None:
    page = PageResult(1, "a", "ocr", "test", flags=["handwriting"])
    assert page.marks == [] and page.to_dict()["marks"] == []


def _text(k: int) -> str:
    files = sorted((GOLD / "texts").glob("*.txt"))
    if not files:
        pytest.fail(f"no judgment texts under {GOLD / 'texts'} (the shared data)")
    return files[k % len(files)].read_text("utf-8-sig")


@lru_cache(maxsize=2)
def _record(seed: int) -> tuple[Image.Image, list, list[Mark], PageResult]:
    from ocr.engines import get_engine

    img, truth, drawn = render_record_marks(_text(seed), seed=seed)
    return img, truth, drawn, ocr_page(1, img, get_engine())


@pytest.mark.parametrize("seed", [1, 2])  # both with a seal; blue ink, then black ink
def test_a_record_page_has_its_prints_seal_and_signature(seed: int) -> None:
    _, truth, drawn, page = _record(seed)
    found = {k: [m["box"] for m in page.marks if m["kind"] == k]
             for k in ("fingerprint", "seal", "signature")}
    assert len(found["fingerprint"]) == 2 and len(found["seal"]) == 1
    for mark in drawn:
        assert any(_covers(box, mark.box) for box in found[mark.kind]), mark
    assert len(found["signature"]) == 1
    assert {"fingerprint", "seal", "signature"} <= set(page.flags)
    # the lines under the prints are still read
    assert any("和我说的一样" in ln.text for ln in page.lines)
    assert any("张某某" in ln.text for ln in page.lines)
    # stored as plain JSON with the page
    assert page.to_dict()["marks"] == page.marks


def test_the_hand_under_a_print_is_still_marked_handwritten() -> None:
    # seed 1: blue ink; its page is recognised grey (the red is suppressed), the hand's colour
    # is looked up on the page as given
    _, truth, _, page = _record(1)
    assert "seal_suppressed" in page.flags and "handwriting" in page.flags
    marked = [ln for ln in page.lines if ln.handwritten]
    assert any("张某某" in ln.text for ln in marked)
    assert len(marked) >= 0.8 * sum(t.handwritten for t in truth)


def test_a_printed_page_with_a_seal_has_no_fingerprint() -> None:
    from ocr.engines import get_engine
    from tests.scans.generate import CONDITIONS, degrade, render_pages

    img, _ = render_pages(_text(3))[0]
    page = ocr_page(1, degrade(img, seed=3, **CONDITIONS["hard"]), get_engine())
    assert [m["kind"] for m in page.marks] == ["seal"]
