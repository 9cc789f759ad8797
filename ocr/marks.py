"""Marks on a page that are not text: red 捺印 (fingerprints), red 印章 (seals) and signatures.

Why a module of its own: a 笔录 or a confession is only valid signed and fingerprinted on every
page (每页捺印), and a document carrying an agency's seal is the one that counts, so a reviewer
needs to see where they are; OCR only reads the characters (and a red mark is removed before
recognition, ``ocr.preprocess.remove_red``, so the text under it is still read).

How, without a model: the red ink of the page (``ocr.preprocess``'s test, ``R − max(G, B) >
SEAL_REDNESS``, grown by paler red within 3 mm) is grouped into marks (1 mm blocks, gaps under
~2 mm closed, holes filled so a seal's ring, star and characters are one mark). Inside a mark its
ink is what is redder than its surroundings (1 mm), so a blurred, greyed or recompressed print,
pink all over, keeps its ridges. Each mark is told by shape features measured in millimetres at
the page's dpi (metadata, else an A4 size, else 300):

* **seal**: a ring — the outermost tenth of the mark's ellipse is inked all around (``coverage``
  of 36 sectors) and denser than its inside (``ring``), and an empty band lies between the ring's
  characters and the centre. Court and police seals are 35–45 mm; 20–80 mm is accepted.
* **fingerprint**: a filled ellipse 8–24 mm with no ring — every radial band is inked (a print
  has no hollow), the rim fades instead of thickening — and a ridge texture: along rows and
  columns the ink turns on and off more than ``MIN_RIDGES_PER_MM`` times a millimetre
  (ridges are ~0.5 mm apart; a seal's characters change far less often).

Another ink across a mark (a name written over a print) hides its red there: the densities are
taken over the rest, and red pieces with such ink (or a smeared print's pink) between them are
measured together, and kept as one print when they make one (a faint copy had cut prints in two).
A flat pink inside a mark (a faint copy's JPEG greys a print's middle, ridges gone) counts as ink
for the hollow test, and no ridges are read on it (``SMEAR_REDNESS``, ``SMEAR_SPREAD``).

On a page without colour (a fax, a grey or black-and-white scan) a seal is looked for by its
ring (``ocr.rings``) and a print as a ridged blot (``ocr.prints``), where the red test found none.

Anything else red (a red title, a line, a handwritten red correction) is no mark. A signature is
a handwritten line (``ocr.handwriting``) that follows a signature label (被讯问人：, 签名, (签字),
捺印 …) on its row, or a short handwritten line (a name, at most ``SIGNATURE_MAX_CHARS``) under
or over a fingerprint; in any ink, a line 被讯问人：<name> under a fingerprint; and a label with
or without part of the name read after it and a fingerprint just after it on its row
(``PRINT_AFTER_LABEL``): on a blurred or faint scan the name the print was pressed over is often
not read, or read in part and not as a hand. A black-ink
signature without a print over it is not found (the handwriting mark reads ink colour).
Figures: ``python -m benchmarks.handwriting`` (its marks section).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ocr.mark_shape import Shape, measure

if TYPE_CHECKING:
    from PIL import Image

    from models.records import Line

KINDS = ("fingerprint", "seal", "signature")
#: the page view's labels
LABELS = {"fingerprint": "捺印", "seal": "印章", "signature": "签名"}

MIN_MARK_MM = 6.0  # a red mark smaller than this on its longer side is a speck or a tick
FINGERPRINT_MM = (8.0, 24.0)  # both sides of a fingerprint's box
SEAL_MM = (20.0, 80.0)  # the longer side of a seal's box
MAX_FINGERPRINT_ASPECT = 2.0
#: a seal's outer band is inked in this share of 36 sectors (a fingerprint's rim fades)
SEAL_COVERAGE = 0.6
#: the outer band's ink density over the densest inner band: ≥ this is a ring (tune seeds 0-5,
#: six conditions: fingerprints ≤ 1.14, seals ≥ 1.99 but one photographed)
SEAL_RING = 1.6
#: a fingerprint has no hollow: every radial band (0.1–0.9 of the radius, by tenths) is inked
#: at least this much (tune seeds 0-5, six conditions: prints ≥ 0.11, seals ≤ 0.06)
FINGERPRINT_MIN_BAND = 0.08
#: on/off changes of the ink per mm along rows and columns inside the mark (tune: prints ≥ 1.68,
#: seals ≤ 0.42)
MIN_RIDGES_PER_MM = 1.2
#: the lowest redness taken for a mark's ink inside a mark already found by the seal test
FAINT_REDNESS = 20
#: a pixel whose darkest channel is this much under its surroundings' (4 mm) and that is not
#: red is another ink (a name in any pen, print), which hides a mark's red where it crosses it
#: (a faint name ~50 under the paper; a photo's shadow darkens its surroundings too)
INK_CONTRAST = 40
#: ... or darker than this in every channel (the inside of a broad stroke; no shadow is so dark)
DARK_INK = 100
#: red pieces up to this far apart above and below another ink are measured together: a name
#: written across a print can cut its red in two on a faint scan (tune seeds 2, 4: ~4 mm)
BRIDGE_MM = 10.0
#: redness of a print's pink smear where its ridges are lost (paper 0, a faint print's ridges 30+)
PINK = 10
#: a flat pink inside a mark (its mean redness over 1 mm above this and at most FAINT_REDNESS,
#: varying by less than SMEAR_SPREAD): a print's ink whose ridges a faint copy's JPEG greyed
#: away. Set on tune seed 9's faint print (mean 8-12, spread under 5 where ridges show 20+)
SMEAR_REDNESS = 6
SMEAR_SPREAD = 5
#: a mark grows by pixels this red within 3 mm of the seal test's (45 loses a pale print's rim)
GROUP_REDNESS = 30
SIGNATURE_MAX_CHARS = 8
#: a fingerprint starting within this many line heights after a label-only line (被讯问人：) on
#: its row marks the place signed there (tune seeds 0-5: hard scans 0.4-0.8 heights, photos
#: 2.0-2.6: the hand's name runs on under the print)
PRINT_AFTER_LABEL = 3.0
#: a signature label, the end of a printed line before the hand (or the start of one line that
#: holds both): 被讯问人：, 签名：, （签字）, 捺印 …
SIGNATURE_LABEL = re.compile(
    r"(被?[讯询]问人|记录人|翻译人|见证人|当事人|被告人|犯罪嫌疑人|被害人|证人|辩护人|"
    r"申请人|签名|签字|签章|捺印|按印|指印)\s*[)）]?\s*[：:]?\s*$")
SIGNATURE_START = re.compile(
    r"^\s*[(（]?(被?[讯询]问人|记录人|翻译人|见证人|当事人|被告人|犯罪嫌疑人|被害人|证人|"
    r"辩护人|申请人|签名|签字|签章|捺印)\s*[)）]?\s*[：:]")


def page_dpi(image: Image.Image) -> float:
    """The page's dpi: its metadata, else from an A4/Letter size, else 300."""
    from ocr.preprocess import _image_dpi, estimate_dpi

    return _image_dpi(image) or estimate_dpi(image.size) or 300.0


