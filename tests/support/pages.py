"""One real judgment page rendered clean, shared by the OCR clean-up and correction tests."""

from __future__ import annotations

from functools import cache

import pytest
from PIL import Image

from tests.scans.generate import render_pages
from tests.support.env import GOLD

JUDGMENT = "judge-01885b6c-a37e-4b28-9173-6b94a6581ba2.txt"


@cache
def judgment_page() -> Image.Image:
    """The first 40 lines of a gold judgment, rendered with the real CJK font (cached)."""
    path = GOLD / "texts" / JUDGMENT
    if not path.is_file():
        pytest.fail(f"shared data missing: {path}")
    img, _ = render_pages(path.read_text("utf-8"), max_lines=40)[0]
    return img
