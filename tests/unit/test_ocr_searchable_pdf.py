"""Searchable PDFs (ocr.searchable_pdf): the invisible text layer reads back where it belongs."""

from __future__ import annotations

import io

import pdfplumber
import pytest
from PIL import Image

from models.records import Line, PageResult
from ocr.document import open_document
from ocr.searchable_pdf import document_searchable_pdf, searchable_pdf
from ocr.sniff import PDF
from tests.scans.generate import load_font, make_pdf, render_pages

LINES = [
    "浙江省桐庐县人民法院",
    "刑事判决书",
    "（2017）浙0122刑初77号",
    "公诉机关浙江省桐庐县人民检察院。",
    "被告人李林长，男，1960年6月30日出生于浙江省桐庐县，汉族，小学文化。",
    "因涉嫌犯盗窃罪于2016年11月7日被桐庐县公安局刑事拘留。",
]
MARGIN, STEP, SIZE = 295, 54, 34  # render_pages defaults at 300 dpi


def scanned_page(texts: list[str] = LINES) -> tuple[Image.Image, PageResult]:
    """A rendered page and the PageResult an OCR engine would give for it."""
    image, truth = render_pages("\n".join(texts), max_lines=len(texts))[0]
    assert truth.splitlines() == texts
    font = load_font(None, SIZE)
    lines = []
    for row, text in enumerate(texts):
        x0 = MARGIN + 2 * font.getlength("中")  # each line is a paragraph: indented
        y0 = MARGIN + row * STEP
        lines.append(Line(text, (x0, y0, x0 + font.getlength(text), y0 + SIZE), 0.99))
    result = PageResult(1, "\n".join(texts), "ocr", "fake 1", lines, image.width, image.height, 0.99)
    return image, result


def test_text_layer_reads_back_in_place() -> None:
    image, result = scanned_page()
    data = searchable_pdf([(image, result)])
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        assert page.width == pytest.approx(595.3, abs=0.5)  # A4 at 300 dpi
        assert page.extract_text().splitlines() == LINES
        assert len(page.images) == 1
        # every line's characters lie inside its box (in points)
        scale = 72 / 300
        for line, text_line in zip(result.lines, page.extract_text_lines(), strict=True):
            x0, y0, x1, y1 = (v * scale for v in line.box)
            assert text_line["x0"] == pytest.approx(x0, abs=1)
            assert text_line["x1"] == pytest.approx(x1, abs=1.5)
            assert y0 - 2 <= text_line["top"] and text_line["bottom"] <= y1 + 2


def test_reuploaded_searchable_pdf_uses_its_text_layer() -> None:
    # a dense page (>= 200 characters): the text-layer rule accepts a scan with an OCR layer
    texts = LINES * 4
    image, result = scanned_page(texts)
    with open_document(searchable_pdf([(image, result)]), PDF) as doc:
        again = doc.read_page(1, lambda: pytest.fail("must not OCR a searchable PDF"))
    assert again.method == "text_layer" and again.text.splitlines() == texts


def test_text_is_invisible() -> None:
    image, result = scanned_page()
    blank = Image.new("RGB", image.size, "white")
    blank.info["dpi"] = (300, 300)
    data = searchable_pdf([(blank, result)])
    with open_document(data, PDF) as doc:
        rendered = doc.render_page(1, dpi=72).convert("L")
    assert rendered.getextrema()[0] > 200  # nothing drawn: the page stays white


class FakeEngine:
    name = "fake"
    version = "1"

    def __init__(self, result: PageResult) -> None:
        self.result = result
        self.calls = 0

    def recognize(self, image: Image.Image) -> list[Line]:
        self.calls += 1
        return list(self.result.lines)


def test_whole_scanned_document() -> None:
    image, result = scanned_page()
    engine = FakeEngine(result)
    with open_document(make_pdf([image, image]), PDF) as doc:
        data = document_searchable_pdf(doc, lambda: engine)
    assert engine.calls == 2
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 2
        for page in pdf.pages:
            assert page.extract_text().splitlines() == LINES


def test_no_pages() -> None:
    with pytest.raises(ValueError):
        searchable_pdf([])