def red_mask(rgb: Any) -> Any:
    """Red ink (H × W bool) of an H × W × 3 uint8 array: ``ocr.preprocess``'s seal test."""
    from ocr.preprocess import SEAL_REDNESS, _redness

    return _redness(rgb) > SEAL_REDNESS


def classify(shape: Shape) -> str | None:
    """'seal', 'fingerprint' or None (some other red ink) from a mark's shape."""
    long_mm, short_mm = max(shape.width_mm, shape.height_mm), min(shape.width_mm,
                                                                   shape.height_mm)
    ringed = shape.coverage >= SEAL_COVERAGE and shape.ring >= SEAL_RING
    if ringed and SEAL_MM[0] <= long_mm <= SEAL_MM[1] and short_mm >= 0.5 * long_mm:
        return "seal"
    if (not ringed and FINGERPRINT_MM[0] <= short_mm and long_mm <= FINGERPRINT_MM[1]
            and long_mm <= MAX_FINGERPRINT_ASPECT * short_mm
            and shape.min_band >= FINGERPRINT_MIN_BAND
            and shape.ridges_per_mm >= MIN_RIDGES_PER_MM):
        return "fingerprint"
    return None


def red_marks(image: Image.Image, dpi: float | None = None) -> list[Shape]:
    """Every red mark of at least ``MIN_MARK_MM`` on the page, measured (boxes in its pixels)."""
    import numpy as np
    from scipy import ndimage

    from ocr.pixels import rgb_array
    from ocr.preprocess import SEAL_REDNESS, _redness

    px_mm = (dpi or page_dpi(image)) / 25.4
    rgb = rgb_array(image)
    step = 4  # a cheap look first: most pages have no red at all
    least = 0.05 * (MIN_MARK_MM * px_mm) ** 2  # pixels: a 6 mm mark 5 % inked
    if int(red_mask(rgb[::step, ::step]).sum()) * step * step < least:
        return []
    redness = _redness(rgb)
    block = max(2, round(px_mm))  # ~1 mm

    def blocks(bar: int) -> Any:
        return _blocks_of(redness > bar, block)

    # red blocks by the seal test, grown by paler red within 3 mm (a pale print's rim and
    # ridges; a photo's pinkish desk far from any mark stays apart)
    strong = blocks(SEAL_REDNESS)
    on = strong | (blocks(GROUP_REDNESS) & ndimage.binary_dilation(strong, iterations=3))
    on = ndimage.binary_closing(on, structure=np.ones((3, 3), bool), iterations=1)
    on = ndimage.binary_fill_holes(on)
    # another ink across a mark (a name written over a print) hides its red: red pieces with
    # such ink, or the print's pink smear, between them are measured together, and kept so if
    # they make one print
    pieces, _ = ndimage.label(on)
    piece_at = ndimage.find_objects(pieces)
    reach = round(BRIDGE_MM * px_mm / block)
    joined, _ = ndimage.label(_bridged(on, _gaps(rgb, redness, piece_at, reach, block, px_mm),
                                       reach))
    shapes = []
    for n, sl in enumerate(ndimage.find_objects(joined), start=1):
        if sl is None:
            continue
        inner = [int(i) for i in np.unique(pieces[sl][joined[sl] == n]) if i]
        if len(inner) > 1:
            whole = _measure_piece(rgb, redness, sl, block, px_mm)
            if classify(whole) == "fingerprint":
                shapes.append(whole)
                continue
        for i in inner:
            by, bx = piece_at[i - 1]
            if max(by.stop - by.start, bx.stop - bx.start) * block >= MIN_MARK_MM * px_mm:
                shapes.append(_measure_piece(rgb, redness, (by, bx), block, px_mm))
    return shapes


