"""The sentencing bench's third unseen set: JuDGE's judgments (`--fresh --source judge`), whose
fact texts sometimes end with the prosecutor's proposed term, which must not reach the estimate."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.sentencing_guideline import fresh_cases, main, without_proposal


def test_the_proposed_term_is_cut_and_the_circumstances_before_it_stay() -> None:
    facts = ("经鉴定，被告人雷辉血样中的乙醇含量为83.21mg／100ml。公诉机关认为被告人雷辉如实供述"
             "自己罪行，建议对被告人雷辉判处拘役一个月，并处罚金二万元。被告人对量刑建议没有异议。")
    out = without_proposal(facts)
    assert "拘役一个月" not in out and "罚金二万元" not in out
    assert "如实供述自己罪行" in out and "83.21mg" in out
    assert out.endswith("被告人对量刑建议没有异议。")  # 量刑建议 without a term is a fact
    ranged = "被告人有自首情节，建议对其在有期徒刑三至五年之间量刑；被告人认罪。"
    assert without_proposal(ranged) == "被告人有自首情节，；被告人认罪。"
    # a prior sentence told as a fact is not a proposal
    prior = "被告人曾因盗窃罪被判处有期徒刑一年，2015年刑满释放。"
    assert without_proposal(prior) == prior


@pytest.mark.needs_shared("judge/judgments.jsonl.gz")
def test_judge_cases_are_first_instance_fixed_terms_without_the_proposal(
        shared_data: Path) -> None:
    cases = fresh_cases(shared_data, "judge")
    # 304 judgments: appeals, several defendants, suspended-only or unread terms are left out
    assert 200 <= len(cases) <= 304
    assert all(c.key.startswith("judge-") and c.term and c.term > 0 and c.charges
               for c in cases)
    assert not any("建议判处" in c.facts and "有期徒刑" in c.facts.split("建议判处", 1)[1][:20]
                   for c in cases)
    first = fresh_cases(shared_data, "judge", limit=3)
    assert [c.key for c in first] == [c.key for c in cases[:3]]


def test_judge_has_no_halves() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--fresh", "--source", "judge", "--part", "tune"])
    assert exc.value.code == 2


@pytest.mark.needs_shared("judge/judgments.jsonl.gz")
def test_a_fresh_run_reports_small_pools_too(shared_data: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data", str(shared_data), "--fresh", "--source", "judge", "--limit", "30",
                 "--pools", "10,all"]) == 0
    out = capsys.readouterr().out
    assert "FRESH (JuDGE judgments): 30 fixed terms" in out
    small = out.split("FRESH (JuDGE), pool of 10 reference cases (seed 7): 30 fixed terms", 1)
    assert len(small) == 2, "the pool of 10 was not reported"
    # each method scored on the small pool: the estimate's row carries MAE, ±25 % and score
    row = next(x for x in small[1].splitlines() if x.startswith("estimate (guideline + cases)"))
    assert len(row.split()[-3:]) == 3 and float(row.split()[-3]) >= 0
    assert "pool of 100" not in out
