"""The drug quantity read from the facts (刑法第三百四十七条: the quantity picks the tier and adds
months inside it): a gross weight is not added to its net weight, weights listed under one unit
all count, a quantity only agreed or asked for yields to what was weighed after it, weights
written in Chinese numerals count, drugs seized beside a stated total of sales count with it,
and neither the law's thresholds restated (不满十克) nor a price's unit (以150元一克的价格) is a
weight.

The snippets follow CAIL2018's wording (shortened, names changed)."""

from __future__ import annotations

import pytest

from sentencing.case import guideline_for
from sentencing.facts import read
from sentencing.guideline import load

EQ = load().national["drugs"]["heroin_equivalent"]


def grams(text: str) -> float | None:
    return read(text, EQ).measures.get("heroin_g")


def test_gross_weight_is_not_added_to_the_net_weight() -> None:
    # 17.35 g with the wrapping, 16.4 g of heroin: 16.4, not 33.75
    assert grams("经鉴定，红色塑料纸包装白色块粉状物22小包，毛重17.35克，净重16.4克，"
                 "从中检出海洛因成分。") == 16.4
    assert grams("当场从其身上搜出冰毒含塑料包称重为8.96克，去掉塑料包后称重为6.9克。") == 6.9
    # a gross weight with no net weight after it is all there is
    assert grams("查获冰毒一包，毛重3.2克。") == 3.2


def test_weights_listed_under_one_unit_all_count() -> None:
    # 49.70 + 48.97 + 0.15 = 98.82 g of ketamine, a tenth of heroin's weight: 9.882
    text = "查获涉案的毒品氯胺酮3包（经称重，净重分别为49.70、48.97、0.15克）。"
    assert grams(text) == pytest.approx(9.882)
    # 走私、贩卖、运输、制造毒品 under ten grams (第三百四十七条第四款): 起点 6-9 months -> 7.5,
    # + 2-3 months (2.5) for each whole gram above one (河南省细则): 7.5 + 8 × 2.5 = 27.5 -> 28
    # (the last number alone was read before: 0.015 g, 8 months)
    assert guideline_for("被告人贩卖" + text, ["走私、贩卖、运输、制造毒品罪"])["months"] == 28


def test_an_agreed_quantity_yields_to_what_was_weighed_after_it() -> None:
    agreed = ("被告人彭某通过微信与何某商谈交易毒品氯胺酮，二人谈好以人民币20000元的价格购买100克"
              "毒品K粉。民警从何某处查获涉案的毒品氯胺酮3包（经称重，净重分别为49.70、48.97、0.15克）。")
    assert grams(agreed) == pytest.approx(9.882)  # not 10 + 9.882
    assert grams("吸毒人员李某提出购买50克毒品冰毒。民警从李某身上缴获冰毒一包，经鉴定：净重43.51克。") \
        == 43.51
    # agreed and nothing weighed after it: the sale is what the facts tell
    assert grams("被告人张某以人民币500元的价格卖给刁某毒品冰毒1克。后张某与刁某约定以人民币1000元的"
                 "价格卖给刁某毒品冰毒2克。") == 3.0


def test_chinese_numerals_thresholds_and_prices() -> None:
    assert grams("朱某从被告人闫某手中以1500元的价格购买冰毒十克。") == 10.0
    assert grams("被告人刘某贩卖毒品甲基苯丙胺不满十克。") is None
    assert grams("由谢某去广州向毒贩以150元一克的价格买得毒品海洛因十克。") == 10.0
    assert grams("以每1克300元价格买来海洛因毒品4克，以200元0.2克毒品海洛因贩卖给吸毒人员。") == 4.2
    # a masked number (×××.34克) is no weight: 34 is not what the court weighed
    assert grams("民警在令某书家×××住×××.34克，查获海洛因嫌疑物3.89克。") == 3.89


def test_a_misspelt_methamphetamine_is_still_methamphetamine() -> None:
    # 甲基丙苯胺, as some judgments write it
    assert grams("将五小包毒品甲基丙苯胺（经鉴定，共重4.45克，均从中检出甲基丙苯胺成分）贩卖给许某。") \
        == 4.45


def test_a_sum_restated_is_not_another_package() -> None:
    # 10.78 + 2.76 = 13.54: the facts add up what they weighed, without 共计 before it
    assert grams("查获红色片剂状甲基苯丙胺一包，经称量，净重10.78克；从其租住的房间里查获红色片剂甲基苯丙胺"
                 "一包，经称量，净重2.76克，两包甲基苯丙胺13.54克。") == pytest.approx(13.54)
    # a stated total (累计) still wins, even where it equals the parts
    assert grams("多次向杨某出售甲基苯丙胺共8克，以20000元价格购买甲基苯丙胺124.6克。综上，被告人李某贩卖、"
                 "运输甲基苯丙胺累计132.6克。") == 132.6


def test_what_is_no_drug_and_whose_drug_it_is() -> None:
    # the drug named in the sentence before; a package without drug in it; caffeine alone
    text = ("从其卧室内查获疑似毒品甲基苯丙胺片剂5包。经称量，片剂5包共重51.78克；白色粉末1包，净重47.48克"
            "（未检出常见毒品成分）。3B号检材检见咖啡因成分，净重0.99克。")
    assert grams(text) == pytest.approx(51.78 * 0.5)  # 甲基苯丙胺片剂 counts half (heroin_equivalent)
    assert grams("送检的1号检材检见毒品甲基苯丙胺成分，净重5.6克；3A号检材未检见常见毒品成分，净重0.31克。") \
        == 5.6
    # another's drugs the defendant's 立功 led to are not the defendant's
    assert grams("将一小包净重0.6克的毒品甲基苯丙胺以人民币200元的价格贩卖给他人。到案后，被告人提供重要线索，"
                 "协助公安机关抓获贩卖毒品甲基苯丙胺19.3克的贩毒人员林某。") == 0.6


