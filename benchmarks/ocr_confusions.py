"""Learn the recogniser's look-alike confusions (形近字) on faxes, for ``ocr.lm`` (issue 19).

Judgments the OCR bench never renders (LeCaRD's long judgments after the bench's first
``SOURCE_LIMIT`` sources, any copy of a bench source left out) are laid out with the bench's
fonts and sizes (tests/scans/generate.py), faxed with the bench's fax degradation under other
seeds, and read through ``ocr.document.ocr_page`` as the service reads them. Each line's
recogniser reading (its best path and its candidates, before the language model chooses) is
aligned with the truth, and every unsure character read as another is counted: true character
``t`` read as ``r``. The table keeps the pairs seen often enough, with how often ``r`` was read
unsurely at all, as ``ocr/confusions.txt`` (``ocr.lm.load_confusions``)::

    python -m benchmarks.ocr_confusions --pages 384 --jobs 2 \
        --records /tmp/fax-confusions.jsonl --out ocr/confusions.txt

``--records`` keeps what the recogniser read per page (a rerun with the same file only adds
the missing pages and rebuilds the table).
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import json
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from benchmarks.ocr import DATA, FONT_SIZES, FONTS, SOURCE_LIMIT, source_texts
from ocr.lm_build import snippets

SEED = 700_000  # fax seeds of these pages (the bench's are 1000 + page)
#: a pair is kept when seen at least this often...
MIN_PAIR = 2
#: ...and ``t`` was absent from the candidates of at least this many of them (else the
#: recogniser already offers it and the table adds nothing)
MIN_ABSENT = 0


def training_texts(pages: int, data: Path = DATA) -> list[tuple[str, str]]:
    """LeCaRD judgments longer than 1,500 characters that the OCR bench does not render and
    the judgment-shapes bench does not fax (its hand-labelled judgments, both splits: the
    faxed extraction figures must be read on pages whose look-alikes were not learned)."""
    from benchmarks.extraction_shapes import labels

    bench = source_texts(SOURCE_LIMIT, data)
    pieces = [p for _, text in bench for p in snippets(text)]
    names = {name for name, _ in bench} | {str(g["doc_id"]) for g in labels()}
    out: list[tuple[str, str]] = []
    with gzip.open(data / "lecard" / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            text = str(row.get("qw") or "")
            name = f"lecard-{row.get('candidate_id')}"
            if len(text) <= 1500 or name in names:
                continue
            flat = "".join(text.split())
            if any(p in flat for p in pieces):
                continue
            out.append((name, text))
            if len(out) >= pages:
                break
    return out


_ENGINE: dict[str, Any] = {}  # one per worker process, loaded once


def read_pages(jobs: list[tuple[int, str, str]]) -> list[dict[str, Any]]:
    """Runs in a fresh process: render, fax and read each (index, name, text)."""
    from PIL import Image

    import ocr.engines.rapid as rapid
    from ocr.document import ocr_page
    from ocr.engines import get_engine
    from tests.scans.generate import degrade, render_pages

    seen: list[list[Any]] = []
    original = _ENGINE.setdefault("in_context", rapid._in_context)

    def spy(lm: Any, reads: list[Any], fax: bool = False) -> list[str]:
        chosen = original(lm, reads, fax)
        seen.append([reads, chosen])
        return chosen

    rapid._in_context = spy
    if "engine" not in _ENGINE:
        _ENGINE["engine"] = get_engine("rapidocr", threads=1)
    engine = _ENGINE["engine"]
    out = []
    for index, name, text in jobs:
        font = FONTS[index % len(FONTS)]
        size = FONT_SIZES[(index // len(FONTS)) % len(FONT_SIZES)]
        rendered = render_pages(text, font=font, font_size=size)
        page, truth = rendered[(index // 2) % len(rendered)]
        img = degrade(page, seed=SEED + index, fax=True)
        with tempfile.NamedTemporaryFile(suffix=".png") as tmp:  # as the bench: via a PNG
            dpi = float(img.info.get("dpi", (300, 300))[0])
            img.save(tmp.name, dpi=(round(dpi), round(dpi)), compress_level=1)
            with Image.open(tmp.name) as im:
                rgb = im.convert("RGB")
        rgb.info["dpi"] = (dpi, dpi)
        seen.clear()
        result = ocr_page(1, rgb, engine)
        lines = []
        if seen:
            reads, chosen = seen[-1]
            for read, pick in zip(reads, chosen, strict=True):
                slots = [[[t, round(p, 5)] for t, p in slot[:16]] for slot in read.slots or []]
                lines.append({"text": read.text, "chosen": pick, "slots": slots})
        out.append({"index": index, "name": name, "font": font, "size": size, "truth": truth,
                    "text": result.text, "lines": lines})
        print(f"  page {index:4d} {name} {font} {size}px: {len(lines)} lines", file=sys.stderr,
              flush=True)
    return out


def _fold(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch)


def observations(record: dict[str, Any]) -> Iterator[tuple[str, str, bool, bool, list[str]]]:
    """(read, true, unsure, true among the candidates, candidates) for every character the
    recogniser read on the page that aligns one to one with a true character."""
    chars: list[str] = []
    unsure: list[bool] = []
    options: list[list[str]] = []
    for line in record["lines"]:
        text = line["text"]
        slots = [s for s in line["slots"] if s and s[0][0] != ""]
        if slots and "".join(s[0][0] for s in slots) == text:
            from ocr.lm import UNSURE

            for s in slots:
                chars.append(s[0][0])
                unsure.append(s[0][1] < UNSURE)
                options.append([t for t, _ in s])
        else:
            for ch in text:
                if ch.strip():
                    chars.append(ch)
                    unsure.append(False)
                    options.append([ch])
    truth = "".join(record["truth"].split())
    read = "".join(chars)
    matcher = difflib.SequenceMatcher(None, read, truth, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                yield chars[i1 + k], truth[j1 + k], unsure[i1 + k], True, options[i1 + k]
        elif tag == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                r, t = chars[i1 + k], truth[j1 + k]
                yield r, t, unsure[i1 + k], t in options[i1 + k], options[i1 + k]


def table(records: Sequence[dict[str, Any]]) -> tuple[dict[str, int], dict[tuple[str, str], int],
                                                      Counter[tuple[str, str]]]:
    """Per read character: unsure readings; per (read, true) pair: unsure misreadings and,
    of those, readings whose candidates lacked the true character."""
    reads: dict[str, int] = defaultdict(int)
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    absent: Counter[tuple[str, str]] = Counter()
    for record in records:
        for r, t, unsure, offered, _ in observations(record):
            if not unsure:
                continue
            reads[r] += 1
            if _fold(r) != _fold(t):
                pairs[(r, t)] += 1
                if not offered:
                    absent[(r, t)] += 1
    return reads, pairs, absent


def write_table(records: Sequence[dict[str, Any]], out: Path, command: str) -> int:
    reads, pairs, absent = table(records)
    kept = sorted(((r, t) for (r, t), n in pairs.items()
                   if n >= MIN_PAIR and absent[(r, t)] >= MIN_ABSENT),
                  key=lambda rt: (rt[0], -pairs[rt], rt[1]))
    lines = [
        "# ocr.lm's look-alike confusions on faxes (issue 19): a true character the tiny "
        "recogniser read unsurely as another.",
        f"# Built by: {command} ({len(records)} faxed pages of judgments that neither the OCR "
        "bench nor the judgment-shapes bench reads)",
        "# read<TAB>true<TAB>times read as it<TAB>times absent from the candidates<TAB>"
        "unsure readings of read",
    ]
    for r, t in kept:
        lines.append(f"{r}\t{t}\t{pairs[(r, t)]}\t{absent[(r, t)]}\t{reads[r]}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(kept)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ocr_confusions",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=384)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--records", type=Path, help="JSONL of what was read per page (kept)")
    parser.add_argument("--out", type=Path, default=Path("ocr/confusions.txt"))
    args = parser.parse_args(argv)
    records: list[dict[str, Any]] = []
    if args.records and args.records.is_file():
        with args.records.open(encoding="utf-8") as fh:
            records = [json.loads(line) for line in fh if line.strip()]
    done = {r["index"] for r in records}
    texts = training_texts(args.pages)
    todo = [(k, name, text) for k, (name, text) in enumerate(texts) if k not in done]
    if todo:
        chunks = [todo[k:k + 4] for k in range(0, len(todo), 4)]
        with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
            for part in pool.map(read_pages, chunks):
                records.extend(part)
                if args.records:
                    with args.records.open("a", encoding="utf-8") as fh:
                        for record in part:
                            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    records = sorted((r for r in records if r["index"] < args.pages), key=lambda r: r["index"])
    command = "python -m benchmarks.ocr_confusions " + " ".join(argv or sys.argv[1:])
    kept = write_table(records, args.out, command)
    print(f"{args.out}: {kept} pairs from {len(records)} pages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
