"""Synthetic scans of real judgment text, for OCR tests and benchmarks.

Real scans of case files cannot be shipped, so real published judgment text (../shared/data)
is laid out on A4 pages with the Debian CJK fonts and then degraded like a scanner or copier
would (skew, blur, noise, JPEG, low contrast, a red seal, a faint copy), or photographed with a
phone (perspective, curl, shadow, shake) or faxed (150 dpi, binarised, speckled). Every page
comes with the exact characters placed on it, so character error rates can be measured.

CLI::

    python -m tests.scans.generate --source ../shared/data/extraction_gold/texts/X.txt \
        --out /tmp/scans --condition scanned
"""

from __future__ import annotations

import argparse
import io
import math
import random
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageFont

FONT_ROOT = Path("/usr/share/fonts")
# short name -> (file name under /usr/share/fonts, family substring to pick inside a .ttc)
FONTS: dict[str, tuple[str, str]] = {
    "noto-serif": ("NotoSerifCJK-Regular.ttc", "CJK SC"),
    "noto-sans": ("NotoSansCJK-Regular.ttc", "CJK SC"),
    "wqy-zenhei": ("wqy-zenhei.ttc", "Zen Hei"),
    "wqy-microhei": ("wqy-microhei.ttc", "Micro Hei"),
    "ukai": ("ukai.ttc", "UKai CN"),
    "uming": ("uming.ttc", "UMing CN"),
}
DEFAULT_FONT = "noto-serif"
# TrueType-outline fonts usable by reportlab (it cannot embed the CFF-based Noto CJK fonts).
TEXT_PDF_FONTS = ("wqy-zenhei", "wqy-microhei", "uming", "ukai")

CONDITIONS: dict[str, dict[str, Any]] = {
    "clean": {},
    "scanned": {"skew_deg": 1.0, "blur": 0.8, "noise": 8.0, "jpeg_quality": 60},
    "hard": {
        "skew_deg": 2.0,
        "blur": 1.2,
        "noise": 14.0,
        "jpeg_quality": 40,
        "contrast": 0.6,
        "seal": True,
    },
    "seal": {"seal": True, "noise": 4.0, "jpeg_quality": 75},
    "faint": {"faint_copy": True, "skew_deg": 0.5, "jpeg_quality": 70},
    "rotated": {"rotate": 180, "noise": 4.0},
    "photo": {"photo": True},
    "moire": {"photo": True, "moire": True},
    "folded": {"photo": True, "fold": 2},
    "fax": {"fax": True},
}

_font_cache: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}


def font_path(font: str | None = None) -> tuple[Path, str]:
    """Resolve a short font name (or a font file path) to (file, family substring)."""
    name = font or DEFAULT_FONT
    if name not in FONTS:
        path = Path(name)
        if path.is_file():
            return path, ""
        raise ValueError(f"unknown font {name!r}; choose one of {', '.join(FONTS)} or a path")
    file_name, family = FONTS[name]
    found = sorted(FONT_ROOT.rglob(file_name))
    if not found:
        raise FileNotFoundError(
            f"font {file_name} not found under {FONT_ROOT}; apt-get install fonts-noto-cjk "
            "fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-ukai fonts-arphic-uming"
        )
    return found[0], family


