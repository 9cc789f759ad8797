"""交通肇事罪's 逃逸 tier (刑法第一百三十三条: 交通运输肇事后逃逸 … 处三年以上七年以下有期徒刑)
presupposes an accident that was a crime before the flight (法释〔2000〕33号第三条: the cases of
第二条第一款 and 第二条第二款第（一）至（五）项). With one person seriously injured and nothing else,
the flight is what makes the accident a crime (第二条第二款第（六）项: 为逃避法律追究逃离事故现场):
the first tier (三年以下). The tier's `requires` in national.toml; worked by hand with Henan's
细则 (⚠)."""

from __future__ import annotations

from sentencing.case import guideline_for
from sentencing.guideline import Inputs, compute

INJURY_AND_FLIGHT = ("被告人驾驶小型轿车与骑电动车的王某相撞，致王某受伤。经鉴定，王某的损伤程度为重伤二级。"
                     "事故发生后，被告人驾车逃离现场。")


def test_flight_after_one_serious_injury_is_the_first_tier() -> None:
    g = guideline_for(INJURY_AND_FLIGHT, ["交通肇事罪"])
    assert g["inputs"]["measures"]["serious_injuries"] == 1 and "逃逸" in g["inputs"]["flags"]
    # first tier: 一年至二年 narrowed by Henan to 6-18 months -> 12, no increment
    assert g["statutory"] == [1, 36] and g["months"] == 12


def test_flight_after_an_accident_that_was_already_a_crime_is_the_second_tier() -> None:
    # 无驾驶资格 (第二条第二款第（二）项) with the injury: already a crime, the flight is 逃逸:
    # 三年以上七年以下, Henan 起点 36-48 -> 42
    g = guideline_for("被告人无驾驶证驾驶小型轿车，" + INJURY_AND_FLIGHT, ["交通肇事罪"])
    assert g["statutory"] == [36, 84] and g["months"] == 42
    # 酒后 (blood alcohol ≥ 20 mg/100 mL): alike
    r = compute(Inputs("交通肇事", serious_injuries=1, blood_alcohol=45.0,
                       flags=frozenset({"逃逸"})))
    assert r.statutory == (36, 84) and r.months == 42
    # one death (第二条第一款第（一）项): alike
    r = compute(Inputs("交通肇事", deaths=1, flags=frozenset({"逃逸"})))
    assert r.statutory == (36, 84) and r.months == 42
    # three seriously injured (第二条第一款第（一）项): alike; two are not
    assert compute(Inputs("交通肇事", serious_injuries=3,
                          flags=frozenset({"逃逸"}))).statutory == (36, 84)
    assert compute(Inputs("交通肇事", serious_injuries=2,
                          flags=frozenset({"逃逸"}))).statutory == (1, 36)
