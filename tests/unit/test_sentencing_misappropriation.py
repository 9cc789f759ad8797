"""挪用 and bribery outside the state added to the guideline data (issue 22, fourth round):
挪用公款罪 (刑法第三百八十四条, 法释〔2016〕9号第五、六条), 挪用资金罪 (第二百七十二条, 刑法修正案
（十一）; 第十一条: twice 挪用公款's amounts), 非国家工作人员受贿罪 (第一百六十三条; 第十一条: twice
and five times 受贿's) and 对非国家工作人员行贿罪 (第一百六十四条; twice 行贿's). Starting points and
increments are the platform's (⚠). Each worked example is computed by hand from the data
(national.toml + henan.toml) with its article; increments count whole steps (floor), halves are
rounded up (细则: 四舍五入取整数)."""

from __future__ import annotations

from sentencing.case import guideline_for
from sentencing.facts import read
from sentencing.guideline import Inputs, compute


def c(*words: str) -> frozenset[str]:
    return frozenset(words)


def test_public_funds_for_profit_or_kept_over_three_months() -> None:
    # 刑法第三百八十四条; 法释〔2016〕9号第六条: 营利活动 / 超过三个月未还, 数额较大 5万, 情节严重
    # 200万. 1,000,000 元 -> 五年以下; 起点 (⚠) 二年以下 -> 12.5; +1 month per 41,000 above
    # 50,000: 950,000 / 41,000 = 23.2 -> 23 -> 35.5; 坦白 -10 % -> 31.95 -> 32
    r = compute(Inputs("挪用公款罪", amount_yuan=1_000_000, circumstances=c("坦白")))
    assert r.statutory == (1, 60) and r.months == 32
    assert [s.months for s in r.steps if s.kind in ("起点", "基准刑")] == [12.5, 35.5]
    assert all(s.unverified for s in r.steps if s.kind in ("起点", "增加"))
    # 3,000,000 元 ≥ 200万: 情节严重 -> 五年以上; 起点 (⚠) 五年至六年 -> 66; +1 month per
    # 56,000 above 2,000,000: 17.9 -> 17 -> 83
    r = compute(Inputs("挪用公款罪", amount_yuan=3_000_000))
    assert r.statutory == (60, 180) and r.months == 83
    # 5,000,000 元 is 数额巨大 but returned: still 情节严重 (the top tier needs 不退还):
    # 66 + 3,000,000 / 56,000 = 53.6 -> 53 -> 119
    r = compute(Inputs("挪用公款罪", amount_yuan=5_000_000))
    assert r.statutory == (60, 180) and r.months == 119


def test_public_funds_for_illegal_activities_have_lower_amounts() -> None:
    # 第五条: 进行非法活动, 入罪 3万, 情节严重 100万. 500,000 元 -> 五年以下, 12.5; +1 month per
    # 20,000 above 30,000: 23.5 -> 23 -> 35.5 -> 36
    r = compute(Inputs("挪用公款罪", amount_yuan=500_000, flags=c("非法活动")))
    assert r.statutory == (1, 60) and r.months == 36
    # 1,500,000 元 ≥ 100万: 情节严重, 66; +1 month per 37,000 above 1,000,000: 13.5 -> 13 -> 79
    # (营利活动 the same amount stays below 200万: 12.5 + 1,450,000 / 41,000 = 35.4 -> 35 -> 48)
    r = compute(Inputs("挪用公款罪", amount_yuan=1_500_000, flags=c("非法活动")))
    assert r.statutory == (60, 180) and r.months == 79
    assert compute(Inputs("挪用公款罪", amount_yuan=1_500_000)).months == 48


def test_public_funds_not_returned_and_the_cap() -> None:
    # 第三百八十四条: 挪用公款数额巨大不退还的, 处十年以上有期徒刑或者无期徒刑; 第六条: 500万.
    # 8,000,000 元 -> 起点 (⚠) 十年至十一年 -> 126; +1 month per 500,000 above 5,000,000: 6 -> 132
    r = compute(Inputs("挪用公款罪", amount_yuan=8_000_000, flags=c("数额巨大不退还")))
    assert r.statutory == (120, 180) and r.months == 132
    # 60,000,000 元: +110 months -> 236, kept at the fixed-term top 180; 累犯 +25 % passes it:
    # 180 declared, 无期徒刑 beyond
    r = compute(Inputs("挪用公款罪", amount_yuan=60_000_000, flags=c("数额巨大不退还"),
                       circumstances=c("累犯")))
    assert r.months == 180 and r.range[1] == 180 and r.beyond == "无期徒刑"
    assert [s.months for s in r.steps if s.kind == "基准刑"] == [180]


