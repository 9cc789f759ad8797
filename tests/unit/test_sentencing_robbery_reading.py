"""Issue 22's eighth round: inputs the guideline read wrongly, on real snippets (CAIL2018's
validation part and the fresh LeCaRD set's tune half; names as the sources anonymise them).

入户 (刑法第二百六十三条第一项) lifts a robbery to 十年以上; it was read from any sentence, so a
case of 抢劫 and 盗窃 whose thefts were 入户盗窃 became 入户抢劫 (a 19-month case estimated at 82).
It is now read from a sentence that tells no theft, or tells violence or a threat as well (入户
盗窃 turned robbery by force, 刑法第二百六十九条, stays 入户). A result the facts deny (未造成他人
轻伤) is no injury; a price per unit (每斤5.15元) is no amount of the offence."""

from __future__ import annotations

from sentencing.case import guideline_for
from sentencing.facts import read
from sentencing.guideline import Inputs, compute, load

EQ = load().national["drugs"]["heroin_equivalent"]

#: CAIL2018 validation: the thefts of a case of 抢劫 and 盗窃 (truth 54 months)
THEFTS = ("2、同日下午14时许，被告人杨某某还在同一居民楼内，采取破门入室的方式进入被害人宋某某的家中，"
          "在其家卧室内的旅行箱内盗得现金800多元及一件价值500元的黄金转动珠一串。")
#: the fresh tune half: a case of 抢劫 and 盗窃 whose facts tell the theft only (truth 19)
HOME_THEFT = ("大安市人民检察院认为，被告人张某某伙同他人入户盗窃，其行为触犯了《中华人民共和国刑法》"
              "第二百六十四条之规定，犯罪事实清楚，证据确实充分，应当以盗窃罪追究其刑事责任。")
#: CAIL2018 validation: a theft in the home turned robbery by a knife (truth 132 months)
TURNED = ("兴安县人民检察院指控，被告人唐1某于2015年11月14日晚上22时许，趁本村史某家中没人，撬门进入"
          "被害人史某家中，在准备实施××时被史某发现，被告人唐1某为了抗拒抓捕，遂用事先准备好的匕首"
          "刺伤被害人，逃离现场后发现手机遗失在被害人家中。")
#: the fresh tune half: climbing into the victim's home (truth 144 months, estimated at 37)
CLIMBED = ("2017年8月11日凌晨1时许，被告人季学金攀爬翻越进入孙某家二楼东房间，采用压住其身体、被子"
           "捂嘴等手段强行劫得孙某黄金项链一根、黄金手镯一只，后逃离现场。经鉴定，上述赃物合计价值"
           "人民币19045元。")


def test_home_entry_told_of_a_theft_is_not_home_robbery() -> None:
    for text in (THEFTS, HOME_THEFT):
        assert "入户" not in read(text, EQ).flags
    r = guideline_for(THEFTS, ["抢劫罪", "盗窃罪"])
    robbery = next(c for c in r["charges"] if c["charge"] == "抢劫罪")
    assert robbery["tier"] == "抢劫一次" and robbery["statutory"] == [36, 120]


def test_home_entry_with_force_or_in_a_robbery_sentence_is_kept() -> None:
    f = read(TURNED, EQ)
    assert "入户" in f.flags and f.provenance["flag:入户"].text == "进入被害人史某家中"
    # 进入孙某家二楼东房间 (not 家中): 入户抢劫, 十年以上, 起点 十年至十三年 -> 138
    f = read(CLIMBED, EQ)
    assert "入户" in f.flags and f.provenance["flag:入户"].text.startswith("进入孙某家")
    r = guideline_for(CLIMBED, ["抢劫罪"])
    assert r["charges"][0]["statutory"] == [120, 180] and r["months"] == 138
    # a shop is not a home
    for text in ("被告人窜入一家具店内，劫得现金500元。", "被告人持刀闯入一家超市，劫得现金500元。"):
        assert "入户" not in read(text, EQ).flags


def test_an_injury_the_facts_deny_is_not_counted() -> None:
    # CAIL2018 validation (转化型抢劫, truth 8 months): 未造成他人轻伤 is no 轻伤
    text = ("被告人申某某随手从地上拿起砖块将工地看管人员牛某某的手电筒及对讲机砸落在地，并对其进行击打，"
            "经法医鉴定构成轻微伤。鉴于被告人申某某××的犯罪行为属转化型××，既未取得财物也未造成他人"
            "轻伤的后果，属××未遂。")
    f = read(text, EQ)
    assert "light_injuries" not in f.measures and f.measures["minor_injuries"] == 1
    assert read("没有造成被害人重伤。", EQ).measures.get("serious_injuries") is None


def test_a_price_per_unit_is_not_the_amount() -> None:
    # CAIL2018 validation, 合同诈骗 (truth 240 months): the fraud-tied 每斤5.15元 was the amount
    text = ("被告人刘2某来白城找到被害人韩某某、高某某二人，虚构有山东外贸200吨花生订单，骗得韩某某、高某某"
            "与被告人刘2某商定以市场价格每斤5.15元价格从二人处收购花生，后二人相继通过物流发送给刘2某花生"
            "共计4车，价值160余万元。")
    f = read(text, EQ, ["合同诈骗罪"])
    assert f.measures["amount_yuan"] == 1_600_000
    assert read("以每克200元的价格贩卖甲基苯丙胺3克，收取毒资600元。", EQ).measures[
        "amount_yuan"] == 600


def test_robbery_causing_death_is_the_high_tier() -> None:
    # 刑法第二百六十三条第五项: 抢劫致人重伤、死亡的 -> 十年以上, 起点 十年至十三年 -> 138
    r = compute(Inputs("抢劫罪", deaths=1))
    assert r.statutory == (120, 180) and r.months == 138 and "死亡" in r.tier
