"""Handwritten lines on hand-filled 讯问笔录 pages (issue 19): found, read, sent to review.

Pages from `tests/scans/handwriting.py` (printed questions; answers, the confirmation and the
signature written in an imitated hand over real judgment sentences, blue-black, blue or black
ink by seed). The detector's bars (`ocr.handwriting`) were set on seeds 0-5 (`--set tune`);
the default set is seeds 100 on, with other judgments (`--set heldout`).

An OCR line counts as handwritten when it covers more than half of a handwritten truth line's
box (a printed 答： and the hand after it are one line). Reported: precision and recall of the
mark by ink (the detector reads ink colour: a black hand is not marked), CER of handwritten and
of printed lines against the truth lines they cover, the share of handwritten lines sent to
review, seconds per page, and lines marked on ordinary printed judgment pages of eight scan
conditions (`--printed N` pages; every mark there is a false one).

    python -m benchmarks.handwriting [--pages 12] [--set heldout|tune] [--printed 16]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.paths import SHARED_DATA, print_reproduce


def _overlap(a: Sequence[float], b: Sequence[float]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.handwriting",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--set", choices=("heldout", "tune"), default="heldout")
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--printed", type=int, default=16,
                        help="ordinary printed pages (eight scan conditions) checked for marks")
    args = parser.parse_args(argv)

    from ocr.document import needs_review, ocr_page
    from ocr.engines import get_engine
    from ocr.metrics import edit_distance, normalize
    from tests.scans.generate import CONDITIONS, degrade, render_pages
    from tests.scans.handwriting import INKS, render_record

    texts = sorted((args.data / "extraction_gold" / "texts").glob("*.txt"))
    first = 0 if args.set == "tune" else 100
    if args.set == "tune":
        args.pages = min(args.pages, 6)
    engine = get_engine()
    ink_name = {INKS[0]: "blue-black", INKS[1]: "blue", INKS[2]: "black"}
    by_ink: dict[str, list[int]] = {name: [0, 0] for name in ink_name.values()}  # found, all
    tp = fp = fn = 0
    errors = {True: 0, False: 0}
    chars = {True: 0, False: 0}
    reviewed = hand_lines = 0
    seconds = 0.0
    for k in range(args.pages):
        seed = first + k
        text = texts[seed % len(texts)].read_text("utf-8-sig")
        img, truth = render_record(text, seed=seed)
        t0 = time.perf_counter()
        page = ocr_page(1, img, engine)
        seconds += time.perf_counter() - t0
        for ln in page.lines:
            covered = sorted((t for t in truth if _overlap(t.box, ln.box) >
                              0.5 * (t.box[2] - t.box[0]) * (t.box[3] - t.box[1])),
                             key=lambda t: t.box[0])
            is_hand = any(t.handwritten for t in covered)
            tp += is_hand and ln.handwritten
            fp += (not is_hand) and ln.handwritten
            fn += is_hand and not ln.handwritten
            if covered:
                ref = normalize("".join(t.text for t in covered))
                errors[is_hand] += edit_distance(ref, normalize(ln.text))
                chars[is_hand] += len(ref)
            if is_hand:
                hand_lines += 1
                reviewed += needs_review(ln)
                counts = by_ink[ink_name[INKS[seed % len(INKS)]]]
                counts[0] += ln.handwritten
                counts[1] += 1
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    print(f"hand-filled 讯问笔录, {args.set} (seeds {first}-{first + args.pages - 1}), "
          f"{args.pages} pages, {hand_lines} handwritten lines")
    print(f"handwriting mark: precision {precision:.3f}, recall {recall:.3f} "
          f"(tp {tp}, fp {fp}, fn {fn})")
    for hand, label in ((True, "handwritten"), (False, "printed")):
        if chars[hand]:
            print(f"CER {label} lines: {100 * errors[hand] / chars[hand]:.2f} % "
                  f"({chars[hand]} characters)")
    print("recall by ink: " + ", ".join(f"{name} {found}/{n}" for name, (found, n)
                                         in by_ink.items() if n))
    if hand_lines:
        print(f"handwritten lines sent to review: {reviewed}/{hand_lines}")
    print(f"{seconds / max(args.pages, 1):.2f} s/page (OCR with clean-up and the mark)")
    # ordinary printed judgments, degraded as the OCR bench does: every mark is a false one
    conditions = ("clean", "scanned", "hard", "seal", "faint", "photo", "fax", "rotated")
    fonts = ("noto-serif", "ukai", "uming", "wqy-zenhei")
    marked = total = 0
    for k in range(args.printed):
        cond = conditions[k % len(conditions)]
        text = texts[(first + 20 + k) % len(texts)].read_text("utf-8-sig")
        img, _ = render_pages(text, font=fonts[k % len(fonts)])[0]
        page = ocr_page(1, degrade(img, seed=first + k, **CONDITIONS[cond]), engine)
        marked += sum(ln.handwritten for ln in page.lines)
        total += len(page.lines)
    if args.printed:
        print(f"printed pages ({args.printed}, {len(conditions)} conditions): "
              f"{marked} of {total} lines marked handwritten")
    print_reproduce("benchmarks.handwriting", argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
