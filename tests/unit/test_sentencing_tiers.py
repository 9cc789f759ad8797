"""Tiers the estimate leans on (issue 22): 合同诈骗罪's rules, a tier as the facts word it
(数额巨大 …), amounts in CAIL2018's anonymised form (60万某), the lowest declared term a tier
allows (`floor`, `bounds`), and the estimate's own weights for tiers from three years up.
Each worked example is computed by hand from the data (national.toml + henan.toml), with its
article; halves are rounded up (细则: 四舍五入取整数)."""

from __future__ import annotations

from sentencing.case import guideline_for
from sentencing.estimate import Params, estimate
from sentencing.facts import read
from sentencing.guideline import Inputs, compute, load

EQ = load().national["drugs"]["heroin_equivalent"]


def c(*words: str) -> frozenset[str]:
    return frozenset(words)


def test_contract_fraud_tiers() -> None:
    # 刑法第二百二十四条, 《量刑指导意见》合同诈骗罪. 数额较大 (under the platform's ⚠ 20万):
    # 一年以下 -> 起点 (1 + 12) / 2 = 6.5; the platform's ⚠ increment (henan.toml): each 5,000
    # yuan above 数额较大's 20,000 adds a month and a half: (50,000 - 20,000) / 5,000 x 1.5 = 9
    # -> 15.5 -> 16; floor = the tier's minimum 1
    r = compute(Inputs("合同诈骗罪", amount_yuan=50000))
    assert r.statutory == (1, 36) and r.months == 16 and r.floor == 1
    # 数额巨大 (300,000 ≥ 200,000 ⚠): 三年至四年 -> 42, + (300,000 - 200,000) / 20,000 x 1.5 =
    # 7.5 months ⚠ -> 49.5; 坦白 -10 % -> 44.55 -> 45 (stays ≥ 36: 坦白 is no statutory 减轻
    # circumstance, so the floor is the tier's minimum)
    r = compute(Inputs("合同诈骗", amount_yuan=300000, circumstances=c("坦白")))
    assert r.statutory == (36, 120) and r.months == 45 and r.floor == 36
    assert any(s.kind == "增加" and s.unverified for s in r.steps)
    # 数额特别巨大 (1,500,000 ≥ 1,000,000 ⚠): 十年至十二年 -> 132; 自首 -20 % -> 105.6 -> 106,
    # below 120 because 自首 is a statutory 减轻 circumstance (刑法第六十三条: the next tier's
    # minimum, 36, is the floor)
    r = compute(Inputs("合同诈骗罪", amount_yuan=1500000, circumstances=c("自首")))
    assert r.statutory == (120, 180) and r.months == 106 and r.floor == 36
    assert r.beyond is None and all(s.basis for s in r.steps)
    assert any(s.unverified for s in r.steps if s.kind == "起点")  # ⚠ shown


def test_a_tier_as_the_facts_word_it() -> None:
    # 刑法第二百六十六条: no amount read, but "数额巨大" -> 三年以上十年以下, 起点 三年至四年 -> 42
    r = compute(Inputs("诈骗罪", flags=c("数额巨大")))
    assert r.statutory == (36, 120) and r.months == 42
    r = compute(Inputs("诈骗罪", flags=c("数额特别巨大")))
    assert r.statutory == (120, 180) and r.months == 132  # 十年至十二年 -> 132
    # 刑法第二百六十四条: 盗窃 "数额巨大" -> 三年至四年 -> 42 (no amount: no increment)
    assert compute(Inputs("盗窃罪", flags=c("数额巨大"))).statutory == (36, 120)


