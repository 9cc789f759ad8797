"""Charges and defendants read from a fact paragraph (经审理查明… / 公诉机关指控…) alone.

Police and procuratorate documents, and the fact parts the benchmarks ship (CAIL2018, MUD), often
describe the conduct without naming the charge. Two rules, in order:

1. a charge the text names as the conclusion (构成X罪, 以X罪, 犯X罪, 涉嫌X罪 …) is taken as is;
2. otherwise the conduct is matched against cue phrases of the commonest charges (a legal
   dictionary of the elements, e.g. 醉酒驾驶 + 血液酒精 -> 危险驾驶罪, 容留…卖淫 -> 容留卖淫罪).

Per defendant, the cues of the sentences that name that defendant decide; the whole paragraph
is the fallback.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from extraction.charges import canonical_charge, find_charges
from extraction.names import names_list_at
from extraction.numbers import fold_width

if TYPE_CHECKING:
    from extraction.ner import LacNer

_CONCLUSION = re.compile(r"(?:构成|以|犯|涉嫌|触犯|定性为|认定为|追究其?)$")

#: (charge, cue pattern, weight); a charge needs a score of at least 1.0
CUES: tuple[tuple[str, str, float], ...] = (
    ("协助组织卖淫罪", r"协助[^。]{0,20}组织[^。]{0,10}卖淫|(?:招募|运送|望风|收银|管理)[^。]{0,30}卖淫", 1.2),
    ("组织卖淫罪", r"组织[^。]{0,20}(?:卖淫|提供性服务|从事色情)|卖淫[^。]{0,10}(?:人员|女|小姐)[^。]{0,20}管理", 1.1),
    ("容留卖淫罪", r"容留[^。]{0,20}(?:卖淫|从事色情|提供性服务)", 1.3),
    ("介绍卖淫罪", r"介绍[^。]{0,20}(?:卖淫|嫖娼|提供性服务)", 1.3),
    ("容留他人吸毒罪", r"容留[^。]{0,20}吸(?:食|毒)|提供[^。]{0,10}(?:场所|房间)[^。]{0,20}吸食", 1.3),
    ("走私、贩卖、运输、制造毒品罪", r"(?:贩卖|出售|交易|运输|走私|制造)[^。]{0,30}(?:毒品|甲基苯丙胺|冰毒|海洛因|麻古|氯胺酮|K粉|大麻)|(?:毒品|甲基苯丙胺|冰毒|海洛因|氯胺酮)[^。]{0,20}(?:卖给|出售|贩卖|毒资)", 1.0),
    ("非法持有毒品罪", r"(?:查获|缴获|持有)[^。]{0,40}(?:甲基苯丙胺|海洛因|冰毒|毒品)", 0.6),
    ("危险驾驶罪", r"醉酒|酒后驾驶|血液[^。]{0,10}(?:乙醇|酒精)|追逐竞驶", 1.2),
    ("交通肇事罪", r"交通事故[^。]{0,80}(?:死亡|重伤)|(?:死亡|重伤)[^。]{0,40}交通事故|肇事逃逸|"
     r"负(?:事故)?(?:全部|主要|同等)责任", 1.0),
    ("故意杀人罪", r"杀死|杀害|故意杀人|(?:捅|刺|砍|掐|勒)[^。]{0,30}(?:当场)?死亡|掐[^。]{0,10}颈", 1.0),
    ("故意伤害罪", r"轻伤|重伤|(?:砍|刺|捅|打|踢|咬|划|烫|烧)伤(?!害)|损伤程度", 1.0),
    ("寻衅滋事罪", r"随意殴打|任意损毁|强拿硬要|起哄闹事|寻衅滋事|无故[^。]{0,10}殴打", 1.2),
    ("聚众斗殴罪", r"斗殴|互殴|纠集[^。]{0,30}(?:持|携带)[^。]{0,20}(?:刀|棍|械)", 1.1),
    ("抢劫罪", r"抢劫|劫取|抢走|劫走|抢得|(?:持刀|暴力|威胁)[^。]{0,30}(?:索要|拿走)", 1.1),
    ("抢夺罪", r"抢夺|夺走|趁[^。]{0,10}不备[^。]{0,20}抢", 1.1),
    ("盗窃罪", r"盗窃|窃取|偷走|盗走|扒窃|秘密窃|窃得|偷得", 1.0),
    ("诈骗罪", r"骗取|诈骗|骗走|骗得|谎称|虚构[^。]{0,20}事实|隐瞒[^。]{0,10}真相|冒充", 1.0),
    ("合同诈骗罪", r"(?:签订|签署|履行)[^。]{0,30}合同[^。]{0,80}(?:骗取|占有|逃匿|挥霍|拒不)", 1.3),
    ("信用卡诈骗罪", r"信用卡[^。]{0,40}(?:透支|催收|逾期|冒用)|透支[^。]{0,20}(?:催收|未归还)", 1.4),
    ("招摇撞骗罪", r"冒充[^。]{0,20}(?:国家机关|警察|民警|公安|干部|法官|检察官|军人|工作人员)", 1.4),
    ("敲诈勒索罪", r"敲诈|勒索|(?:威胁|要挟)[^。]{0,30}(?:索要|索取|给付|支付)", 1.1),
    ("非法拘禁罪", r"非法拘禁|限制[^。]{0,10}人身自由|(?:关押|扣押|拘禁|控制)[^。]{0,20}(?:被害人|其)[^。]{0,30}(?:不让|限制|看管)", 1.2),
    ("窝藏、包庇罪", r"窝藏|包庇|(?:逃避|躲避)[^。]{0,20}(?:抓捕|侦查|追捕)|作假证明", 1.2),
    ("掩饰、隐瞒犯罪所得、犯罪所得收益罪", r"明知[^。]{0,40}(?:赃物|犯罪所得|盗窃所得|盗来|抢来|骗来)|(?:收购|购买|代为销售|转移)[^。]{0,20}(?:赃物|赃车|被盗)", 1.2),
    ("非法持有、私藏枪支、弹药罪", r"(?:持有|私藏|藏匿|存放)[^。]{0,40}(?:枪支|枪|弹药|子弹)", 1.0),
    ("非法制造、买卖、运输、邮寄、储存枪支、弹药、爆炸物罪", r"(?:制造|组装|改制|加工|生产)[^。]{0,30}(?:枪支|枪|气枪|猎枪|弹药)|(?:购买|出售|贩卖|买卖|卖给)[^。]{0,30}(?:枪支|枪|气枪|猎枪|弹药)", 1.1),
    ("非法经营罪", r"非法经营|未取得[^。]{0,20}(?:许可|批准|执照)|无[^。]{0,6}(?:许可证|经营许可)|(?:私自|非法)(?:收购|销售|经营)[^。]{0,20}(?:卷烟|烟草|食盐|药品|成品油)", 1.1),
    ("假冒注册商标罪", r"(?:未经|未取得)[^。]{0,30}(?:注册商标|商标)[^。]{0,20}(?:许可|授权|同意)|假冒[^。]{0,20}商标", 1.1),
    ("销售假冒注册商标的商品罪", r"销售[^。]{0,40}假冒[^。]{0,20}(?:商标|品牌|商品|产品)|(?:假冒|仿冒)[^。]{0,30}(?:商品|产品)[^。]{0,20}(?:销售|出售)", 1.2),
    ("虚开增值税专用发票、用于骗取出口退税、抵扣税款发票罪", r"虚开[^。]{0,20}(?:增值税|发票)|(?:没有|无)真实[^。]{0,10}(?:交易|业务)[^。]{0,40}发票", 1.3),
    ("生产、销售有毒、有害食品罪", r"(?:有毒|有害|非食品原料|禁用|违禁)[^。]{0,30}(?:食品|添加|物质)|(?:添加|掺入)[^。]{0,20}(?:罂粟|西地那非|工业|硼砂|瘦肉精|盐酸克伦特罗)", 1.2),
    ("强奸罪", r"强奸|奸淫|强行[^。]{0,20}(?:发生性关系|奸淫)|(?:与|和)[^。]{0,20}(?:发生性关系|奸淫)[^。]{0,30}(?:不满十四|违背|反抗|不同意)", 1.2),
    ("强制猥亵、侮辱罪", r"猥亵|抚摸[^。]{0,20}(?:胸部|下体|阴部)", 1.1),
    ("传播淫秽物品罪", r"(?:传播|上传|发送|分享)[^。]{0,30}(?:淫秽|色情)", 1.0),
    ("制作、复制、出版、贩卖、传播淫秽物品牟利罪", r"(?:贩卖|出售|牟利|会员|收费)[^。]{0,40}(?:淫秽|色情)|(?:淫秽|色情)[^。]{0,40}(?:牟利|出售|贩卖|收费|会员)", 1.1),
    ("妨害公务罪", r"妨害公务|(?:阻碍|妨碍|抗拒)[^。]{0,20}(?:执行|执法|公务)|(?:殴打|撕扯|推搡)[^。]{0,20}(?:民警|执法人员|工作人员)", 1.2),
    ("故意毁坏财物罪", r"(?:砸坏|毁坏|损毁|砸毁|打砸|烧毁)[^。]{0,30}(?:车|玻璃|门|财物|物品|设备)", 1.0),
    ("放火罪", r"放火|纵火|点燃|引燃", 1.0),
    ("开设赌场罪", r"开设赌场|(?:提供|设立)[^。]{0,20}赌场|(?:赌博|博彩)(?:网站|平台|机)[^。]{0,20}(?:抽头|盈利|代理)", 1.2),
    ("赌博罪", r"聚众赌博|(?:以营利为目的)[^。]{0,20}赌博", 1.0),
    ("职务侵占罪", r"(?:利用|凭借)[^。]{0,10}(?:职务|工作)(?:上的)?便利[^。]{0,60}(?:侵占|占为己有|据为己有|截留|挪作)", 1.3),
    ("挪用资金罪", r"挪用[^。]{0,20}(?:资金|公司|单位|款)", 1.2),
    ("贪污罪", r"贪污|(?:国家工作人员)[^。]{0,60}(?:侵吞|骗取|窃取)", 1.2),
    ("受贿罪", r"收受[^。]{0,40}(?:财物|贿赂|好处费|现金|礼金)|索取[^。]{0,20}(?:财物|贿赂)", 1.1),
    ("行贿罪", r"(?:送给|给予|送与)[^。]{0,40}(?:现金|财物|好处费|礼金)[^。]{0,40}(?:谋取|关照|帮助)", 1.0),
    ("拒不支付劳动报酬罪", r"拒不支付[^。]{0,20}(?:工资|劳动报酬)|拖欠[^。]{0,20}(?:工资|劳动报酬)", 1.2),
    ("拒不执行判决、裁定罪", r"拒不执行|有能力执行而拒不|(?:隐藏|转移|变卖)[^。]{0,20}(?:财产)[^。]{0,30}(?:执行)", 1.2),
    ("非法吸收公众存款罪", r"吸收[^。]{0,20}(?:公众|存款|资金)|(?:高额|高息)[^。]{0,20}(?:回报|利息)[^。]{0,20}(?:吸引|吸收)", 1.0),
    ("集资诈骗罪", r"集资[^。]{0,60}(?:挥霍|用于个人|非法占有|携款)", 1.2),
    ("非法采矿罪", r"(?:未取得|无)[^。]{0,10}采矿许可|非法采(?:砂|矿|石)|盗采", 1.3),
    ("滥伐林木罪", r"滥伐|(?:未取得|无)[^。]{0,10}(?:林木)?采伐许可", 1.3),
    ("盗伐林木罪", r"盗伐", 1.3),
    ("非法狩猎罪", r"(?:禁猎|禁用)[^。]{0,20}(?:狩猎|猎捕)|非法狩猎", 1.3),
    ("重大责任事故罪", r"重大(?:责任)?事故|违反[^。]{0,20}安全(?:管理|生产)规定", 1.0),
    ("过失致人死亡罪", r"(?:疏忽|过失|未注意|不慎)[^。]{0,40}(?:死亡)", 0.9),
    ("伪造、变造、买卖国家机关公文、证件、印章罪", r"(?:伪造|变造|私刻|买卖)[^。]{0,20}(?:公章|印章|公文|证件|驾驶证|行驶证)", 1.1),
    ("侵犯公民个人信息罪", r"公民个人信息|(?:出售|购买|提供)[^。]{0,20}(?:个人信息|身份信息)", 1.2),
    ("帮助信息网络犯罪活动罪", r"(?:出售|出租|提供)[^。]{0,20}(?:银行卡|电话卡|支付账户)[^。]{0,40}(?:犯罪|诈骗|使用)", 1.1),
    ("组织、领导、参加黑社会性质组织罪", r"黑社会性质", 1.3),
    ("非法侵入住宅罪", r"非法侵入[^。]{0,6}住宅|强行闯入[^。]{0,20}(?:家|住宅)", 1.2),
    ("侮辱罪", r"公然侮辱|侮辱[^。]{0,20}(?:被害人|其)", 1.0),
    ("重婚罪", r"重婚|(?:已有|有)配偶[^。]{0,40}(?:结婚|以夫妻名义)", 1.3),
    ("虐待罪", r"虐待", 1.1),
)
_COMPILED = tuple((charge, re.compile(pattern), weight) for charge, pattern, weight in CUES)
_MASKED = re.compile(r"[\u4e00-\u9fff](?:\d某|某\d|[X×]{1,2}\d?)")
_CJK_NAME = re.compile(r"[\u4e00-\u9fff]+")
_MASK_CHAR = re.compile(r"[某0-9X×]")
_DEFENDANT = re.compile(r"被告人|犯罪嫌疑人|被不起诉人|罪犯")


def named_charges(text: str) -> list[str]:
    """Charges the text itself concludes (构成盗窃罪, 以诈骗罪, 涉嫌…罪), canonical, in order."""
    out: list[str] = []
    for written, start, _ in find_charges(text):
        if not _CONCLUSION.search(text[max(0, start - 6) : start]):
            continue
        charge = canonical_charge(written) or written
        if charge not in out:
            out.append(charge)
    return out


def _scores(text: str) -> dict[str, float]:
    scores: dict[str, float] = {}
    for charge, pattern, weight in _COMPILED:
        hits = len(pattern.findall(text))
        if hits:
            scores[charge] = weight * (1.0 + 0.1 * min(hits - 1, 5))
    return scores


def _pick(scores: dict[str, float], limit: int = 2) -> list[str]:
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    chosen = [c for c, s in ranked[:limit] if s >= 1.0]
    if chosen and len(ranked) > 1 and ranked[0][1] >= 1.5 * ranked[1][1]:
        chosen = chosen[:1]
    # the conduct of a specific charge explains its general cues (合同诈骗 covers 诈骗)
    return [c for c in chosen if not any(c in GENERAL.get(o, ()) for o in chosen)]


#: a charge -> the more general charges whose cues its own conduct also fires
GENERAL: dict[str, frozenset[str]] = {
    "合同诈骗罪": frozenset({"诈骗罪"}), "信用卡诈骗罪": frozenset({"诈骗罪"}),
    "集资诈骗罪": frozenset({"诈骗罪"}), "招摇撞骗罪": frozenset({"诈骗罪"}),
    "协助组织卖淫罪": frozenset({"组织卖淫罪"}),
    "销售假冒注册商标的商品罪": frozenset({"假冒注册商标罪"}),
    "抢劫罪": frozenset({"盗窃罪", "故意伤害罪"}), "聚众斗殴罪": frozenset({"故意伤害罪"}),
    "寻衅滋事罪": frozenset({"故意伤害罪", "故意毁坏财物罪"}),
    "故意杀人罪": frozenset({"故意伤害罪"}), "强奸罪": frozenset({"故意伤害罪"}),
    "走私、贩卖、运输、制造毒品罪": frozenset({"非法持有毒品罪"}),
    "危险驾驶罪": frozenset({"交通肇事罪"}),
}  # fmt: skip


def predict_charges(text: str) -> list[str]:
    """The charges of a fact paragraph: those it names as a conclusion, else by conduct cues."""
    return named_charges(text) or _pick(_scores(text))


def defendants_in_facts(text: str, ner: LacNer | None = None) -> list[str]:
    """Names introduced as 被告人/犯罪嫌疑人 (also in lists: 被告人张三、李四), in order.

    With a NER model, a person name it finds right after the role wins over the rules.
    """
    norm = re.sub(r"\s+", "", fold_width(text))
    persons = ner.persons(norm) if ner is not None else {}
    names: list[str] = []
    for match in _DEFENDANT.finditer(norm):
        listed = [n for n, _, _ in names_list_at(norm, match.end())]
        found = persons.get(match.end())
        after = norm[match.end() + len(found) : match.end() + len(found) + 1] if found else ""
        if (found and 2 <= len(found) <= 4 and _CJK_NAME.fullmatch(found)
                and not _MASK_CHAR.match(after)
                and not (listed and listed[0].startswith(found))):
            listed = [found, *listed[1:]]
        if not listed:  # anonymised as 杨1某, 张X, 魏XX, 李×1
            masked = _MASKED.match(norm, match.end())
            listed = [masked.group()] if masked else []
        for name in listed:
            if "某" in name:
                name = name.rstrip("×X")  # 应某×× : the masking of the words after the name
            if name and name not in names:
                names.append(name)
    return names


def charges_per_defendant(text: str, names: list[str]) -> dict[str, list[str]]:
    """Each defendant's charges: from the sentences naming them, else the paragraph's."""
    overall = predict_charges(text)
    sentences = re.split(r"(?<=[。;；])", text)
    out: dict[str, list[str]] = {}
    for name in names:
        own = "".join(s for s in sentences if name in s)
        named = named_charges(own)
        if named:
            out[name] = named
            continue
        picked = _pick(_scores(own)) if own else []
        out[name] = [c for c in picked if c in overall] or picked or overall
    return out
