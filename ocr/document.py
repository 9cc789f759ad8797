"""Split an upload into pages and get each page's text.

``open_document`` validates the whole file up front (corrupt, encrypted, too many pages or
pixels) so that a bad upload is refused at once with a clear reason, before any page work is
queued. Pages are then read one at a time: a worker can OCR pages in parallel processes, and
the OCR engine is only created (``engine_factory``) when a page really needs OCR.

Coordinates: text-layer lines are in PDF points, OCR lines in pixels of the rasterised page;
``PageResult.width``/``height`` are in the same unit as that page's boxes.
"""

from __future__ import annotations

import io
import logging
import math
import threading
from importlib import metadata
from typing import TYPE_CHECKING, Any

from models.records import Line, PageResult
from ocr.base import FLIP_BELOW, OcrEngine, OrientingEngine, PageKindEngine, reading_score
from ocr.columns import column_gutter
from ocr.errors import CorruptFile, EncryptedFile, TooLarge, UnsupportedType
from ocr.sniff import DOCX, JPEG, OFD, PDF, PNG, TEXT, TIFF
from ocr.source import EngineFactory, SourceDocument

if TYPE_CHECKING:
    from PIL import Image

    from ocr.correct import Corrected
    from ocr.dewarp import Dewarped
    from ocr.preprocess import Prepared

log = logging.getLogger(__name__)

OCR_DPI = 300  # PP-OCR is tuned on ~300 dpi scans; rendering finer only costs time
#: pixels of one page rendered for OCR (A2 at 300 dpi is 35 M): a larger page is read at a lower
#: dpi instead of allocating gigabytes in a worker
OCR_MAX_PIXELS = 40_000_000
# Text-layer rule (../shared/notes/ocr-engines.md): OCR unless the layer is real text.
MIN_TEXT_CHARS = 20
MAX_GARBAGE_RATIO = 0.10
SCAN_IMAGE_COVERAGE = 0.80
SCAN_MAX_CHARS = 200

def open_document(
    data: bytes, mime: str, *, max_pages: int = 2000, max_pixels: int = 200_000_000,
    decode_all: bool = True,
) -> SourceDocument:
    """Open ``data`` of the sniffed type ``mime``, validating it eagerly.

    Raises ``CorruptFile``, ``EncryptedFile``, ``TooLarge`` (pages > ``max_pages`` or an
    image over ``max_pixels``) or ``UnsupportedType``. ``decode_all=False`` skips decoding
    every frame of a multi-page image up front: for a file intake has checked already, where
    a worker reading one page of a 1,000-frame TIFF must not decode the other 999.
    """
    if mime == PDF:
        return PdfDocument(data, max_pages=max_pages, max_pixels=max_pixels)
    if mime in (PNG, JPEG, TIFF):
        return ImageDocument(data, mime, max_pages=max_pages, max_pixels=max_pixels,
                             decode_all=decode_all)
    if mime == TEXT:
        return TextDocument(data, max_pages=max_pages)
    if mime in (DOCX, OFD):  # text carried in XML: no page images, no OCR
        from ocr.office import DocxDocument, OfdDocument

        return (DocxDocument if mime == DOCX else OfdDocument)(data, max_pages=max_pages)
    raise UnsupportedType(f"无法打开此类型的文件（{mime}）")


