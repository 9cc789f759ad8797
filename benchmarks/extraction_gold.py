"""Score the rule extractor against the hand-checked gold judgments.

Exact-match accuracy per field (defendants matched by their order in the header) and set
precision/recall for the list fields, so every rule change can be judged by one table:

    python -m benchmarks.extraction_gold ../shared/data/extraction_gold
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from extraction.base import Extractor
from extraction.rules import RuleExtractor

TOP_FIELDS = (
    "doc_type", "case_number", "court", "procuratorate", "judgment_date",
    "amount_involved_yuan", "blood_alcohol_mg_per_100ml",
)  # fmt: skip
DEFENDANT_FIELDS = (
    "name", "gender", "birth_date", "ethnicity", "charges",
    "principal", "term_months", "probation_months", "fine_yuan", "confiscation",
)  # fmt: skip
SET_FIELDS = ("victims", "defense_counsel", "mitigating")
SENTENCE_FIELDS = frozenset(
    {"principal", "term_months", "probation_months", "fine_yuan", "confiscation"}
)


def _defendant_value(defendant: dict[str, Any] | None, key: str) -> Any:
    if defendant is None:
        return None
    if key in SENTENCE_FIELDS:
        return (defendant.get("sentence") or {}).get(key)
    return defendant.get(key)


def _same(gold: Any, predicted: Any) -> bool:
    if isinstance(gold, float) or isinstance(predicted, float):
        return gold is not None and predicted is not None and abs(gold - predicted) < 1e-6
    return bool(gold == predicted)


def evaluate(
    gold_dir: str | Path,
    extractor: Extractor | None = None,
    to_pages: Callable[[str], list[str]] | None = None,
) -> dict[str, Any]:
    """Compare ``extractor`` (RuleExtractor by default) with ``gold_dir``/labels/*.json.

    ``to_pages`` turns a gold text into page texts (default: one page), e.g. to simulate OCR.

    Returns {"documents", "fields": {name: accuracy}, "defendants": {name: accuracy},
    "sets": {name: {"precision", "recall"}}, "failures": [(doc_id, field, gold, predicted)]}.
    """
    gold_dir = Path(gold_dir)
    extractor = extractor or RuleExtractor()
    hits = {key: 0 for key in TOP_FIELDS}
    defendant_hits = {key: 0 for key in DEFENDANT_FIELDS}
    defendant_total = 0
    set_counts = {key: [0, 0, 0] for key in SET_FIELDS}  # true positives, predicted, gold
    failures: list[tuple[str, str, Any, Any]] = []
    labels = sorted((gold_dir / "labels").glob("*.json"))
    for label in labels:
        gold = json.loads(label.read_text(encoding="utf-8"))
        doc_id = label.stem
        text = (gold_dir / "texts" / f"{doc_id}.txt").read_text(encoding="utf-8")
        predicted = extractor.extract(to_pages(text) if to_pages else [text]).fields
        for key in TOP_FIELDS:
            if _same(gold.get(key), predicted.get(key)):
                hits[key] += 1
            else:
                failures.append((doc_id, key, gold.get(key), predicted.get(key)))
        gold_defendants = gold.get("defendants") or []
        predicted_defendants = predicted.get("defendants") or []
        defendant_total += len(gold_defendants)
        for i, gold_defendant in enumerate(gold_defendants):
            mine = predicted_defendants[i] if i < len(predicted_defendants) else None
            for key in DEFENDANT_FIELDS:
                want = _defendant_value(gold_defendant, key)
                got = _defendant_value(mine, key)
                if key == "confiscation":
                    want, got = bool(want), bool(got)
                if _same(want, got):
                    defendant_hits[key] += 1
                else:
                    failures.append((doc_id, f"defendants/{i}/{key}", want, got))
        for key in SET_FIELDS:
            want_set, got_set = set(gold.get(key) or []), set(predicted.get(key) or [])
            counts = set_counts[key]
            counts[0] += len(want_set & got_set)
            counts[1] += len(got_set)
            counts[2] += len(want_set)
            if want_set != got_set:
                failures.append((doc_id, key, sorted(want_set), sorted(got_set)))
    n = len(labels) or 1
    return {
        "documents": len(labels),
        "defendants_total": defendant_total,
        "fields": {key: hits[key] / n for key in TOP_FIELDS},
        "defendants": {
            key: defendant_hits[key] / (defendant_total or 1) for key in DEFENDANT_FIELDS
        },
        "sets": {
            key: {
                "precision": tp / predicted if predicted else 1.0,
                "recall": tp / gold if gold else 1.0,
            }
            for key, (tp, predicted, gold) in set_counts.items()
        },
        "failures": failures,
    }


def format_table(result: dict[str, Any]) -> str:
    """The scores as a plain-text table."""
    lines = [f"documents: {result['documents']}, defendants: {result['defendants_total']}", ""]
    lines.append(f"{'field':<34}{'accuracy':>9}")
    for key, value in result["fields"].items():
        lines.append(f"{key:<34}{value:>9.3f}")
    for key, value in result["defendants"].items():
        lines.append(f"{'defendants.' + key:<34}{value:>9.3f}")
    lines += ["", f"{'set field':<34}{'precision':>9}{'recall':>9}"]
    for key, value in result["sets"].items():
        lines.append(f"{key:<34}{value['precision']:>9.3f}{value['recall']:>9.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m benchmarks.extraction_gold GOLD_DIR [--failures]", file=sys.stderr)
        return 2
    result = evaluate(args[0])
    print(format_table(result))
    if "--failures" in args:
        print()
        for doc_id, key, want, got in result["failures"]:
            print(f"{doc_id}\t{key}\tgold={want!r}\tgot={got!r}")
    print(f"\nreproduce: python -m benchmarks.extraction_gold {args[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