def load_font(font: str | None, size: int) -> ImageFont.FreeTypeFont:
    """A FreeType font at ``size`` px, picking the Simplified Chinese face inside a .ttc."""
    key = (font or DEFAULT_FONT, size)
    if key in _font_cache:
        return _font_cache[key]
    path, family = font_path(font)
    chosen = ImageFont.truetype(str(path), size, index=0)
    if path.suffix.lower() == ".ttc" and family:
        for index in range(16):
            try:
                face = ImageFont.truetype(str(path), size, index=index)
            except OSError:
                break
            if family in (face.getname()[0] or ""):
                chosen = face
                break
    _font_cache[key] = chosen
    return chosen


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a judgment text.

    The corpus files hold one judgment per line with paragraphs separated by spaces, so a run
    of whitespace after a non-ASCII character ends a paragraph; spaces between ASCII words stay.
    """
    parts: list[str] = []
    for block in text.replace("\r\n", "\n").split("\n"):
        parts.extend(p.strip() for p in re.split(r"(?<=[^\x00-\x7f])\s+", block))
    return [p for p in parts if p]


def wrap(paragraph: str, fnt: ImageFont.FreeTypeFont, width: float, indent: float) -> list[str]:
    """Break a paragraph into lines by measured glyph widths (CJK breaks anywhere)."""
    lines: list[str] = []
    current = ""
    avail = width - indent
    for ch in paragraph:
        if current and fnt.getlength(current + ch) > avail:
            lines.append(current)
            current = ch.lstrip()
            avail = width
        else:
            current += ch
    if current:
        lines.append(current)
    return lines


def render_pages(
    text: str,
    *,
    font: str | None = None,
    font_size: int = 34,
    dpi: int = 300,
    width_mm: float = 210,
    height_mm: float = 297,
    margin_mm: float = 25,
    line_spacing: float = 1.6,
    max_lines: int | None = None,
) -> list[tuple[Image.Image, str]]:
    """Lay ``text`` out on pages; return (RGB page image, ground-truth text) per page.

    ``font_size`` is in pixels at ``dpi`` (34 px at 300 dpi is about 8 pt, dense like a
    photocopied judgment). Each paragraph starts with a two-character indent. The ground
    truth is the characters placed on the page, one rendered line per text line.
    ``max_lines`` stops after that many lines in total (small test pages).
    """
    fnt = load_font(font, font_size)
    px_per_mm = dpi / 25.4
    page_w, page_h = round(width_mm * px_per_mm), round(height_mm * px_per_mm)
    margin = round(margin_mm * px_per_mm)
    text_w = page_w - 2 * margin
    step = round(font_size * line_spacing)
    per_page = max(1, (page_h - 2 * margin) // step)
    indent = 2 * fnt.getlength("中")

    placed: list[tuple[str, float]] = []
    for para in paragraphs(text):
        for i, line in enumerate(wrap(para, fnt, text_w, indent)):
            placed.append((line, indent if i == 0 else 0.0))
            if max_lines is not None and len(placed) >= max_lines:
                break
        if max_lines is not None and len(placed) >= max_lines:
            break

    pages: list[tuple[Image.Image, str]] = []
    for start in range(0, len(placed), per_page):
        img = Image.new("RGB", (page_w, page_h), "white")
        draw = ImageDraw.Draw(img)
        chunk = placed[start : start + per_page]
        for row, (line, x_off) in enumerate(chunk):
            draw.text((margin + x_off, margin + row * step), line, font=fnt, fill=(0, 0, 0))
        img.info["dpi"] = (dpi, dpi)
        pages.append((img, "\n".join(line for line, _ in chunk)))
    return pages


def render_table(
    rows: Sequence[Sequence[str]],
    *,
    font: str | None = None,
    font_size: int = 36,
    dpi: int = 300,
    width_mm: float = 210,
    height_mm: float = 148,
    margin_mm: float = 20,
    spans: Sequence[tuple[int, int, int, int]] = (),
    ruled: bool = True,
    above: Sequence[str] = (),
    below: Sequence[str] = (),
) -> tuple[Image.Image, str]:
    """A ruled table (a 扣押清单: 序号 | 名称 | 数量 | 备注) on an A5-landscape-sized sheet.

    Column widths follow the longest cell of each column; a cell with a newline is wrapped over
    that many lines in a taller row (the other cells centred beside it). ``spans`` are merged
    cells, (row, col, rows, cols): the text of the top-left cell centred in the whole span (the
    cells it covers must be empty), no rule inside it. ``ruled=False`` draws no rules and sets
    the columns two characters apart (an unruled list). ``above`` / ``below`` are lines of
    prose set above and below the table (a page of a dossier a table starts or ends on). The
    ground truth is the cells of each row joined by a space (a wrapped cell's lines joined), one
    row per line: reading order must keep a row's cells together.
    """
    fnt = load_font(font, font_size)
    px_per_mm = dpi / 25.4
    page_w, page_h = round(width_mm * px_per_mm), round(height_mm * px_per_mm)
    margin, pad = round(margin_mm * px_per_mm), font_size // 2 if ruled else font_size
    covered = {(r + i, c + j) for r, c, n, m in spans for i in range(n) for j in range(m)}
    merged = {(r, c): (n, m) for r, c, n, m in spans}
    for r, c in covered - set(merged):
        assert not rows[r][c], f"cell {r},{c} is covered by a merged cell and must be empty"
    widths = [max([fnt.getlength(part) for r, row in enumerate(rows) if (r, c) not in merged
                   or merged[(r, c)][1] == 1 for part in row[c].split("\n")] + [0.0]) + 2 * pad
              for c in range(len(rows[0]))]
    lead = round(font_size * 1.3)  # from one wrapped line to the next
    heights = [round(font_size * 1.9) + lead * (max(cell.count("\n") for cell in row))
               for row in rows]
    for (r, c), (_, m) in merged.items():  # a merged text wider than its columns widens them
        need = max(fnt.getlength(part) for part in rows[r][c].split("\n")) + 2 * pad
        have = sum(widths[c:c + m])
        if need > have:
            widths[c + m - 1] += need - have
    step = round(font_size * 1.6)
    img = Image.new("RGB", (page_w, page_h), "white")
    draw = ImageDraw.Draw(img)
    for k, line in enumerate(above):
        draw.text((margin, margin + k * step), line, font=fnt, fill=0)
    x_edges = [margin]
    for w in widths:
        x_edges.append(x_edges[-1] + round(w))
    y_edges = [margin + (len(above) * step + step // 2 if above else 0)]
    for h in heights:
        y_edges.append(y_edges[-1] + h)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if (r, c) in covered and (r, c) not in merged:
                continue
            n, m = merged.get((r, c), (1, 1))
            parts = cell.split("\n")
            span_h = y_edges[r + n] - y_edges[r]
            top = y_edges[r] + (span_h - font_size - lead * (len(parts) - 1)) / 2
            for k, part in enumerate(parts):
                if (r, c) in merged:  # centred in the span
                    x = (x_edges[c] + x_edges[c + m] - fnt.getlength(part)) / 2
                else:
                    x = x_edges[c] + pad
                draw.text((x, top + k * lead), part, font=fnt, fill=0)
            if ruled and spans:  # the block's own rules: none inside a merged cell
                x0, x1, y0, y1 = x_edges[c], x_edges[c + m], y_edges[r], y_edges[r + n]
                for a, b in (((x0, y0), (x1, y0)), ((x0, y1), (x1, y1)),
                             ((x0, y0), (x0, y1)), ((x1, y0), (x1, y1))):
                    draw.line([a, b], fill=0, width=3)
    if ruled and not spans:
        for y in y_edges:
            draw.line([(margin, y), (x_edges[-1], y)], fill=0, width=3)
        for x in x_edges:
            draw.line([(x, y_edges[0]), (x, y_edges[-1])], fill=0, width=3)
    for k, line in enumerate(below):
        draw.text((margin, y_edges[-1] + step // 2 + k * step), line, font=fnt, fill=0)
    img.info["dpi"] = (dpi, dpi)
    return img, "\n".join(" ".join(cell.replace("\n", "") for cell in row if cell)
                          for row in rows)


def render_columns(
    text: str,
    *,
    title: str = "",
    font: str | None = None,
    font_size: int = 34,
    dpi: int = 300,
    lines_per_column: int = 12,
) -> tuple[Image.Image, str]:
    """An A4 page set in two columns under an optional full-width title (a gazette, a brief).

    The ground truth reads the title, then the left column, then the right one.
    """
    fnt = load_font(font, font_size)
    px_per_mm = dpi / 25.4
    page_w, page_h = round(210 * px_per_mm), round(297 * px_per_mm)
    margin, gutter = round(20 * px_per_mm), round(12 * px_per_mm)
    col_w = (page_w - 2 * margin - gutter) / 2
    step = round(font_size * 1.6)
    placed: list[str] = []
    for para in paragraphs(text):
        placed.extend(wrap(para, fnt, col_w, 0.0))
        if len(placed) >= 2 * lines_per_column:
            break
    placed = placed[: 2 * lines_per_column]
    img = Image.new("RGB", (page_w, page_h), "white")
    draw = ImageDraw.Draw(img)
    top = margin
    if title:
        big = load_font(font, round(font_size * 1.4))
        draw.text(((page_w - big.getlength(title)) / 2, top), title, font=big, fill=0)
        top += round(font_size * 3)
    for i, line in enumerate(placed):
        col, row = divmod(i, lines_per_column)
        draw.text((margin + col * (col_w + gutter), top + row * step), line, font=fnt, fill=0)
    img.info["dpi"] = (dpi, dpi)
    return img, "\n".join(([title] if title else []) + placed)



def grey_scan(img: Image.Image) -> Image.Image:
    """The page as a grey (or black-and-white) scanner gives it: no colour, the same dpi."""
    out = img.convert("L")
    out.info["dpi"] = img.info.get("dpi")
    return out


def degrade(
    img: Image.Image,
    *,
    skew_deg: float = 0,
    rotate: int = 0,
    blur: float = 0,
    noise: float = 0,
    jpeg_quality: int | None = None,
    contrast: float = 1.0,
    seal: bool = False,
    faint_copy: bool = False,
    photo: bool = False,
    moire: bool = False,
    fax: bool = False,
    curl: float | None = None,
    fold: int = 0,
    seed: int = 0,
) -> Image.Image:
    """Make a clean page look scanned; deterministic for a given ``seed``.

    ``skew_deg`` tilts the page (scanner feed, up to about ±3°), ``rotate`` turns it by 90/180/
    270 (a sheet fed the wrong way), ``blur`` is a Gaussian radius in px, ``noise`` the std-dev
    of grey-level noise, ``jpeg_quality`` recompresses, ``contrast`` < 1 greys the page,
    ``seal`` stamps a red court seal over the text and ``faint_copy`` imitates a light
    second-generation photocopy (thin strokes, grey toner, speckles).

    ``photo`` photographs the page with a phone (``_photograph``: the sheet in perspective on a
    darker desk, slightly curled, lit unevenly with a hand's shadow, a little shake, JPEG; the
    image carries no dpi, as a phone writes 72) and ``fax`` sends it through a fax machine
    (``_fax``: 150 dpi, strokes thickened, slightly stretched vertically, binarised, speckled).
    Both run after the other steps and replace the JPEG step. ``moire`` (with ``photo``) lays
    moiré fringes over the photographed sheet (``moire_fringes``), as a phone's sensor grid beating
    against a screen's pixels or a halftone print gives them. ``curl`` (with ``photo``) lifts the
    sheet's edge by that share of the page height instead of 0.4-0.7 %: a page of a bound dossier
    photographed open, bending the lines near its free edge. ``fold`` (with ``photo``) gives the
    sheet that many creases across (1: folded in half, 2: in three, as a letter in its
    envelope), unfolded on the desk but still rising along each crease: the lines near a
    crease are displaced by up to 0.3-0.6 % of the page height, more at one end of it, each
    panel faces the light at its own angle (brightness 0.86-1.0) and the crease itself is a
    thin shadow beside a highlight.
    """
    import numpy as np

    rng = random.Random(seed)
    out = img.convert("RGB")
    dpi = img.info.get("dpi", (300, 300))
    if faint_copy:
        out = _faint_copy(out, rng)
    if seal:
        out = _stamp_seal(out, rng)
    if contrast != 1.0:
        out = ImageEnhance.Contrast(out).enhance(contrast)
    if skew_deg:
        out = out.rotate(
            skew_deg, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255)
        )
    if rotate % 360:
        turns = {
            90: Image.Transpose.ROTATE_90,
            180: Image.Transpose.ROTATE_180,
            270: Image.Transpose.ROTATE_270,
        }
        if rotate % 360 not in turns:
            raise ValueError("rotate must be a multiple of 90")
        out = out.transpose(turns[rotate % 360])
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        arr = np.asarray(out, dtype=np.float64)
        gen = np.random.default_rng(seed)
        arr = arr + gen.normal(0.0, noise, size=arr.shape[:2])[:, :, None]
        out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if jpeg_quality is not None:
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=jpeg_quality)
        buf.seek(0)
        out = Image.open(buf).convert("RGB")
    out.info["dpi"] = dpi
    if photo:
        out = _photograph(out, random.Random(seed), seed, moire, curl, fold)
    elif fax:
        out = _fax(out, random.Random(seed), seed)
    return out


def _photograph(img: Image.Image, rng: random.Random, seed: int,
                moire: bool = False, curl: float | None = None, fold: int = 0) -> Image.Image:
    """A phone photo of the page: the sheet lies on a darker desk, seen a little from the side.

    The page is curled (its right or left edge lifts, bending the lines near it), projected by
    a random perspective that keeps the whole sheet in the frame, lit by a gradient with a
    soft hand's shadow over one corner, shaken by a few pixels of motion blur, given sensor
    noise and saved as JPEG. A 12-megapixel phone framing an A4 sheet sees it at about 280
    dpi; the frame here is 2,800 × 3,700 px. The result has the dpi of a phone (72), i.e. none,
    and ``info["sheet_corners"]``: where the page's corners lie in the photo.
    """
    import cv2
    import numpy as np

    page = np.asarray(img.convert("RGB"))
    h, w = page.shape[:2]
    gen = np.random.default_rng(seed)
    # 1. curl: the lifted edge bends the lines near it, up to ~0.6 % of the page height
    side = rng.choice((0, 1))
    amp = rng.uniform(0.004, 0.007) * h
    if curl is not None:  # a bound dossier's page: the lifted edge bends much further
        amp = curl * h
    xs = np.arange(w, dtype=np.float32)
    t = xs / (w - 1) if side else 1.0 - xs / (w - 1)
    bend = (amp * np.clip((t - 0.55) / 0.45, 0, 1) ** 2).astype(np.float32)
    ys = np.arange(h, dtype=np.float32)
    # rows bend towards the page's middle height, more at the top and bottom (a lifted edge)
    rel = (ys - h / 2) / (h / 2)
    map_x = np.broadcast_to(xs[None, :], (h, w)).astype(np.float32)
    map_y = (ys[:, None] + bend[None, :] * rel[:, None]).astype(np.float32)
    if fold:
        map_y, page = _creases(page, map_y, fold, rng)
    page = cv2.remap(page, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=(255, 255, 255))
    # 2. desk and perspective: the sheet fills ~85 % of the frame, corners moved at random
    fw, fh = 2800, 3700
    desk = np.array([rng.randrange(70, 120), rng.randrange(60, 100), rng.randrange(45, 80)],
                    dtype=np.float32)
    frame = np.empty((fh, fw, 3), dtype=np.float32)
    frame[:] = desk
    grain = cv2.GaussianBlur(gen.normal(0, 12, (fh, fw)).astype(np.float32), (0, 0), 6)
    frame += grain[..., None]
    scale = 0.86 * min(fw / w, fh / h)
    cw, ch = w * scale, h * scale
    x0, y0 = (fw - cw) / 2, (fh - ch) / 2
    jig = 0.045
    dst = np.array(
        [[x0 + rng.uniform(-jig, jig) * cw, y0 + rng.uniform(-jig, jig) * ch],
         [x0 + cw + rng.uniform(-jig, jig) * cw, y0 + rng.uniform(-jig, jig) * ch],
         [x0 + cw + rng.uniform(-jig, jig) * cw, y0 + ch + rng.uniform(-jig, jig) * ch],
         [x0 + rng.uniform(-jig, jig) * cw, y0 + ch + rng.uniform(-jig, jig) * ch]],
        dtype=np.float32,
    )
    src = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    sheet = cv2.warpPerspective(page, matrix, (fw, fh), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (fw, fh),
                               flags=cv2.INTER_LINEAR).astype(np.float32)[..., None] / 255.0
    frame = frame * (1 - mask) + sheet.astype(np.float32) * mask
    # 3. light: a gradient across the frame and a soft shadow of a hand over one corner
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (xx / fw - 0.5) * math.cos(angle) + (yy / fh - 0.5) * math.sin(angle)
    light = 0.88 + 0.22 * ramp  # 0.77..0.99
    cx, cy = rng.choice((0.1, 0.9)) * fw, rng.choice((0.15, 0.85)) * fh
    dist = np.sqrt(((xx - cx) / (0.35 * fw)) ** 2 + ((yy - cy) / (0.3 * fh)) ** 2)
    shadow = 1.0 - rng.uniform(0.25, 0.35) / (1.0 + np.exp((dist - 1.0) * 6.0))
    frame *= (light * shadow)[..., None]
    if moire:
        frame *= moire_fringes(fh, fw, random.Random(seed + 1))
    # 4. shake: a short linear motion blur, then sensor noise
    length = rng.randrange(3, 6)
    kernel = np.zeros((length, length), np.float32)
    theta = rng.uniform(0, math.pi)
    c = (length - 1) / 2
    for k in range(length):
        off = k - c
        kernel[round(c + off * math.sin(theta)), round(c + off * math.cos(theta))] = 1.0
    kernel /= kernel.sum()
    frame = np.asarray(cv2.filter2D(frame, -1, kernel), dtype=np.float32)
    frame += gen.normal(0, 3.0, (fh, fw))[..., None].astype(np.float32)
    out = Image.fromarray(np.clip(frame, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=rng.randrange(78, 88))
    buf.seek(0)
    photo = Image.open(buf).convert("RGB")
    photo.info["dpi"] = (72, 72)
    # where the sheet's corners (tl, tr, br, bl) landed, for tests of page detection
    photo.info["sheet_corners"] = [(float(x), float(y)) for x, y in dst]
    return photo


def _creases(page: Any, map_y: Any, fold: int, rng: random.Random) -> tuple[Any, Any]:
    """``fold`` creases across a page at equal intervals (``degrade``'s ``fold``): the sampling
    map moved by each crease's ridge (a tent 4-7 % of the page height wide, its height rising
    from one end of the crease to the other) and the page shaded panel by panel."""
    import numpy as np

    h, w = page.shape[:2]
    ys = np.arange(h, dtype=np.float32)
    xs = np.arange(w, dtype=np.float32) / (w - 1)
    shade = np.ones(h, np.float32)
    lift = np.zeros((h, w), np.float32)
    for k in range(fold):
        yc = h * (k + 1) / (fold + 1)
        band = rng.uniform(0.04, 0.07) * h
        peak = rng.uniform(0.003, 0.006) * h
        along = 0.5 + xs if rng.random() < 0.5 else 1.5 - xs  # higher at one end
        off = np.abs(ys - yc)  # rows' distance from the crease
        tent = np.clip(1.0 - off / band, 0.0, 1.0)
        lift += peak * tent[:, None] * along[None, :]
        shade[ys >= yc] = rng.uniform(0.86, 1.0)  # the next panel, at its own angle
        shade *= 1.0 - 0.22 * np.exp(-(off / 1.5) ** 2)  # the fold's own shadow
        shade *= 1.0 + 0.05 * np.exp(-((off - 4.0) / 2.0) ** 2)  # its lit edge
    shaded = np.clip(page.astype(np.float32) * shade[:, None, None], 0, 255).astype(np.uint8)
    return (map_y - lift).astype(np.float32), shaded


def moire_fringes(h: int, w: int, rng: random.Random) -> Any:
    """Moiré over an h × w photo: the beat of two fine gratings is what the eye sees, curved
    bands 12-40 px apart, slightly rainbow-coloured (each channel's phase shifted), darkening
    the page by up to 10-18 %; returned as an (h, w, 3) factor to multiply the photo by."""
    import numpy as np

    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, math.pi)
    period = rng.uniform(12, 40)
    bend = rng.uniform(0.5, 2.0) * math.sin(rng.uniform(0, math.pi))  # bands curve across
    u = (xx * math.cos(angle) + yy * math.sin(angle)) / period
    u = u + bend * np.sin(2 * math.pi * yy / h) + 0.6 * np.sin(2 * math.pi * xx / w)
    depth = rng.uniform(0.10, 0.18)
    factor = np.empty((h, w, 3), np.float32)
    for c, shift in enumerate((0.0, 0.6, 1.2)):
        factor[..., c] = 1.0 - depth * (0.5 + 0.5 * np.cos(2 * math.pi * u + shift))
    return factor


FAX_DPI = 150


def _fax(img: Image.Image, rng: random.Random, seed: int) -> Image.Image:
    """A received fax: 150 dpi, thick strokes, ~3 % taller, binarised at a fixed threshold,
    with speckles (isolated black dots and short streaks) and a few white drop-outs."""
    import numpy as np

    dpi = img.info.get("dpi", (300, 300))[0] or 300
    grey = img.convert("L").filter(ImageFilter.MinFilter(3))  # toner spread: thicker strokes
    stretch = rng.uniform(1.02, 1.04)
    factor = FAX_DPI / dpi
    size = (max(1, round(grey.width * factor)), max(1, round(grey.height * factor * stretch)))
    small = grey.resize(size, Image.Resampling.BOX)
    gen = np.random.default_rng(seed)
    arr = np.asarray(small, dtype=np.float32) + gen.normal(0, 18, (size[1], size[0]))
    binary = arr > rng.uniform(150, 175)  # white where True
    speck = gen.random(binary.shape) < 0.0015
    binary[speck] = False
    for _ in range(size[0] * size[1] // 60000):  # short horizontal streaks of a dirty drum
        y, x = gen.integers(size[1]), gen.integers(size[0])
        binary[y, x : x + int(gen.integers(3, 12))] = False
    dropout = gen.random(binary.shape) < 0.002
    binary[dropout] = True
    out = Image.fromarray((binary * 255).astype(np.uint8)).convert("RGB")
    out.info["dpi"] = (FAX_DPI, FAX_DPI)
    return out


def _faint_copy(img: Image.Image, rng: random.Random) -> Image.Image:
    """Thinner grey strokes on an off-white page with toner speckles."""
    thin = Image.blend(img, img.filter(ImageFilter.MaxFilter(3)), 0.5)  # partly eroded strokes
    grey = thin.point(lambda v: 110 + v * (246 - 110) // 255)  # black -> grey, white -> off-white
    draw = ImageDraw.Draw(grey)
    w, h = grey.size
    for _ in range(w * h // 20000):
        x, y = rng.randrange(w), rng.randrange(h)
        r = rng.choice((1, 1, 2))
        shade = rng.randrange(90, 170)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(shade, shade, shade))
    return grey


def _stamp_seal(img: Image.Image, rng: random.Random) -> Image.Image:
    """A red round seal (ring, star, arc of characters), multiplied over the page like ink."""
    w, h = img.size
    dpi = img.info.get("dpi", (300, 300))[0] or 300
    radius = int(21 / 25.4 * dpi)  # a 42 mm court seal
    stamp = Image.new("RGB", (2 * radius + 8, 2 * radius + 8), "white")
    draw = ImageDraw.Draw(stamp)
    red = (215, 40, 40)
    c = radius + 4
    ring = max(4, radius // 18)
    draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=red, width=ring)
    star_r = radius * 0.3
    points = [
        (
            c + (star_r if k % 2 == 0 else star_r * 0.4) * math.sin(math.pi * k / 5),
            c - (star_r if k % 2 == 0 else star_r * 0.4) * math.cos(math.pi * k / 5),
        )
        for k in range(10)
    ]
    draw.polygon(points, fill=red)
    label = "某某省某某市人民法院"
    fnt = load_font("noto-sans", max(12, radius // 5))
    for k, ch in enumerate(label):
        angle = math.radians(-150 + 300 * k / (len(label) - 1))
        glyph = Image.new("L", (radius // 4, radius // 4), 0)
        ImageDraw.Draw(glyph).text((0, 0), ch, font=fnt, fill=255)
        glyph = glyph.rotate(-math.degrees(angle), resample=Image.Resampling.BICUBIC)
        gx = c + (radius * 0.72) * math.sin(angle) - glyph.width / 2
        gy = c - (radius * 0.72) * math.cos(angle) - glyph.height / 2
        stamp.paste(Image.new("RGB", glyph.size, red), (int(gx), int(gy)), glyph)
    # Ink is uneven: lighten random spots so the seal is not a perfect solid.
    mask = Image.effect_noise(stamp.size, 64).filter(ImageFilter.GaussianBlur(2))
    stamp = Image.composite(
        Image.new("RGB", stamp.size, "white"), stamp, mask.point(lambda v: 255 if v > 170 else 0)
    )
    stamp = stamp.rotate(rng.uniform(-25, 25), fillcolor=(255, 255, 255))
    x = rng.randrange(max(1, w // 2 - radius), max(2, w - 2 * radius - w // 10))
    y = rng.randrange(max(1, h // 8), max(2, h // 2 - radius))
    region = img.crop((x, y, x + stamp.width, y + stamp.height))
    out = img.copy()
    out.paste(ImageChops.multiply(region, stamp), (x, y))
    return out


def make_pdf(images: Sequence[Image.Image], dpi: int = 300, quality: int = 90) -> bytes:
    """An image-only PDF (what a scanner writes): one JPEG-compressed image per page."""
    if not images:
        raise ValueError("no pages")
    pages = [im.convert("RGB") for im in images]
    buf = io.BytesIO()
    pages[0].save(
        buf, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi), quality=quality
    )
    return buf.getvalue()


def make_text_pdf(
    text: str,
    *,
    font: str = "wqy-zenhei",
    font_size: float = 12,
    margin_mm: float = 25,
    background: Image.Image | None = None,
) -> bytes:
    """A PDF with a real text layer in an embedded CJK TrueType font (needs reportlab).

    Each ``\\n`` starts a new line and ``\\f`` a new page; long lines wrap at the margin.
    ``background`` is drawn over each whole page under the text, to imitate a scan that
    carries a caption or a hidden OCR layer.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if font not in TEXT_PDF_FONTS:
        raise ValueError(f"text PDFs need a TrueType font: one of {', '.join(TEXT_PDF_FONTS)}")
    path, family = font_path(font)
    face_name = f"dossier-{font}"
    if face_name not in pdfmetrics.getRegisteredFontNames():
        index = _ttc_index(path, family)
        pdfmetrics.registerFont(TTFont(face_name, str(path), subfontIndex=index))
    page_w, page_h = A4
    margin = margin_mm * mm
    leading = font_size * 1.5
    avail = page_w - 2 * margin
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=True)
    backdrop = None
    if background is not None:
        from reportlab.lib.utils import ImageReader

        backdrop = ImageReader(background.convert("RGB"))
    for page_text in text.split("\f"):
        if backdrop is not None:
            pdf.drawImage(backdrop, 0, 0, width=page_w, height=page_h)
        pdf.setFont(face_name, font_size)
        y = page_h - margin - font_size
        for raw in page_text.split("\n"):
            for line in _wrap_pdf(raw, face_name, font_size, avail) or [""]:
                if y < margin:
                    pdf.showPage()
                    pdf.setFont(face_name, font_size)
                    y = page_h - margin - font_size
                pdf.drawString(margin, y, line)
                y -= leading
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _ttc_index(path: Path, family: str) -> int:
    """Index of the face whose family contains ``family`` inside a .ttc (0 when unknown)."""
    if path.suffix.lower() != ".ttc" or not family:
        return 0
    for index in range(16):
        try:
            face = ImageFont.truetype(str(path), 12, index=index)
        except OSError:
            break
        if family in (face.getname()[0] or ""):
            return index
    return 0


def _wrap_pdf(line: str, face: str, size: float, avail: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    out: list[str] = []
    current = ""
    for ch in line:
        if current and stringWidth(current + ch, face, size) > avail:
            out.append(current)
            current = ch
        else:
            current += ch
    if current:
        out.append(current)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Write page PNGs, their ground truth and a scanned (or text-layer) PDF."""
    parser = argparse.ArgumentParser(prog="python -m tests.scans.generate", description=__doc__)
    parser.add_argument("--source", type=Path, required=True, help="UTF-8 judgment text file")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--condition",
        choices=[*CONDITIONS, "textpdf"],
        default="clean",
        help="degradation preset, or textpdf for a PDF with a real text layer",
    )
    parser.add_argument("--font", default=DEFAULT_FONT, help=f"one of {', '.join(FONTS)}")
    parser.add_argument("--font-size", type=int, default=34, help="pixels at --dpi")
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--pages", type=int, default=None, help="keep only the first N pages")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    text = args.source.read_text("utf-8-sig")
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.source.stem
    if args.condition == "textpdf":
        body = "\n".join(paragraphs(text))
        (args.out / f"{stem}.text.pdf").write_bytes(make_text_pdf(body))
        (args.out / f"{stem}.text.txt").write_text(body + "\n", "utf-8")
        print(args.out / f"{stem}.text.pdf")
        return 0
    pages = render_pages(text, font=args.font, font_size=args.font_size, dpi=args.dpi)
    if args.pages is not None:
        pages = pages[: args.pages]
    images = []
    for number, (page, truth) in enumerate(pages, 1):
        img = degrade(page, seed=args.seed + number, **CONDITIONS[args.condition])
        name = f"{stem}.{args.condition}.p{number:03d}"
        img_dpi = img.info.get("dpi", (args.dpi, args.dpi))
        img.save(args.out / f"{name}.png", dpi=(round(img_dpi[0]), round(img_dpi[1])))
        (args.out / f"{name}.txt").write_text(truth + "\n", "utf-8")
        images.append(img)
    pdf_path = args.out / f"{stem}.{args.condition}.pdf"
    pdf_path.write_bytes(make_pdf(images, dpi=args.dpi))
    print(f"{len(images)} pages -> {args.out} ({pdf_path.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
