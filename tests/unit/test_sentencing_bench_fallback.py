"""The sentencing benchmark's case with nothing to go on (no guideline rule, no pool case of its
charges): it is scored as the product answers it, the reference pool's median term flagged as a
fallback, never a figure read from the scored cases' own terms."""

from __future__ import annotations

import math

from benchmarks.sentencing_guideline import (
    errors,
    guideline_months,
    lawbench,
    no_answer,
    predictions,
    row,
)
from sentencing.estimate import Params
from services.sentence_estimate import ReferencePool, combine

FACTS = "被告人张某与他人以夫妻名义共同生活，已有配偶而与他人结婚。"  # 重婚: no rule, no pool case


def reference() -> ReferencePool:
    return ReferencePool.from_records([
        (1, "被告人盗窃他人手机一部，价值人民币3000元。", ["盗窃罪"], 6),
        (2, "被告人入户盗窃现金人民币5000元。", ["盗窃罪"], 9),
        (3, "被告人醉酒驾驶机动车，血液中乙醇含量为200mg/100ml。", ["危险驾驶罪"], 3),
        (4, "被告人强奸妇女一名。", ["强奸罪"], 48),
        (5, "被告人强奸妇女一名。", ["强奸罪"], None),  # life or death: no fixed term
    ])


def scored(other_truth: float) -> ReferencePool:
    """The same case beside another scored case whose truth varies."""
    return ReferencePool.from_records([
        ("q", FACTS, ["重婚罪"], 10),
        ("other", "被告人走私普通货物，偷逃税款人民币50万元。", ["走私普通货物、物品罪"], other_truth),
    ])


def bench(other_truth: float) -> tuple[float | None, float, bool]:
    """The estimate, its MAE error and its ±25 % hit for the case 'q' in one scored set."""
    pool, test = reference(), scored(other_truth).cases
    rows = [row(pool, c, g, 10) for c, g in zip(test, guideline_months(test), strict=True)]
    preds = predictions(rows, Params.default())
    est = preds["estimate (guideline + cases)"]
    err, hit = errors(rows, est)
    assert no_answer(preds) == 0  # both fall back on the pool's median
    return est[0], float(err[0]), bool(hit[0])


def test_the_product_falls_back_on_the_pool_median_for_such_a_case() -> None:
    out = combine(FACTS, ["重婚罪"], reference().comparable(FACTS, ["重婚罪"], 10))
    assert out["fallback"] and out["estimate"]["fallback"]
    assert out["months"] == 8  # 3, 6, 9, 48 -> 7.5, rounded half up


def test_the_fallback_does_not_depend_on_the_other_scored_cases_truths() -> None:
    low, high = bench(1.0), bench(300.0)
    assert low == high
    est, err, hit = low
    # the product's answer: the reference pool's median fixed term (3, 6, 9, 48 -> 7.5 -> 8),
    # not the scored set's (10 and 1, or 10 and 300); within 25 % of 10
    assert est == 8 and err == abs(8 - 10) and hit


def test_no_answer_is_the_full_distance_in_the_score() -> None:
    assert lawbench([10.0], [None]) == 0.0
    assert math.isclose(lawbench([10.0, 10.0], [10.0, None]), 0.5)


def test_a_pool_case_scored_leave_one_out_falls_back_without_its_own_term() -> None:
    pool = reference()
    case = pool.cases[3]  # 48 months: the pool's median without it is 6, with it 7.5
    r = row(pool, case, (None, None, None), 10, exclude=case.key)
    assert r.pool_median == 6.0
    assert row(pool, case, (None, None, None), 10).pool_median == 7.5