# Page quality (PageResult.flags). Confidences are the engine's 0..1 line scores.
REVIEW_LINE_CONFIDENCE = 0.80  # a line below this is flagged for a person to check
LOW_PAGE_CONFIDENCE = 0.85  # mean line confidence below this: "low_confidence"
UNREADABLE_CONFIDENCE = 0.60  # ...below this, or ink but no text: "unreadable"
# ``FLIP_BELOW`` (ocr.base): a page read below it is read turned by 180° too; an engine may set
# its own ``flip_below``.
BLANK_INK_FRACTION = 0.002  # a page with less ink than this is blank, not unreadable
#: before OCR: a page whose darkest-pixel thumbnail has less ink than this is blank outright
#: (about 18 inked blocks of 512 × 724): a speck or two, no line of text
BLANK_PRECHECK_INK = 5e-5
FLAGS = (
    "blank",
    "unreadable",
    "low_confidence",
    "review",
    "rotated_90",
    "rotated_180",
    "rotated_270",
    "deskewed",
    "scaled_*",
    "seal_suppressed",
    "contrast_stretched",
    "binarized",
    "perspective_corrected",
    "illumination_flattened",
    "dewarped",  # a curled photo flattened (ocr.dewarp)
    "dewarp_rejected",  # a photo read dewarped too: the homography alone read better
    "moire",  # a photo with moiré fringes (ocr.correct.has_fringes): read both ways
    "fax_cleaned",
    "handwriting",
    "fingerprint",  # a red 捺印 (ocr.marks; PageResult.marks has where)
    "seal",  # a red 印章
    "signature",  # a handwritten line after a signature label or at a fingerprint
)


