"""Build ``ocr.lm``'s model from public judgments (``make install`` runs it).

    python -m ocr.lm_build --out data/models/ocr-lm/judgments.npz [--data ../shared/data]
        [--leave-out bench-pages.jsonl]

Counted: ../shared/data's LeCaRD and JuDGE judgments, CAIL2018 and MUD facts, over the
recognisers' characters; a judgment named in a ``--leave-out`` file (the OCR bench writes its
pages' sources) is found again by three 40-character pieces of its text and left out, also
where another corpus holds a copy of it.
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


def _snippets(text: str) -> list[str]:
    """Three 40-character pieces from inside a text (its facts, not the boilerplate of its
    head and tail), to find it again inside another corpus."""
    flat = "".join(text.split())
    if len(flat) < 400:
        return [flat] if len(flat) >= 40 else []
    return [flat[k:k + 40] for k in (len(flat) // 3, len(flat) // 2, 2 * len(flat) // 3)]


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
                        "writes its pages' sources: python -m benchmarks.ocr --write-sources F)")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"没有找到裁判文书数据目录：{args.data}", file=sys.stderr)
        return 2
    unseen: list[str] = []
    for path in args.leave_out:
        try:
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        unseen.extend(_snippets(str(json.loads(line)["text"])))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"无法读取要排除的文书 {path}：{exc}", file=sys.stderr)
            return 2
    kept = skipped = 0

    def wanted() -> Iterator[str]:
        nonlocal kept, skipped
        for _, text in _texts(args.data):
            flat = "".join(text.split())
            if any(s in flat for s in unseen):
                skipped += 1
                continue
            kept += 1
            yield text

    model = build(wanted(), recogniser_vocab())
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
