"""The fraud amount is what the lie obtained: 刑法第二百二十四条、第二百六十六条 punish 骗取
公私财物 by its amount (法释〔2011〕7号第一条: 诈骗公私财物 … 数额), not the loan promised or the
value of the goods the lie was about. For 诈骗 and 合同诈骗 an amount its clause ties to 骗 (骗取,
骗得, 诈骗) wins over one that is not tied (sentencing.facts.OBTAINED); for other charges, and
where no amount is tied, the reader keeps its rule (a stated total, else the largest).

The snippets are CAIL2018's own wording (shortened)."""

from __future__ import annotations

from sentencing.case import guideline_for
from sentencing.facts import read
from sentencing.guideline import load

EQ = load().national["drugs"]["heroin_equivalent"]

PRETEXT = ("被告人胡某谎称其系工商银行办公室主任，以帮助被害人赵某从银行办理200万元贷款，需缴纳10万元"
           "保证金为由，分三次骗取被害人赵某现金6.5万元。")


def test_the_amount_obtained_by_the_lie_wins_for_fraud() -> None:
    # without the charge the largest amount is read: the loan promised
    assert read(PRETEXT, EQ).measures["amount_yuan"] == 2_000_000
    assert read(PRETEXT, EQ, ["诈骗罪"]).measures["amount_yuan"] == 65_000
    assert read(PRETEXT, EQ, ["诈骗罪"]).provenance["amount_yuan"].text == "6.5万元"
    # 诈骗 6.5万 (Henan 数额巨大 5万 ⚠): 起点 36-48 -> 42, +2 months per 1万 above 5万: one step
    # -> 44 months; with the loan's 200万 it was 数额特别巨大, 132 + 25 × 6 -> the 180 cap
    g = guideline_for(PRETEXT, ["诈骗罪"])
    assert g["months"] == 44 and g["statutory"] == [36, 120]


def test_a_total_obtained_wins_over_the_value_of_the_goods_lied_about() -> None:
    text = ("杨某某虚构能够帮助高某某向兰州军区销售150套共计价值20余万元的化妆品的事实后，以急需用钱等"
            "借口向被害人高某某要钱，骗取被害人高某某人民币共计28500元。")
    assert read(text, EQ).measures["amount_yuan"] == 200_000
    assert read(text, EQ, ["诈骗罪"]).measures["amount_yuan"] == 28_500
    # 合同诈骗 alike; several fraud charges alike
    assert read(text, EQ, ["合同诈骗罪"]).measures["amount_yuan"] == 28_500
    assert read(text, EQ, ["诈骗罪", "合同诈骗罪"]).measures["amount_yuan"] == 28_500


def test_other_charges_and_untied_amounts_keep_the_old_rule() -> None:
    # a charge that is not fraud (or fraud with another charge): the largest amount
    assert read(PRETEXT, EQ, ["盗窃罪"]).measures["amount_yuan"] == 2_000_000
    assert read(PRETEXT, EQ, ["诈骗罪", "盗窃罪"]).measures["amount_yuan"] == 2_000_000
    # no amount tied to 骗: the stated total, as before
    text = "被告人以虚假合同收取被害人货款共计12万元，另收取保证金2万元。"
    assert read(text, EQ, ["合同诈骗罪"]).measures["amount_yuan"] == 120_000
