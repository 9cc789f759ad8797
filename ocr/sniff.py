"""Decide the type of an upload from its bytes.

Names and browser-sent content types lie (a scan saved as ``.pdf`` that is really a PNG, a
Word file renamed ``.txt``), so only the content decides. The file name is used for messages.
"""

from __future__ import annotations

import io
import zipfile

from ocr.errors import EmptyFile, UnsupportedType

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
TEXT = "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OFD = "application/ofd"  # GB/T 33190

SUPPORTED = (PDF, PNG, JPEG, TIFF, TEXT, DOCX, OFD)
#: types whose text is read from the file itself and that have no page images to show
TEXT_ONLY = (TEXT, DOCX, OFD)


def has_page_images(mime: str) -> bool:
    """Whether pages of this type can be shown (and OCR'd) as images."""
    return mime not in TEXT_ONLY

# A PDF header may follow some junk; readers (and PDFium) accept it within the first 1 KiB.
_PDF_HEADER_WINDOW = 1024

_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"II+\x00", TIFF),  # BigTIFF
    (b"MM\x00+", TIFF),
)

# Formats we recognise only to say clearly what was uploaded and what to do instead.
_KNOWN_UNSUPPORTED: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "ZIP 压缩包（ZIP、XLSX 等；OFD 与 DOCX 可以上传）"),
    (b"PK\x05\x06", "空的 ZIP 压缩包"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Office 文档（DOC/XLS/WPS）"),
    (b"Rar!\x1a\x07", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"GIF87a", "GIF 图片"),
    (b"GIF89a", "GIF 图片"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000 图片"),
    (b"%!PS", "PostScript 文件"),
    (b"{\\rtf", "RTF 文档"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)

_UTF8_BOM = b"\xef\xbb\xbf"
# Controls that plain text legitimately contains: tab, LF, VT, FF (page break), CR.
_ALLOWED_CONTROLS = frozenset("\t\n\x0b\x0c\r")
_MAX_CONTROL_RATIO = 0.01
_WHAT_TO_UPLOAD = "请上传 PDF、PNG、JPEG 或 TIFF 扫描件，OFD 或 DOCX 文档，或 UTF-8 文本"


def sniff(data: bytes, filename: str | None = None) -> str:
    """Return the MIME type of ``data`` (one of ``SUPPORTED``) judged from its content only.

    Raises ``EmptyFile`` for zero bytes and ``UnsupportedType`` for anything else we cannot read.
    """
    if not data:
        raise EmptyFile()
    for magic, mime in _IMAGE_MAGIC:
        if data.startswith(magic):
            return mime
    if data.startswith(b"%PDF-"):
        return PDF
    # Junk before the header is tolerated, but a text that merely mentions "%PDF-" stays text.
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW] and not _is_text(data):
        return PDF
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1"):
        raise UnsupportedType(_unsupported("HEIC 照片", filename))
    if data[:2] == b"BM" and data[6:10] == b"\x00\x00\x00\x00":
        raise UnsupportedType(_unsupported("BMP 图片", filename))
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        raise UnsupportedType(_unsupported("WebP 图片", filename))
    if data.startswith(b"PK\x03\x04"):  # a ZIP: DOCX and OFD are read, other ZIPs are not
        kind = container_kind(data)
        if kind is not None:
            return kind
    for magic, what in _KNOWN_UNSUPPORTED:
        if data.startswith(magic):
            if what == "UTF-16 text":
                raise UnsupportedType(_named(filename) + "是 UTF-16 编码的文本；请另存为 UTF-8")
            raise UnsupportedType(_unsupported(what, filename))
    if _is_text(data):
        return TEXT
    raise UnsupportedType(_named(filename) + f"不是支持的文件类型；{_WHAT_TO_UPLOAD}")


def _is_text(data: bytes) -> bool:
    """UTF-8 (BOM allowed) without NULs and with hardly any control characters.

    Chinese text in GB18030/GBK fails the UTF-8 decode on purpose: guessing legacy encodings
    silently garbles names, so the clerk is asked to save the file as UTF-8 instead.
    """
    if b"\x00" in data:
        return False
    body = data[len(_UTF8_BOM) :] if data.startswith(_UTF8_BOM) else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not text:
        return True  # a BOM alone: an empty text, still text
    controls = sum(
        1 for ch in text if (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0) and ch not in _ALLOWED_CONTROLS
    )
    return controls <= _MAX_CONTROL_RATIO * len(text)


def _named(filename: str | None) -> str:
    return f"「{filename}」" if filename else "该文件"


def _unsupported(what: str, filename: str | None) -> str:
    return _named(filename) + f"是{what}，不支持；{_WHAT_TO_UPLOAD}"


def container_kind(data: bytes) -> str | None:
    """DOCX or OFD when ``data`` is a ZIP holding one, else None (another ZIP, or not a ZIP)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "word/document.xml" in names:
        return DOCX
    if "OFD.xml" in names or "ofd.xml" in names:
        return OFD
    return None
