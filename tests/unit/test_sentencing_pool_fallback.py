"""A charge with no guideline rule and no reference case (滥伐林木: about one LeCaRD case in eight
is such a case): the estimate answers the reference pool's median fixed term over all its cases,
with its 25th-75th percentile as the range and a step that says it is only that, flagged
`fallback`; without a pool there is still nothing to go on."""

from __future__ import annotations

from sentencing.estimate import Params, estimate, pool_summary
from services.sentence_estimate import ReferencePool, combine, sentence_lines

FACTS = "被告人张某未经林业主管部门批准，擅自采伐林木，经鉴定立木蓄积量15立方米。"


def reference() -> ReferencePool:
    return ReferencePool.from_records([
        (1, "被告人盗窃他人手机一部，价值人民币3000元。", ["盗窃罪"], 6),
        (2, "被告人入户盗窃现金人民币5000元。", ["盗窃罪"], 10),
        (3, "被告人醉酒驾驶机动车，血液中乙醇含量为200mg/100ml。", ["危险驾驶罪"], 2),
        (4, "被告人强奸妇女一名。", ["强奸罪"], 42),
        (5, "被告人故意伤害他人致一人轻伤。", ["故意伤害罪"], 12),
        (6, "被告人强奸妇女一名。", ["强奸罪"], None),  # life or death: no fixed term
    ])


def test_the_estimate_falls_back_on_the_pool_summary() -> None:
    pool = pool_summary([2, 6, 10, 12, 42])
    assert pool is not None and (pool.median, pool.low, pool.high, pool.n) == (10, 6, 12, 5)
    out = estimate(None, [], None, params=Params.default(), pool=pool)
    assert out is not None and out["fallback"] and out["group"] == "fallback"
    assert out["months"] == 10 and out["range"] == [6, 12]
    assert estimate(None, [], None, params=Params.default()) is None
    # a statutory range, where one is known, bounds the fallback
    clamped = estimate(None, [], None, statutory=(0, 8), params=Params.default(), pool=pool)
    assert clamped is not None and clamped["months"] == 8 and clamped["range"] == [6, 8]


def test_a_charge_with_no_rule_and_no_case_gets_the_pool_median() -> None:
    comp = reference().comparable(FACTS, ["滥伐林木罪"], 10)
    assert comp.match == "none" and not comp.terms
    out = combine(FACTS, ["滥伐林木罪"], comp)
    assert out["guideline"]["months"] is None
    assert out["fallback"] is True and out["months"] == 10 and out["range"] == [6, 12]
    last = out["steps"][-1]
    assert last["kind"] == "估计" and last["months"] == 10 and last["unverified"]
    assert "无该罪名的量刑规则与可比案例" in last["label"] and "中位数" in last["label"]
    assert "5件" in last["basis"]


def test_an_ordinary_estimate_is_not_flagged() -> None:
    facts = "被告人李某盗窃手机一部，价值人民币6000元。"
    out = combine(facts, ["盗窃罪"], reference().comparable(facts, ["盗窃罪"], 10))
    assert out["months"] is not None and out["fallback"] is False
    assert out["estimate"]["fallback"] is False


def test_dossier_sentence_lines_write_the_fallback() -> None:
    rows = list(sentence_lines([{"id": "x", "facts": FACTS, "charges": ["滥伐林木罪"]}],
                               reference()))
    assert rows[0]["months"] == 10 and rows[0]["range"] == [6, 12] and rows[0]["fallback"]
