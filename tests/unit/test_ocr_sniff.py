"""Upload types are decided from content, and every refusal says why."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from PIL import Image

from ocr.errors import EmptyFile, InputError, UnsupportedType
from ocr.sniff import JPEG, PDF, PNG, TEXT, TIFF, sniff
from tests.scans.generate import make_pdf


def _image(fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buf, fmt, **kw)
    return buf.getvalue()


def test_pdf() -> None:
    assert sniff(make_pdf([Image.new("RGB", (40, 30), "white")])) == PDF


def test_pdf_with_junk_before_header() -> None:
    data = make_pdf([Image.new("RGB", (40, 30), "white")])
    assert sniff(b"\x00\x01junk from a mail gateway\r\n" + data) == PDF


def test_truncated_pdf_is_still_a_pdf() -> None:
    # The type is PDF; whether it opens is open_document's job (CorruptFile there).
    assert sniff(b"%PDF-1.7\n1 0 obj\n<<") == PDF


@pytest.mark.parametrize(("fmt", "mime"), [("PNG", PNG), ("JPEG", JPEG), ("TIFF", TIFF)])
def test_images(fmt: str, mime: str) -> None:
    assert sniff(_image(fmt)) == mime


def test_big_endian_tiff() -> None:
    assert sniff(b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 16) == TIFF


def test_name_does_not_decide() -> None:
    assert sniff(_image("PNG"), filename="scan.pdf") == PNG


def test_utf8_text() -> None:
    assert sniff("被告人张某某，男，1980年出生。\n".encode()) == TEXT


def test_utf8_text_with_bom_and_form_feed() -> None:
    assert sniff(b"\xef\xbb\xbf" + "第一页\f第二页\r\n".encode()) == TEXT


def test_text_mentioning_pdf_header_stays_text() -> None:
    assert sniff(b"A PDF file starts with %PDF-1.7 followed by objects.\n") == TEXT


def test_empty_file() -> None:
    with pytest.raises(EmptyFile) as err:
        sniff(b"", filename="scan.pdf")
    assert isinstance(err.value, InputError)
    assert "空的" in str(err.value) and "0 字节" in str(err.value)


def test_garbage() -> None:
    with pytest.raises(UnsupportedType) as err:
        sniff(os.urandom(4096) + b"\x00", filename="x.bin")
    assert "x.bin" in str(err.value) and "PDF" in str(err.value)


def test_zip_archive() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "hello")
    with pytest.raises(UnsupportedType, match="ZIP"):
        sniff(buf.getvalue(), filename="case.zip")


def test_gbk_text_is_refused_with_a_hint() -> None:
    with pytest.raises(UnsupportedType):
        sniff("被告人张某某，男，汉族。".encode("gbk"))


def test_utf16_text_names_the_fix() -> None:
    with pytest.raises(UnsupportedType, match="UTF-8"):
        sniff("被告人".encode("utf-16"))


def test_binary_with_nuls_is_not_text() -> None:
    with pytest.raises(UnsupportedType):
        sniff(b"abc\x00def" * 10)


def test_many_control_chars_are_not_text() -> None:
    with pytest.raises(UnsupportedType):
        sniff(b"\x01\x02\x03\x04abc\x05\x06" * 20)


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"GIF89a" + b"\x00" * 20, "GIF"),
        (b"BM" + b"\x10\x00\x00\x00" + b"\x00" * 20, "BMP"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "Office"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "gzip"),
    ],
)
def test_known_other_formats_are_named(data: bytes, what: str) -> None:
    with pytest.raises(UnsupportedType, match=what):
        sniff(data)


def test_text_starting_with_bm_is_text() -> None:
    assert sniff(b"BMW sedan, plate 12345\n") == TEXT