def looks_blank(image: Image.Image) -> bool:
    """Whether a page has no ink at all, decided in milliseconds without an OCR model.

    The page is shrunk to about 512 px keeping each block's darkest pixel (so a thin stroke or
    a single character survives), then the ink mask of the preprocessing step is taken. The
    empty sides of a scanned dossier, or a hostile TIFF of a thousand empty frames, then cost
    no model time; anything with a line of text goes to OCR as before.
    """
    import numpy as np

    from ocr.preprocess import ink_mask

    grey = np.asarray(image.convert("L"))
    step = max(1, math.ceil(max(grey.shape) / 512))
    h, w = (grey.shape[0] // step) * step, (grey.shape[1] // step) * step
    if h == 0 or w == 0:
        return True
    darkest = grey[:h, :w].reshape(h // step, step, w // step, step).min(axis=(1, 3))
    ink = ink_mask(darkest)
    if ink.size and float(ink.mean()) >= BLANK_PRECHECK_INK:
        return False
    # A sheet photographed on a darker desk that fills most of the frame (a small or landscape
    # sheet in a portrait photo): the 'paper' read above is the desk's level, the sheet's text
    # is no contrast against it. The photo correction crops the sheet first, then OCR decides.
    from ocr.correct import detect

    return detect(image) != "photo"


def blank_page(number: int, image: Image.Image) -> PageResult:
    return PageResult(number=number, text="", method="ocr", engine="blank-check", lines=[],
                      width=float(image.width), height=float(image.height), confidence=None,
                      flags=["blank"])


def read_image(number: int, image: Image.Image, engine_factory: EngineFactory) -> PageResult:
    """OCR a page image, unless it is blank (then the model is not even loaded)."""
    if looks_blank(image):
        return blank_page(number, image)
    return ocr_page(number, image, engine_factory())


def ocr_page(
    number: int,
    image: Image.Image,
    engine: OcrEngine,
    *,
    preprocess: bool = True,
    binarize: bool = False,
    correct: bool = True,
) -> PageResult:
    """OCR one page image into a PageResult with lines in reading order.

    With ``preprocess`` the page is cleaned up first (``ocr.preprocess.prepare``: dpi, red
    seals, faint copies, orientation, skew); a page whose confidence stays low is also
    recognised turned by 180° and the better reading kept. Boxes are always in the pixels of
    ``image`` as given. ``flags`` tell what was done and whether a person should look.
    With ``correct`` (and ``preprocess``) a page that looks photographed or faxed is corrected
    first (``ocr.correct``: sheet found and perspective undone, light flattened; specks
    removed and enlarged to 300 dpi); a photo is flattened before that (``ocr.dewarp``: the
    bend of a curled page, where its model is installed); a scan is left as it is.
    """
    from ocr.cells import reread_empty_cells, split_runs
    from ocr.correct import CORRECTIONS, ENABLED, detect, has_fringes
    from ocr.dewarp import MISSED_INK, dewarp, missed_ink
    from ocr.handwriting import handwritten
    from ocr.marks import find_marks, signature_marks
    from ocr.preprocess import Prepared, prepare
    from ocr.tables import find_rules, find_tables

    kind = detect(image) if preprocess and correct else None
    if preprocess and correct and isinstance(engine, PageKindEngine):
        # a fax: a wider second look at its unsure characters; a scan: lines found on a
        # smaller copy of the page (without ``correct`` the kind is unknown: the engine as is)
        engine = engine.for_kind(kind)
    noted: list[str] = []
    # a photo is flattened first (ocr.dewarp: a curled page's bend; a flat one comes back as it
    # was), then corrected as any photo (the light; the sheet when some desk is left); one with
    # moiré fringes, which UVDoc can take for lines, is read with the homography alone and
    # dewarped, and the better reading kept
    fringed = kind == "photo" and has_fringes(image)
    if fringed:
        noted.append("moire")
    flat: Dewarped | None
    fixed: Corrected | None
    if kind == "photo":
        flat = None if fringed else dewarp(image)
        fixed, base = _corrected_photo(image, flat)
    else:
        flat = None
        fixed = CORRECTIONS[kind](image) if kind in ENABLED else None
        # the page the clean-up starts from (and whose colours ocr.handwriting looks up)
        base = fixed.image if fixed is not None else image
    if preprocess:
        prep = prepare(base, binarize=binarize)
    else:
        prep = Prepared(image=image, original_size=image.size)
    prep, lines = _read_upright(engine, prep, preprocess)
    if preprocess and prep.rotation in (90, 270) and _standing_lines(lines):
        # turned on its side by the profile test, the page's lines now stand on end: a list
        # whose columns are set far apart profiled sharper across than down (benchmarks.tables'
        # unruled 备注 list, noisy or blurred); read as it came too and keep the better reading
        plain, other = _read_upright(engine, prepare(base, binarize=binarize, orient=False),
                                     preprocess)
        if _reading_score(other) > _reading_score(lines):
            prep, lines = plain, other
    if kind == "photo" and preprocess and (
            fringed or missed_ink(prep.image, [ln.box for ln in lines]) > MISSED_INK):
        # moiré (a curled page read with the homography alone reads in pieces, a flat one may
        # be bent by UVDoc), or lines lost on a dewarped page (ocr.dewarp.missed_ink): the
        # other way is read too and the better reading kept
        o_flat = dewarp(image) if flat is None else None
        if flat is not None or o_flat is not None:  # without UVDoc there is no other way
            o_fixed, o_base = _corrected_photo(image, o_flat)
            o_prep, o_lines = _read_upright(engine, prepare(o_base, binarize=binarize),
                                            preprocess)
            if _reading_score(o_lines) > _reading_score(lines):
                flat, fixed, base, prep, lines = o_flat, o_fixed, o_base, o_prep, o_lines
            if flat is None:  # UVDoc's reading was made and lost
                noted.append("dewarp_rejected")
    # a table's empty cells that hold ink read on their own (a lone 序号 digit the detector
    # missed; ocr.cells): only on a page with a table
    tables = find_tables(lines) if preprocess else []
    if tables:
        # a line the detector ran over two cells cut where its ink falls apart (ocr.cells)
        lines = reading_order(split_runs(prep.image, lines, engine))
        tables = find_tables(lines)
    if tables and (more := reread_empty_cells(prep.image, lines, tables, engine)):
        lines = reading_order([*lines, *more])
    # the lines found on the cleaned-up page, their ink's colour looked up on the page before
    # the clean-up (grey once a red seal or 捺印 was removed; ocr.handwriting)
    hand = handwritten(base, lines, prep.inverse) if preprocess else [False] * len(lines)
    undo = [c for c in (fixed, flat) if c is not None]  # the corrections, last one first

    def to_original(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        box = prep.to_original(box)
        for step in undo:
            box = step.to_original(box)
        return box

    lines = [Line(ln.text, to_original(ln.box), ln.confidence, h)
             for ln, h in zip(lines, hand, strict=True)]
    confidence = sum(ln.confidence for ln in lines) / len(lines) if lines else None
    flags = noted + [step for c in reversed(undo) for step in c.steps]
    flags += [s for s in prep.steps if s.startswith("rotated_")]
    flags += [s for s in prep.steps if s.startswith(("deskewed", "scaled_"))]
    flags += [s for s in prep.steps if s in ("seal_suppressed", "contrast_stretched", "binarized")]
    if not lines:
        if prep.ink_fraction >= BLANK_INK_FRACTION or not preprocess:
            flags.insert(0, "unreadable")
            confidence = 0.0
        else:
            flags.insert(0, "blank")
    elif confidence is not None and confidence < UNREADABLE_CONFIDENCE:
        flags.insert(0, "unreadable")
    elif confidence is not None and confidence < LOW_PAGE_CONFIDENCE:
        flags.insert(0, "low_confidence")
    if any(needs_review(ln) for ln in lines):
        flags.insert(1 if flags and flags[0] in ("unreadable", "low_confidence") else 0, "review")
    if any(hand):
        flags.append("handwriting")
    # red 捺印 and 印章 on the page as given (boxes in its pixels), signatures among the hand
    marks = find_marks(image) if preprocess else []
    marks += signature_marks(lines, marks)
    flags += [kind for kind in ("fingerprint", "seal", "signature")
              if any(m["kind"] == kind for m in marks)]
    # a page with a table keeps its horizontal rules (in its pixels, as the boxes): cells
    # merged down are read from them (ocr.tables)
    rules = ([list(r) for r in find_rules(image)] if preprocess and find_tables(lines)
             else [])
    return PageResult(
        number=number,
        text="\n".join(line.text for line in lines),
        method="ocr",
        engine=f"{engine.name} {engine.version}",
        lines=lines,
        width=float(image.width),
        height=float(image.height),
        confidence=confidence,
        flags=flags,
        marks=marks,
        rules=rules,
    )


def _corrected_photo(image: Image.Image, flat: Dewarped | None
                     ) -> tuple[Corrected | None, Image.Image]:
    """A photo, or its page as UVDoc flattened it (``flat``), corrected
    (``ocr.correct.correct_photo``), and the page the clean-up starts from."""
    from ocr.correct import CORRECTIONS, ENABLED

    page = flat.image if flat is not None else image
    fixed = CORRECTIONS["photo"](page) if "photo" in ENABLED else None
    return fixed, fixed.image if fixed is not None else page


def page_confidence(lines: list[Line]) -> float:
    """Mean line confidence weighted by the number of characters (0.0 without lines)."""
    weights = [max(len(line.text.strip()), 1) for line in lines]
    total = sum(weights)
    if not total:
        return 0.0
    return sum(w * line.confidence for w, line in zip(weights, lines, strict=True)) / total


def needs_review(line: Line) -> bool:
    """Below the review bar: print's, or the higher one of a handwritten line."""
    from ocr.handwriting import HANDWRITING_REVIEW_CONFIDENCE

    bar = HANDWRITING_REVIEW_CONFIDENCE if line.handwritten else REVIEW_LINE_CONFIDENCE
    return line.confidence < bar


def lines_for_review(page: PageResult) -> list[int]:
    """Indexes of ``page.lines`` a person should check (confidence below the review bar)."""
    if page.method != "ocr":
        return []
    return [i for i, ln in enumerate(page.lines) if needs_review(ln)]


def _read_upright(engine: OcrEngine, prep: Prepared, preprocess: bool
                  ) -> tuple[Prepared, list[Line]]:
    """The page's lines in reading order, and the page as read: turned by 180° when it reads
    better so (found by an ``OrientingEngine`` while reading, else read both ways when unsure)."""
    if preprocess and isinstance(engine, OrientingEngine):
        # the engine finds an upside-down page while reading it: one reading, not two
        found, turned = engine.recognize_oriented(prep.image)
        if turned:
            prep = prep.flipped()
        return prep, reading_order(found)
    lines = reading_order(engine.recognize(prep.image))
    flip_below = float(getattr(engine, "flip_below", FLIP_BELOW))
    if preprocess and page_confidence(lines) < flip_below and prep.ink_fraction > 0:
        flipped = prep.flipped()
        other = reading_order(engine.recognize(flipped.image))
        if _reading_score(other) > _reading_score(lines):
            return flipped, other
    return prep, lines


#: a page turned on its side whose lines of 2+ characters are mostly taller than wide was
#: turned wrongly: horizontal text read as standing columns
STANDING_SHARE = 0.5


def _standing_lines(lines: list[Line]) -> bool:
    long = [ln for ln in lines if len(ln.text.strip()) >= 2]
    standing = sum(1 for ln in long if ln.box[3] - ln.box[1] > ln.box[2] - ln.box[0])
    return bool(long) and standing > STANDING_SHARE * len(long)


def _reading_score(lines: list[Line]) -> float:
    return reading_score((line.text, line.confidence) for line in lines)


def reading_order(lines: list[Line]) -> list[Line]:
    """Lines in reading order: two-column pages column by column, otherwise row by row.

    A page has two columns when a vertical gutter in its middle part separates at least three
    lines on each side, each side's lines mostly fill their column (so a table, whose short
    cells also leave vertical gaps, stays row by row), and few lines cross it. Lines that do
    cross it (a title, a heading, a footer spanning both columns) split the page into bands;
    each band is read left column first, then right column.
    """
    gutter = column_gutter(lines)
    if gutter is None:
        return _rows(lines)
    ordered: list[Line] = []
    band: list[Line] = []

    def flush() -> None:
        ordered.extend(_rows([ln for ln in band if ln.box[2] <= gutter]))
        ordered.extend(_rows([ln for ln in band if ln.box[0] >= gutter]))
        band.clear()

    for line in sorted(lines, key=lambda ln: ((ln.box[1] + ln.box[3]) / 2, ln.box[0])):
        if line.box[0] < gutter < line.box[2]:
            flush()
            ordered.append(line)
        else:
            band.append(line)
    flush()
    return ordered


def _rows(lines: list[Line]) -> list[Line]:
    """Top-to-bottom, and left-to-right within a row.

    Boxes join a row only when their vertical centres are within half a line height and they
    do not overlap horizontally, so slightly skewed full-width lines (whose boxes overlap
    vertically) keep their top-to-bottom order. Boxes that touch (a quarter of the text height
    of overlap: neighbouring cells of a table, 自制火药枪 | 1支) do not overlap.
    """

    def centre(line: Line) -> float:
        return (line.box[1] + line.box[3]) / 2

    def height(line: Line) -> float:
        return max(line.box[3] - line.box[1], 1.0)

    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (centre(ln), ln.box[0])):
        row = rows[-1] if rows else None
        if row is not None and all(
            abs(centre(line) - centre(other)) < 0.5 * min(height(line), height(other))
            and (line.box[0] >= other.box[2] - 0.25 * min(height(line), height(other))
                 or line.box[2] <= other.box[0] + 0.25 * min(height(line), height(other)))
            for other in row
        ):
            row.append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda ln: ln.box[0])]


