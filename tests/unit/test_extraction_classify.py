"""Document kinds (extraction.classify): real judgments and rulings from the shared data, and
short headers of the police and procuratorate forms written to their national templates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extraction.classify import KINDS, classify, kind_of_title, split_documents
from extraction.paths import is_field_path, valid
from extraction.rules import RuleExtractor

GOLD = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "extraction_gold"
needs_gold = pytest.mark.skipif(not (GOLD / "labels").is_dir(), reason="shared gold set missing")

# LeCaRD candidate 14262 (a second-instance ruling), its first lines as published
RULING = """昌吉回族自治州中级人民法院
刑 事 裁 定 书
（2015）昌中刑终字第14号
原公诉机关昌吉市人民检察院。
上诉人（原审被告人）佘桂练，男，1983年1月24日出生，汉族，小学文化，无固定职业。
本院认为，上诉人佘桂练以非法占有为目的，骗取他人财物，数额较大，其行为已构成诈骗罪。
据此，依照《中华人民共和国刑事诉讼法》第二百二十五条第一款第（一）项之规定，裁定如下：
驳回上诉，维持原判。
本裁定为终审裁定。
"""

FORMS = {
    "起诉书": """XX省XX市XX区人民检察院
起 诉 书
X检公诉刑诉〔2018〕123号
被告人张某某，男，1985年3月2日出生，汉族，初中文化。
本案由XX市公安局XX分局侦查终结，以被告人张某某涉嫌盗窃罪，于2018年3月1日向本院移送审查起诉。
经依法审查查明：……
本院认为，被告人张某某以非法占有为目的，其行为触犯了《中华人民共和国刑法》第二百六十四条，
应当以盗窃罪追究其刑事责任。根据《中华人民共和国刑事诉讼法》第一百七十二条的规定，提起公诉。
此致
XX市XX区人民法院
检察员：李某
""",
    "起诉意见书": """XX市公安局XX分局
起 诉 意 见 书
X公（刑）诉字〔2018〕45号
犯罪嫌疑人张某某，男，1985年3月2日出生，汉族。
综上所述，犯罪嫌疑人张某某的行为已触犯《中华人民共和国刑法》第二百六十四条之规定，涉嫌盗窃罪。
依照《中华人民共和国刑事诉讼法》第一百六十二条之规定，现将此案移送审查起诉。
此致
XX市XX区人民检察院
""",
    "不起诉决定书": """XX市XX区人民检察院
不 起 诉 决 定 书
X检公诉刑不诉〔2018〕7号
被不起诉人王某，男，1990年5月1日出生。
本院认为，王某实施了《中华人民共和国刑法》第二百六十四条规定的行为，但犯罪情节轻微，
决定对王某不起诉。
""",
    "逮捕证/批准逮捕决定书": """XX市XX区人民检察院
批准逮捕决定书
X检批捕〔2018〕56号
XX市公安局XX分局：
你局于2018年1月5日以X公提捕字〔2018〕12号提请批准逮捕书提请批准逮捕犯罪嫌疑人张某某，
经本院审查认为，该犯罪嫌疑人涉嫌盗窃犯罪，决定批准逮捕犯罪嫌疑人张某某。请依法立即执行。
""",
    "立案决定书": """XX市公安局XX分局
立 案 决 定 书
X公（刑）立字〔2018〕301号
根据《中华人民共和国刑事诉讼法》第一百零七条之规定，决定对张某某盗窃案立案侦查。
公安局（印）
二〇一八年一月二日
""",
    "讯问笔录": """讯 问 笔 录
时间：2018年1月3日9时10分至10时05分
地点：XX市公安局XX分局办案中心
讯问人：刘某、陈某  工作单位：XX市公安局XX分局
记录人：陈某
被讯问人：张某某
问：我们是XX市公安局XX分局的民警，现依法对你进行讯问，你要如实回答，听清楚了吗？
答：听清楚了。
问：你为什么被带到公安机关？
答：因为我偷了别人的电动车。
""",
    "询问笔录": """询 问 笔 录
时间：2018年1月2日14时20分至15时00分
地点：XX派出所
询问人：刘某  工作单位：XX市公安局XX分局XX派出所
被询问人：李某  性别：女  年龄：35
问：我们是XX派出所民警，现依法向你了解情况，你应当如实提供证据、证言。
答：明白。
问：你的电动车是什么时候被盗的？
答：昨天晚上停在楼下，今天早上发现不见了。
""",
    "鉴定意见/鉴定书": """XX市价格认证中心
价格鉴定意见书
X价鉴〔2018〕12号
委托单位：XX市公安局XX分局
鉴定标的：雅迪牌电动自行车一辆
鉴定基准日：2018年1月1日
鉴定意见：鉴定标的在价格鉴定基准日的价格为人民币一千二百元。
鉴定人：赵某
""",
    "扣押清单": """XX市公安局XX分局