def test_company_funds() -> None:
    # 刑法第二百七十二条 (刑法修正案（十一）): 三年以下 / 三年以上七年以下 / 七年以上; 法释〔2016〕
    # 9号第十一条第二款: 10万 and 400万 (twice 挪用公款's 5万 and 情节严重's 200万).
    # 1,000,000 元 -> 三年以下, 起点 (⚠) 一年以下 -> 6.5; +1 month per 130,000 above 100,000:
    # 6.9 -> 6 -> 12.5 -> 13
    r = compute(Inputs("挪用资金罪", amount_yuan=1_000_000))
    assert r.statutory == (1, 36) and r.months == 13
    # 5,000,000 元 ≥ 400万: 三年以上七年以下, 起点 三年至四年 -> 42; +1 month per 140,000 above
    # 4,000,000: 7.1 -> 7 -> 49; 自首 -20 % -> 39.2 -> 39
    r = compute(Inputs("挪用资金罪", amount_yuan=5_000_000, circumstances=c("自首")))
    assert r.statutory == (36, 84) and r.months == 39 and r.floor == 1
    # 进行非法活动: 6万 / 200万 (twice 3万 and 100万): 2,500,000 元 is 数额巨大 -> 42; +1 month
    # per 95,000 above 2,000,000: 5.3 -> 5 -> 47
    r = compute(Inputs("挪用资金罪", amount_yuan=2_500_000, flags=c("非法活动")))
    assert r.statutory == (36, 84) and r.months == 47
    # 数额特别巨大 (⚠ 1000万, no interpretation): 30,000,000 元 -> 七年以上, 起点 (⚠) 七年至八年
    # -> 90; +1 month per 1,000,000 above 10,000,000: 20 -> 110
    r = compute(Inputs("挪用资金罪", amount_yuan=30_000_000))
    assert r.statutory == (84, 180) and r.months == 110


def test_company_funds_tier_cap() -> None:
    # 七年以上 has no 无期徒刑 (第二百七十二条): 200,000,000 元 -> 90 + 190 = 280, kept at 180;
    # 累犯 passes it, nothing beyond the fixed term
    r = compute(Inputs("挪用资金罪", amount_yuan=200_000_000, circumstances=c("累犯")))
    assert r.months == 180 and r.beyond is None


def test_bribes_taken_outside_the_state() -> None:
    # 刑法第一百六十三条 (刑法修正案（十一）); 法释〔2016〕9号第十一条: 6万 / 100万 (twice and five
    # times 受贿's), 特别巨大 (⚠) 1500万. 500,000 元 -> 三年以下, 起点 (⚠) 一年以下 -> 6.5;
    # +1 month per 28,200 above 60,000: 15.6 -> 15 -> 21.5 -> 22
    r = compute(Inputs("非国家工作人员受贿罪", amount_yuan=500_000))
    assert r.statutory == (1, 36) and r.months == 22
    # 2,000,000 元 ≥ 100万: 三年以上十年以下, 42; +1 month per 175,000 above 1,000,000:
    # 5.7 -> 5 -> 47
    r = compute(Inputs("非国家工作人员受贿", amount_yuan=2_000_000))
    assert r.statutory == (36, 120) and r.months == 47
    # 20,000,000 元 ≥ 1500万: 十年以上, 126; +1 month per 1,500,000 above 15,000,000: 3.3 -> 3
    # -> 129
    r = compute(Inputs("非国家工作人员受贿罪", amount_yuan=20_000_000))
    assert r.statutory == (120, 180) and r.months == 129 and r.beyond is None


def test_bribes_given_outside_the_state() -> None:
    # 刑法第一百六十四条第一款; 第十一条第三款: 6万 / 200万 (twice 行贿's). 300,000 元 -> 三年以下,
    # 起点 (⚠) 六个月至一年 -> 9; +1 month per 72,000 above 60,000: 3.3 -> 3 -> 12
    r = compute(Inputs("对非国家工作人员行贿罪", amount_yuan=300_000))
    assert r.statutory == (1, 36) and r.months == 12
    # 2,500,000 元 ≥ 200万: 三年以上十年以下, 42; +1 month per 200,000 above 2,000,000: 2 -> 44
    r = compute(Inputs("对非国家工作人员行贿罪", amount_yuan=2_500_000))
    assert r.statutory == (36, 120) and r.months == 44


def test_the_use_is_read_from_the_facts() -> None:
    facts = ("经审理查明：被告人李某利用担任某镇财政所出纳的职务便利，先后多次挪用公款共计人民币"
             "50万元用于赌博，至案发时尚未归还。案发后，李某如实供述了上述事实。")
    got = read(facts)
    assert "非法活动" in got.flags and "数额巨大不退还" not in got.flags
    g = guideline_for(facts, ["挪用公款罪"])
    assert g["known"] and g["statutory"] == [1, 60]
    assert g["inputs"]["measures"]["amount_yuan"] == 500_000
    # 进行非法活动: 12.5 + (500,000 - 30,000) / 20,000 = 23.5 -> 23 -> 35.5; 坦白 -10 % -> 31.95
    # -> 32
    assert g["months"] == 32
    assert "非法活动" not in read("被告人挪用本单位资金150万元用于经营公司。").flags
    assert "数额巨大不退还" in read("挪用公款数额巨大不退还，其行为已构成挪用公款罪。").flags