#: PDFium is not thread-safe, not even across documents: two threads rendering at once (the
#: API's page images, an upload being checked meanwhile) corrupted its heap and killed the
#: process ("free(): corrupted unsorted chunks"). Every PDFium call of a process holds this.
PDFIUM_LOCK = threading.RLock()


class PdfDocument(SourceDocument):
    """A PDF: PDFium validates and rasterises, pdfplumber reads real text layers."""

    def __init__(self, data: bytes, *, max_pages: int, max_pixels: int) -> None:
        self.mime = PDF
        self._data = data
        self._max_pixels = max_pixels
        self._plumber: Any = None
        with PDFIUM_LOCK:
            self._open(data, max_pages)

    def _open(self, data: bytes, max_pages: int) -> None:
        import pypdfium2 as pdfium
        import pypdfium2.raw as pdfium_c

        max_pixels = self._max_pixels
        try:
            self._pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
                raise EncryptedFile() from exc
            if exc.err_code == pdfium_c.FPDF_ERR_SECURITY:
                raise EncryptedFile(
                    "该 PDF 使用了不支持的加密方式（DRM）；请上传未加密的副本"
                ) from exc
            raise CorruptFile(
                f"PDF 文件已损坏或不完整，无法打开（{exc}）"
            ) from exc
        self.page_count = len(self._pdf)
        if self.page_count == 0:
            self.close()
            raise CorruptFile("该 PDF 没有页面")
        if self.page_count > max_pages:
            self.close()
            raise TooLarge(f"该 PDF 有 {self.page_count} 页，最多接受 {max_pages} 页")
        for index in range(self.page_count):
            width, height = self._pdf.get_page_size(index)
            pixels = width * height * (OCR_DPI / 72.0) ** 2
            if pixels > max_pixels:
                self.close()
                raise TooLarge(
                    f"PDF 第 {index + 1} 页尺寸为 {width:.0f} × {height:.0f} pt，按 {OCR_DPI} dpi 识别"
                    f"为 {pixels / 1e6:.0f} 百万像素，超过上限 {max_pixels / 1e6:.0f} 百万像素"
                    f"（DOSSIER_MAX_IMAGE_PIXELS）")

    def read_page(self, number: int, engine_factory: EngineFactory) -> PageResult:
        index = self._check_number(number)
        result = self._text_layer(index)
        if result is not None:
            return result
        image = self._render(index, OCR_DPI, OCR_MAX_PIXELS)
        return read_image(number, image, engine_factory)

    def render_page(self, number: int, dpi: int = 200,
                    max_pixels: int | None = None) -> Image.Image:
        return self._render(self._check_number(number), dpi, max_pixels)

    def close(self) -> None:
        if self._plumber is not None:
            self._plumber.close()
            self._plumber = None
        pdf = getattr(self, "_pdf", None)
        if pdf is not None:
            with PDFIUM_LOCK:
                pdf.close()
            self._pdf = None

    def _render(self, index: int, dpi: int, budget: int | None = None) -> Image.Image:
        """Rasterise a page, lowering the dpi if the page is so big it would exceed the pixel
        budget (and never above the document's max_pixels)."""
        import pypdfium2 as pdfium

        if self._pdf is None:
            raise ValueError("document is closed")
        try:
            with PDFIUM_LOCK:
                page = self._pdf[index]
                try:
                    width, height = page.get_size()
                    scale = dpi / 72.0
                    pixels = width * height * scale * scale
                    limit = min(self._max_pixels, budget or self._max_pixels)
                    if pixels > limit:
                        scale *= math.sqrt(limit / pixels)
                    bitmap = page.render(scale=scale)
                    image = bitmap.to_pil().convert("RGB")  # a copy, before the buffer goes
                    bitmap.close()
                finally:
                    page.close()
        except pdfium.PdfiumError as exc:
            raise CorruptFile(f"PDF 第 {index + 1} 页无法渲染（{exc}）") from exc
        image.info["dpi"] = (scale * 72.0, scale * 72.0)
        return image

    def _text_layer(self, index: int) -> PageResult | None:
        """The page's own text when it is real text; None when the page must be OCR'd.

        pdfminer is stricter than PDFium: if it cannot parse the page, OCR still can.
        """
        import pdfplumber

        try:
            if self._plumber is None:
                self._plumber = pdfplumber.open(io.BytesIO(self._data))
            page = self._plumber.pages[index]
        except Exception as exc:  # any parser failure means "use OCR"
            log.info("pdfplumber cannot read page %d (%s); using OCR", index + 1, exc)
            return None
        try:
            if not _is_real_text_layer(page):
                return None
            lines = [
                Line(
                    str(item["text"]),
                    (
                        float(item["x0"]),
                        float(item["top"]),
                        float(item["x1"]),
                        float(item["bottom"]),
                    ),
                    1.0,
                )
                for item in page.extract_text_lines(return_chars=False)
                if str(item["text"]).strip()
            ]
            return PageResult(
                number=index + 1,
                text="\n".join(line.text for line in lines),
                method="text_layer",
                engine=f"pdfplumber {metadata.version('pdfplumber')}",
                lines=lines,
                width=float(page.width),
                height=float(page.height),
                confidence=None,
            )
        except Exception as exc:
            log.info("pdfplumber failed on page %d (%s); using OCR", index + 1, exc)
            return None
        finally:
            page.close()


