"""The OCR benchmark's page set and report (no OCR here; `make bench` runs the engines)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from benchmarks.ocr import (
    CONDITIONS,
    ChunkRun,
    EngineRun,
    PageScore,
    PageSpec,
    condition_params,
    engine_options,
    format_table,
    main,
    merge,
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


def test_pages_never_tuned_on_are_rendered_alone_and_the_same(tmp_path: Path) -> None:
    """``--first``: pages 2-3 alone are the very pages 2-3 of the whole set (same judgment,
    font, size and degradation), so a figure on pages a design never saw can be measured."""
    (tmp_path / "whole").mkdir()
    (tmp_path / "tail").mkdir()
    whole = render_set(4, ["fax"], tmp_path / "whole")
    tail = render_set(4, ["fax"], tmp_path / "tail", first=2)
    assert [s.index for s in tail] == [2, 3]
    for a, b in zip(whole[2:], tail, strict=True):
        assert (a.source, a.font, a.size, a.truth) == (b.source, b.font, b.size, b.truth)
        with Image.open(a.image) as x, Image.open(b.image) as y:
            assert x.tobytes() == y.tobytes()


def test_first_page_beyond_the_set_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--pages", "5", "--first", "5"])
    assert exit_.value.code == 2
    assert "--first 5 must be" in capsys.readouterr().err


def test_table_reports_both_engines_side_by_side() -> None:
    specs = [PageSpec("clean", 0, "x", "noto-serif", 34, "x.png", "被告人张三" * 20)]
    rapid = EngineRun("rapidocr", "rapidocr 3.10.0", {"clean": 0.001}, {"clean": 0.002},
                      {"clean": 2.0}, {"clean": 3.5}, {}, 1000.0)
    tess = EngineRun("tesseract", "tesseract 5.3.0", {"clean": 0.05}, {"clean": 0.08},
                     {"clean": 4.0}, {"clean": 4.1}, {"clean": 1}, 150.0, 160.0)
    missing = EngineRun("paddleocr", error="PaddleOCR needs local models")
    table = format_table([rapid, tess, missing], ["clean"], 1, specs)
    assert "| clean | 1 | 100 | 0.10% | 0.20% | 2.00 | 30.0 | 3.50 | 0 | 5.00% |" in table
    assert "| 50.0x |" in table
    assert "rapidocr 3.10.0: peak RSS 1000 MB" in table and "30.0 clean pages/min" in table
    assert "paddleocr: not run (PaddleOCR needs local models)" in table


def test_pages_from_several_processes_are_merged_per_condition() -> None:
    a = ChunkRun("rapidocr x", [PageScore("clean", 1, 100, 2.0, 3.0, False),
                                PageScore("faint", 10, 100, 4.0, 5.0, True)], 900.0)
    b = ChunkRun("rapidocr x", [PageScore("clean", 0, 300, 1.0, 2.0, True)], 1100.0)
    run = merge("rapidocr", [a, b])
    assert run.cer == {"clean": 1 / 400, "faint": 0.1}
    assert run.worst["clean"] == 0.01 and run.seconds["clean"] == 1.5
    assert run.flagged == {"clean": 1, "faint": 1} and run.peak_rss_mb == 1100.0
    failed = merge("paddleocr", [ChunkRun(error="no models"), a])
    assert failed.error == "no models" and not failed.cer


def test_a_conditions_cer_comes_with_its_interval_over_the_pages() -> None:
    # pages drawn again whole: one page is its own interval; two pages of 1 % and 0 % span
    # from 0 (the clean page twice) to 1 % (the other twice), weighed by their characters
    pages = [PageScore("fax", 1, 100, 2.0, 3.0, False), PageScore("fax", 0, 300, 1.0, 2.0, False),
             PageScore("faint", 10, 100, 4.0, 5.0, True)]
    run = merge("rapidocr", [ChunkRun("rapidocr x", pages, 900.0)])
    assert run.interval["faint"] == (0.1, 0.1)
    assert run.interval["fax"] == (0.0, 0.01)
    specs = [PageSpec("fax", 0, "x", "noto-serif", 34, "x.png", "被告人张三" * 20)]
    table = format_table([run], ["fax", "faint"], 2, specs)
    assert ("rapidocr CER, 95 % interval over the pages (2000 draws of them, seed 11): "
            "fax 0.25% [0.00% - 1.00%]; faint 10.00% [10.00% - 10.00%]") in table


def test_engine_specs_name_a_model() -> None:
    assert engine_options("rapidocr", 2) == ("rapidocr", {"threads": 2})
    assert engine_options("rapidocr:small", 2) == ("rapidocr", {"threads": 2, "model": "small"})
    assert engine_options("tesseract", 2) == ("tesseract", {"threads": 1})


def test_targets_are_stated_met_or_not() -> None:
    specs = [PageSpec("clean", 0, "x", "noto-serif", 34, "x.png", "被告人张三" * 20)]
    ours = EngineRun("rapidocr", "rapidocr v", {"clean": 0.001, "faint": 0.03}, {}, {"clean": 1.2},
                     {}, {}, 700.0, pages_per_min=45.0, procs=1)
    tess = EngineRun("tesseract", "tesseract 5", {"clean": 0.01, "faint": 0.05})
    table = format_table([ours, tess], ["clean", "faint"], 1, specs)
    assert "target CER <= 0.5% on clean: worst clean 0.10% -> met" in table
    assert "target CER <= 2.0% on faint: worst faint 3.00% -> NOT met" in table
    assert "lowest 1.7x -> NOT met" in table
    assert "45.0 clean pages/min with 1 worker processes" in table
    assert "target >= 60 clean pages/min per 2-core worker: 45.0 -> NOT met" in table


def test_photo_and_fax_targets_are_stated() -> None:
    specs = [PageSpec("photo", 0, "x", "noto-serif", 34, "x.png", "被告人张三" * 20)]
    ours = EngineRun("rapidocr", "rapidocr v", {"photo": 0.002, "fax": 0.008}, {},
                     {"photo": 2.0, "fax": 4.0}, {}, {}, 700.0)
    table = format_table([ours], ["photo", "fax"], 1, specs)
    assert "on photo: 0.20% (met), 30.0 pages/min one page at a time (met)" in table
    assert "on fax: 0.80% (NOT met), 15.0 pages/min one page at a time (NOT met)" in table
    # with the worker host's pass, the target is judged on it (two pages at once)
    ours.worker_ppm, ours.procs, ours.threads = {"fax": 26.5}, 2, 1
    table = format_table([ours], ["photo", "fax"], 1, specs)
    assert "on fax: 0.80% (NOT met), 26.5 pages/min per 2-core worker (2 × 1 threads) (met)" in table
    assert "on photo: 0.20% (met), 30.0 pages/min one page at a time (met)" in table


def test_photo_and_fax_pages_keep_the_truth_and_their_dpi(tmp_path: Path) -> None:
    specs = render_set(1, ["clean", "photo", "fax"], tmp_path)
    assert specs[0].truth == specs[1].truth == specs[2].truth
    assert [s.dpi for s in specs] == [300.0, 72.0, 150.0]
    with Image.open(specs[2].image) as im:
        assert round(im.info["dpi"][0]) == 150


def test_pages_past_the_left_out_judgments_reuse_them(tmp_path: Path) -> None:
    """Page SOURCE_LIMIT + i is a later page of judgment i, one of those ``ocr.lm`` leaves out
    (``--write-sources``): before, it was judgment SOURCE_LIMIT + i, which the model had
    counted, so a figure on pages 200 and after was read with the model knowing the text."""
    from benchmarks.ocr import SOURCE_LIMIT

    left_out = [name for name, _ in source_texts(SOURCE_LIMIT)]
    specs = render_set(SOURCE_LIMIT + 2, ["clean"], tmp_path, first=SOURCE_LIMIT)
    assert [s.source for s in specs] == left_out[:2]
    first = render_set(1, ["clean"], tmp_path)[0]
    assert first.source == specs[0].source and first.truth != specs[0].truth
