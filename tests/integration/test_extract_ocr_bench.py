"""The gold bench on OCR output (benchmarks.extraction_ocr), on two real judgments: rendered to
pages, read by the settings' OCR engine through ocr.document.ocr_page, extracted and scored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import extraction_ocr as bench_ocr
from extraction.rules import RuleExtractor

pytestmark = pytest.mark.slow
IDS = ("judge-ae1a4ecd-4481-4e17-88b5-15706738a903", "lecard-17119")  # two short judgments


def test_fields_survive_ocr_of_clean_scans(shared_data: Path, tmp_path: Path) -> None:
    gold = shared_data / "extraction_gold"
    engine = bench_ocr.settings_engine()
    run = bench_ocr.run_ocr(gold, "clean", engine, ids=IDS, cache=tmp_path)
    assert run.cached == 0 and run.pages >= 2 and run.engine == f"{engine.name} {engine.version}"
    assert run.cer < 0.02, run.cer

    texts = dict(bench_ocr.gold_texts(gold))
    for doc_id in IDS:
        label = json.loads((gold / "labels" / f"{doc_id}.json").read_text("utf-8"))
        pages = run.texts[bench_ocr.text_key(texts[doc_id])]
        fields = RuleExtractor().extract(pages).fields
        assert fields["case_number"] == label["case_number"], doc_id
        assert fields["court"] == label["court"], doc_id
        assert [(d["name"], d["charges"]) for d in fields["defendants"]] == [
            (d["name"], d["charges"]) for d in label["defendants"]], doc_id

    counts = bench_ocr.score(gold, run, IDS)  # the scorer of benchmarks.extraction
    assert counts["defendants.name F1"].row()[2] == 1.0
    assert counts["charges F1"].row()[2] == 1.0
    assert counts["case_number"].row()[3] == 1.0
    assert counts["case_number"].total == len(IDS)

    again = bench_ocr.run_ocr(gold, "clean", engine, ids=IDS, cache=tmp_path)
    assert again.cached == len(IDS) and again.texts == run.texts  # a rerun reads the cache
