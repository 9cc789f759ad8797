"""Handwritten lines on hand-filled 讯问笔录 pages (issue 19): found, read, sent to review.

Pages from `tests/scans/handwriting.py` (printed questions; answers, the confirmation and the
signature written in an imitated hand over real judgment sentences, blue-black, blue or black
ink by seed). The detector's bars (`ocr.handwriting`) were set on seeds 0-5 (`--set tune`);
the default set is seeds 100 on, with other judgments (`--set heldout`).

An OCR line counts as handwritten when it covers more than half of a handwritten truth line's
box (a printed 答： and the hand after it are one line). Reported: precision and recall of the
mark by ink (the detector reads ink colour, and shape against the page's print: a black hand is
marked on pages sharp enough to judge), CER of handwritten and
of printed lines against the truth lines they cover, the share of handwritten lines sent to
review, seconds per page, and lines marked on ordinary printed judgment pages of eight scan
conditions (`--printed N` pages; every mark there is a false one).

Marks (`ocr.marks`): each record page has a red 捺印 over the end of the confirmation and one
over the signed name, the name as a signature, and on seeds 1 and 2 mod 4 a red 公章. A found
fingerprint or seal is right when it and the drawn one cover more than half of each other; a
found signature when its line covers more than half of the drawn name. Precision and recall per
kind; on the printed pages the `seal` and `hard` conditions carry one seal each, and every
fingerprint or signature found there is a false one. The same record pages are also scanned in
`--mark-conditions` (the OCR bench's presets) and their marks counted per kind (a page's boxes
move with the skew or the photo, so there found and drawn are matched by count; `hard` stamps
its own court seal, over the record's where it has one). The bars (`ocr.marks`) were set on the
tune seeds.

Seals without red (`ocr.rings`): `--ring-pages N` printed judgment pages (other judgments than
the pages above) stamped with the court seal and faxed, or scanned grey, and the same pages
without a seal (faxed, scanned grey, photographed): a found seal is right when it covers the
drawn one's place on the sheet (centres within 2 % of its sides); every seal found on a page
without one is a false one, and every fingerprint found on any of them (`ocr.prints`). The bars were set on pages 0-9 of the gold texts (`--set tune`).

    python -m benchmarks.handwriting [--mark-conditions scanned,hard,faint,photo,rotated,fax,grey]

    python -m benchmarks.handwriting [--pages 12] [--set heldout|tune] [--printed 16]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.paths import SHARED_DATA, print_reproduce


def _overlap(a: Sequence[float], b: Sequence[float]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def _same_mark(kind: str, found: Sequence[float], drawn: Sequence[float]) -> bool:
    """A found mark is the drawn one: each covers more than half of the other (a signature's
    line, which may hold its printed label too, covers more than half of the drawn name)."""
    both = _overlap(found, drawn)
    area = (drawn[2] - drawn[0]) * (drawn[3] - drawn[1])
    if kind == "signature":
        return both > 0.5 * area
    return both > 0.5 * area and both > 0.5 * (found[2] - found[0]) * (found[3] - found[1])


def _ratio(num: int, den: int) -> str:
    return f"{num / den:.3f}" if den else "n/a"


def ring_section(texts: Sequence[Path], first: int, n: int) -> None:
    """Seals that lost their red (faxed, scanned grey) found by their ring, and false ones on
    the same pages without a seal; seconds per page of the mark search (``find_marks``, what
    ``ocr_page`` runs on the page as given)."""
    from ocr.marks import find_marks
    from tests.scans.generate import CONDITIONS, degrade, grey_scan, render_pages

    found = {"faxed": [0, 0, 0], "grey": [0, 0, 0]}  # right, drawn, other seals found
    false = {"fax": [0, 0], "grey": [0, 0], "photo": [0, 0]}  # seals found, pages
    prints = 0  # fingerprints found: there are none on these pages
    seconds, looked = 0.0, 0

    def seals(img: Any) -> list[list[float]]:
        nonlocal seconds, looked, prints
        t0 = time.perf_counter()
        marks = find_marks(img)
        seconds += time.perf_counter() - t0
        looked += 1
        prints += sum(m["kind"] == "fingerprint" for m in marks)
        return [m["box"] for m in marks if m["kind"] == "seal"]

    def centre(box: Sequence[float], img: Any) -> tuple[float, float]:
        return ((box[0] + box[2]) / 2 / img.width, (box[1] + box[3]) / 2 / img.height)

    for k in range(first, first + n):
        page = render_pages(texts[k % len(texts)].read_text("utf-8-sig"))[0][0]
        sealed = degrade(page, seed=k, seal=True)
        red = seals(sealed)
        if len(red) != 1:  # the red test is measured above: here its place is the truth
            continue
        where = centre(red[0], sealed)
        for name, img in (("faxed", degrade(page, seed=k, **{**CONDITIONS["fax"], "seal": True})),
                          ("grey", grey_scan(sealed))):
            boxes = seals(img)
            right = [b for b in boxes if max(abs(a - w) for a, w in zip(centre(b, img), where,
                                                                         strict=True)) < 0.02]
            found[name][0] += min(1, len(right))
            found[name][1] += 1
            found[name][2] += len(boxes) - min(1, len(right))
        for name, img in (("fax", degrade(page, seed=k, **CONDITIONS["fax"])),
                          ("grey", grey_scan(degrade(page, seed=k, **CONDITIONS["scanned"]))),
                          ("photo", degrade(page, seed=k, **CONDITIONS["photo"]))):
            false[name][0] += len(seals(img))
            false[name][1] += 1
    print(f"seals without red, pages {first}-{first + n - 1}: " + ", ".join(
        f"{name} {right}/{drawn} ({other} other)" for name, (right, drawn, other) in found.items())
        + "; false seals: " + ", ".join(f"{name} {n_false} on {pages} pages"
                                         for name, (n_false, pages) in false.items())
        + f"; false fingerprints {prints} on {looked} pages"
        + f"; {seconds / max(looked, 1):.3f} s a page for the mark search")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.handwriting",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--set", choices=("heldout", "tune"), default="heldout")
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--printed", type=int, default=16,
                        help="ordinary printed pages (eight scan conditions) checked for marks")
    parser.add_argument("--ring-pages", type=int, default=20,
                        help="printed pages whose seal is faxed or scanned grey (ocr.rings)")
    parser.add_argument("--mark-conditions", default="scanned,hard,faint,photo,rotated,fax,grey",
                        help="scan conditions the record pages' marks are also counted in "
                             "('grey': scanned, then grey; '' for none)")
    args = parser.parse_args(argv)

    from ocr.document import needs_review, ocr_page
    from ocr.engines import get_engine
    from ocr.metrics import edit_distance, normalize
    from tests.scans.generate import CONDITIONS, degrade, grey_scan, render_pages
    from tests.scans.handwriting import INKS, render_record_marks

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
    records = []
    kinds = ("fingerprint", "seal", "signature")
    marks = {kind: [0, 0, 0] for kind in kinds}  # tp, fp, fn
    for k in range(args.pages):
        seed = first + k
        text = texts[seed % len(texts)].read_text("utf-8-sig")
        img, truth, drawn = render_record_marks(text, seed=seed)
        records.append((seed, img, drawn))
        t0 = time.perf_counter()
        page = ocr_page(1, img, engine)
        seconds += time.perf_counter() - t0
        for kind in kinds:
            found = [m["box"] for m in page.marks if m["kind"] == kind]
            left = [d.box for d in drawn if d.kind == kind]
            for box in found:
                hit = next((d for d in left if _same_mark(kind, box, d)), None)
                if hit is not None:
                    left.remove(hit)
                marks[kind][0 if hit is not None else 1] += 1
            marks[kind][2] += len(left)
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
    printed_marks = {kind: [0, 0, 0] for kind in kinds}  # tp, fp, fn
    for k in range(args.printed):
        cond = conditions[k % len(conditions)]
        text = texts[(first + 20 + k) % len(texts)].read_text("utf-8-sig")
        img, _ = render_pages(text, font=fonts[k % len(fonts)])[0]
        page = ocr_page(1, degrade(img, seed=first + k, **CONDITIONS[cond]), engine)
        marked += sum(ln.handwritten for ln in page.lines)
        total += len(page.lines)
        for kind in kinds:
            n = sum(m["kind"] == kind for m in page.marks)
            drawn_n = int(kind == "seal" and bool(CONDITIONS[cond].get("seal")))
            printed_marks[kind][0] += min(n, drawn_n)
            printed_marks[kind][1] += max(0, n - drawn_n)
            printed_marks[kind][2] += max(0, drawn_n - n)
    for kind, (mtp, mfp, mfn) in marks.items():
        print(f"{kind} marks on the records: precision {_ratio(mtp, mtp + mfp)}, "
              f"recall {_ratio(mtp, mtp + mfn)} (tp {mtp}, fp {mfp}, fn {mfn})")
    for cond in [c for c in args.mark_conditions.split(",") if c]:
        counted = {kind: [0, 0, 0] for kind in kinds}
        preset = CONDITIONS["scanned" if cond == "grey" else cond]
        for seed, img, drawn in records:
            scan = degrade(img, seed=seed, **preset)
            page = ocr_page(1, grey_scan(scan) if cond == "grey" else scan, engine)
            for kind in kinds:
                n = sum(m["kind"] == kind for m in page.marks)
                want = sum(d.kind == kind for d in drawn)
                if kind == "seal" and preset.get("seal"):
                    want = 1
                counted[kind][0] += min(n, want)
                counted[kind][1] += max(0, n - want)
                counted[kind][2] += max(0, want - n)
        print(f"marks on the records scanned '{cond}': " + ", ".join(
            f"{kind} precision {_ratio(c[0], c[0] + c[1])} recall {_ratio(c[0], c[0] + c[2])} "
            f"({c[0]}/{c[0] + c[2]}, {c[1]} false)" for kind, c in counted.items()))
    if args.ring_pages:
        ring_section(texts, 0 if args.set == "tune" else first + 40,
                     min(args.ring_pages, 10) if args.set == "tune" else args.ring_pages)
    if args.printed:
        print(f"printed pages ({args.printed}, {len(conditions)} conditions): "
              f"{marked} of {total} lines marked handwritten")
        ptp, pfp, pfn = printed_marks["seal"]
        print(f"printed pages: seals found {ptp} of {ptp + pfn} drawn, {pfp} false; "
              f"false fingerprints {printed_marks['fingerprint'][1]}, "
              f"false signatures {printed_marks['signature'][1]}")
    print_reproduce("benchmarks.handwriting", argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