扣押物品、文件清单
编号 名称 数量 特征 备注
1 电动自行车 1辆 雅迪牌，白色
2 手机 1部 华为牌，黑色
持有人：张某某  见证人：王某  办案人：刘某
""",
    "换押证": """换 押 证
（第一联 原办案机关存档）
XX市XX区看守所：
犯罪嫌疑人张某某（男，1985年3月2日出生）因涉嫌盗窃罪，羁押于你所。
本案已由我局移送XX市XX区人民检察院审查起诉，请办理换押手续。
原办案机关：XX市公安局XX分局  现办案机关：XX市XX区人民检察院
""",
    "其他": """送达回证
受送达人：张某某
送达文书：通知书
送达地点：XX市XX区看守所
""",
}


@needs_gold
def test_every_gold_judgment_is_a_judgment_with_high_confidence() -> None:
    for label in sorted((GOLD / "labels").glob("*.json")):
        text = (GOLD / "texts" / f"{label.stem}.txt").read_text(encoding="utf-8")
        kind = classify([text])
        assert kind.kind == "刑事判决书", label.stem
        assert kind.confidence >= 0.9
        assert json.loads(label.read_text())["doc_type"].endswith("判决书")


def test_a_real_ruling() -> None:
    kind = classify([RULING])
    assert (kind.kind, kind.title) == ("刑事裁定书", "刑事裁定书")
    assert kind.confidence >= 0.9
    assert RuleExtractor().extract([RULING]).doc_kind == "刑事裁定书"


@pytest.mark.parametrize("kind", list(FORMS))
def test_police_and_procuratorate_forms(kind: str) -> None:
    found = classify([FORMS[kind]])
    assert found.kind == kind, found
    assert found.confidence >= (0.9 if kind != "其他" else 0.3)


def test_body_cues_decide_when_the_title_was_lost() -> None:
    without_title = "\n".join(FORMS["讯问笔录"].splitlines()[1:])
    found = classify([without_title])
    assert found.kind == "讯问笔录" and 0.3 <= found.confidence < 0.9
    body = RULING.split("本院认为", 1)[1]
    assert classify([body]).kind == "刑事裁定书"


def test_a_scan_of_several_documents_is_split_by_page() -> None:
    pages = [FORMS["起诉意见书"], "续页：犯罪嫌疑人张某某的其他情况。", FORMS["讯问笔录"],
             FORMS["扣押清单"]]
    parts = split_documents(pages)
    assert [(p.first, p.last, p.kind.kind) for p in parts] == [
        (1, 2, "起诉意见书"), (3, 3, "讯问笔录"), (4, 4, "扣押清单")]


def test_titles_map_to_kinds() -> None:
    assert kind_of_title("刑事附带民事判决书") == "刑事判决书"
    assert kind_of_title("批准逮捕决定书") == "逮捕证/批准逮捕决定书"
    assert kind_of_title("刑 事 裁 定 书") == "刑事裁定书"
    assert kind_of_title("鉴定意见/鉴定书") == "鉴定意见/鉴定书"
    assert kind_of_title("送达回证") is None
    assert len(KINDS) == 13


def test_correctable_field_paths() -> None:
    assert is_field_path("doc_type") and is_field_path("defendants/0/sentence/fine_yuan")
    assert is_field_path("defendants/1/charges/0") and is_field_path("victims/2")
    assert not is_field_path("defendants/0/sentence/x") and not is_field_path("notes")
    assert not is_field_path("defendants//name") and not is_field_path("victims/01")
    assert valid("defendants/0/sentence/term_months", 18)
    assert not valid("defendants/0/sentence/term_months", True)
    assert valid("defendants/0/sentence/confiscation", False)
    assert valid("judgment_date", "2017-06-28") and not valid("judgment_date", "2017/6/28")
    assert valid("defendants", [{"name": "张3", "charges": ["盗窃罪"],
                                 "sentence": {"term_months": 6}}])
    assert not valid("defendants", [{"name": "张3", "shoe": 1}])


def test_suspects_and_their_suspected_charges_on_police_forms() -> None:
    for kind in ("起诉意见书", "换押证"):
        result = RuleExtractor().extract([FORMS[kind]])
        [suspect] = result.fields["defendants"]
        assert (suspect["name"], suspect["birth_date"]) == ("张某某", "1985-03-02"), kind
        assert suspect["charges"] == ["盗窃罪"], kind
        assert result.doc_kind == kind and result.fields["doc_type"] == kind
    [person] = RuleExtractor().extract([FORMS["不起诉决定书"]]).fields["defendants"]
    assert person["name"] == "王某" and person["charges"] == []  # 不起诉: no charge brought
