"""OFD (GB/T 33190) and DOCX uploads: text read from their XML, page by page, from real
judgment texts written into each format by tests/scans/office.py; hostile containers refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from ocr.document import open_document
from ocr.errors import CorruptFile, TooLarge, UnsupportedType
from ocr.sniff import DOCX, OFD, TEXT_ONLY, has_page_images, sniff
from tests.scans.office import docx, ofd
from tests.support.env import need_shared

pytestmark = pytest.mark.needs_shared("extraction_gold", "texts")


def judgment_pages() -> list[str]:
    text = (need_shared("extraction_gold", "texts") / "lecard-12174.txt").read_text("utf-8")
    lines = [s + "。" for s in text.replace("\n", "").split("。") if s.strip()]  # a line a sentence
    third = len(lines) // 3 + 1
    return ["\n".join(lines[i:i + third]) for i in range(0, len(lines), third)]


def never(*_: object) -> None:
    raise AssertionError("a text format must not be OCR'd")


@pytest.mark.parametrize("make,mime", [(ofd, OFD), (docx, DOCX)], ids=["ofd", "docx"])
def test_pages_come_back_as_written(make: object, mime: str) -> None:
    pages = judgment_pages()
    data = make(pages)  # type: ignore[operator]
    assert sniff(data, "判决书") == mime and mime in TEXT_ONLY and not has_page_images(mime)
    with open_document(data, mime) as doc:
        assert doc.page_count == len(pages) == 3
        read = [doc.read_page(n, never) for n in range(1, doc.page_count + 1)]  # type: ignore[arg-type]
    assert [r.text for r in read] == pages
    assert all(r.method == "text_layer" and r.lines for r in read)
    assert "宜兴市人民法院" in read[0].text


def test_a_docx_table_is_read_row_by_row() -> None:
    data = docx(["扣押物品清单"], table=[("名称", "数量", "备注"), ("手机", "1部", "已发还")])
    with open_document(data, DOCX) as doc:
        text = doc.read_page(1, never).text  # type: ignore[arg-type]
    assert text.split("\n")[-2:] == ["名称\t数量\t备注", "手机\t1部\t已发还"]


def test_an_image_only_ofd_is_refused_with_what_to_do() -> None:
    with pytest.raises(UnsupportedType, match="导出（或打印）为 PDF"):
        open_document(ofd(["x"], image_only=True), OFD)


def test_hostile_containers_are_refused() -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<a/>" + b" " * (210 * 1024 * 1024))
    with pytest.raises(TooLarge, match="解压后超过"):
        open_document(bomb.getvalue(), DOCX)
    laughs = io.BytesIO()
    with zipfile.ZipFile(laughs, "w") as z:
        z.writestr("OFD.xml", '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
                              "<ofd:OFD xmlns:ofd='x'>&lol;</ofd:OFD>")
    with pytest.raises(CorruptFile, match="DOCTYPE"):
        open_document(laughs.getvalue(), OFD)
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("data.csv", "a,b")
    with pytest.raises(UnsupportedType, match="ZIP"):
        sniff(other.getvalue(), "x.zip")
    with pytest.raises(CorruptFile, match="损坏或不完整"):
        open_document(docx(["甲"])[:-30] + b"\0" * 30, DOCX)
