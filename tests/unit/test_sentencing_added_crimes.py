"""Crimes added to the guideline data after the first 18 (issue 22): 信用卡诈骗罪 and 抢夺罪 from
the national 《量刑指导意见》 (2021). Each worked example is computed by hand from the data
(national.toml + henan.toml) with its article; halves are rounded up (细则: 四舍五入取整数).
Then the statutory caps: no term leaves its tier without a statutory 减轻 circumstance, and
nothing passes the tier's maximum (an 无期徒刑 tier says so in `beyond`)."""

from __future__ import annotations

from datetime import date

from sentencing.facts import read
from sentencing.guideline import Inputs, compute, load

EQ = load().national["drugs"]["heroin_equivalent"]


def c(*words: str) -> frozenset[str]:
    return frozenset(words)


def test_credit_card_fraud_tiers_and_malicious_overdraft() -> None:
    # 刑法第一百九十六条; 法释〔2018〕19号: 冒用他人信用卡 60,000 元 ≥ 数额巨大 50,000 ->
    # 五年以上十年以下, 起点 五年至六年 -> 66; 坦白 -10 % -> 59.4 -> 60 (kept at the tier's
    # minimum 60: 坦白 is no statutory 减轻 circumstance)
    r = compute(Inputs("信用卡诈骗罪", amount_yuan=60000, circumstances=c("坦白")))
    assert r.statutory == (60, 120) and r.months == 60 and r.floor == 60
    # 恶意透支 60,000 元: its own amounts (数额较大 5万, 巨大 50万) -> 五年以下, 起点 二年以下
    # -> (1 + 24) / 2 = 12.5 -> 13
    r = compute(Inputs("信用卡诈骗", amount_yuan=60000, flags=c("恶意透支")))
    assert r.statutory == (1, 60) and r.months == 13
    # 恶意透支 6,000,000 元 ≥ 500万: 十年以上 (⚠ 起点 十年至十二年 -> 132); 自首 -20 % ->
    # 105.6 -> 106, below 120 (自首 is a statutory 减轻 circumstance: the floor is the next
    # tier's minimum, 60)
    r = compute(Inputs("信用卡诈骗罪", amount_yuan=6_000_000, flags=c("恶意透支"),
                       circumstances=c("自首")))
    assert r.statutory == (120, 180) and r.months == 106 and r.floor == 60
    assert any(s.unverified for s in r.steps if s.kind == "起点")
    # the reading: 透支 … 经银行催收 … 未归还 is 恶意透支
    f = read("被告人宋某持信用卡透支消费，累计透支125,974.29元，经银行多次催收逾期仍未归还。", EQ)
    assert "恶意透支" in f.flags and f.measures["amount_yuan"] == 125974.29


def test_snatching_amount_increments_and_the_cap() -> None:
    # 刑法第二百六十七条; 数额较大 from 法释〔2013〕25号's lower end 1,000 元 (⚠ for Henan):
    # 起点 一年以下 -> 6.5; 山西 increment (⚠) +1 month per 1,600 元: (9,000 - 1,000) / 1,600
    # = 5 -> 11.5 -> 12
    r = compute(Inputs("抢夺罪", amount_yuan=9000))
    assert r.statutory == (1, 36) and r.months == 12
    assert [s.months for s in r.steps if s.kind in ("起点", "基准刑")] == [6.5, 11.5]
    # 数额巨大 (≥ 30,000): 三年至五年 -> 48; (62,000 - 30,000) / 3,200 = 10 -> 58;
    # 自首 -20 % -> 46.4 -> 46
    r = compute(Inputs("抢夺", amount_yuan=62000, circumstances=c("自首")))
    assert r.statutory == (36, 120) and r.months == 46
    # 数额特别巨大 (≥ 200,000): 十年至十二年 -> 132; (2,000,000 - 200,000) / 10,000 = 180
    # months -> 312, kept at the tier's maximum 180; 累犯 cannot pass it either; 无期徒刑 beyond
    r = compute(Inputs("抢夺罪", amount_yuan=2_000_000, circumstances=c("累犯")))
    assert r.statutory == (120, 180) and r.months == 180 and r.beyond == "无期徒刑"
    assert r.range[1] <= 180
    assert all(s.basis for s in r.steps)