def _is_real_text_layer(page: Any) -> bool:
    """>= 20 visible chars, <= 10% unmappable glyphs, and not a full-page scan with a caption."""
    glyphs = [str(c.get("text", "")) for c in page.chars]
    visible = [g for g in glyphs if g.strip()]
    if len(visible) < MIN_TEXT_CHARS:
        return False
    garbage = sum(1 for g in visible if g.startswith("(cid:") or "\ufffd" in g)
    if garbage > MAX_GARBAGE_RATIO * len(visible):
        return False
    if len(visible) < SCAN_MAX_CHARS:
        x0, top, x1, bottom = (float(v) for v in page.bbox)
        area = max((x1 - x0) * (bottom - top), 1e-6)
        for img in page.images:
            w = min(float(img["x1"]), x1) - max(float(img["x0"]), x0)
            h = min(float(img["bottom"]), bottom) - max(float(img["top"]), top)
            if w > 0 and h > 0 and w * h > SCAN_IMAGE_COVERAGE * area:
                return False
    return True


class ImageDocument(SourceDocument):
    """PNG, JPEG or TIFF; each TIFF frame is a page."""

    def __init__(self, data: bytes, mime: str, *, max_pages: int, max_pixels: int,
                 decode_all: bool = True) -> None:
        from PIL import Image

        self.mime = mime
        self._data = data
        kind = mime.split("/")[1].upper()
        try:
            with Image.open(io.BytesIO(data)) as img:
                self.page_count = int(getattr(img, "n_frames", 1))
                if self.page_count > max_pages:
                    raise TooLarge(
                        f"该 {kind} 有 {self.page_count} 页，最多接受 {max_pages} 页"
                    )
                for index in range(self.page_count if decode_all else 0):
                    img.seek(index)
                    width, height = img.size
                    if width * height > max_pixels:
                        raise TooLarge(_too_many_pixels(kind, index, width, height, max_pixels))
                    img.load()  # decode now: a truncated image must fail here, not mid-job
        except Image.DecompressionBombError as exc:
            raise TooLarge(
                f"该 {kind} 声明的图像过大，可能耗尽内存（{exc}）"
            ) from exc
        except (TooLarge, CorruptFile):
            raise
        except MemoryError as exc:
            raise TooLarge(f"该 {kind} 过大，无法解码") from exc
        except Exception as exc:  # PIL raises OSError, SyntaxError, ValueError...
            raise CorruptFile(
                f"{kind} 文件已损坏或不完整，无法读取（{exc}）"
            ) from exc
        if self.page_count < 1:
            raise CorruptFile(f"该 {kind} 没有图像")

    def read_page(self, number: int, engine_factory: EngineFactory) -> PageResult:
        image = self._frame(self._check_number(number))
        return read_image(number, image, engine_factory)

    def render_page(self, number: int, dpi: int = 200,
                    max_pixels: int | None = None) -> Image.Image:
        """The frame itself (a scan already has its own resolution; ``dpi`` is ignored),
        reduced by a whole factor to fit ``max_pixels``."""
        return self._frame(self._check_number(number), max_pixels)

    def _frame(self, index: int, max_pixels: int | None = None) -> Image.Image:
        from PIL import Image, ImageOps

        with Image.open(io.BytesIO(self._data)) as img:
            img.seek(index)
            area = img.width * img.height
            shrink = math.sqrt(img.width * img.height / max_pixels) if max_pixels else 1.0
            if img.format == "JPEG" and shrink > 1:  # decode at 1/2, 1/4 or 1/8 straight away
                img.draft(img.mode, (int(img.width / shrink), int(img.height / shrink)))
            img.load()
            dpi = img.info.get("dpi")
            frame = ImageOps.exif_transpose(img) if self.mime == JPEG else img.copy()
        pixels = frame.width * frame.height
        if max_pixels and pixels > max_pixels:
            if frame.mode not in ("L", "LA", "RGB", "RGBA", "CMYK"):
                frame = frame.convert("L" if frame.mode in ("1", "I;16", "I", "F") else "RGB")
            frame = frame.reduce(math.ceil(math.sqrt(pixels / max_pixels)))
        rgb = to_rgb(frame)
        if dpi:  # the resolution the reduced image has (rotation keeps the area)
            ratio = math.sqrt(rgb.width * rgb.height / area)
            rgb.info["dpi"] = tuple(float(d) * ratio for d in dpi)
        return rgb


