"""A page's pixels converted once for all the steps that read them (ocr.pixels)."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from PIL import Image

from ocr import pixels
from ocr.pixels import rgb_array


def test_the_same_page_is_converted_once_and_a_new_page_afresh() -> None:
    page = Image.new("RGB", (40, 30), (250, 240, 230))
    first = rgb_array(page)
    assert rgb_array(page) is first  # the second step reads the same array
    assert first.shape == (30, 40, 3) and first[0, 0].tolist() == [250, 240, 230]
    other = Image.new("RGB", (40, 30), (10, 20, 30))
    assert rgb_array(other)[0, 0].tolist() == [10, 20, 30]
    assert rgb_array(page) is not first and np.array_equal(rgb_array(page), first)


def test_a_grey_page_comes_as_rgb_and_no_step_can_change_the_shared_pixels() -> None:
    grey = Image.new("L", (8, 6), 90)
    array = rgb_array(grey)
    assert array.shape == (6, 8, 3) and array[0, 0].tolist() == [90, 90, 90]
    with pytest.raises(ValueError):
        array[0, 0, 0] = 0


def test_a_page_gone_takes_its_pixels_with_it() -> None:
    page = Image.new("RGB", (16, 16), (1, 2, 3))
    rgb_array(page)
    assert pixels._last is not None
    del page
    gc.collect()
    assert pixels._last is None
