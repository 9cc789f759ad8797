"""The OCR benchmark's page set and report (no OCR here; `make bench` runs the engines)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from ocr.bench import (
    CONDITIONS,
    EngineRun,
    condition_params,
    format_table,
    render_set,
    source_texts,
)


def test_every_condition_is_defined() -> None:
    for i in range(4):
        for condition in CONDITIONS:
            condition_params(condition, i)
    assert condition_params("skew3", 0)["skew_deg"] == 3.0
    assert condition_params("skew3", 1)["skew_deg"] == -3.0
    assert {condition_params("rotated90", i)["rotate"] for i in range(2)} == {90, 270}
    with pytest.raises(ValueError):
        condition_params("sepia", 0)


def test_sources_mix_gold_and_lecard_judgments() -> None:
    texts = source_texts(4)
    assert len(texts) == 4
    assert any(name.startswith("lecard-") for name, _ in texts)
    assert any(name.startswith("judge-") for name, _ in texts)
    assert all(len(text) > 1000 for _, text in texts)


def test_same_pages_in_every_condition(tmp_path: Path) -> None:
    specs = render_set(1, ["clean", "rotated90"], tmp_path)
    assert [s.condition for s in specs] == ["clean", "rotated90"]
    assert specs[0].truth == specs[1].truth and len(specs[0].truth) > 500
    with Image.open(specs[0].image) as a, Image.open(specs[1].image) as b:
        assert a.size == (b.height, b.width)


def test_table_reports_both_engines_side_by_side() -> None:
    from ocr.bench import PageSpec

    specs = [PageSpec("clean", 0, "x", "noto-serif", 34, "x.png", "被告人张三" * 20)]
    rapid = EngineRun("rapidocr", "rapidocr 3.10.0", {"clean": 0.001}, {"clean": 0.002},
                      {"clean": 2.0}, {"clean": 3.5}, {}, 1000.0)
    tess = EngineRun("tesseract", "tesseract 5.3.0", {"clean": 0.05}, {"clean": 0.08},
                     {"clean": 4.0}, {"clean": 4.1}, {"clean": 1}, 150.0, 160.0)
    missing = EngineRun("paddleocr", error="PaddleOCR needs local models")
    table = format_table([rapid, tess, missing], ["clean"], 1, specs)
    assert "| clean | 1 | 100 | 0.10% | 0.20% | 2.00 | 3.50 | 0 | 5.00% |" in table
    assert "| 50.0x |" in table
    assert "rapidocr 3.10.0: peak RSS 1000 MB" in table and "30.0 clean pages/min" in table
    assert "paddleocr: not run (PaddleOCR needs local models)" in table
