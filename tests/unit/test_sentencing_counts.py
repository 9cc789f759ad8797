"""Counts the guideline's tiers and increments turn on, read from the facts: the injured (one
person per appraisal, a count the text states winning, a prosecutor's restatement not another
person) and robberies (抢劫三次 is 第二百六十三条's tier of its own: only a count the facts tie to
抢劫, not the thefts, withdrawals or statements the generic count of acts finds).

The snippets are CAIL2018's and LeCaRD's own wording (shortened)."""

from __future__ import annotations

from sentencing.case import guideline_for
from sentencing.facts import read
from sentencing.guideline import Inputs, compute, load

EQ = load().national["drugs"]["heroin_equivalent"]


def test_a_restated_injury_is_not_a_second_person() -> None:
    # CAIL2018: the appraisal, then the prosecutor's 致一人重伤 — one person, not two
    text = ("经鉴定，被害人董某左眼损伤构成重伤二级。就以上指控事实，公诉机关提供了相关证据在卷佐证，"
            "据以认为被告人陈某甲××他人身体，致一人重伤，其行为触犯了《中华人民共和国刑法》。")
    r = read(text, EQ)
    assert r.measures["serious_injuries"] == 1
    # 故意伤害 致一人重伤: 起点 36-48 -> 42, no 每增加重伤一人 (+12-24: 60 before)
    g = guideline_for(text, ["故意伤害罪"])
    assert g["months"] == 42
    # a restatement with no count (致人重伤) is not another person either
    r = read("经法医鉴定，潘某4所受损伤评定为重伤二级。公诉机关认为，被告人廖某××他人身体，致人重伤。", EQ)
    assert r.measures["serious_injuries"] == 1
    # only the restatement names it: one person
    assert read("公诉机关认为，被告人刘某××他人身体，致人轻伤。", EQ).measures["light_injuries"] == 1


def test_a_stated_count_of_the_injured_wins() -> None:
    text = ("经鉴定，被害人刘某的损伤程度为轻伤一级，被害人雷某1的损伤程度为轻伤二级，被害人雷某2的损伤"
            "程度为轻微伤。公诉机关认为，被告人罗某××他人身体，致一人轻伤一级，一人轻伤二级，一人轻微伤。")
    r = read(text, EQ)
    assert r.measures["light_injuries"] == 2 and r.measures["minor_injuries"] == 1
    r = read("经鉴定，靳某、马某的伤情为重伤。公诉机关认为，被告人李某致二人死亡、二人重伤、一人轻伤。", EQ)
    assert r.measures["serious_injuries"] == 2 and r.measures["light_injuries"] == 1
    p = r.provenance["serious_injuries"]
    assert p.text == "二人重伤"
    # two appraisals in two sentences, no count stated: two persons
    r = read("经鉴定，甲的损伤为轻伤二级。经鉴定，乙的损伤为轻伤一级。", EQ)
    assert r.measures["light_injuries"] == 2


def test_robberies_are_counted_where_the_facts_say_robbery() -> None:
    assert read("被告人先后三次持刀抢劫路人财物。", EQ).measures["robberies"] == 3
    assert read("被告人抢劫作案3起，劫取现金2000元。", EQ).measures["robberies"] == 3
    assert read("被告人多次抢劫他人财物。", EQ).measures["robberies"] == 3
    assert "robberies" not in read("被告人第二次抢劫时被抓获。", EQ).measures
    # LeCaRD: six withdrawals, then one robbery; five statements — acts, not robberies
    for text in ("在发现ATM机内有他人遗留的银行卡后，被告人王某连续6次取款，共计12000元。"
                 "后被告人王某持刀抢劫被害人手机一部。",
                 "被告人周某甲持刀抢劫现金300元。被告人周某甲在侦查阶段一共作出五次供述。"):
        r = read(text, EQ)
        assert r.measures["acts"] >= 5 and "robberies" not in r.measures
        g = guideline_for(text, ["抢劫罪"])
        assert g["statutory"] == [36, 120]  # 抢劫一次, not 抢劫三次's 十年以上


def test_robbery_tier_and_increment_use_robberies_not_acts() -> None:
    # 刑法第二百六十三条: 抢劫三次 -> 十年以上 (起点 120-156); three thefts are not three robberies
    assert compute(Inputs("抢劫", robberies=3)).statutory == (120, 180)
    assert compute(Inputs("抢劫", acts=3)).statutory == (36, 120)
    # 抢劫一次 起点 36-48 -> 42; 每增加抢劫一次 +6-12 -> +9 = 51
    assert compute(Inputs("抢劫", robberies=2)).months == 51
    assert compute(Inputs("抢劫", acts=2)).months == 42
