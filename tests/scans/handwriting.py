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

from tests.scans.generate import _stamp_seal, load_font, paragraphs

#: ballpoint inks: blue-black, blue, black (a black hand is told by its shape alone)
INKS = ((28, 38, 110), (20, 60, 160), (30, 30, 30))
#: stamp-pad inks (印泥) of a 捺印: vermilion, crimson, orange-red — bright enough that
#: ``ocr.preprocess.remove_red`` leaves the page white under them, as under the seal case's seal
#: (a darker, purplish pad leaves a grey ghost there that costs the characters under it)
FINGERPRINT_INKS = ((215, 40, 40), (208, 28, 52), (222, 62, 48))


@dataclass(frozen=True)
class FormLine:
    text: str
    box: tuple[float, float, float, float]
    handwritten: bool


@dataclass(frozen=True)
class Mark:
    """A mark on the page as drawn: ``kind`` fingerprint (捺印), seal (公章) or signature."""

    kind: str
    box: tuple[float, float, float, float]


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


def fingerprint_stamp(dpi: float, rng: random.Random) -> Image.Image:
    """A red 捺印 as an RGB stamp on white (to be multiplied over a page): an ellipse about
    12-15 × 16-20 mm of whorl ridges (~0.5 mm apart, a core off the centre, ridges bent by a
    smooth random field) pressed unevenly: one side and a few blotches lighter, the rim fading,
    weak ridges breaking up. Stamp-pad colours vary by seed (``FINGERPRINT_INKS``)."""
    import numpy as np

    gen = np.random.default_rng(rng.getrandbits(32))
    px_mm = dpi / 25.4
    a, b = rng.uniform(6.0, 7.5) * px_mm, rng.uniform(8.0, 10.0) * px_mm  # half-axes
    side = int(2 * max(a, b) + 8)
    half = side / 2
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float64)
    t = np.radians(rng.uniform(-25, 25))
    u = (xx - half) * np.cos(t) + (yy - half) * np.sin(t)
    v = -(xx - half) * np.sin(t) + (yy - half) * np.cos(t)
    r = np.sqrt((u / a) ** 2 + (v / b) ** 2)  # 1 on the rim

    def smooth(cells: int, amp: float) -> np.ndarray:
        field = Image.fromarray(gen.normal(0.0, 1.0, (cells, cells)).astype(np.float32))
        return amp * np.asarray(field.resize((side, side), Image.Resampling.BICUBIC))

    cu, cv = rng.uniform(-0.2, 0.2) * a, rng.uniform(-0.05, 0.25) * b  # the whorl's core
    d = np.sqrt((u - cu) ** 2 + ((v - cv) / 1.25) ** 2)
    period = rng.uniform(0.45, 0.55) * px_mm
    phase = d / period + rng.choice((-1, 1)) * np.arctan2(v - cv, u - cu) / (2 * np.pi)
    phase += smooth(5, 0.9)
    ridge = np.clip((np.cos(2 * np.pi * phase) + 0.15) * 2.2, 0.0, 1.0)
    tilt = rng.uniform(0, 2 * np.pi)
    pressure = 0.78 + 0.22 * (u * np.cos(tilt) + v * np.sin(tilt)) / max(a, b) + smooth(4, 0.18)
    pressure *= np.clip((1.0 - r) / 0.12, 0.0, 1.0)  # the rim fades
    ink = np.clip(ridge * np.clip(pressure, 0.0, 1.0), 0.0, 1.0)
    ink[ink < 0.3] = 0.0  # a weak ridge leaves nothing
    colour = np.array(rng.choice(FINGERPRINT_INKS), dtype=np.float64)
    rgb = 255.0 - ink[..., None] * (255.0 - colour)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def press(img: Image.Image, stamp: Image.Image, cx: float, cy: float) -> tuple[
        float, float, float, float]:
    """Multiply ``stamp`` (white = no ink) over ``img`` centred at (cx, cy), as ink pressed on
    paper (the print under it stays dark); returns the box of the ink on the page."""
    from PIL import ImageChops

    x, y = int(cx - stamp.width / 2), int(cy - stamp.height / 2)
    region = img.crop((x, y, x + stamp.width, y + stamp.height))
    img.paste(ImageChops.multiply(region, stamp), (x, y))
    inked = ImageChops.invert(stamp.convert("L")).point(lambda v: 255 if v > 40 else 0)
    bx = inked.getbbox() or (0, 0, stamp.width, stamp.height)
    return (float(x + bx[0]), float(y + bx[1]), float(x + bx[2]), float(y + bx[3]))


def render_record(text: str, *, seed: int = 0, font_size: int = 34, dpi: int = 300,
                  hand_share: float = 0.6, seal: bool | None = None) -> tuple[
                      Image.Image, list[FormLine]]:
    """One 讯问笔录 page: printed questions, answers written by hand (``hand_share`` of the
    answer lines, the rest printed as a typed record would be), a handwritten confirmation and
    signature, each with a red fingerprint pressed over its end. The answers are the judgment's
    own sentences. ``render_record_marks`` also returns where the marks are."""
    img, lines, _ = render_record_marks(text, seed=seed, font_size=font_size, dpi=dpi,
                                        hand_share=hand_share, seal=seal)
    return img, lines


def render_record_marks(text: str, *, seed: int = 0, font_size: int = 34, dpi: int = 300,
                        hand_share: float = 0.6, seal: bool | None = None) -> tuple[
                            Image.Image, list[FormLine], list[Mark]]:
    """``render_record`` with the page's marks: a 捺印 over the end of the confirmation and one
    over the signed name (每页捺印), the name as a signature, and with ``seal`` (by default on
    seeds 1 and 2 mod 4) a red 公章 (``generate._stamp_seal``) somewhere in the upper half.
    The marks draw on their own random stream: the text and the hand are those of the seed
    without marks."""
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
    confirmation = box
    y += int(1.6 * step)
    put("被讯问人：", margin, y)
    sx = margin + draw.textlength("被讯问人：", font=printed) + 20
    box, written = _hand_line(img, "张某某", sx, y - 8, int(font_size * 1.5), rng, ink,
                              W - margin)
    lines.append(FormLine(written, box, True))
    img.info["dpi"] = (dpi, dpi)
    marks_rng = random.Random(seed * 7919 + 17)
    char = font_size * 1.2
    marks = [Mark("signature", box)]
    for over, bx in ((confirmation, -1.2 * char), (box, -0.5 * char)):
        stamp = fingerprint_stamp(dpi, marks_rng)
        cx = over[2] + bx + marks_rng.uniform(-0.3, 0.3) * char
        cy = (over[1] + over[3]) / 2 + marks_rng.uniform(-0.2, 0.2) * char
        marks.append(Mark("fingerprint", press(img, stamp, cx, cy)))
    if seal if seal is not None else seed % 4 in (1, 2):
        import numpy as np

        before = np.asarray(img)
        img = _stamp_seal(img, random.Random(seed))
        changed = np.nonzero(np.any(np.asarray(img) != before, axis=2))
        img.info["dpi"] = (dpi, dpi)
        marks.append(Mark("seal", (float(changed[1].min()), float(changed[0].min()),
                                   float(changed[1].max() + 1), float(changed[0].max() + 1))))
    return img, lines, marks
