"""Amounts by the day of the judgment: 虚开增值税专用发票's tiers open at 法〔2018〕226号's tax amounts
(5万 / 50万 / 250万 元) until 2024-03-19 and at 法释〔2024〕4号第十一条's (10万 / 50万 / 500万 元)
from 2024-03-20, the day it took effect. Worked by hand from national.toml's 起点 and henan.toml's
increments (the platform's values, ⚠)."""

from __future__ import annotations

from datetime import date

from sentencing.case import guideline_for
from sentencing.guideline import Inputs, compute, load

CHARGE = "虚开增值税专用发票罪"
BEFORE, FROM = date(2024, 3, 19), date(2024, 3, 20)


def test_three_million_of_tax_is_the_top_tier_before_2024_and_the_middle_one_after() -> None:
    x = Inputs(charge=CHARGE, tax_yuan=3_000_000)
    old = compute(x, load().at(BEFORE))
    # ≥ 250万 (法〔2018〕226号): 数额巨大, 起点 120-144 -> 132; +1 month per 50万 above 250万: +1
    assert old.tier.startswith("虚开的税款数额巨大") and old.statutory == (120, 180)
    assert old.months == 133
    assert "法〔2018〕226号" in old.steps[0].basis and "二百五十万元" in old.steps[0].basis
    new = compute(x, load().at(FROM))
    # < 500万 (法释〔2024〕4号): 数额较大, 起点 36-42 -> 39; +1 month per 20万 above 50万: 12.5 -> 12
    assert new.tier.startswith("虚开的税款数额较大") and new.statutory == (36, 120)
    assert new.months == 51
    assert "法释〔2024〕4号第十一条" in new.steps[0].basis and "五十万元" in new.steps[0].basis
    assert "法〔2018〕226号" not in new.steps[0].basis


def test_the_lowest_amount_moves_from_50000_to_100000() -> None:
    x = Inputs(charge=CHARGE, tax_yuan=80_000)
    old = compute(x, load().at(BEFORE))
    # 起点 1-12 -> 6.5; +1 month per 2万 above 5万: 1 -> 7.5 -> 8
    assert old.months == 8 and "未达定罪数额" not in old.steps[0].label
    new = compute(x, load().at(FROM))
    # below 10万 nothing is added (6.5 -> 7), and the judge is told the amount does not reach it
    assert new.months == 7
    assert "虚开税款数额80000元，未达定罪数额100000元" in new.steps[0].label
    # 14万: +2 months above 10万 since 2024-03-20 (6.5 + 2 = 8.5 -> 9), +4 above 5万 before (11)
    x = Inputs(charge=CHARGE, tax_yuan=140_000)
    assert compute(x, load().at(FROM)).months == 9 and compute(x, load().at(BEFORE)).months == 11


def test_thresholds_resolve_by_day_and_a_province_keeps_its_own_amount() -> None:
    g = load()
    assert g.at(BEFORE).threshold("虚开税款数额巨大") == (2_500_000.0, True)
    assert g.at(FROM).threshold("虚开税款数额巨大")[0] == 5_000_000.0
    assert g.at(FROM).threshold_name("虚开税款入罪") == "虚开税款入罪（法释〔2024〕4号）"
    assert g.at(None).day == date.today() and g.at(BEFORE).day == BEFORE
    # an undated threshold reads the same on any day (盗窃: Henan's 6万)
    assert g.at(BEFORE).threshold("盗窃数额巨大") == g.at(FROM).threshold("盗窃数额巨大")
    assert g.measure_of("虚开税款数额较大") == "tax_yuan" and g.measure_of("盗窃数额巨大") == "amount_yuan"


def test_the_tier_in_words_still_holds_where_no_tax_amount_is_read() -> None:
    x = Inputs(charge=CHARGE, flags=frozenset({"数额巨大"}))
    for day in (BEFORE, FROM):
        assert compute(x, load().at(day)).statutory == (120, 180)


def test_the_answer_says_which_day_its_law_is_of() -> None:
    facts = "被告人张某为他人虚开增值税专用发票，税款数额人民币300万元。"
    old = guideline_for(facts, [CHARGE], guideline=load().at(BEFORE))
    new = guideline_for(facts, [CHARGE])
    assert old["as_of"] == "2024-03-19" and old["months"] == 133
    assert new["as_of"] == date.today().isoformat() and new["months"] == 51
