"""The completeness gate on generated dossiers: field accuracy and verdict accuracy.

Dossiers of the six case types are filled into national-template-shaped forms with the facts of
real cases (tests/scans/dossier_templates.py) and read back by the rule extractor, either from
the text as generated (``text``) or rendered as scans, degraded per condition as
``benchmarks.ocr`` does (``scanned``: small skew, blur, noise, JPEG; ``hard``: more of each, low
contrast, a red seal) and OCR'd by the engine the settings choose.

Field accuracy: each value a generated document states (blood alcohol, appraised value, injury
grades, responsibility, seizure rows, questioning parties and times, subject, offence forms) is
compared with what extraction read. Verdict accuracy: per dossier, the complete dossier must
pass B1/C1/C5 with no blocking item; removing the documents of each blocking item must fail with
exactly that item; and the threshold variants (blood alcohol 75 / 186, injury 轻微伤, 次要/同等
responsibility, a theft value below the threshold, a seizure list without a gun) must fail or
flag exactly the item they cross. A verdict is right when its set of blocking items (and, for a
flag variant, the flag) is exactly the expected one.

Splits: the rules were fixed on ``dev`` (CAIL2018 facts of five types; LeCaRD judgments of even
candidate id for the gun type); ``heldout`` is LeCaRD judgments of the five types and LeCaRD
judgments of odd id for guns, never looked at while writing the rules.

    python -m benchmarks.completeness --cases 20
    nice python -m benchmarks.completeness --cases 20 --conditions text,scanned --scan-cases 2

OCR output is cached under ``.cache/completeness-ocr`` (a rerun costs seconds).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import shlex
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks.paths import REPO, SHARED_DATA

#: OCR page texts of each rendered document and condition (key: text, table, condition, version)
CACHE = REPO / ".cache" / "completeness-ocr"
#: bump when the rendering or degradation of the forms changes (invalidates the cache)
RENDER_VERSION = "1"

CONDITIONS = ("text", "clean", "scanned", "hard")
#: the variants of a dossier whose verdict is known: (name, case changes, expected blocking,
#: expected flag) per case type
VARIANTS: dict[str, list[tuple[str, dict[str, Any], set[str], str | None]]] = {
    "危险驾驶": [("血醇75", {"blood_alcohol": 75}, {"血液酒精鉴定"}, None),
                 ("血醇186", {"blood_alcohol": 186.4}, set(), "血醇高于180")],
    "故意伤害": [("轻微伤", {"injury": "轻微伤"}, {"损伤程度鉴定"}, None),
                 ("重伤二级", {"injury": "重伤二级"}, set(), "重伤")],
    "盗窃": [("价值800", {"appraised_value": 800, "forms": ()}, set(), "数额低于较大")],
    "交通肇事": [("次要责任", {"responsibility": "次要"}, {"事故认定书"}, None),
                 ("同等责任", {"responsibility": "同等"}, set(), "同等责任")],
    "寻衅滋事": [("轻微伤", {"injury": "轻微伤"}, set(), "仅轻微伤")],
    "非法持有、私藏枪支弹药": [("无枪", {"items": (("手机", "1部", "黑色"),)}, {"扣押枪弹"}, None)],
}
BUSINESSES = ("B1", "C1", "C5")


def split_cases(split: str, case_type: str, n: int) -> list[Any]:
    from tests.scans.dossier_templates import cases

    guns = case_type.startswith("非法持有")
    if split == "dev":
        if guns:
            return cases(SHARED_DATA, case_type, "lecard", limit=n, parity=0)
        return cases(SHARED_DATA, case_type, "cail2018", limit=n)
    return cases(SHARED_DATA, case_type, "lecard", limit=n, parity=1 if guns else None)


class Reader:
    """Page texts of a generated document under one condition (OCR cached per document)."""

    def __init__(self, condition: str) -> None:
        self.condition = condition
        self.pages = 0
        self.seconds = 0.0
        self._engine: Any = None
        self._cache: dict[str, list[str]] = {}

    def __call__(self, doc: Any) -> list[str]:
        if self.condition == "text":
            return list(doc.pages)
        key = hashlib.sha256(json.dumps([RENDER_VERSION, self.condition, doc.pages, doc.table],
                                        ensure_ascii=False).encode()).hexdigest()
        if key in self._cache:
            return self._cache[key]
        stored = CACHE / f"{key}.json"
        if stored.is_file():
            self._cache[key] = json.loads(stored.read_text("utf-8"))
            return self._cache[key]
        from ocr.document import read_image
        from ocr.engines import get_engine
        from tests.scans.dossier_templates import render
        from tests.scans.generate import CONDITIONS as LEVELS
        from tests.scans.generate import degrade

        if self._engine is None:
            self._engine = get_engine("rapidocr", threads=2)
        started = time.perf_counter()
        texts = []
        for number, image in enumerate(render(doc), start=1):
            scan = degrade(image, seed=number, **LEVELS[self.condition])
            texts.append(read_image(number, scan, lambda: self._engine).text)
        self.seconds += time.perf_counter() - started
        self.pages += len(texts)
        self._cache[key] = texts
        CACHE.mkdir(parents=True, exist_ok=True)
        stored.write_text(json.dumps(texts, ensure_ascii=False), "utf-8")
        return texts


def _dossier(docs: Sequence[Any], suspect: str, read: Reader) -> Any:
    from extraction.rules import RuleExtractor
    from workflow.completeness import Dossier, DossierDocument

    out = []
    for i, doc in enumerate(docs):
        texts = read(doc)
        out.append(DossierDocument.from_extracted(f"{i}:{doc.material}",
                                                  RuleExtractor().extract(texts), len(texts)))
    return Dossier(out, suspects=(suspect,))


def run(split: str, condition: str, n: int) -> dict[str, Any]:
    from extraction.rules import RuleExtractor
    from tests.scans.dossier_templates import CASE_TYPES, compare, documents, read_case
    from workflow import completeness
    from workflow.completeness import Dossier, evaluate

    lib = completeness.load()
    read = Reader(condition)
    fields_total: Counter[str] = Counter()
    fields_right: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    verdicts_right: Counter[str] = Counter()
    misses: list[str] = []
    sources: Counter[str] = Counter()
    for case_type in CASE_TYPES:
        for src in split_cases(split, case_type, n):
            sources[f"{src.source}:{case_type}"] += 1
            case = read_case(src)
            docs = documents(case)
            for doc in docs:
                if doc.truth:
                    got = RuleExtractor().extract(read(doc)).fields
                    for key, ok in compare(doc.truth, got).items():
                        fields_total[key] += 1
                        fields_right[key] += ok
            dossier = _dossier(docs, case.suspect, read)

            def check(kind: str, verdict: Any, blocking: set[str], flag: str | None,
                      label: str, case_type: str = case_type, src: Any = src) -> None:
                got = {r.id for r in verdict.blocking}
                ok = got == blocking and (flag is None or verdict.result(flag).status == "flagged")
                verdicts[kind] += 1
                verdicts_right[kind] += ok
                if not ok and len(misses) < 20:
                    misses.append(f"{split}/{condition} {src.source}:{src.id} {case_type} "
                                  f"{verdict.business} {label}: 期望 {sorted(blocking)} "
                                  f"{flag or ''} 得到 {sorted(got)}")

            for code in BUSINESSES:
                check("complete", evaluate(case_type, code, dossier), set(), None, "完整")
                for item in lib.checklist(case_type).for_business(code):
                    if item.kind != "require" or item.severity != "block":
                        continue
                    materials = [lib.materials[m] for m in item.materials]
                    if all(m.manual for m in materials):
                        continue
                    kept = [d for d in dossier.documents
                            if not any(completeness._matches(d, m) for m in materials)]
                    # a form the case states (入户盗窃 …) exempts the item: no gap expected
                    exempt = bool(set(item.unless_forms) & set(case.forms))
                    check("removal", evaluate(case_type, code, Dossier(kept, dossier.suspects)),
                          set() if exempt else {item.id}, None, f"去掉{item.id}")
            for label, changes, blocking, flag in VARIANTS[case_type]:
                changed = documents(dataclasses.replace(case, **changes))
                variant = _dossier(changed, case.suspect, read)
                check("threshold", evaluate(case_type, "C1", variant), blocking, flag, label)
    return {"split": split, "condition": condition, "sources": dict(sources),
            "fields": {k: (fields_right[k], fields_total[k]) for k in sorted(fields_total)},
            "verdicts": {k: (verdicts_right[k], verdicts[k]) for k in verdicts},
            "misses": misses, "ocr_pages": read.pages, "ocr_seconds": read.seconds}


def report(results: Sequence[dict[str, Any]], out: Callable[[str], None] = print) -> None:
    for r in results:
        out(f"\n== {r['split']} / {r['condition']}  sources: "
            + ", ".join(f"{k} {v}" for k, v in sorted(r["sources"].items())))
        if r["ocr_pages"]:
            out(f"OCR: {r['ocr_pages']} pages, {r['ocr_seconds']:.0f} s")
        out(f"{'field':34s}{'right':>8s}{'total':>8s}{'accuracy':>10s}")
        for key, (ok, total) in r["fields"].items():
            out(f"{key:34s}{ok:8d}{total:8d}{ok / total:10.3f}")
        right = sum(ok for ok, _ in r["fields"].values())
        total = sum(t for _, t in r["fields"].values())
        out(f"{'all fields':34s}{right:8d}{total:8d}{right / max(total, 1):10.3f}")
        out(f"{'verdict':34s}{'right':>8s}{'total':>8s}{'accuracy':>10s}")
        for key, (ok, total) in r["verdicts"].items():
            out(f"{key:34s}{ok:8d}{total:8d}{ok / total:10.3f}")
        for miss in r["misses"]:
            out(f"  ✗ {miss}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20, help="source cases per type and split")
    parser.add_argument("--scan-cases", type=int, default=1,
                        help="cases per type and split for the OCR conditions")
    parser.add_argument("--conditions", default="text",
                        help=f"comma-separated, of {', '.join(CONDITIONS)}")
    parser.add_argument("--splits", default="dev,heldout")
    args = parser.parse_args(argv)
    conditions = [c for c in args.conditions.split(",") if c]
    for c in conditions:
        if c not in CONDITIONS:
            parser.error(f"unknown condition {c!r}")
    results = []
    for split in args.splits.split(","):
        for condition in conditions:
            n = args.cases if condition == "text" else args.scan_cases
            results.append(run(split, condition, n))
    report(results)
    print("\nreproduce: python -m benchmarks.completeness "
          + shlex.join(sys.argv[1:] if argv is None else list(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