def test_false_vat_invoices_by_tax_amount() -> None:
    # 刑法第二百零五条; 法〔2018〕226号 (虚开税款 5万 / 50万 数额较大 / 250万 数额巨大), the law
    # before 法释〔2024〕4号 (test_sentencing_dated_amounts has the day it changed); 起点 and
    # increments are the platform's (⚠, no 细则 text): 150,000 元 -> 三年以下, 起点 一年以下 ->
    # 6.5; +1 month per 20,000 above 50,000: 5 -> 11.5 -> 12
    g = load().at(date(2024, 3, 19))
    name = "[虚开增值税专用发票、用于骗取出口退税、抵扣税款发票]"  # CAIL2018's spelling
    r = compute(Inputs(name, tax_yuan=150000), g)
    assert r.charge == "虚开增值税专用发票、用于骗取出口退税、抵扣税款发票罪"
    assert r.statutory == (1, 36) and r.months == 12
    assert all(s.unverified for s in r.steps if s.kind in ("起点", "增加"))
    # 1,200,000 元 ≥ 50万: 三年以上十年以下, 起点 三年至三年六个月 -> 39; +1 month per 200,000
    # above 500,000: 3 -> 42; 坦白 -10 % -> 37.8 -> 38
    r = compute(Inputs("虚开增值税专用发票罪", tax_yuan=1_200_000, circumstances=c("坦白")), g)
    assert r.statutory == (36, 120) and r.months == 38 and r.floor == 36
    # 40,000,000 元 ≥ 250万: 十年以上 (无期徒刑 beyond), 起点 132; +1 month per 500,000 above
    # 2,500,000: 75 -> 207, the base kept at the fixed-term top 180; 累犯 +25 % passes it: 180
    # declared, 无期徒刑 beyond
    r = compute(Inputs("虚开增值税专用发票罪", tax_yuan=40_000_000), g)
    assert r.statutory == (120, 180) and r.months == 180 and r.beyond is None
    r = compute(Inputs("虚开增值税专用发票罪", tax_yuan=40_000_000, circumstances=c("累犯")), g)
    assert r.months == 180 and r.range[1] == 180 and r.beyond == "无期徒刑"
    # the tier in the prosecutor's words, no tax amount read: 数额较大 -> 39
    assert compute(Inputs("虚开增值税专用发票罪", flags=c("数额较大")), g).months == 39
    # the reading: the tax amount, not the invoices' total (价税合计) nor a tax paid back
    f = read("虚开增值税专用发票78份，价税合计7048364.1元，税额计1024121.23元。案发后补缴税款"
             "2000000元。", EQ)
    assert f.measures["tax_yuan"] == 1024121.23
    assert f.provenance["tax_yuan"].text == "税额计1024121.23元"


def test_false_imprisonment_by_consequence() -> None:
    # 刑法第二百三十八条; 《量刑指导意见》 (a public copy of the 2014 text, ⚠ for 2021):
    # 情节一般 一年以下 -> 6.5 -> 7
    r = compute(Inputs("非法拘禁罪"))
    assert r.statutory == (1, 36) and r.months == 7
    # 致一人重伤: 三年以上十年以下, 起点 三年至五年 -> 48; 坦白 -10 % -> 43.2 -> 43
    r = compute(Inputs("非法拘禁", serious_injuries=1, circumstances=c("坦白")))
    assert r.statutory == (36, 120) and r.months == 43
    # 致一人死亡: 十年以上有期徒刑 (no life term: nothing beyond 180), 起点 十年至十三年 -> 138;
    # 累犯 +25 % -> 172.5 -> 173, inside the range
    r = compute(Inputs("非法拘禁罪", deaths=1, circumstances=c("累犯")))
    assert r.statutory == (120, 180) and r.months == 173 and r.beyond is None


def test_procuring_prostitution() -> None:
    # 刑法第三百五十九条第一款 (⚠: the 2021 guideline's 起点 as recalled): 情节一般 二年以下 ->
    # 12.5 -> 13 (CAIL2018's spelling of the charge)
    r = compute(Inputs("[引诱、容留、介绍]卖淫"))
    assert r.charge == "引诱、容留、介绍卖淫罪" and r.statutory == (1, 60) and r.months == 13
    # 情节严重: 五年以上 (to the fixed-term top 180), 起点 五年至七年 -> 72; 自首 -20 % -> 57.6
    # -> 58, below five years (自首 is a statutory 减轻 circumstance: floor = the lower range's 1)
    r = compute(Inputs("引诱、容留、介绍卖淫罪", flags=c("情节严重"), circumstances=c("自首")))
    assert r.statutory == (60, 180) and r.months == 58 and r.floor == 1
