"""强奸罪 (刑法第二百三十六条), one of the guideline's twenty-three crimes, worked by hand from
national.toml and henan.toml: 强奸妇女一人 起点 三年至六年 nationally, 三年至五年 in the province
file (天津、湖北 细则; Henan's not checked, ⚠); 奸淫幼女一人 四年至七年; 轮奸, 当众, 致被害人重伤
十年至十三年. The platform takes each range's middle."""

from __future__ import annotations

from sentencing.case import guideline_for
from sentencing.facts import read
from sentencing.guideline import Inputs, compute, load

EQ = load().national["drugs"]["heroin_equivalent"]


def test_one_woman_starts_in_the_province_range() -> None:
    text = "被告人王某以暴力手段强行与被害人李某（女，25岁）发生性关系。"
    assert "幼女" not in read(text, EQ).flags  # 25 is no child
    r = guideline_for(text, ["强奸罪"])
    only = r["charges"][0]
    # 刑法第二百三十六条第一款: 三年以上十年以下; 起点 (36 + 60) / 2 = 48, nothing to adjust
    assert only["statutory"] == [36, 120] and r["months"] == 48
    start = next(s for s in only["steps"] if s["kind"] == "起点")
    assert "刑法第二百三十六条" in start["label"] and start["unverified"]
    # without a province file: the national 三年至六年 -> 54
    assert compute(Inputs("强奸罪"), load("")).months == 54


def test_a_girl_under_fourteen_has_her_own_start() -> None:
    # 刑法第二百三十六条第二款: 奸淫不满十四周岁的幼女的，以强奸论，从重处罚; 起点 四年至七年 -> 66
    for text in ("被告人将被害人崔某某（女，时年6周岁）带至其住处奸淫。",
                 "被告人明知被害人郭某未满十四周岁，仍多次与其发生性关系。"):
        f = read(text, EQ)
        assert "幼女" in f.flags and "flag:幼女" in f.provenance
        assert guideline_for(text, ["强奸罪"])["months"] == 66


def test_gang_rape_is_the_top_tier_and_an_attempt_is_reduced() -> None:
    # 二人以上轮奸 -> 十年以上, 起点 十年至十三年 -> 138
    r = guideline_for("被告人伙同张某将被害人带至山上轮奸。", ["强奸罪"])
    assert r["charges"][0]["statutory"] == [120, 180] and r["months"] == 138
    # 未遂 (刑法第二十三条, first, -25 %): 48 x 0.75 = 36, a statutory 减轻 circumstance
    text = "被告人欲强行与被害人发生性关系，因被害人奋力反抗而未得逞。"
    assert "未遂" in read(text, EQ).circumstances
    assert guideline_for(text, ["强奸罪"])["months"] == 36
    # 当众 only where the act is: 当众辱骂 is not 当众强奸
    assert "当众" not in read("被告人当众辱骂被害人。", EQ).flags


def test_several_victims_and_a_heinous_case_are_the_top_tier() -> None:
    # 刑法第二百三十六条第三款第（一）（二）项: 情节恶劣的, 强奸妇女、奸淫幼女多人的 -> 十年以上,
    # 起点 十年至十三年 -> 138
    for text in ("公诉机关认为，被告人金某使用暴力手段强奸妇女多人，应当以强奸罪追究其刑事责任。",
                 "被告人先后对三名幼女实施奸淫。",
                 "公诉机关认为被告人王某明知是幼女仍多次与其发生性关系，情节恶劣。"):
        r = guideline_for(text, ["强奸罪"])
        assert r["charges"][0]["statutory"] == [120, 180] and r["months"] == 138, text
    # three persons the facts name, one of them raped: not 多人
    text = "被告人强行将三名被害人带到宾馆，在房间内欲对王某实施强奸，遭到反抗未能得逞。"
    assert "多名被害人" not in read(text, EQ).flags
    # the words of another crime in the same text (三个女孩子) are not victims of this one
    assert "多名被害人" not in read("熊某说颜浩不准三个女孩子出来，还强奸了熊某。", EQ).flags