def to_rgb(img: Image.Image) -> Image.Image:
    """RGB for the engines: transparency onto white, 16-bit/float scans stretched to 8 bits."""
    from PIL import Image

    if img.mode == "RGB":
        return img
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        import numpy as np

        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
        return Image.fromarray(arr.astype(np.uint8)).convert("RGB")
    if "A" in img.mode or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        white.alpha_composite(rgba)
        return white.convert("RGB")
    return img.convert("RGB")


def _too_many_pixels(kind: str, index: int, width: int, height: int, limit: int) -> str:
    where = f"{kind} 第 {index + 1} 页" if index else f"该 {kind}"
    return f"{where}为 {width}×{height} 像素（{width * height:,}），最多接受 {limit:,} 像素"


class TextDocument(SourceDocument):
    """UTF-8 text; form feeds split it into pages."""

    def __init__(self, data: bytes, *, max_pages: int) -> None:
        self.mime = TEXT
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CorruptFile(f"文本不是有效的 UTF-8 编码，请另存为 UTF-8（{exc}）") from exc
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        pages = text.split("\f")
        if len(pages) > 1 and not pages[-1].strip():
            pages.pop()  # a trailing form feed ends the last page; it does not start a new one
        self._pages = pages
        self.page_count = len(pages)
        if self.page_count > max_pages:
            raise TooLarge(
                f"该文本有 {self.page_count} 页，最多接受 {max_pages} 页"
            )

    def read_page(self, number: int, engine_factory: EngineFactory) -> PageResult:
        text = self._pages[self._check_number(number)]
        lines = [Line(t, (0.0, 0.0, 0.0, 0.0), 1.0) for t in text.split("\n") if t.strip()]
        return PageResult(
            number=number, text=text, method="plain_text", engine="plain", lines=lines
        )

    def render_page(self, number: int, dpi: int = 200,
                    max_pixels: int | None = None) -> Image.Image:
        """Plain text has no page image; the UI shows the text itself."""
        self._check_number(number)
        raise ValueError("a plain-text document has no page image")
