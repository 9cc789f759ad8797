"""Hand-filled record pages (笔录) from real judgment text, for the handwriting detector.

A questioning record is a printed form (title, 时间/地点 header, 问：/答： turns) on which the
answers are often written by hand, and which ends with a handwritten confirmation, a signature
and a red fingerprint (捺印). No handwriting model or font ships in a registry package, so the
hand is imitated from the 楷体 font of fonts-arphic-ukai (a brush hand) glyph by glyph: each
character its own size, slant and baseline drift, a ballpoint's blue-black or black ink, uneven
spacing. It is an imitation, not real handwriting: the detector's figures on it say how it tells
such lines from print, not how it does on a real police station's forms.

Every page comes with its lines: (text, box, handwritten), so both the characters read and the
lines marked can be scored.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from tests.scans.generate import load_font, paragraphs

#: ballpoint inks: blue-black, blue, black (a black hand is told by its shape alone)
INKS = ((28, 38, 110), (20, 60, 160), (30, 30, 30))


@dataclass(frozen=True)
class FormLine:
    text: str
    box: tuple[float, float, float, float]
    handwritten: bool


def _hand_line(draw_img: Image.Image, text: str, x: float, y: float, size: int,
               rng: random.Random, ink: tuple[int, int, int], max_x: float) -> tuple[
                   tuple[float, float, float, float], str]:
    """Write ``text`` by 'hand' from (x, y) until max_x; returns the box and what was written."""
    fnt_cache: dict[int, object] = {}
    drift = 0.0
    slant = rng.uniform(-6, 4)
    x0, y0, x1, y1 = x, y, x, y
    written = ""
    for ch in text:
        s = max(20, int(size * rng.uniform(0.86, 1.14)))
        if s not in fnt_cache:
            fnt_cache[s] = load_font("ukai", s)
        fnt = fnt_cache[s]
        w = int(fnt.getlength(ch))  # type: ignore[attr-defined]
        if x + w > max_x:
            break
        glyph = Image.new("L", (w + 12, s + 16), 0)
        ImageDraw.Draw(glyph).text((6, 4), ch, font=fnt, fill=255)  # type: ignore[arg-type]
        glyph = glyph.rotate(slant + rng.uniform(-5, 5), resample=Image.Resampling.BICUBIC,
                             expand=True)
        drift = max(-0.12 * size, min(0.12 * size, drift + rng.uniform(-0.05, 0.05) * size))
        gy = y + drift + rng.uniform(-0.04, 0.04) * size
        draw_img.paste(Image.new("RGB", glyph.size, ink), (int(x), int(gy)), glyph)
        bbox = glyph.getbbox()
        if bbox:
            x0, y0 = min(x0, x + bbox[0]), min(y0, gy + bbox[1])
            x1, y1 = max(x1, x + bbox[2]), max(y1, gy + bbox[3])
        written += ch
        x += w * rng.uniform(0.95, 1.2)
    return (x0, y0, x1, y1), written


def _fingerprint(img: Image.Image, cx: float, cy: float, rng: random.Random) -> None:
    """A red 捺印: an oval of concentric ridges, pressed unevenly."""
    r = 38
    stamp = Image.new("L", (2 * r + 4, int(2.6 * r) + 4), 0)
    d = ImageDraw.Draw(stamp)
    for k in range(2, r, 5):
        d.ellipse((r - k, 1.3 * r - 1.3 * k, r + k, 1.3 * r + 1.3 * k), outline=200, width=2)
    stamp = stamp.rotate(rng.uniform(-20, 20), expand=True)
    img.paste(Image.new("RGB", stamp.size, (200, 40, 40)), (int(cx - r), int(cy - r)), stamp)


def render_record(text: str, *, seed: int = 0, font_size: int = 34, dpi: int = 300,
                  hand_share: float = 0.6) -> tuple[Image.Image, list[FormLine]]:
    """One 讯问笔录 page: printed questions, answers written by hand (``hand_share`` of the
    answer lines, the rest printed as a typed record would be), a handwritten confirmation and
    signature with a fingerprint. The answers are the judgment's own sentences."""
    rng = random.Random(seed)
    px_mm = dpi / 25.4
    W, H = round(210 * px_mm), round(297 * px_mm)
    margin = round(25 * px_mm)
    img = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(img)
    printed = load_font("noto-serif", font_size)
    title = load_font("noto-serif", int(font_size * 1.6))
    lines: list[FormLine] = []
    ink = INKS[seed % len(INKS)]
    step = round(font_size * 2.0)

    def put(s: str, x: float, y: float) -> None:
        draw.text((x, y), s, font=printed, fill=(0, 0, 0))
        b = draw.textbbox((x, y), s, font=printed)
        lines.append(FormLine(s, (float(b[0]), float(b[1]), float(b[2]), float(b[3])), False))

    t = "讯问笔录"
    tw = draw.textlength(t, font=title)
    draw.text(((W - tw) / 2, margin), t, font=title, fill=(0, 0, 0))
    b = draw.textbbox(((W - tw) / 2, margin), t, font=title)
    lines.append(FormLine(t, (float(b[0]), float(b[1]), float(b[2]), float(b[3])), False))
    y = margin + 3 * font_size
    put("时间：2016年5月12日9时10分至10时30分", margin, y)
    y += step
    put("地点：县公安局执法办案中心讯问室", margin, y)
    y += step
    sentences = [s for p in paragraphs(text) for s in p.replace("；", "。").split("。")
                 if 8 <= len(s) <= 60]
    rng.shuffle(sentences)
    questions = ("你把事情经过讲一下。", "还有什么要补充的？", "你对上述事实有无异议？",
                 "当时还有谁在场？", "你为什么这样做？")
    label_w = draw.textlength("答：", font=printed)
    for q, sentence in enumerate(sentences):
        if y > H - margin - 6 * step:
            break
        put("问：" + questions[q % len(questions)], margin, y)
        y += step
        draw.text((margin, y), "答：", font=printed, fill=(0, 0, 0))
        bb = draw.textbbox((margin, y), "答：", font=printed)
        lines.append(FormLine("答：", (float(bb[0]), float(bb[1]), float(bb[2]),
                                       float(bb[3])), False))
        if rng.random() < hand_share:
            box, written = _hand_line(img, sentence, margin + label_w + 10, y - 4,
                                      int(font_size * 1.15), rng, ink, W - margin)
            lines.append(FormLine(written, box, True))
        else:
            put(sentence[:30], margin + label_w, y)
        y += step
    y = H - margin - 4 * step
    box, written = _hand_line(img, "以上笔录我看过，和我说的一样。", margin, y,
                              int(font_size * 1.2), rng, ink, W - margin)
    lines.append(FormLine(written, box, True))
    y += int(1.6 * step)
    put("被讯问人：", margin, y)
    sx = margin + draw.textlength("被讯问人：", font=printed) + 20
    box, written = _hand_line(img, "张某某", sx, y - 8, int(font_size * 1.5), rng, ink,
                              W - margin)
    lines.append(FormLine(written, box, True))
    _fingerprint(img, box[2] + 60, y + 10, rng)
    img.info["dpi"] = (dpi, dpi)
    return img, lines
