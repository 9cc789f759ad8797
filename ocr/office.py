"""Documents that carry their text: OFD (GB/T 33190, the national e-document format courts
exchange) and DOCX. Their text is read from the XML inside the ZIP container — no OCR — and
split into pages where the document says a page ends (OFD: each Page's content; DOCX: explicit
page breaks).

Both are ZIP files written by someone else, so they are opened defensively: the container's
declared sizes are checked before anything is inflated (a ZIP bomb is refused, not unpacked),
XML with a DOCTYPE is refused (no entity expansion), and an OFD page whose only content is an
image (a scan saved as OFD) is refused with what to do instead, rather than stored without text.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from models.records import Line, PageResult
from ocr.errors import CorruptFile, TooLarge, UnsupportedType
from ocr.sniff import DOCX, OFD
from ocr.source import EngineFactory, SourceDocument

if TYPE_CHECKING:
    from PIL import Image


#: the most a container may inflate to, and the most members it may hold
MAX_UNPACKED = 200 * 1024 * 1024
MAX_MEMBERS = 20_000
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class _Container:
    """A checked ZIP: sizes declared within limits; members read as XML without DOCTYPE."""

    def __init__(self, data: bytes, kind: str) -> None:
        self.kind = kind
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise CorruptFile(f"{kind} 文件已损坏或不完整，无法打开（{exc}）") from exc
        if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNPACKED:
            raise TooLarge(f"{kind} 文件解压后超过 {MAX_UNPACKED // 1024 // 1024} MB，拒绝处理")
        self.names = {i.filename.lstrip("/"): i.filename for i in infos}

    def xml(self, name: str) -> ET.Element:
        real = self.names.get(name.lstrip("/"))
        if real is None:
            raise CorruptFile(f"{self.kind} 文件缺少 {name}")
        try:
            raw = self.zip.read(real)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise CorruptFile(f"{self.kind} 文件中的 {name} 无法读取（{exc}）") from exc
        if b"<!DOCTYPE" in raw[:4096].upper():
            raise CorruptFile(f"{self.kind} 文件中的 {name} 含有 DOCTYPE 声明，拒绝处理")
        try:
            return ET.fromstring(raw)
        except ET.ParseError as exc:
            raise CorruptFile(f"{self.kind} 文件中的 {name} 不是有效的 XML（{exc}）") from exc

    def close(self) -> None:
        self.zip.close()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: ET.Element, name: str) -> Iterator[ET.Element]:
    return (c for c in el.iter() if _local(c.tag) == name)


class _TextPages(SourceDocument):
    """What both formats share once their pages are text."""

    engine: str
    _pages: list[str]

    def _check(self, max_pages: int) -> None:
        self.page_count = len(self._pages)
        if self.page_count > max_pages:
            raise TooLarge(f"该文件有 {self.page_count} 页，最多接受 {max_pages} 页")
        if not any(p.strip() for p in self._pages):
            raise CorruptFile("文件中没有文字")

    def read_page(self, number: int, engine_factory: EngineFactory) -> PageResult:
        text = self._pages[self._check_number(number)]
        lines = [Line(t, (0.0, 0.0, 0.0, 0.0), 1.0) for t in text.split("\n") if t.strip()]
        return PageResult(number=number, text=text, method="text_layer", engine=self.engine,
                          lines=lines)

    def render_page(self, number: int, dpi: int = 200,
                    max_pixels: int | None = None) -> Image.Image:
        self._check_number(number)
        raise ValueError(f"a {self.engine.upper()} document has no page image")


class DocxDocument(_TextPages):
    """Paragraphs (and table rows, cells separated by tabs) in body order; a page break
    (``w:br w:type="page"`` or ``w:pageBreakBefore``) starts a new page."""

    def __init__(self, data: bytes, *, max_pages: int) -> None:
        self.mime, self.engine = DOCX, "docx"
        box = _Container(data, "DOCX")
        try:
            body = box.xml("word/document.xml").find(f"{_W}body")
        finally:
            box.close()
        if body is None:
            raise CorruptFile("DOCX 文件没有正文")
        pages: list[list[str]] = [[]]
        for block in body:
            tag = _local(block.tag)
            if tag == "p":
                self._paragraph(block, pages)
            elif tag == "tbl":
                for row in block.iter(f"{_W}tr"):
                    cells = ["".join(t.text or "" for t in cell.iter(f"{_W}t"))
                             for cell in row.iter(f"{_W}tc")]
                    pages[-1].append("\t".join(cells))
        self._pages = ["\n".join(lines) for lines in pages]
        if len(self._pages) > 1 and not self._pages[-1].strip():
            self._pages.pop()
        self._check(max_pages)

    @staticmethod
    def _paragraph(p: ET.Element, pages: list[list[str]]) -> None:
        props = p.find(f"{_W}pPr")
        if props is not None and props.find(f"{_W}pageBreakBefore") is not None and pages[-1]:
            pages.append([])
        text: list[str] = []
        for el in p.iter():
            tag = _local(el.tag)
            if tag == "t":
                text.append(el.text or "")
            elif tag == "tab":
                text.append("\t")
            elif tag == "br" and el.get(f"{_W}type") == "page":
                if text:  # the text before the break ends the page; a break first adds no line
                    pages[-1].append("".join(text))
                pages.append([])
                text = []
        pages[-1].append("".join(text))


class OfdDocument(_TextPages):
    """Each page of the OFD's first document, its TextObjects' TextCodes in content order, a
    new line when the baseline moves down."""

    def __init__(self, data: bytes, *, max_pages: int) -> None:
        self.mime, self.engine = OFD, "ofd"
        box = _Container(data, "OFD")
        try:
            root = box.xml("OFD.xml" if "OFD.xml" in box.names else "ofd.xml")
            doc_root = next((el.text or "" for el in _children(root, "DocRoot")), "").strip()
            if not doc_root:
                raise CorruptFile("OFD 文件没有 DocRoot")
            base = doc_root.rsplit("/", 1)[0] + "/" if "/" in doc_root else ""
            document = box.xml(doc_root)
            locs = [el.get("BaseLoc") or "" for el in _children(document, "Page")]
            pages, images = [], 0
            for loc in locs:
                content = box.xml(loc if loc.startswith(base) else base + loc.lstrip("/"))
                text = self._page_text(content)
                images += not text.strip() and any(True for _ in _children(content, "ImageObject"))
                pages.append(text)
        finally:
            box.close()
        if not locs:
            raise CorruptFile("OFD 文件没有页面")
        self._pages = pages
        if images and not any(p.strip() for p in pages):
            raise UnsupportedType("该 OFD 只有页面图像、没有文字层；请将其导出（或打印）为 PDF 后上传，"
                                  "系统会对 PDF 进行文字识别")
        self._check(max_pages)

    @staticmethod
    def _page_text(content: ET.Element) -> str:
        lines: list[str] = []
        last_y: float | None = None
        for obj in _children(content, "TextObject"):
            box = (obj.get("Boundary") or "0 0 0 0").split()
            top = float(box[1]) if len(box) > 1 else 0.0
            for code in _children(obj, "TextCode"):
                y = top + float(code.get("Y") or 0)
                text = code.text or ""
                if last_y is not None and abs(y - last_y) < 0.5 and lines:
                    lines[-1] += text
                else:
                    lines.append(text)
                last_y = y
        return "\n".join(lines)
