"""Sentencing statistics and the CAIL2018 estimate on real cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.sentencing import cail_charge, load_cail, run
from similarity.sentencing import (
    SentenceRecord,
    estimate_term,
    flag_proposed,
    histogram,
    quantile,
    same_charges,
    sentencing_stats,
)


def test_quantiles_and_histogram() -> None:
    assert quantile([1, 2, 3, 4], 0.5) == 2.5
    assert quantile([7], 0.25) == 7.0
    with pytest.raises(ValueError):
        quantile([], 0.5)
    h = histogram([1, 5, 6, 400], edges=(0, 3, 6, 12))
    assert h["counts"] == [1, 1, 2] and h["labels"] == ["0-3", "3-6", "6+"]
    assert estimate_term([]) is None and estimate_term([6, 8, 30]) == 8


def test_stats_over_comparable_sentences() -> None:
    recs = [
        SentenceRecord("有期徒刑", 12, 24, 5000, case_id=1),
        SentenceRecord("有期徒刑", 8, None, 3000, case_id=2),
        SentenceRecord("拘役", 4, 6, 2000, case_id=3),
        SentenceRecord("有期徒刑", 36, None, None, case_id=4),
        SentenceRecord("无期徒刑", None, None, None, case_id=5),
        SentenceRecord.from_dict({"principal": "有期徒刑", "term_months": 10,
                                  "probation_months": None, "fine_yuan": 4000}, case_id=5),
    ]
    st = sentencing_stats(recs, proposed_months=60)
    assert st["n_sentences"] == 6 and st["n_cases"] == 5
    assert st["principal"] == {"有期徒刑": 4, "拘役": 1, "无期徒刑": 1}
    assert st["term_months"]["median"] == 10 and st["term_months"]["n"] == 5
    assert st["term_months"]["q1"] == 8 and st["term_months"]["q3"] == 12
    assert st["probation_rate"] == 0.4
    assert st["fine_yuan"]["median"] == 3500
    assert sum(st["histogram"]["counts"]) == 5
    assert st["proposed"]["outside"] and "above" in st["proposed"]["reason"]
    assert not flag_proposed(10, [4, 8, 10, 12, 36])["outside"]
    assert not flag_proposed(100, [4, 8])["outside"]  # too few to judge
    empty = sentencing_stats([])
    assert empty["term_months"] is None and empty["probation_rate"] is None
    assert same_charges(["盗窃罪"], ["盗窃罪"]) and not same_charges(["盗窃罪"], ["抢劫罪"])


def test_cail_estimates_beat_the_per_charge_median(shared_data: Path) -> None:
    assert cail_charge("[走私、贩卖、运输、制造]毒品") == "走私、贩卖、运输、制造毒品罪"
    cases = load_cail(shared_data / "cail2018" / "cases.jsonl.gz")[:1500]
    res = run(cases, every=5, k=10)
    ours = res["similar cases (lexical+structured)"]
    base = res["per-charge median (baseline)"]
    assert ours["n"] > 200
    assert ours["mae_months"] < base["mae_months"]


def test_a_term_with_days_keeps_its_fraction() -> None:
    # 拘役二个月十五日 is extracted as 2.5 months: not rounded down to 2 among comparable terms
    r = SentenceRecord(principal="拘役", term_months=2.5)
    assert r.fixed_term == 2.5
    assert SentenceRecord(principal="有期徒刑", term_months=18.0).fixed_term == 18
    stats = sentencing_stats([r, SentenceRecord(principal="拘役", term_months=3)])
    assert stats["term_months"]["min"] == 2.5 and stats["term_months"]["median"] == 2.75
