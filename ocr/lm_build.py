"""Build ``ocr.lm``'s model from public judgments (``make install`` runs it).

    python -m ocr.lm_build --out data/models/ocr-lm/judgments.npz [--data ../shared/data]
        [--leave-out bench-pages.jsonl]

Counted: ../shared/data's LeCaRD and JuDGE judgments, CAIL2018 and MUD facts, over the
recognisers' characters, and the characters of the names their headers and signatures write
(``ocr.lm.NAME_SPANS``); a judgment named in a ``--leave-out`` file (the OCR bench writes its
pages' sources) or folder (the judgment-shapes bench's texts, which it faxes and reads) is
found again by two of three 40-character pieces of its text and left out, also where another
corpus holds a copy of it. (One piece was too little: a piece that falls on the Criminal Law's
text or the 羁押一日折抵刑期一日 formula is in thousands of judgments, and one such piece left
2,400 other judgments out.)
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from ocr.lm import build

#: (file under the data folder, the text's field, the name's field or None: its line number)
SOURCES = (("lecard/corpus.jsonl.gz", "qw", "candidate_id"), ("judge/judgments.jsonl.gz", "fd",
           "text_id"), ("cail2018/cases.jsonl.gz", "fact", None), ("mud/cases.jsonl.gz", "facts",
           None))


def _texts(data: Path) -> Iterator[tuple[str, str]]:
    """(name, text) of every judgment and case text under ``data`` (../shared/data's layout)."""
    for file, field, name in SOURCES:
        path = data / file
        if not path.is_file():
            continue
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for k, line in enumerate(fh):
                row = json.loads(line)
                yield f"{file.split('/')[0]}-{row.get(name) if name else k}", str(
                    row.get(field) or "")


def snippets(text: str) -> list[str]:
    """Three 40-character pieces from inside a text (its facts, not the boilerplate of its
    head and tail), to find it again inside another corpus."""
    flat = "".join(text.split())
    if len(flat) < 400:
        return [flat] if len(flat) >= 40 else []
    return [flat[k:k + 40] for k in (len(flat) // 3, len(flat) // 2, 2 * len(flat) // 3)]


def _copy_of(pieces: list[str], flat: str) -> bool:
    """Whether ``flat`` holds a left-out text: two of its pieces (its only one, if short)."""
    return sum(p in flat for p in pieces) >= min(2, len(pieces))


def _left_out(path: Path) -> Iterator[str]:
    """The texts of a leave-out: a folder's .txt files, or a JSONL file's ``text`` fields."""
    if path.is_dir():
        for txt in sorted(path.glob("*.txt")):
            yield txt.read_text(encoding="utf-8-sig")
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield str(json.loads(line)["text"])


def recogniser_vocab() -> list[str]:
    """The default recogniser's character list (the model only knows what it can propose)."""
    from ocr.engines.rapid import recogniser_chars

    return recogniser_chars()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ocr.lm_build",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--leave-out", type=Path, action="append", default=[],
                   help="a JSONL file of {\"text\": ...} judgments not to count (the OCR bench "
                        "writes its pages' sources: python -m benchmarks.ocr --write-sources F), "
                        "or a folder of their .txt files (the judgment-shapes bench's texts)")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"没有找到裁判文书数据目录：{args.data}", file=sys.stderr)
        return 2
    unseen: list[list[str]] = []
    for path in args.leave_out:
        try:
            unseen.extend(pieces for text in _left_out(path) if (pieces := snippets(text)))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"无法读取要排除的文书 {path}：{exc}", file=sys.stderr)
            return 2
    kept = skipped = 0

    def wanted() -> Iterator[str]:
        nonlocal kept, skipped
        for _, text in _texts(args.data):
            flat = "".join(text.split())
            if any(_copy_of(pieces, flat) for pieces in unseen):
                skipped += 1
                continue
            kept += 1
            yield text

    model = build(wanted(), recogniser_vocab(), names=True)
    if not kept:
        print(f"{args.data} 中没有可用的文书文本", file=sys.stderr)
        return 2
    model.save(args.out)
    sizes = ", ".join(f"{n}-grams {len(k):,}" for n, k in enumerate(model.keys, 1))
    print(f"{args.out}: {kept:,} texts ({skipped} left out), "
          f"{model.total:,} characters; {sizes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
