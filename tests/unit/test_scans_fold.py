"""A folded sheet, unfolded and photographed (issue 19): the generator's creases. The OCR
bench reads such pages as its ``folded`` condition."""

from __future__ import annotations

import random

import numpy as np

from tests.scans.generate import _creases


def test_creases_shade_panels_and_lift_the_lines_beside_them() -> None:
    h, w = 900, 600
    page = np.full((h, w, 3), 250, np.uint8)
    ys = np.arange(h, dtype=np.float32)
    map_y = np.repeat(ys[:, None], w, axis=1)
    moved, shaded = _creases(page, map_y, 2, random.Random(4))
    grey = shaded[..., 0].astype(np.float32)
    # each crease, at a third and two thirds of the height, is the darkest row about it
    for yc in (300, 600):
        band = grey[yc - 20:yc + 20, w // 2]
        assert abs(int(np.argmin(band)) - 20) <= 1
        assert band.min() < 0.85 * 250
    # the panels face the light each at its own angle; a panel is even within itself
    panels = [grey[100:200, w // 2], grey[400:500, w // 2], grey[700:800, w // 2]]
    assert all(float(p.std()) < 0.5 for p in panels)
    assert min(float(p.mean()) for p in panels) >= 0.86 * 250 - 1
    # lines are displaced near a crease (by up to 0.6 % of the height), not far from it
    shift = map_y - moved
    assert float(shift[300].max()) > 0.002 * h and float(shift[300].max()) <= 0.006 * h * 1.5
    assert float(np.abs(shift[10]).max()) == 0.0 and float(np.abs(shift[450]).max()) == 0.0
    # higher at one end of the crease than at the other
    assert abs(float(shift[300, 0]) - float(shift[300, -1])) > 0.5
