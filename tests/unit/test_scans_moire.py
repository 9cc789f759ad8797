"""Moiré on photographed pages (issue 19): the generator's fringes, and the photo correction
still finding the sheet under them. Their CER is measured by the OCR bench (``moire``)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from PIL import Image

from ocr.correct import detect, find_sheet
from tests.scans.generate import degrade, moire_fringes
from tests.support.pages import judgment_page


@cache
def shot(seed: int, moire: bool) -> Image.Image:
    return degrade(judgment_page(), photo=True, moire=moire, seed=seed)


def test_moire_is_bands_of_a_fixed_period_in_each_colour() -> None:
    import random

    factor = moire_fringes(600, 400, random.Random(5))
    assert factor.shape == (600, 400, 3)
    assert 0.80 <= float(factor.min()) < 0.92 and float(factor.max()) <= 1.0
    # one channel along a column: darkest and lightest alternate many times over 600 px
    column = factor[:, 200, 0]
    crossings = np.count_nonzero(np.diff(np.sign(column - column.mean())))
    assert crossings >= 20
    # the channels are shifted against each other (rainbow fringes)
    assert not np.allclose(factor[..., 0], factor[..., 2], atol=0.01)


@pytest.mark.parametrize("seed", [3, 8])
def test_moire_photo_is_still_a_photo_whose_sheet_is_found(seed: int) -> None:
    plain, fringed = shot(seed, False), shot(seed, True)
    assert fringed.size == plain.size
    a = np.asarray(plain.convert("L"), dtype=np.float32)
    b = np.asarray(fringed.convert("L"), dtype=np.float32)
    assert float(np.abs(a - b).mean()) > 4.0  # the fringes are there
    assert detect(fringed) == "photo"
    found = find_sheet(np.asarray(fringed.convert("L")))
    assert found is not None
    truth = np.array(fringed.info["sheet_corners"])
    assert np.abs(found - truth).max() < 0.01 * max(fringed.size), (found, truth)