def _other_ink(rgb: Any, redness: Any, px_mm: float) -> Any:
    """Pixels of an ink that is not red (a name in any pen, print): darker than their
    surroundings by ``INK_CONTRAST`` in every channel, or than ``DARK_INK``, and not red."""
    import numpy as np
    from scipy import ndimage

    darkest = np.minimum(np.minimum(rgb[..., 0], rgb[..., 1]), rgb[..., 2]).astype(np.float32)
    around = ndimage.uniform_filter(darkest, size=max(3, round(4 * px_mm)))
    return ((darkest < around - INK_CONTRAST) | (darkest < DARK_INK)) & (
        redness < FAINT_REDNESS)


def _blocks_of(pixels: Any, block: int, share: float = 0.05) -> Any:
    """Which ``block``-pixel squares of a page-sized bool map hold at least ``share`` of its
    pixels."""
    h, w = (pixels.shape[0] // block) * block, (pixels.shape[1] // block) * block
    counts = pixels[:h, :w].reshape(h // block, block, w // block, block).sum(axis=(1, 3))
    return counts >= max(2, int(block * block * share))


def _gaps(rgb: Any, redness: Any, piece_at: Sequence[tuple[slice, slice] | None], reach: int,
          block: int, px_mm: float) -> Any:
    """Blocks above and below each print-sized red piece (within ``reach``, in its columns)
    that hold another ink or the pink of a smeared print: where a name can hide its red."""
    import numpy as np

    rows, cols = redness.shape[0] // block, redness.shape[1] // block
    out = np.zeros((rows, cols), bool)
    for at in piece_at:
        if at is None:
            continue
        by, bx = at
        if max(by.stop - by.start, bx.stop - bx.start) * block > FINGERPRINT_MM[1] * px_mm:
            continue
        r0, r1 = max(0, by.start - reach), min(rows, by.stop + reach)
        ys, xs = slice(r0 * block, r1 * block), slice(bx.start * block, bx.stop * block)
        red = redness[ys, xs]
        out[r0:r1, bx] |= (_blocks_of(_other_ink(rgb[ys, xs], red, px_mm), block)
                           | _blocks_of(red > PINK, block, 0.3))
    return out


def _bridged(on: Any, ink: Any, reach: int) -> Any:
    """``on`` (blocks) with the ink blocks (grown 2 blocks up and down: the blur) that have a
    red block within ``reach`` both above and below them in their column added."""
    import numpy as np
    from scipy import ndimage

    above, below = np.zeros_like(on), np.zeros_like(on)
    for k in range(1, reach + 1):
        above[k:] |= on[:-k]
        below[:-k] |= on[k:]
    grown = ndimage.binary_dilation(ink, structure=np.ones((5, 1), bool))
    return on | (grown & above & below)


def _measure_piece(rgb: Any, redness: Any, sl: tuple[slice, slice], block: int,
                   px_mm: float) -> Shape:
    """The shape of the mark whose blocks are ``sl``, measured on its pixels and 2 mm round
    (``redness``: the page's, as ``red_marks`` computed it).

    Inside the mark its ink is what is redder than around it (1 mm): a blurred, greyed or
    recompressed print is pink, its ridges only redder than the pink between them. Another
    ink across it, widened by ~0.75 mm (a scan's blur, JPEG's colour smear), hides its red."""
    import numpy as np
    from scipy import ndimage

    by, bx = sl
    pad = block * 2
    x0, y0 = max(0, bx.start * block - pad), max(0, by.start * block - pad)
    x1 = min(rgb.shape[1], bx.stop * block + pad)
    y1 = min(rgb.shape[0], by.stop * block + pad)
    redness = redness[y0:y1, x0:x1].astype(np.float32)
    local = ndimage.uniform_filter(redness, size=block)
    hidden = ndimage.maximum_filter(_other_ink(rgb[y0:y1, x0:x1], redness, px_mm),
                                    size=3 * block // 2)
    spread = ndimage.uniform_filter(redness * redness, size=block) - local * local
    smear = (local > SMEAR_REDNESS) & (local <= FAINT_REDNESS) & (spread < SMEAR_SPREAD ** 2)
    return measure((redness > local) & (redness > FAINT_REDNESS), (x0, y0, x1, y1), px_mm,
                   hidden, smear)


def find_marks(image: Image.Image, dpi: float | None = None) -> list[dict[str, Any]]:
    """The page's fingerprints and seals: ``{"kind", "box"}`` (box in the image's pixels). A
    page without red seals or prints is also looked at for them in any ink, a seal by its ring
    (``ocr.rings``) and a print as a ridged blot (``ocr.prints``): a fax or a black-and-white
    scan keeps their shapes, not their red. Both look at the page's 1 mm cells, taken once."""
    from ocr.prints import blot_prints
    from ocr.rings import page_cells, ring_seals

    found: list[tuple[str, list[float]]] = []
    for shape in red_marks(image, dpi):
        kind = classify(shape)
        if kind is not None:
            found.append((kind, [round(v, 1) for v in shape.box]))
    px_mm = (dpi or page_dpi(image)) / 25.4
    looked: tuple[Any, int, bool] | None = None
    for kind, finder in (("seal", ring_seals), ("fingerprint", blot_prints)):
        if any(k == kind for k, _ in found):
            continue
        looked = looked or page_cells(image, px_mm)
        if looked[2]:  # a coloured page: its marks are red
            break
        found += [(kind, [round(v, 1) for v in box]) for box in finder(image, px_mm, looked)
                  if not any(_overlaps(box, other) for _, other in found)]
    return [{"kind": kind, "box": box} for kind, box in found]


def _overlaps(a: Sequence[float], b: Sequence[float], pad: float = 0.0) -> bool:
    return (a[0] - pad < b[2] and b[0] - pad < a[2] and a[1] - pad < b[3]
            and b[1] - pad < a[3])


def _print_after(box: Sequence[float], prints: Sequence[Sequence[float]]
                 ) -> Sequence[float] | None:
    """The fingerprint that starts within ``PRINT_AFTER_LABEL`` line heights after ``box`` and
    spans its row's middle, if any."""
    height = box[3] - box[1]
    cy = (box[1] + box[3]) / 2
    for p in prints:
        if p[1] <= cy <= p[3] and box[2] - 0.2 * height <= p[0] <= box[2] + PRINT_AFTER_LABEL * height:
            return p
    return None


def signature_marks(lines: Sequence[Line], marks: Sequence[dict[str, Any]]) -> list[
        dict[str, Any]]:
    """Signatures: handwritten lines after a signature label on their row (or starting with
    one), short handwritten lines under or over a fingerprint, and — whatever the ink — a line
    that starts with a signature label, has a name after it, and lies under a fingerprint
    (被讯问人：张某某 with the print pressed over the name: the name is signed by hand), or
    has a fingerprint just after it (``_print_after``; then the place from the label's end, or
    from the line's start where part of the name was read, to the print's end)."""
    prints = [m["box"] for m in marks if m["kind"] == "fingerprint"]
    out = []
    for i, ln in enumerate(lines):
        height = ln.box[3] - ln.box[1]
        text = ln.text.strip()
        start = SIGNATURE_START.match(text)
        under_print = any(_overlaps(ln.box, p, pad=0.2 * height) for p in prints)
        if not ln.handwritten:
            if not start:
                continue
            named = bool(re.sub(r"\W", "", text[start.end():]))
            if named and under_print:
                out.append({"kind": "signature", "box": [round(v, 1) for v in ln.box]})
                continue
            # a print pressed just after the label (and whatever was read of the name): the
            # name under it was not read, or not as a hand (a faint scan greys the ink); a
            # handwritten line there is marked below as the signature itself
            pressed = _print_after(ln.box, prints)
            if pressed is not None and not any(
                    o.handwritten and _overlaps(o.box, (ln.box[2], ln.box[1], pressed[2],
                                                        ln.box[3])) for o in lines):
                out.append({"kind": "signature", "box": [round(v, 1) for v in (
                    ln.box[0] if named else ln.box[2], ln.box[1] - 0.3 * height, pressed[2],
                    ln.box[3] + 0.3 * height)]})
            continue
        cy = (ln.box[1] + ln.box[3]) / 2
        labelled = bool(start)
        for j, other in enumerate(lines):
            if j == i or other.handwritten:
                continue
            ocy = (other.box[1] + other.box[3]) / 2
            same_row = abs(ocy - cy) < 0.6 * max(height, other.box[3] - other.box[1])
            before = other.box[2] <= ln.box[0] + 0.2 * height
            close = ln.box[0] - other.box[2] < 6 * height
            if same_row and before and close and SIGNATURE_LABEL.search(other.text):
                labelled = True
            after = other.box[0] >= ln.box[2] - 0.2 * height
            if same_row and after and other.box[0] - ln.box[2] < 3 * height and \
                    re.match(r"^\s*[(（]\s*(签名|签字|捺印|签章)", other.text):
                labelled = True
        short = len(re.sub(r"\W", "", text)) <= SIGNATURE_MAX_CHARS
        if labelled or (short and under_print):
            out.append({"kind": "signature", "box": [round(v, 1) for v in ln.box]})
    return out
