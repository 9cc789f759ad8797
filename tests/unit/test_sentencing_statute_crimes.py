"""Issue 22's eighth round: crimes the fresh LeCaRD set's tune half has with no rule and at most
a few CAIL2018 cases, where the estimate took those cases' median as it is (贷款诈骗 156 months
from one case, against truths of 12-168; 猥亵儿童 108 from one) or, beside a charge with a rule, no
guideline term at all (受贿 and 滥用职权: the set's median, 24 months, for truths of 126-180).
Their tiers are the statute's; every 起点 is the platform's (⚠), the guideline's own for a tier of
the same range. Worked examples by hand from national.toml; halves rounded up."""

from __future__ import annotations

from sentencing.case import guideline_for
from sentencing.facts import read
from sentencing.guideline import Inputs, compute, load

EQ = load().national["drugs"]["heroin_equivalent"]


def c(*words: str) -> frozenset[str]:
    return frozenset(words)


def test_loan_fraud_tiers() -> None:
    # 刑法第一百九十三条; 数额巨大 at the platform's 20万 (⚠, as 合同诈骗's): the fresh tune half's
    # 骗取该行贷款149000元 … 125000元，共计274000元 -> 五年以上十年以下, 起点 五年至六年 -> 66
    text = ("先后在某银行股份有限公司某甲支行骗取该行贷款149000元；从某乙支行骗取该行贷款125000元，"
            "共计274000元。")
    r = guideline_for(text, ["贷款诈骗罪"])
    assert r["charges"][0]["statutory"] == [60, 120] and r["months"] == 66
    # 坦白 -10 % -> 59.4, kept at the tier's minimum 60 (no statutory 减轻 circumstance)
    assert compute(Inputs("贷款诈骗罪", amount_yuan=274000, circumstances=c("坦白"))).months == 60
    # 117,000 元: 五年以下, 起点 二年以下 -> (1 + 24) / 2 = 12.5 -> 13
    r2 = compute(Inputs("贷款诈骗罪", amount_yuan=117000))
    assert r2.statutory == (1, 60) and r2.months == 13
    assert any(s.unverified for s in r2.steps if s.kind == "起点")


def test_indecency_with_children_and_indecent_assault() -> None:
    # 刑法第二百三十七条: 在公共场所当众猥亵儿童 -> 五年以上 (起点 五年至六年 -> 66)
    text = "公诉机关认为，被告人钱建国在公共场所当众猥亵儿童，其行为已触犯了《中华人民共和国刑法》第二百三十七条"
    f = read(text, EQ)
    assert "公共场所" in f.flags
    assert guideline_for(text, ["猥亵儿童罪"])["months"] == 66
    # otherwise 五年以下, 起点 二年以下 -> 13
    r = compute(Inputs("猥亵儿童罪"))
    assert r.statutory == (1, 60) and r.months == 13
    # CAIL2018's name before 刑法修正案（九）
    r = compute(Inputs("强制猥亵、侮辱妇女罪"))
    assert r.known and r.charge == "强制猥亵、侮辱罪" and r.statutory == (1, 60)


def test_abuse_of_power_beside_bribery_gives_a_joint_term() -> None:
    # the fresh tune half (truth 126 months): without a rule for 滥用职权 the case had none
    text = ("非法收受顾某、吴某1、韦某1、黄某2送给的好处费共计492.4161万元。公诉机关认为，被告人容康社"
            "受贿数额特别巨大；滥用职权，致使国家和人民利益遭受重大损失，情节特别严重。")
    r = guideline_for(text, ["受贿罪", "滥用职权罪"])
    assert r["known"] and r["months"] is not None
    abuse = next(ch for ch in r["charges"] if ch["charge"] == "滥用职权罪")
    # 刑法第三百九十七条: 情节特别严重 -> 三年以上七年以下, 起点 三年至四年 -> 42
    assert abuse["statutory"] == [36, 84] and abuse["months"] == 42
    assert compute(Inputs("滥用职权罪")).statutory == (1, 36)


def test_three_year_crimes_against_public_safety_and_others() -> None:
    # 以危险方法危害公共安全 (第一百一十四条): 三年以上十年以下, 起点 三年至四年 -> 42; a death
    # (第一百一十五条) -> 十年以上, 起点 十年至十三年 -> 138
    text = ("被告人江海君酒后搭乘207路公交车，坐过站后让驾驶员停车未果后，辱骂该车驾驶员吴某，并强行"
            "抢夺驾驶员手中方向盘，驾驶员吴某当即采取把控方向盘和紧急刹车的措施，避免了严重后果的发生。")
    r = guideline_for(text, ["以危险方法危害公共安全罪"])
    assert r["charges"][0]["statutory"] == [36, 120] and r["months"] == 42
    assert compute(Inputs("以危险方法危害公共安全罪", deaths=1)).months == 138
    # 非法制造、买卖…爆炸物 (第一百二十五条): 三年以上 -> 42 (the 35 元 paid changes nothing)
    text = "被告人郭某甲在其经营的石窟处以人民币35元的价格向一名外地男子购买了一包黑火药（重约3千克）。"
    assert guideline_for(text, ["非法制造、买卖、运输、邮寄、储存枪支、弹药、爆炸物罪"])["months"] == 42
    # 非法经营 (第二百二十五条): 五年以下 -> 13; 情节特别严重 五年以上 -> 66
    assert compute(Inputs("非法经营罪", amount_yuan=3091114.5)).months == 13
    assert compute(Inputs("非法经营罪", flags=c("情节特别严重"))).statutory == (60, 180)
    # 伪造、变造、买卖国家机关公文、证件、印章 (第二百八十条): 三年以下 -> (1 + 12) / 2 -> 7
    assert compute(Inputs("伪造、变造、买卖国家机关公文、证件、印章罪")).months == 7
    # 组织卖淫 / 强迫卖淫 (第三百五十八条): 五年以上十年以下 -> 66; 情节严重 十年以上 -> 132
    assert compute(Inputs("组织卖淫罪")).months == 66
    r3 = compute(Inputs("强迫卖淫罪", flags=c("情节严重")))
    assert r3.statutory == (120, 180) and r3.months == 132


def test_crimes_tried_and_not_kept_have_no_rule() -> None:
    # 放火, 破坏电力设备, 玩忽职守, 赌博, 滥伐林木: written, measured, not kept (README)
    for charge in ("放火罪", "破坏电力设备罪", "玩忽职守罪", "赌博罪", "滥伐林木罪"):
        assert not compute(Inputs(charge)).known