def test_reading_anonymised_amounts_and_stated_tiers() -> None:
    r = read("被告人张2某于2012年6月骗取孙某人民币60万某，数额特别巨大，其行为触犯刑法。", EQ)
    assert r.measures["amount_yuan"] == 600000  # 万某 = 万元 in CAIL2018; 张2某 is a name
    # 余 ("more than") before 万 as well as after it; the larger stated total is the amount
    more = read("诱骗柳某等7名被害人交付投资款共计人民币800余万某。骗租轿车46辆，价值共计人民币900余万某。", EQ)
    assert more.measures["amount_yuan"] == 9_000_000
    assert read("诈骗他人钱财，价值共计人民币62万余元。", EQ).measures["amount_yuan"] == 620_000
    assert "数额特别巨大" in r.flags and "数额巨大" not in r.flags
    r = read("被告人张2某盗窃他人财物，数额巨大，情节特别严重。", EQ)
    assert "amount_yuan" not in r.measures
    assert {"数额巨大", "情节特别严重"} <= r.flags and "情节严重" not in r.flags
    assert "数额巨大" not in read("被告人盗窃财物，未数额巨大。", EQ).flags  # negated just before
    assert "数额巨大" not in read("诈骗数额未达到数额巨大标准。", EQ).flags
    assert "数额巨大" not in read("其诈骗金额尚不到数额巨大的起点。", EQ).flags
    # not handled (left as found after the held-out run): "未达到数额巨大" still reads 数额巨大


def test_bounds_of_the_declared_term() -> None:
    # 盗窃 60,000 元 (数额巨大 in Henan ⚠): 三年以上十年以下; 坦白 only -> floor 36
    g = guideline_for("被告人盗窃他人财物价值人民币60000元，到案后如实供述。", ["盗窃罪"])
    assert g["bounds"] == [36, 120]
    # 自首 (statutory 减轻) -> the next tier's minimum, 1 month (拘役)
    g = guideline_for("被告人盗窃他人财物价值人民币60000元，后主动投案。", ["盗窃罪"])
    assert g["bounds"] == [1, 120]
    # a charge without rules: no guideline term and no bounds
    assert guideline_for("被告人有配偶而重婚。", ["重婚罪"])["bounds"] is None


def test_estimate_weights_of_a_high_tier() -> None:
    params = Params({"guideline:many": (0.0, 0.5, 0.5, 0.0, 0.0),
                     "guideline_high:many": (0.0, 1.0, 0.0, 0.0, 0.0),
                     "pool:many": (0.0, 0.0, 0.0, 0.0, 1.0),
                     "pool:few": (1.0, 0.0, 0.0, 0.0, 0.0)},
                    {k: (-0.1, 0.1) for k in ("guideline:many", "guideline_high:many",
                                              "pool:many", "pool:few")})
    # 贩卖毒品 ≥ 50 g: the tier's floor is 180 (十五年) -> the high tier's weights: 180
    e = estimate(180.0, [12.0] * 10, 12.0, charge_n=100, floor=180, params=params)
    assert e is not None and e["group"] == "guideline_high:many" and e["months"] == 180
    # 'some' cases of the charge fall back on the high tier's 'many' weights
    e = estimate(180.0, [12.0] * 10, 12.0, charge_n=10, floor=180, params=params)
    assert e is not None and e["group"] == "guideline_high:some" and e["months"] == 180
    # no floor (or one under 36): the shared weights, sqrt(181 × 13) - 1 = 47.5 -> 48
    e = estimate(180.0, [12.0] * 10, 12.0, charge_n=100, floor=1, params=params)
    assert e is not None and e["group"] == "guideline:many" and e["months"] == 48
    # the top-3 comparable median is an input of its own: the 3 nearest say 30
    e = estimate(None, [30.0] * 3 + [6.0] * 7, 6.0, charge_n=100, params=params)
    assert e is not None and e["months"] == 30
    # no rule and ≤ 4 cases: the charge's median as it is, whatever a fit says (8, not e^1 - 1)
    e = estimate(None, [6.0, 8.0, 10.0], 8.0, charge_n=3, params=params)
    assert e is not None and e["group"] == "pool:few" and e["months"] == 8


def test_weights_of_an_older_fit_read_with_zeros() -> None:
    # a fit with four inputs (no top-3): 0.5 guideline + 0.5 comparable in log(1 + months):
    # sqrt(16 × 4) - 1 = 7
    params = Params({"guideline:many": (0.0, 0.5, 0.5, 0.0)}, {"guideline:many": (-0.1, 0.1)})
    e = estimate(15.0, [3.0] * 50, 3.0, charge_n=50, params=params)
    assert e is not None and e["months"] == 7
