"""Crimes of office and illegal fund-raising added to the guideline data (issue 22, third round):
职务侵占罪 and 非法吸收公众存款罪 from the national 《量刑指导意见》 (2021), 贪污罪, 受贿罪 and 行贿罪
from the statute and 法释〔2016〕9号 (starting points and increments the platform's, ⚠). Each
worked example is computed by hand from the data (national.toml + henan.toml) with its article;
increments count whole steps (floor), halves are rounded up (细则: 四舍五入取整数)."""

from __future__ import annotations

from sentencing.case import guideline_for
from sentencing.guideline import Inputs, compute


def c(*words: str) -> frozenset[str]:
    return frozenset(words)


def test_bribery_by_the_interpretations_amounts() -> None:
    # 刑法第三百八十六条、第三百八十三条; 法释〔2016〕9号第一条: 100,000 元 is 数额较大 (3万-20万)
    # -> 三年以下; 起点 (⚠) 六个月至一年 -> 9; +1 month per 6,300 元 above 30,000:
    # 70,000 / 6,300 = 11.1 -> 11 -> 20; 坦白 -10 % -> 18
    r = compute(Inputs("受贿罪", amount_yuan=100_000, circumstances=c("坦白")))
    assert r.statutory == (1, 36) and r.months == 18
    assert [s.months for s in r.steps if s.kind in ("起点", "基准刑")] == [9, 20]
    assert all(s.unverified for s in r.steps if s.kind in ("起点", "增加"))
    # 第二条: 500,000 元 is 数额巨大 (20万-300万) -> 三年以上十年以下, 起点 (⚠) 三年至四年 -> 42;
    # +1 month per 36,000 above 200,000: 8.3 -> 8 -> 50; 自首 -20 % -> 40, a statutory 减轻
    # circumstance: the floor is the lower tier's minimum
    r = compute(Inputs("受贿", amount_yuan=500_000, circumstances=c("自首")))
    assert r.statutory == (36, 120) and r.months == 40 and r.floor == 1


def test_embezzlement_top_tier_and_its_cap() -> None:
    # 刑法第三百八十三条; 法释〔2016〕9号第三条: 5,000,000 元 ≥ 300万 is 数额特别巨大 -> 十年以上
    # (无期徒刑、死刑 beyond); 起点 (⚠) 十年至十一年 -> 126; +1 month per 300,000 above
    # 3,000,000: 6.7 -> 6 -> 132
    r = compute(Inputs("贪污罪", amount_yuan=5_000_000))
    assert r.statutory == (120, 180) and r.months == 132
    # 100,000,000 元: +323 months -> 449, kept at the fixed-term top 180; 累犯 +25 % passes it:
    # 180 declared, 死刑 the statute's top beyond
    r = compute(Inputs("贪污罪", amount_yuan=100_000_000, circumstances=c("累犯")))
    assert r.months == 180 and r.range[1] == 180 and r.beyond == "死刑"


def test_embezzlement_by_an_employee() -> None:
    # 刑法第二百七十一条; 法释〔2016〕9号第十一条: 数额较大 6万 (twice 贪污's), 数额巨大 100万
    # (five times); 300,000 元 -> 三年以下, 起点 一年以下 -> 6.5; 安徽 increment (⚠ for Henan)
    # +1 month per 28,200 (3 % of 940,000) above 60,000: 8.5 -> 8 -> 14.5 -> 15
    r = compute(Inputs("职务侵占罪", amount_yuan=300_000))
    assert r.statutory == (1, 36) and r.months == 15
    # 2,000,000 元 ≥ 100万: 三年以上十年以下, 起点 三年至四年 -> 42; +1 month per 175,000
    # (1.25 % of 14,000,000) above 1,000,000: 5.7 -> 5 -> 47
    r = compute(Inputs("职务侵占罪", amount_yuan=2_000_000))
    assert r.statutory == (36, 120) and r.months == 47


def test_illegal_public_deposits() -> None:
    # 刑法第一百七十六条; 法释〔2022〕5号: 入罪 100万, 数额巨大 500万, 特别巨大 5000万.
    # 2,000,000 元 -> 三年以下, 起点 三个月拘役至一年 -> 7.5; the guideline's formula, +1 month
    # per 140,000 above 1,000,000: 7.1 -> 7 -> 14.5 -> 15
    r = compute(Inputs("非法吸收公众存款罪", amount_yuan=2_000_000))
    assert r.statutory == (1, 36) and r.months == 15
    # 20,000,000 元 ≥ 500万: 三年至四年 -> 42; +1 month per 580,000 above 5,000,000: 25.9 -> 25
    # -> 67
    r = compute(Inputs("非法吸收公众存款罪", amount_yuan=20_000_000))
    assert r.statutory == (36, 120) and r.months == 67
    # ≥ 5000万: 十年以上有期徒刑 only (no 无期徒刑 in 第一百七十六条): 起点 十年至十二年 -> 132
    r = compute(Inputs("非法吸收公众存款罪", amount_yuan=50_000_000))
    assert r.statutory == (120, 180) and r.months == 132


def test_offering_bribes() -> None:
    # 刑法第三百九十条; 法释〔2016〕9号第八条: 行贿 100万-500万 is 情节严重 -> 三年以上十年以下;
    # 起点 (⚠) 三年至四年 -> 42; +1 month per 51,000 above 1,000,000: 1,200,000 -> 3.9 -> 3 -> 45
    r = compute(Inputs("行贿罪", amount_yuan=1_200_000))
    assert r.statutory == (36, 120) and r.months == 45


def test_from_the_facts_with_the_amount_read() -> None:
    # the amount is read from the facts (a stated total) and shown as the increment's input
    facts = ("经审理查明：被告人王某利用担任某局局长的职务便利，为他人在工程承揽方面谋取利益，"
             "先后十余次非法收受他人财物共计人民币52万元。案发后，王某主动投案，如实供述。")
    g = guideline_for(facts, ["受贿罪"])
    assert g["known"] and g["statutory"] == [36, 120]
    assert g["inputs"]["measures"]["amount_yuan"] == 520_000
    # 42 + (520,000 - 200,000) / 36,000 = 8.9 -> 8 -> 50; 自首 -20 % (自首 and 坦白 do not
    # stack: 坦白 is part of 自首) -> 40
    assert g["months"] == 40
