"""extraction.citations: the cited Criminal Law articles, the court level and the trial stage
that search filters by, on sentences as judgments write them."""

from __future__ import annotations

import pytest

from extraction.citations import court_level, criminal_law_articles, trial_stage


@pytest.mark.parametrize("text,articles", [
    ("依照《中华人民共和国刑法》第二百六十四条、第六十七条第三款、第五十二条、第五十三条之规定，判决如下",
     ["第52条", "第53条", "第67条", "第264条"]),
    ("依照《中华人民共和国刑法》第二百六十四条，《中华人民共和国刑事诉讼法》第二百零一条之规定",
     ["第264条"]),  # the procedure law's article is not the Criminal Law's
    ("依照刑法第二百六十四条、刑事诉讼法第十五条", ["第264条"]),
    ("依照《中华人民共和国刑法》第一百三十三条之一第一款第（二）项", ["第133条之一"]),
    ("《中华人民共和国刑法》第二百九十三条第一款第（一）项、第十七条第一、三款及《最高人民法院关于"
     "审理寻衅滋事刑事案件适用法律若干问题的解释》第二条", ["第17条", "第293条"]),
    ("依照《中华人民共和国刑法》二百六十六条、第二百二十四条", ["第224条", "第266条"]),
    ("依照《中华人民共和国刑法》第三百 零三条第二款", ["第303条"]),  # a line break in it
    ("依照《中华人民共和国刑法》第十二条第一款和1979年《中华人民共和国刑法》第一百三十四条第二款",
     ["第12条"]),  # the 1979 law numbers otherwise
    ("依照《中华人民共和国刑法修正案（九）》第三十条", []),
    ("依照《中华人民共和国刑法》第264条、第67条第3款", ["第67条", "第264条"]),
    ("本院认为，被告人的行为构成盗窃罪。", []),
])
def test_articles(text: str, articles: list[str]) -> None:
    assert criminal_law_articles(text) == articles


@pytest.mark.parametrize("court,number,level", [
    ("最高人民法院", None, "最高"),
    ("广东省高级人民法院", None, "高级"),
    ("新疆维吾尔自治区高级人民法院生产建设兵团分院", None, "高级"),
    ("江苏省苏州市中级人民法院", None, "中级"),
    ("上海铁路运输中级法院", None, "中级"),
    ("北京知识产权法院", None, "中级"),
    ("浙江省嵊州市人民法院", None, "基层"),
    ("上海市奉贤区人民检察院", "（2017）沪0120刑初684号", None),  # not a court
    (None, "（2017）沪0120刑初684号", "基层"),
    (None, "（2017）粤03刑终15号", "中级"),
    (None, "（2018）京刑终12号", "高级"),
    (None, "（2019）最高法刑核12号", "最高"),
    (None, "（2015）宝中刑一终字第00026号", None),  # the old format names no level by code
])
def test_court_level(court: str | None, number: str | None, level: str | None) -> None:
    assert court_level(court, number) == level


@pytest.mark.parametrize("number,title,stage", [
    ("（2017）沪0120刑初684号", None, "一审"),
    ("（2015）宝中刑一终字第00026号", None, "二审"),
    ("（2014）深中法刑二初字第12号", None, "一审"),
    ("（2015）浦少刑初字第1号", None, "一审"),
    ("（2018）最高法刑再3号", None, "再审"),
    ("（2018）京刑申12号", None, "再审审查"),
    ("（2019）最高法刑核12号", None, "死刑复核"),
    ("（2016）沪0120刑更3号", None, "减刑假释"),
    (None, "周某盗窃二审刑事判决书.pdf", "二审"),
    (None, "张某故意伤害一审刑事附带民事判决书", "一审"),
    (None, "判决书.pdf", None),
])
def test_trial_stage(number: str | None, title: str | None, stage: str | None) -> None:
    assert trial_stage(number, title) == stage