def test_sales_counted_where_the_facts_count_them() -> None:
    # 贩卖毒品3次 / 4次贩卖: three sales or more are 多次 (法释〔2016〕8号第四条), with no 先后/共 before
    assert read("综上，被告人肖某某贩卖毒品3次，共计1.75克。", EQ).measures["acts"] == 3
    assert read("被告人杨某在酒店4次贩卖毒品甲基苯丙胺给吸毒人员龙某。", EQ).measures["acts"] == 4
    # under ten grams sold three times: 情节严重, 三年以上七年以下 (起点 36-48 -> 42); once read as a
    # single sale, 8 months
    g = guideline_for("综上，被告人肖某某贩卖甲基苯丙胺3次，共计1.75克。", ["走私、贩卖、运输、制造毒品罪"])
    assert g["months"] == 42
    # the generic count is unchanged where no sale is told
    assert read("被告人先后2次盗窃。", EQ).measures["acts"] == 2


def test_drugs_seized_beside_a_total_of_sales_count_with_it() -> None:
    # 刑法第三百四十七条 counts the drugs a seller held for sale with those sold: 1.5 g sold in
    # all, then 13.5366 g seized on him, is 15.037 g (CAIL2018: the court gave 96 months, the
    # 七年以上 tier of ten grams or more); the seized weight is larger than the total, so it
    # cannot be one of the total's parts
    text = ("被告人肖某某二次向吸毒人员王某、薛某鑫贩卖毒品甲基苯丙胺（冰毒）共计1.5克，获取毒资人民币200元。"
            "被告人肖某某被抓获时，公安民警当场从其身上查获毒品甲基苯丙胺13.5366克。")
    assert grams(text) == pytest.approx(15.037)  # rounded to the milligram
    found = read(text, EQ).provenance["heroin_g"]
    assert "1.5克" in found.text and "13.5366克" in found.text
    # a seized weight within the total may be one of its parts (224 粒 are the 39 sold and the
    # 185 seized): the total stays as it is
    assert grams("多次贩卖毒品甲基苯丙胺给他人吸食，共计224粒，约21.926克。后被民警当场抓获，查获其丢弃的"
                 "毒品甲基苯丙胺一袋185粒，净重18.1克。") == pytest.approx(21.926)
    # a total whose own sentence tells the seizure already holds it
    assert grams("共计贩卖甲基苯丙胺39.08克，其中现场查获甲基苯丙胺27.78克。具体事实如下：从其身上查获并扣押"
                 "甲基苯丙胺54.2克。") == pytest.approx(39.08)
    # a weight seized before the total is not added (综上所述 sums what came before)
    assert grams("公安人员对其住处进行搜查，缴获甲基苯丙胺（净重31.2克）。综上所述，被告人罗某贩卖毒品甲基苯丙胺"
                 "5次，共计约3.2克。") == pytest.approx(3.2)


def test_sales_told_item_by_item_are_counted() -> None:
    # four sales listed one by one (CAIL2018: the court gave 42 months, 情节严重): no 三次 is
    # written, the items count (法释〔2016〕8号第四条: 多次 is three or more)
    text = ("六安市裕安区人民检察院指控：一、2016年9月份一天，被告人柳某在本市解放北路小区门口向吸毒人员卫某"
            "贩卖冰毒0.2克。二、2016年年底的一天，被告人柳某在本市都市迷你酒店楼下向吸毒人员夏某贩卖冰毒0.3克。"
            "三、2017年1月初，被告人柳某在本市中山医院楼下向吸毒人员李某贩卖冰毒1克。四、2017年3月的一天，"
            "被告人柳某在本市天成小区向吸毒人员郭某贩卖冰毒0.3克。")
    assert read(text, EQ).measures["acts"] == 4
    assert guideline_for(text, ["走私、贩卖、运输、制造毒品罪"])["months"] == 42  # 起点 36-48
    # the sentencing page shows each item's sale, not the whole list
    assert read(text, EQ).provenance["acts"].text == (
        "一、贩卖冰毒0.2克；二、贩卖冰毒0.3克；三、贩卖冰毒1克；四、贩卖冰毒0.3克")
    # the court restating the prosecutor's list counts each sale once, and the evidence list's
    # items (证实…) and a last item's evidence after it are no sales
    restated = ("公诉机关指控：1、2012年3月2日，被告人刘某向吸毒人员张某出售毒品海洛因0.1克，获毒资100元；"
                "2、2012年3月3日，被告人刘某向吸毒人员翟某出售毒品海洛因0.3克，获毒资270元。"
                "经审理查明：1、2012年3月2日，被告人刘某向张某出售海洛因0.1克。2、2012年3月3日，被告人刘某"
                "向翟某出售海洛因0.3克。证据如下：1、证人张某的证言，证实其向被告人购买海洛因0.1克，付款100元。"
                "2、证人翟某的证言，证实其购买海洛因0.3克。3、扣押笔录，证实查获海洛因0.5克。")
    assert read(restated, EQ).measures["acts"] == 2
    # three sales in one count: 三次分别卖给 is three sales too
    assert read("被告人刘某在庙头村东门附近，三次分别卖给宋某300元甲基苯丙胺。", EQ).measures["acts"] == 3
    # items of another kind in a drug case are not sales
    assert "acts" not in read("查获：1、甲基苯丙胺2.1克；2、电子秤一台；3、手机一部。", EQ).measures
