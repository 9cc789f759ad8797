"""open_document: eager validation of every bad input, and page reading without a real model.

OCR is replaced by a fake engine here (fast); tests/integration/test_ocr_engine.py runs the
real one.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageDraw

from models.records import Line
from ocr.document import open_document, reading_order, to_rgb
from ocr.errors import CorruptFile, EncryptedFile, TooLarge, UnsupportedType
from ocr.sniff import JPEG, PDF, PNG, TEXT, TIFF, sniff
from tests.scans.generate import make_pdf, make_text_pdf

JUDGMENT_LINES = [
    "浙江省桐庐县人民法院",
    "刑事判决书",
    "（2017）浙0122刑初77号",
    "公诉机关浙江省桐庐县人民检察院。",
    "被告人李林长，男，1960年6月30日出生于浙江省桐庐县，汉族，小学文化。",
]


class FakeEngine:
    """Returns fixed lines, out of order, so reading order and bookkeeping can be checked."""

    name = "fake"
    version = "1.0"

    def __init__(self) -> None:
        self.calls = 0

    def recognize(self, image: Image.Image) -> list[Line]:
        self.calls += 1
        return [
            Line("第二行", (10.0, 60.0, 200.0, 90.0), 0.8),
            Line("第一行右", (120.0, 10.0, 200.0, 40.0), 0.9),
            Line("第一行左", (10.0, 12.0, 100.0, 42.0), 1.0),
        ]


def no_ocr() -> FakeEngine:
    raise AssertionError("this page must not need OCR")


def page_image(size: tuple[int, int] = (400, 300)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    ImageDraw.Draw(img).rectangle((20, 20, 200, 40), fill="black")
    return img


def image_bytes(fmt: str, img: Image.Image | None = None, **kw: object) -> bytes:
    buf = io.BytesIO()
    (img or page_image()).save(buf, fmt, **kw)
    return buf.getvalue()


def text_pdf() -> bytes:
    return make_text_pdf("\n".join(JUDGMENT_LINES))


def encrypt(data: bytes, user_password: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width`` x ``height`` with almost no pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# ---- PDF -------------------------------------------------------------------------------


def test_text_layer_pdf_gives_exact_text_without_ocr() -> None:
    with open_document(text_pdf(), PDF) as doc:
        assert doc.mime == PDF and doc.page_count == 1
        page = doc.read_page(1, no_ocr)
    assert page.method == "text_layer"
    assert page.engine.startswith("pdfplumber 0.11")
    assert page.text == "\n".join(JUDGMENT_LINES)
    assert [ln.text for ln in page.lines] == JUDGMENT_LINES
    assert page.confidence is None
    assert page.width == pytest.approx(595.28, abs=0.5)  # A4 in points
    for line in page.lines:
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
        assert line.confidence == 1.0
    tops = [ln.box[1] for ln in page.lines]
    assert tops == sorted(tops)


def test_scanned_pdf_is_rasterised_at_300_dpi_and_ocred() -> None:
    img = page_image((827, 1169))  # A4 at 100 dpi
    engine = FakeEngine()
    with open_document(make_pdf([img], dpi=100), PDF) as doc:
        page = doc.read_page(1, lambda: engine)
    assert engine.calls == 1
    assert page.method == "ocr" and page.engine == "fake 1.0"
    assert page.width == pytest.approx(2481, abs=3) and page.height == pytest.approx(3507, abs=3)
    assert page.text == "第一行左\n第一行右\n第二行"
    assert page.confidence == pytest.approx(0.9)


def test_pdf_with_too_little_text_is_ocred() -> None:
    engine = FakeEngine()
    with open_document(make_text_pdf("第1页"), PDF) as doc:
        assert doc.read_page(1, lambda: engine).method == "ocr"


def test_full_page_image_with_short_caption_is_ocred() -> None:
    caption = "扫描件 " + "某" * 40
    with open_document(make_text_pdf(caption), PDF) as doc:
        assert doc.read_page(1, no_ocr).method == "text_layer"
    # The same caption over a full-page scan is not the page's text.
    engine = FakeEngine()
    scan = make_text_pdf(caption, background=page_image((620, 877)))
    with open_document(scan, PDF) as doc:
        assert doc.read_page(1, lambda: engine).method == "ocr"
    # A scan with a full hidden text layer (>= 200 chars) keeps its text layer.
    with open_document(make_text_pdf("某" * 250, background=page_image()), PDF) as doc:
        assert doc.read_page(1, no_ocr).method == "text_layer"


def test_garbage_text_layer_rule() -> None:
    from ocr.document import _is_real_text_layer

    class Page:
        bbox = (0.0, 0.0, 100.0, 100.0)
        images: list[dict[str, float]] = []

        def __init__(self, texts: list[str]) -> None:
            self.chars = [{"text": t} for t in texts]

    assert _is_real_text_layer(Page(["字"] * 30))
    assert not _is_real_text_layer(Page(["字"] * 19 + [" "] * 10))
    assert not _is_real_text_layer(Page(["字"] * 30 + ["(cid:12)"] * 4))
    assert not _is_real_text_layer(Page(["字"] * 30 + ["\ufffd"] * 4))
    assert _is_real_text_layer(Page(["字"] * 30 + ["(cid:12)"] * 3))


def test_truncated_pdf() -> None:
    data = text_pdf()
    with pytest.raises(CorruptFile, match="PDF"):
        open_document(data[: len(data) // 3], PDF)


def test_garbage_after_pdf_header() -> None:
    with pytest.raises(CorruptFile):
        open_document(b"%PDF-1.7\n" + bytes(range(256)) * 8, PDF)


def test_encrypted_pdf_needs_password() -> None:
    data = encrypt(text_pdf(), user_password="secret")
    assert sniff(data) == PDF
    with pytest.raises(EncryptedFile, match="password"):
        open_document(data, PDF)


def test_owner_password_only_pdf_opens() -> None:
    data = encrypt(text_pdf(), user_password="")
    with open_document(data, PDF) as doc:
        assert doc.read_page(1, no_ocr).text == "\n".join(JUDGMENT_LINES)


def test_too_many_pdf_pages() -> None:
    data = make_pdf([page_image()] * 3)
    with pytest.raises(TooLarge, match="3 页"):
        open_document(data, PDF, max_pages=2)
    with open_document(data, PDF, max_pages=3) as doc:
        assert doc.page_count == 3


def _huge_page_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=(200 * 72, 200 * 72))  # 200 x 200 inches: 14,400 pt
    pdf.drawString(72, 72, "x")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def test_a_page_over_the_pixel_limit_is_refused_when_opened() -> None:
    from ocr.errors import TooLarge

    with pytest.raises(TooLarge, match=r"PDF 第 1 页尺寸为 14400 × 14400 pt.*3600 百万像素"):
        open_document(_huge_page_pdf(), PDF, max_pixels=200_000_000)


def test_render_page_caps_pixels_of_a_huge_page() -> None:
    # a document stored before the page-size check (opened with a limit above its page)
    with open_document(_huge_page_pdf(), PDF, max_pixels=4_000_000_000) as doc:
        img = doc.render_page(1, dpi=300, max_pixels=4_000_000)
        assert 3_900_000 <= img.width * img.height <= 4_000_000 * 1.01
        ocr_sized = doc._render(0, 300, 40_000_000)
    assert ocr_sized.width * ocr_sized.height <= 40_000_000 * 1.01


def test_render_of_a_big_scan_is_reduced_to_the_budget() -> None:
    from PIL import Image

    for mode in ("1", "L", "RGB"):
        buf = io.BytesIO()
        Image.new(mode, (6000, 4000), 255 if mode != "RGB" else (255, 255, 255)).save(
            buf, format="TIFF", dpi=(600, 600))
        with open_document(buf.getvalue(), "image/tiff") as doc:
            img = doc.render_page(1, max_pixels=1_000_000)
        assert img.mode == "RGB" and img.width * img.height <= 1_000_000, mode
        # 24 M pixels reduced by ceil(√24) = 5 to 1200 × 800: 600 dpi becomes 120
        assert img.size == (1200, 800) and abs(img.info["dpi"][0] - 120) < 1, img.info["dpi"]


def test_render_pdf_page_for_ui() -> None:
    with open_document(text_pdf(), PDF) as doc:
        img = doc.render_page(1, dpi=72)
    assert img.mode == "RGB"
    assert img.size[0] in (595, 596) and img.size[1] in (842, 843)


def test_page_number_out_of_range() -> None:
    with open_document(text_pdf(), PDF) as doc, pytest.raises(IndexError):
        doc.read_page(2, no_ocr)
    with open_document(text_pdf(), PDF) as doc, pytest.raises(IndexError):
        doc.read_page(0, no_ocr)


# ---- images ----------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "mime"), [("PNG", PNG), ("JPEG", JPEG)])
def test_single_images_are_ocred(fmt: str, mime: str) -> None:
    engine = FakeEngine()
    data = image_bytes(fmt)
    assert sniff(data) == mime
    with open_document(data, mime) as doc:
        assert doc.page_count == 1
        page = doc.read_page(1, lambda: engine)
        assert doc.render_page(1).size == (400, 300)
    assert page.method == "ocr" and (page.width, page.height) == (400, 300)
    assert page.lines[0].text == "第一行左"


def test_multipage_tiff_is_one_page_per_frame() -> None:
    frames = [page_image(), page_image((300, 200)), page_image().convert("1")]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    engine = FakeEngine()
    with open_document(buf.getvalue(), TIFF) as doc:
        assert doc.page_count == 3
        assert doc.read_page(2, lambda: engine).width == 300
        assert doc.render_page(3).mode == "RGB"
    with pytest.raises(TooLarge, match="3 页"):
        open_document(buf.getvalue(), TIFF, max_pages=2)


def test_truncated_png() -> None:
    data = image_bytes("PNG", Image.effect_noise((300, 300), 60).convert("RGB"))
    with pytest.raises(CorruptFile, match="PNG"):
        open_document(data[: len(data) // 2], PNG)


def test_truncated_jpeg() -> None:
    data = image_bytes("JPEG", Image.effect_noise((300, 300), 60).convert("RGB"))
    with pytest.raises(CorruptFile, match="JPEG"):
        open_document(data[: len(data) // 2], JPEG)


def test_garbage_with_image_type() -> None:
    with pytest.raises(CorruptFile):
        open_document(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20, PNG)


def test_png_header_claiming_huge_dimensions() -> None:
    data = png_header(100_000, 100_000)
    assert sniff(data) == PNG
    with pytest.raises(TooLarge):
        open_document(data, PNG)


def test_png_over_our_pixel_limit() -> None:
    with pytest.raises(TooLarge, match="400×300"):
        open_document(image_bytes("PNG"), PNG, max_pixels=100_000)


def test_transparent_png_gets_a_white_background() -> None:
    img = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    img.putpixel((1, 1), (0, 0, 0, 255))
    rgb = to_rgb(img)
    assert rgb.mode == "RGB"
    assert rgb.getpixel((5, 5)) == (255, 255, 255) and rgb.getpixel((1, 1)) == (0, 0, 0)


def test_16_bit_grey_is_stretched() -> None:
    img = Image.new("I;16", (4, 1))
    img.putpixel((0, 0), 1000)
    img.putpixel((1, 0), 3000)
    assert to_rgb(img).getpixel((1, 0)) == (255, 255, 255)


# ---- plain text ------------------------------------------------------------------------


def test_plain_text_single_page() -> None:
    data = "\ufeff浙江省桐庐县人民法院\r\n刑事判决书\r\n\r\n被告人李林长\r\n".encode()
    with open_document(data, TEXT) as doc:
        assert doc.page_count == 1
        page = doc.read_page(1, no_ocr)
        with pytest.raises(ValueError):
            doc.render_page(1)
    assert page.method == "plain_text" and page.engine == "plain"
    assert page.text == "浙江省桐庐县人民法院\n刑事判决书\n\n被告人李林长\n"
    assert [ln.text for ln in page.lines] == ["浙江省桐庐县人民法院", "刑事判决书", "被告人李林长"]
    assert all(ln.box == (0.0, 0.0, 0.0, 0.0) for ln in page.lines)


def test_plain_text_form_feeds_split_pages() -> None:
    data = "第一页\n\f第二页\n\f".encode()
    with open_document(data, TEXT) as doc:
        assert doc.page_count == 2
        assert doc.read_page(2, no_ocr).text == "第二页\n"
    with pytest.raises(TooLarge):
        open_document(b"a\fb\fc", TEXT, max_pages=2)


def test_unknown_mime() -> None:
    with pytest.raises(UnsupportedType):
        open_document(b"GIF89a", "image/gif")


# ---- reading order ---------------------------------------------------------------------


def test_reading_order_keeps_skewed_full_width_lines_in_order() -> None:
    # 2° skew: axis-aligned boxes of consecutive full-width lines overlap vertically.
    first = Line("一", (100.0, 100.0, 2000.0, 210.0), 1.0)
    second = Line("二", (101.0, 154.0, 2001.0, 264.0), 1.0)
    assert [ln.text for ln in reading_order([second, first])] == ["一", "二"]


def test_reading_order_left_to_right_within_a_row() -> None:
    right = Line("张三", (300.0, 102.0, 400.0, 130.0), 1.0)
    left = Line("姓名：", (100.0, 100.0, 250.0, 128.0), 1.0)
    below = Line("下一行", (100.0, 150.0, 400.0, 178.0), 1.0)
    assert [ln.text for ln in reading_order([below, right, left])] == ["姓名：", "张三", "下一行"]
