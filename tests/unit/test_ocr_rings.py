"""Seals by their ring on pages without colour (ocr/rings.py, issue 19): a faxed or grey-scanned
real judgment page whose red court seal (tests/scans/generate._stamp_seal) lost its red is still
found, where the colour scan of the same page finds it; nothing is found on the same pages without
a seal, on a photographed page, nor on a ruled seizure list."""

from __future__ import annotations

from functools import lru_cache

import pytest
from PIL import Image

from ocr.document import ocr_page
from ocr.marks import find_marks, page_dpi
from ocr.rings import has_colour, ring_seals
from tests.scans.generate import CONDITIONS, degrade, grey_scan, render_pages, render_table
from tests.support.env import GOLD


@lru_cache(maxsize=4)
def _page(k: int) -> Image.Image:
    files = sorted((GOLD / "texts").glob("*.txt"))
    if not files:
        pytest.fail(f"no judgment texts under {GOLD / 'texts'} (the shared data)")
    return render_pages(files[k].read_text("utf-8-sig"))[0][0]


def _centre_mm(box: list[float], img: Image.Image) -> tuple[float, float]:
    """A box's centre as a share of the page (the fax stretches the page: compare shares)."""
    return ((box[0] + box[2]) / 2 / img.width, (box[1] + box[3]) / 2 / img.height)


@pytest.mark.parametrize("k", [0, 1])
def test_a_faxed_or_grey_seal_is_found_where_its_red_was(k: int) -> None:
    sealed = degrade(_page(k), seed=k, seal=True)
    red = [m for m in find_marks(sealed) if m["kind"] == "seal"]
    assert len(red) == 1 and has_colour(sealed)
    for img in (degrade(_page(k), seed=k, **{**CONDITIONS["fax"], "seal": True}), grey_scan(sealed)):
        assert not has_colour(img)
        found = find_marks(img)
        assert [m["kind"] for m in found] == ["seal"]
        # the same place on the sheet, within 2 % of its width and height
        (x, y), (rx, ry) = _centre_mm(found[0]["box"], img), _centre_mm(red[0]["box"], sealed)
        assert abs(x - rx) < 0.02 and abs(y - ry) < 0.02
        # about the seal's 42 mm (the box takes the stroke and a margin): 40-50 mm
        dpi = float(img.info["dpi"][0])
        width_mm = (found[0]["box"][2] - found[0]["box"][0]) / dpi * 25.4
        assert 40 <= width_mm <= 50


@pytest.mark.parametrize("condition", ["fax", "scanned", "clean", "rotated"])
def test_no_seal_on_pages_without_one(condition: str) -> None:
    img = degrade(_page(2), seed=2, **CONDITIONS[condition])
    assert find_marks(img) == [] and find_marks(grey_scan(img)) == []


@pytest.mark.parametrize("k", [0, 1, 2])
def test_no_seal_on_a_photographed_page(k: int) -> None:
    """A photo's desk, edges and shadows are no ring (some photos carry colour and are not
    looked at; a neutral one is, and must find nothing), nor is its grey copy."""
    photo = degrade(_page(k), seed=k, **CONDITIONS["photo"])
    for img in (photo, grey_scan(photo)):
        assert ring_seals(img, page_dpi(img) / 25.4) == []
        assert [m for m in find_marks(img) if m["kind"] == "seal"] == []


def test_a_coloured_page_is_left_to_the_red_test() -> None:
    sealed = degrade(_page(0), seed=0, seal=True)
    assert has_colour(sealed) and ring_seals(sealed, page_dpi(sealed) / 25.4) == []


def test_a_ruled_seizure_list_is_no_seal() -> None:
    rows = [["序号", "名称", "数量", "备注"]] + [[str(i), f"手机{i}部", "1", "扣押"]
                                               for i in range(1, 9)]
    img, _ = render_table(rows)
    for page in (img, degrade(img, seed=3, **CONDITIONS["fax"])):
        assert find_marks(page) == []


def test_a_faxed_seal_is_a_mark_and_a_flag_of_the_read_page() -> None:
    from ocr.engines import get_engine

    img = degrade(_page(1), seed=1, **{**CONDITIONS["fax"], "seal": True})
    page = ocr_page(1, img, get_engine())
    assert [m["kind"] for m in page.marks] == ["seal"] and "seal" in page.flags
    assert page.text.strip()  # the page is still read
