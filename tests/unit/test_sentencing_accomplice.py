"""从犯 (刑法第二十七条: 在共同犯罪中起次要或者辅助作用的，是从犯；应当从轻、减轻处罚) is read
where the facts say so, not in 从犯罪数额中扣除 ("from the amount of the crime", LeCaRD's defence
and prosecution wording) nor in a forensic report's 在死亡过程中起辅助作用 (a wound's part in the
death). Worked by hand: 故意伤害 轻伤一人, Henan 起点 6-18 -> 12 months; 从犯 -35 % (the
guideline's 20-50 %, stage 1) -> 7.8 -> 8."""

from __future__ import annotations

from sentencing.case import guideline_for
from sentencing.facts import read
from sentencing.guideline import load

EQ = load().national["drugs"]["heroin_equivalent"]
INJURY = "经鉴定，被害人的损伤为轻伤二级。"


def test_an_accomplice_is_read_and_reduces_the_term() -> None:
    g = guideline_for(INJURY + "被告人在共同犯罪中起次要作用，系从犯。", ["故意伤害罪"])
    assert "从犯" in g["inputs"]["circumstances"] and g["months"] == 8


def test_from_the_amount_of_the_crime_is_not_an_accomplice() -> None:
    text = INJURY + "公诉机关认为，被告人收受的礼金不应从犯罪数额中扣除。"
    assert "从犯" not in read(text, EQ).circumstances
    assert guideline_for(text, ["故意伤害罪"])["months"] == 12
    # a wound's part in a death is not a defendant's part in the crime
    text = "其枕部损伤在死亡过程中起辅助作用，头部损伤在死亡过程中起次要作用。"
    assert "从犯" not in read(text, EQ).circumstances
    # the accomplice still is where the text says 辅助作用 of the defendant
    assert "从犯" in read("被告人李某在犯罪中起辅助作用。", EQ).circumstances
