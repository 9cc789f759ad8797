"""The page view marks for review exactly the lines the OCR stage sends to review."""

from __future__ import annotations

import pytest

from api.web.pages import review_bar, templates
from models.records import Line
from ocr.document import needs_review


@pytest.mark.parametrize("handwritten", [False, True])
@pytest.mark.parametrize("confidence", [0.5, 0.79, 0.8, 0.9, 0.94, 0.95, 0.99])
def test_page_view_bar_is_the_review_bar(handwritten: bool, confidence: float) -> None:
    line = Line("被告人张某某", (0.0, 0.0, 10.0, 10.0), confidence, handwritten)
    assert (confidence < review_bar(handwritten)) == needs_review(line)


def test_document_template_marks_lines_with_the_review_bar() -> None:
    source = templates.env.loader.get_source(templates.env, "document.html")[0]  # type: ignore[union-attr]
    assert "review_bar(ln.handwritten)" in source
    assert "0.95 if" not in source
