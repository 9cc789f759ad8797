"""The guideline's inputs read from a case's facts, each with the span it was read from.

Why here and not in extraction: extraction fills the dossier's SCHEMA.md fields (one amount,
one blood alcohol, the court's circumstances); the guideline needs more (grams of each drug as
heroin, injuries by grade, deaths, number of acts and of robberies, persons, guns, flags such
as 逃逸 or 持械) and must run on pasted facts and on benchmark corpora with no dossier. Services
lay the extracted fields (with their page provenance) over what is read here; a judge's change
wins over both.
Every value keeps `Found(value, start, end, text)` so the page can show where it came from.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
_NUM = r"(\d+(?:,\d{3})*(?:\.\d+)?|[一二两三四五六七八九十]+)"


def number(text: str) -> float | None:
    """'3' / '1,200.5' / '十二' / '两' -> a number."""
    text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        pass
    if not text or any(ch not in CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" in text:
        head, _, tail = text.partition("十")
        return float((CN_DIGITS.get(head, 1) if head else 1) * 10
                     + (CN_DIGITS.get(tail, 0) if tail else 0))
    return float(CN_DIGITS[text]) if len(text) == 1 else None


@dataclass(frozen=True)
class Found:
    value: Any
    start: int
    end: int
    text: str
    source: str = "facts"  # facts | extraction | judge
    page: int | None = None  # the document page of an extracted field

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "start": self.start, "end": self.end, "text": self.text,
                "source": self.source, "page": self.page}


@dataclass
class Read:
    """Measures, flags and circumstances read from one text; `provenance` key -> Found."""

    measures: dict[str, float] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    circumstances: set[str] = field(default_factory=set)
    provenance: dict[str, Found] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"measures": self.measures, "flags": sorted(self.flags),
                "circumstances": sorted(self.circumstances),
                "provenance": {k: v.to_dict() for k, v in self.provenance.items()}}


def fold(text: str) -> str:
    """NFKC (full-width digits and punctuation to half-width), so spans still line up."""
    out = unicodedata.normalize("NFKC", text or "")
    return out if len(out) == len(text or "") else (text or "")


#: CAIL2018's anonymisation replaced 元 (also a surname) by 某 after 万: "骗取孙某60万某"; 余
#: ("more than") may stand before or after 万: "800余万元", "62万余元"
_AMOUNT = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(?:余?\s*(万)\s*余?\s*[元某]|余?\s*元)")
#: the verbs by which a charge's offence takes the money (an amount after one, in its clause, is
#: the offence's): fraud's 骗取 / 骗得 / 诈骗 (刑法第二百二十四条、第二百六十六条)
OBTAINED = {"诈骗罪": r"骗|诈取", "合同诈骗罪": r"骗|诈取"}
#: how far back in its clause (characters) the verb may stand
OBTAINED_WITHIN = 30
#: an aside in brackets between the words and the amount (价值共计人民币（以下币种均为“人民币”）62万余元)
#: is read past: the words before it say what the amount is
_ASIDE = re.compile(r"[（(][^（）()]{0,40}[）)]")
_NOT_OFFENCE = re.compile(r"赔偿|退赔|退还|退缴|退赃|罚金|罚款|谅解|补偿|赔付|医疗费|返还|工资")
_TOTAL = re.compile(r"共计|合计|总计|累计|总价值|总额|共")
#: a price per unit (以市场价格每斤5.15元, 单价300元, 每克200元) is not an amount of the offence
_UNIT = r"(?:斤|克|公斤|千克|吨|件|台|个|包|条|张|股|平方米|亩|只|头)"
_UNIT_PRICE = re.compile(r"(?:(?:每|单价|均价)" + _UNIT + "?|一" + _UNIT + ")"
                         r"(?:价格|价|售价)?(?:为|是|约|按)?(?:人民币)?$")
#: 虚开的税款数额 (刑法第二百零五条): "税额计1024121.23元", "抵扣税款共计人民币25万元"
_TAX = re.compile(r"税(?:额|款)(?:数额)?[^，,。；;\d]{0,10}?(\d+(?:,\d{3})*(?:\.\d+)?)\s*"
                  r"(?:余?\s*(万)\s*余?\s*[元某]|余?\s*元)")
_NOT_TAX = re.compile(r"补缴|补交|退缴|追缴|缴纳|罚金")
_ALCOHOL = re.compile(r"(\d+(?:\.\d+)?)\s*(?:mg|毫克)\s*/\s*100\s*(?:ml|毫升|mL)", re.I)
_ALCOHOL2 = re.compile(r"(?:乙醇|酒精)含量[^0-9]{0,12}(\d+(?:\.\d+)?)")
_DRUG = re.compile(r"海洛因|甲基苯丙胺片剂|甲基苯丙胺|甲基丙苯胺|冰毒|麻古|氯胺酮|K粉|鸦片|可卡因|吗啡"
                   r"|摇头丸|大麻")
#: a weight (also 冰毒十克); not a threshold of the law restated (不满十克, 十克以上不满五十克) nor
#: a price's unit (以150元一克的价格)
_GRAMS = re.compile(r"(?<!不满)(?<!不足)(?<!每)"
                    r"((?<![\d.])\d+(?:\.\d+)?|(?<![元一二两三四五六七八九十])[一二两三四五六七八九十]+)"
                    r"\s*(千克|公斤|克|kg|g)(?![a-z])"
                    r"(?!以上|以下|以内|不满)")
#: weights listed under one unit (净重分别为49.70、48.97、0.15克): the numbers before the last
_GRAMS_LISTED = re.compile(r"(?:分别(?:为|是|重)?|净重|重|为)((?:\d+(?:\.\d+)?(?:、|和|及))+)$")
#: a gross weight (毛重17.35克，净重16.4克; 含塑料包称重为8.96克，去掉塑料包后…6.9克), not counted
#: when the net weight follows it
_GROSS = re.compile(r"毛重|含[^，,。；;]{0,4}(?:包装|包|袋)|连同?[^，,。；;]{0,4}(?:包装|袋)")
_NET_FOLLOWS = re.compile(r"净重|去(?:掉|除)[^，,。；;]{0,6}(?:包装|包|袋)|除去?皮")
#: a weight the appraisal found no drug in (净重47.48克（未检出常见毒品成分）)
_NO_DRUG = re.compile(r"未检出|未检见|未检测出|不含|没有检出")
#: substances found beside drugs that the quantity does not count (刑法第三百五十七条第二款 counts
#: drugs; 咖啡因 in 麻古 is counted as the 麻古 it is part of)
_NOT_COUNTED = re.compile(r"咖啡因|麻黄碱|麻黄素|烟酰胺|阿咖酚散|淀粉")
#: a clause about others' drugs, the 立功 the defendant earned (提供线索，使公安机关侦破他人贩卖41克毒品案)
_OTHERS = re.compile(r"侦破|线索|检举|揭发")
#: how far back (characters, across sentences) a weight's drug may be named when its own clause
#: names none
DRUG_NAMED_WITHIN = 150
#: a quantity agreed or asked for (二人谈好以…价格购买100克; 提出购买50克; 承诺…贩卖12克): not
#: counted where the facts weigh something after it (what changed hands or was seized)
_INTENDED = re.compile(r"谈好|谈妥|商定|商量|提出|承诺|求购")
#: the same said in the weight's own phrase only (欲以…价格将99.66克…贩卖给…时被查获 was seized)
_INTENDED_NEAR = re.compile(r"约定|欲")
#: a weight seized (从其身上查获, 在其住处搜出): 刑法第三百四十七条 counts the drugs a seller held
#: for sale with those sold, so a seized weight outside a stated total of sales is added to it
_SEIZED = re.compile(r"查获|缴获|扣押|搜出|起获|收缴|查扣")
_INJURY = re.compile(r"(轻微伤|轻伤|重伤)(?:[一二]级)?")
_DEATHS = re.compile(r"致(?:使)?(?:被害人)?[^，,。；;]{0,12}?(\d+|[一二两三四五六七八九十]+)(?:人|名[^，,。；;]{0,4})死亡")
_DEATH = re.compile(r"(?<!未)(?<!没有)死亡|身亡|抢救无效")
_ACTS = re.compile(r"(?:先后|共|累计|分别|多次|连续)[^，,。；;]{0,12}?(\d+|[一二两三四五六七八九十]+)次")
#: sales of drugs counted (贩卖毒品3次, 4次贩卖毒品, 卖给黄某某海洛因5次): 第三百四十七条's acts, which
#: the generic count (先后/共/多次 … N次) misses where no such word comes before the number
_SALES = re.compile(r"(?:贩卖|出售|卖给|售卖)[^，,。；;、]{0,12}?(\d+|[一二两三四五六七八九十]+)次"
                    r"|(?<!第)(\d+|[一二两三四五六七八九十]+)次[^，,。；;]{0,6}?(?:贩卖|出售|卖给|售给)")
#: the facts' numbered items (1、 / （1） / 一、) after a sentence's or a list's start: a drug
#: sale told item by item (1、…向吸毒人员张某贩卖冰毒0.2克。2、…) is counted by its items
_ITEM = re.compile(r"(?:^|(?<=[。；;：:，,\s]))(?:(\d{1,2})(?:、|[.．](?!\d))|[（(](\d{1,2})[）)]"
                   r"|([一二三四五六七八九十]{1,3})、)")
#: an item about a sale (its verb and what changed hands), not an item of the evidence list
_SOLD = re.compile(r"(?:贩卖|出售|卖给|售卖|售给|卖与)[^。；;]{0,40}?(?:克|元|包|粒)"
                   r"|(?:克|包|粒)[^。；;]{0,20}?(?:贩卖|出售|卖给|售给)")
_EVIDENCE = re.compile(r"证实|证明|证言|笔录|鉴定意见|检验报告|供述")
_TIMES = re.compile(r"(\d+|[一二两三四五六七八九十]+)次")
#: robberies (抢劫三次 is 第二百六十三条's tier of its own): a count the facts tie to 抢劫 (先后三次
#: 抢劫, 抢劫作案3起, 多次抢劫); the generic count of acts may be of thefts, withdrawals, statements
_ROBBERIES = re.compile(r"(?<!第)(\d+|[一二两三四五六七八九十]+)(?:次|起)[^，,。；;]{0,8}?(?:抢劫|劫取)"
                        r"|(?:抢劫|劫取)(?:作案)?[^，,。；;]{0,12}?(?<!第)(\d+|[一二两三四五六七八九十]+)"
                        r"(?:次|起)")
_ROBBED_OFTEN = re.compile(r"多次[^，,。；;]{0,6}?(?:抢劫|劫取)")
_GUNS = re.compile(r"(\d+|[一二两三四五六七八九十]+)(?:支|把)[^，,。；;]{0,10}?枪")
_HOST = re.compile(r"容留")
_NEGATED = re.compile(r"(?:不|未|没有|不能|不宜|无)(?:构成|认定|属|具有|系|予|达到|达|到)?$")
#: a result the facts say did not happen (既未取得财物也未造成他人轻伤; 没有造成被害人重伤)
_NOT_CAUSED = re.compile(r"(?:未|没有|不)(?:造成|致使|致)[^，,。；;、]{0,6}$")
#: 入户 and 在公共交通工具上 (第二百六十三条第一、二项) are read from a sentence about the robbery:
#: not from one that tells a theft only (入户盗窃, 进入…家中…盗得), unless the sentence also tells
#: violence or a threat there (入户盗窃被发现后为抗拒抓捕当场使用暴力: 转化). Where 盗窃罪 is charged
#: too, the sentence must tell the force: CAIL2018 masks both offences' words as ××, so 入户××
#: may be the theft (`ROBBERY_SITES`)
_THEFT = re.compile(r"盗|窃|偷")
_FORCE = re.compile(r"抢|劫|暴力|威胁|胁迫|抗拒抓捕|殴打|打伤|捅|刺|砍|捆|绑|持刀|掐|捂")
ROBBERY_SITES = ("入户", "公共交通工具")

FLAGS: tuple[tuple[str, str], ...] = (
    ("逃逸致死", r"因逃逸致|逃逸致(?:被害人)?[^，,。]{0,6}死亡"),
    ("逃逸", r"逃逸|驾车逃离|逃离(?:事故)?现场|弃车逃"),
    ("持械", r"持(?:刀|棍|械|砍刀|钢管|铁棍|匕首|木棍|铁锹|水果刀|菜刀|斧)|(?:刀|棍|钢管|砍刀|匕首)[^，,。]{0,4}(?:砍|捅|刺|殴打|击打)"),
    ("持枪", r"持枪"),
    ("入户", r"入户|(?:进入|闯入|窜入|潜入|侵入|爬入|钻入)[^，,。]{0,10}"
             r"(?:家中|家里|住处|住宅|卧室|出租屋|租住|(?<![一两几这那每各])家(?![具电属政纺用乐禽畜店]))"),
    ("公共交通工具", r"公交车上|公共汽车上|地铁上|火车上|长途客车上"),
    ("公共场所", r"公共场所|交通要道"),
    ("发生事故", r"发生(?:交通)?事故|撞|碰擦|刮擦|追尾"),
    ("无证驾驶", r"无(?:机动车)?驾驶证|未取得(?:机动车)?驾驶证|无证驾驶|驾驶证[^，,。]{0,4}(?:吊销|注销)"),
    ("纠集他人多次", r"纠集他人[^。]{0,20}多次"),
    # 强奸罪 (刑法第二百三十六条): 奸淫幼女 (不满十四周岁) has a 起点 of its own; 轮奸 and 当众
    # 强奸 are the top tier's (CAIL2018 masks the charge's own words as ××)
    ("幼女", r"幼女|(?:不满|未满|未达)(?:十四|14)周?岁"),
    ("轮奸", r"轮奸|轮流[^，,。；;]{0,8}(?:奸淫|强奸|发生性关系)"),
    ("当众", r"当众[^，,。；;]{0,6}(?:强奸|奸淫|××|发生性关系)"),
    # 强奸妇女、奸淫幼女情节恶劣的, 多人的 (three or more victims) are the top tier's too
    ("情节恶劣", r"情节恶劣"),
    ("多名被害人", r"(?:强奸|奸淫)(?:妇女|幼女)?(?:、(?:奸淫)?幼女)?多人"
                   r"|(?:[三四五六七八九十]|[3-9]|[1-9]\d)(?:名|个)(?:被害人|幼女|妇女|女孩|女童|女学生)"
                   r"(?=[^，,。；;]{0,12}(?:强奸|奸淫|××|发生性关系|性行为))"
                   r"|(?:强奸|奸淫|××|发生性关系|性行为)[^，,。；;]{0,12}?"
                   r"(?:[三四五六七八九十]|[3-9]|[1-9]\d)(?:名|个)(?:被害人|幼女|妇女|女孩|女童|女学生)"),
    # 信用卡诈骗罪: 恶意透支 has amounts of its own (法释〔2018〕19号)
    ("恶意透支", r"恶意透支|透支[^。]{0,40}(?:催收|催缴|逾期|未归还|未还|拒不归还)"),
    # 挪用公款罪 / 挪用资金罪: 进行非法活动 has amounts of its own (法释〔2016〕9号第五条、第十一条);
    # 数额巨大不退还 is the statute's condition of 第三百八十四条's top tier
    ("非法活动", r"赌博|(?:用于|进行|从事)[^，,。；;]{0,6}(?:非法活动|吸毒|走私|行贿)"),
    ("数额巨大不退还", r"数额巨大[^，,。；;]{0,4}(?:不退还|不归还|未退还|未归还|拒不退还)"),
    # the tier in the words of the facts (a prosecutor's "数额巨大，其行为触犯…"): the statute's
    # own condition, read where the amount is missing or anonymised
    ("数额较大", r"数额较大"),
    ("数额巨大", r"数额巨大"),
    ("数额特别巨大", r"数额特别巨大"),
    ("情节严重", r"(?<!特别)情节严重"),
    ("情节特别严重", r"情节特别严重"),
)
CIRCUMSTANCES: tuple[tuple[str, str], ...] = (
    ("未成年", r"(?:作案|犯罪|行为)时(?:系|尚|仍)?(?:未成年|不满十八|未满十八)|系未成年人"),
    ("累犯", r"累犯"),
    ("毒品再犯", r"毒品再犯"),
    ("前科", r"前科|曾因[^，,。]{0,20}(?:被判|判处|受过)|刑满释放"),
    ("未遂", r"未遂|未(?:能)?得逞|没有得逞"),
    ("中止", r"犯罪中止|中止犯罪"),
    # not 从犯罪数额中扣除 (from the amount of the crime), nor a wound's 在死亡过程中起辅助作用
    ("从犯", r"从犯(?!罪)|(?<!过程中起)(?:次要|辅助)作用"),
    ("自首", r"自首|主动投案|自动投案|投案自首|主动到[^，,。]{0,10}投案"),
    ("立功", r"立功"),
    ("坦白", r"坦白|如实供述|如实交代|如实供认|供认不讳"),
    ("当庭认罪", r"当庭(?:自愿)?认罪|庭审中[^，,。]{0,6}认罪"),
    ("认罪认罚", r"认罪认罚|签署[^，,。]{0,6}具结书"),
    ("退赃", r"退赃|退赔|退缴|退还[^，,。]{0,6}(?:赃|财物|款)|(?:赃款|赃物)[^，,。]{0,6}(?:追回|发还|退还)"),
    ("赔偿", r"(?<!退)赔偿[^，,。；;]{0,20}(?:损失|经济|医疗|元|款)|已赔偿"),
    ("取得谅解", r"谅解"),
    ("刑事和解", r"达成[^，,。]{0,8}和解|刑事和解"),
    ("弱势对象", r"(?:被害人|对象)[^，,。]{0,6}(?:系|为)?(?:未成年人|老年人|残疾人|孕妇|年迈)"),
)
_FLAGS = [(k, re.compile(p)) for k, p in FLAGS]
#: an age in brackets (被害人崔某某（女，时年6周岁）): under 14 is 幼女 (刑法第二百三十六条第二款)
_CHILD_AGE = re.compile(r"[（(](?:女[，,、]\s*)?(?:时年|年仅|案发时)?(\d{1,2})周?岁[）)]")
_CIRCS = [(k, re.compile(p)) for k, p in CIRCUMSTANCES]


def _negated(text: str, at: int) -> bool:
    return bool(_NEGATED.search(text[max(0, at - 4):at]))


#: the marks that end a sentence, and those that end a clause (both widths: the facts are folded)
SENTENCE_ENDS = "。；;"
CLAUSE_ENDS = "。；;，,"


def _mark_before(text: str, at: int, marks: str) -> int:
    """Where the last of `marks` before `at` stands (-1 if none): a sentence's or a clause's
    start is the next character."""
    return max(text.rfind(p, 0, at) for p in marks)


def _mark_after(text: str, at: int, marks: str) -> int:
    """Where the first of `marks` from `at` on stands (len(text) if none): the end of the
    sentence or clause `at` is in."""
    return min([i for i in (text.find(p, at) for p in marks) if i >= 0] or [len(text)])


def _robbery_sentence(text: str, at: int, theft_charged: bool = False) -> bool:
    """Whether the sentence around `at` may tell a robbery: it tells violence or a threat
    (`_FORCE`), or, unless a theft is charged too, it tells no theft (`_THEFT`)."""
    start = _mark_before(text, at, SENTENCE_ENDS) + 1
    sentence = text[start:_mark_after(text, at, SENTENCE_ENDS)]
    if _FORCE.search(sentence):
        return True
    return not theft_charged and not _THEFT.search(sentence)


def _not_caused(text: str, at: int) -> bool:
    """未造成他人轻伤 / 没有造成被害人重伤: the result is denied (`_NOT_CAUSED`)."""
    return bool(_NOT_CAUSED.search(text[max(0, at - 10):at]))


def _amount(text: str, obtained: re.Pattern[str] | None = None) -> Found | None:
    """The offence amount: a stated total (共计/价值 … 元) if any, else the largest amount that is
    not compensation, fine or refund. With `obtained` (the verbs by which the charges' offence
    takes the money: 骗取 for fraud), an amount its clause ties to such a verb wins over any that
    is not (a loan promised, the value of goods the lie was about)."""
    best: tuple[int, int, float, re.Match[str]] | None = None
    for m in _AMOUNT.finditer(text):
        before = _ASIDE.sub("", text[max(0, m.start() - 60):m.start()])[-12:]
        if _NOT_OFFENCE.search(before) or _UNIT_PRICE.search(before):
            continue
        v = float(m.group(1).replace(",", "")) * (10000 if m.group(2) else 1)
        if v <= 0:
            continue
        rank = 1 if _TOTAL.search(before) else 0
        tied = 0
        if obtained is not None:
            clause = _mark_before(text, m.start(), CLAUSE_ENDS)
            if rank and clause > 0 and text[clause] in "，,":  # 诈骗他人钱财，共计…元
                clause = _mark_before(text, clause, CLAUSE_ENDS)
            tied = int(bool(obtained.search(text, max(clause + 1, m.start() - OBTAINED_WITHIN),
                                            m.start())))
        if best is None or (tied, rank, v) > best[:3]:
            best = (tied, rank, v, m)
    if best is None:
        return None
    m = best[3]
    return Found(best[2], m.start(), m.end(), m.group())


def _tax(text: str) -> Found | None:
    """The tax amount of the invoices (虚开的税款数额): the largest stated, not a tax paid back."""
    best: tuple[float, re.Match[str]] | None = None
    for m in _TAX.finditer(text):
        if _NOT_TAX.search(text[max(0, m.start() - 6):m.start()]):
            continue
        v = float(m.group(1).replace(",", "")) * (10000 if m.group(2) else 1)
        if v > 0 and (best is None or v > best[0]):
            best = (v, m)
    if best is None:
        return None
    return Found(best[0], best[1].start(), best[1].end(), best[1].group())


def _subtotal(value: float, counted: Sequence[float]) -> bool:
    """Whether `value` adds up the last two or more weights counted before it (10.78克 … 2.76克 …
    共13.54克 without 共计 before it: the facts summing up, not a third package)."""
    run = 0.0
    for k, v in enumerate(reversed(counted), 1):
        run += v
        if k >= 2 and abs(run - value) <= max(0.01, 0.002 * value):
            return True
    return False


def _weight_drug(text: str, m: re.Match[str], clause: str) -> tuple[str | None, bool]:
    """The drug a weight is of, and whether its own clause names it: the nearest name before it
    in its clause, else just after it, else in the sentences before (查获…甲基苯丙胺片剂…。经称量，
    …共重51.78克). None where the appraisal found no drug (未检见常见毒品成分，净重0.31克; 净重47.48克
    （未检出…）) or names only a substance not counted (检见咖啡因成分，净重0.99克)."""
    before = list(_DRUG.finditer(clause))
    after = _DRUG.search(text, m.end(), min(len(text), m.end() + 20))
    rest = re.split(r"[。；;]", text[m.end():m.end() + 15], maxsplit=1)[0]
    if _NO_DRUG.search(clause) and not before or _NO_DRUG.search(rest):
        return None, False
    hit = before[-1] if before else after
    if hit is not None:
        return hit.group(), True
    if _NOT_COUNTED.search(clause) or _NOT_COUNTED.search(text, m.end(), m.end() + 20):
        return None, False
    earlier = list(_DRUG.finditer(text, max(0, m.start() - DRUG_NAMED_WITHIN), m.start()))
    return (earlier[-1].group() if earlier else None), False


def _with_seized(total: Found, seen: Mapping[float, Found], seized: set[float]) -> Found:
    """A stated total of drugs with each weight seized after it that is larger than the total,
    which cannot be one of its parts: 贩卖…共计1.5克 … 民警当场从其身上查获…13.5366克 is 15.04 grams,
    the quantity 刑法第三百四十七条 counts (drugs held for sale with those sold). A seized weight
    within the total may be one of its parts (共计224粒约21.926克 … 查获…185粒18.1克) and is not
    added; nor is any where the total's own sentence tells a seizure (`_heroin_grams`)."""
    extra = [f for eq, f in seen.items()
             if eq in seized and eq > total.value and f.start > total.end]
    if not extra:
        return total
    spans = sorted([(total.start, total.text), *((f.start, f.text) for f in extra)])
    return Found(round(total.value + sum(f.value for f in extra), 3),
                 min(s for s, _ in spans), max(total.end, *(f.end for f in extra)),
                 "、".join(t for _, t in spans))


def _heroin_grams(text: str, equivalents: Mapping[str, float]) -> Found | None:
    """Grams of drugs as heroin, each weight of the drug `_weight_drug` finds: a total stated
    where the drug is named wins over adding up (with the larger weights seized after it,
    `_with_seized`); equal weights are counted once, a weight adding
    up those just before it not again; a gross weight with its net weight after it is not
    counted, nor a quantity only agreed or asked for (`_GROSS`, `_INTENDED`) where a weight is
    stated after it, nor another's drugs a 立功 clause tells of (`_OTHERS`)."""
    total: Found | None = None
    seen: dict[float, Found] = {}
    seized: set[float] = set()  # weights of `seen` told in a seizure's sentence (`_SEIZED`)
    total_seized = False  # the total's own sentence tells a seizure (其中现场查获…)
    intended: dict[float, Found] = {}
    raw: list[float] = []  # every weight, in the order the facts give them (for subtotals)
    for m in _GRAMS.finditer(text):
        grams = number(m.group(1))
        if grams is None:
            continue
        unit = 1000 if m.group(2) in ("千克", "公斤", "kg") else 1
        listed = _GRAMS_LISTED.search(text, max(0, m.start() - 40), m.start())
        weights = [float(v) for v in re.findall(r"\d+(?:\.\d+)?", listed.group(1))] if listed else []
        subtotal = not weights and _subtotal(grams * unit, raw)
        raw += [w * unit for w in (*weights, grams)]
        clause_start = _mark_before(text, m.start(), SENTENCE_ENDS)
        clause = text[max(clause_start + 1, m.start() - 60):m.start()]
        drug, named_here = _weight_drug(text, m, clause)
        phrase = text[_mark_before(text, m.start(), CLAUSE_ENDS + "（(") + 1:m.start()]
        if drug is None or _OTHERS.search(clause) or (
                _GROSS.search(phrase) and _NET_FOLLOWS.search(text, m.end(), m.end() + 40)):
            continue
        start = listed.start(1) if listed else m.start()
        # a total is the facts' own only where its clause names the drug
        is_total = named_here and bool(_TOTAL.search(text[max(0, start - 12):start]))
        if subtotal and not is_total:
            continue
        where = intended if _INTENDED.search(clause) or _INTENDED_NEAR.search(phrase) else seen
        for w in (*weights, grams):
            eq = round(w * unit * equivalents.get(drug, 0.0), 6)
            found = Found(round(eq, 3), start, m.end(), text[start:m.end()])
            if is_total and not weights:
                if total is None or eq > total.value:
                    total = found
                    total_seized = bool(_SEIZED.search(
                        text, clause_start + 1, _mark_after(text, m.end(), SENTENCE_ENDS)))
                continue
            if eq not in where:
                where[eq] = found
                if where is seen and _SEIZED.search(clause + phrase):
                    seized.add(eq)
    if total is not None:
        return total if total_seized else _with_seized(total, seen, seized)
    last = max((f.start for f in seen.values()), default=-1)
    seen.update({eq: f for eq, f in intended.items() if f.start > last and eq not in seen})
    if not seen:
        return None
    first = min(seen.values(), key=lambda f: f.start)
    parts = sorted({(f.start, f.text) for f in seen.values()})
    return Found(round(sum(seen), 3), first.start, max(f.end for f in seen.values()),
                 "、".join(t for _, t in parts))


#: a sentence that restates the charge's result (公诉机关认为，被告人…致一人重伤 / 致人轻伤): the
#: injured it names are those of the appraisal sentences, not more of them
_CONCLUSION = re.compile(r"认为|认定|指认")


def _injured(grade: str, text: str) -> tuple[int, Found | None]:
    """How many persons were injured to `grade` (轻微伤 / 轻伤 / 重伤). A count the text states
    (致一人重伤、二人轻伤; 一人轻伤一级，一人轻伤二级: the largest sentence's sum) wins; else one
    person per appraisal sentence naming the grade, not counting the sentences that restate
    the result (公诉机关认为…致人重伤), which name the same person again; one if only they do."""
    stated: dict[int, int] = defaultdict(int)
    first_stated: dict[int, Found] = {}
    for m in re.finditer(r"(\d+|[一二两三四五六七八九十]+)(?:人|名(?:被害人)?)(?:受)?"
                         + grade, text):
        if _negated(text, m.start()) or _not_caused(text, m.start()):
            continue
        sentence = text.count("。", 0, m.start())
        stated[sentence] += int(number(m.group(1)) or 0)
        first_stated.setdefault(sentence, Found(0, m.start(), m.end(), m.group()))
    if stated and max(stated.values()) > 0:
        sentence = max(stated, key=lambda k: (stated[k], -k))
        return stated[sentence], first_stated[sentence]
    pattern = re.compile(grade + r"(?:[一二]级)?")
    n, first = 0, None
    restated: Found | None = None
    last_sentence = -1
    for m in pattern.finditer(text):
        sentence = text.count("。", 0, m.start())
        if sentence == last_sentence or _negated(text, m.start()) or _not_caused(text, m.start()):
            continue
        last_sentence = sentence
        start = text.rfind("。", 0, m.start()) + 1
        if _CONCLUSION.search(text, start, m.start()):
            restated = restated or Found(0, m.start(), m.end(), m.group())
            continue
        n += 1
        first = first or Found(0, m.start(), m.end(), m.group())
    if not n and restated is not None:
        return 1, restated
    return n, first


#: a long text is read in its first READ_HEAD and last READ_TAIL characters: the conduct, the
#: amounts and the appraisals come first, the circumstances the court finds come last; the
#: whole of a 40,000-character dossier costs ~20 ms, more than the rest of the answer
READ_HEAD = 8000
READ_TAIL = 2000


def read(text: str, equivalents: Mapping[str, float] | None = None,
         charges: Iterable[str] = ()) -> Read:
    """Every input the guideline may use, read from `text` (spans index the given text);
    `charges` (as the data names them) choose the amount tied to their offence (OBTAINED)."""
    text = fold(text)
    charges = set(charges)
    obtained = (re.compile("|".join(sorted({OBTAINED[c] for c in charges})))
                if charges and charges <= OBTAINED.keys() else None)
    theft = "盗窃罪" in charges
    if len(text) <= READ_HEAD + READ_TAIL:
        out = _read(text, equivalents, obtained, theft)
    else:
        shift = len(text) - READ_TAIL - READ_HEAD - 1
        out = _read(text[:READ_HEAD] + "。" + text[-READ_TAIL:], equivalents, obtained, theft)
        for key, f in list(out.provenance.items()):
            if f.start > READ_HEAD:
                out.provenance[key] = replace(f, start=f.start + shift, end=f.end + shift)
    if charges == {"强奸罪"} and not out.circumstances & {"未遂", "中止"}:
        tried = _rape_attempted(text)
        if tried is not None:
            out.circumstances.add("未遂")
            out.provenance["circumstance:未遂"] = tried
    return out


#: 强奸罪 tried and not done (刑法第二十三条): the facts tell the intent (欲强行与被害人发生性关系,
#: 欲对其实施奸淫, 企图××) and never the act (与其发生了性关系, 奸淫了): the victim fought, fled or
#: called for help. CAIL2018's single-charge 强奸 cases of the pool's training and validation parts
#: that read so (15, none read 未遂 or 中止 before) were sentenced to a median 18 months, against
#: 46 for the rest
_RAPE_INTENT = re.compile(r"(?:欲|想|要|意图|企图|准备)(?:强行|趁机|与其|对其)?[^，,。；;]{0,14}?"
                          r"(?:发生性关系|奸淫|强奸|××)")
_RAPE_DONE = re.compile(r"(?<![欲想要图])(?<!强行)(?:发生了?性关系|奸淫了?|强奸了)")
_INTENDED_BEFORE = re.compile(r"(?:欲|想|要|企图|意图)[^，,。；;]{0,14}$")


def _sold_items(text: str) -> tuple[float, int, int, str] | None:
    """Sales of drugs told as numbered items (1、…贩卖冰毒0.2克。2、…卖给…0.3克。3、…): the
    number of distinct item numbers whose item tells a sale (`_SOLD`) and is no evidence
    (`_EVIDENCE`), as (count, start, end, text) for `acts`; None under two. Why: 法释〔2016〕8号
    第四条 makes 多次贩卖 (three times or more) 情节严重, and courts list the sales one by one
    without writing 三次; a restated list (the prosecutor's, then the court's) counts once."""
    items = list(_ITEM.finditer(text))
    numbers: dict[float, tuple[int, int, str]] = {}  # item number -> its span, what is shown
    for k, m in enumerate(items):
        end = items[k + 1].start() if k + 1 < len(items) else min(len(text), m.end() + 300)
        body = text[m.end():end]
        lead = body[:_mark_after(body, 0, SENTENCE_ENDS) + 1]  # the item's first sentence
        if k + 1 == len(items):  # the last item: what follows may be the evidence, not it
            body = lead
        n = number(m.group(1) or m.group(2) or m.group(3))
        sale = _SOLD.search(body)
        if n and sale and not _EVIDENCE.search(lead):
            numbers.setdefault(n, (m.start(), m.end() + len(lead), m.group() + sale.group()))
    if len(numbers) < 2:
        return None
    first = min(start for start, _, _ in numbers.values())
    last = max(end for _, end, _ in numbers.values())
    # shown as each item's sale (一、贩卖冰毒0.2克；二、…), not the whole list
    return (float(len(numbers)), first, last, "；".join(t for _, _, t in sorted(numbers.values())))


def _rape_attempted(text: str) -> Found | None:
    """Where the facts tell a rape intended and none done (`_RAPE_INTENT`, `_RAPE_DONE`)."""
    m = _RAPE_INTENT.search(text)
    if m is None:
        return None
    for done in _RAPE_DONE.finditer(text):
        if not _INTENDED_BEFORE.search(text[max(0, done.start() - 16):done.start()]):
            return None
    return Found(True, m.start(), m.end(), m.group())


def _read(text: str, equivalents: Mapping[str, float] | None,
          obtained: re.Pattern[str] | None = None, theft_charged: bool = False) -> Read:
    out = Read()

    def put(key: str, value: float, found: Found) -> None:
        out.measures[key] = value
        out.provenance[key] = Found(value, found.start, found.end, found.text, found.source,
                                    found.page)

    a = _amount(text, obtained)
    if a is not None:
        put("amount_yuan", a.value, a)
    tax = _tax(text) if "税" in text else None
    if tax is not None:
        put("tax_yuan", tax.value, tax)
    m = _ALCOHOL.search(text) or _ALCOHOL2.search(text)
    if m:
        vals = [(float(x.group(1)), x) for x in (*_ALCOHOL.finditer(text), *_ALCOHOL2.finditer(text))]
        v, last = max(vals, key=lambda t: t[1].start())
        put("blood_alcohol", v, Found(v, last.start(), last.end(), last.group()))
    if equivalents:
        g = _heroin_grams(text, equivalents)
        if g is not None:
            put("heroin_g", g.value, g)
    for grade, key in (("轻微伤", "minor_injuries"), ("轻伤", "light_injuries"),
                       ("重伤", "serious_injuries")):
        # 轻伤 inside 轻微伤 never matches; 致轻伤 ≠ 轻微伤
        n, first = _injured(grade, text)
        if n and first is not None:
            put(key, float(n), first)
    dm = _DEATHS.search(text)
    if dm:
        put("deaths", number(dm.group(1)) or 1.0, Found(0, dm.start(), dm.end(), dm.group()))
    else:
        d = _DEATH.search(text)
        if d and not _negated(text, d.start()):
            put("deaths", 1.0, Found(1, d.start(), d.end(), d.group()))
    acts = [(number(x.group(1)) or 0, x.start(), x.end(), x.group()) for x in _ACTS.finditer(text)]
    if not acts and "多次" in text:
        i = text.index("多次")
        acts.append((3.0, i, i + 2, "多次"))
    acts += [(number(x.group(1) or x.group(2)) or 0, x.start(), x.end(), x.group())
             for x in _SALES.finditer(text) if not _negated(text, x.start())]
    if _DRUG.search(text):
        sold = _sold_items(text)
        if sold is not None:
            acts.append(sold)
    if acts:
        v, start, end, said = max(acts, key=lambda t: t[0])
        if 0 < v <= 200:
            put("acts", v, Found(v, start, end, said))
    if "抢劫" in text or "劫取" in text:
        robs = [(number(x.group(1) or x.group(2)) or 0, x) for x in _ROBBERIES.finditer(text)]
        robs += [(3.0, x) for x in _ROBBED_OFTEN.finditer(text)]
        robs = [(v, x) for v, x in robs if 0 < v <= 200 and not _negated(text, x.start())]
        if robs:
            v, x = max(robs, key=lambda t: t[0])
            put("robberies", v, Found(v, x.start(), x.end(), x.group()))
    guns = [(number(x.group(1)) or 0, x) for x in _GUNS.finditer(text)] if "枪" in text else []
    if guns:
        v = sum(g for g, _ in guns)
        put("guns", v, Found(v, guns[0][1].start(), guns[-1][1].end(), guns[0][1].group()))
    hosts = list(_HOST.finditer(text))
    if hosts:
        people = [(number(x.group(1)) or 0) for x in re.finditer(
            r"容留[^，,。；;]{0,20}?(\d+|[一二两三四五六七八九十]+)(?:人|名)", text)]
        v = max([len(hosts), *people])
        put("persons", float(v), Found(v, hosts[0].start(), hosts[0].end(), hosts[0].group()))
    for key, pat in _FLAGS:
        if key in ROBBERY_SITES:  # only where its sentence is about a robbery
            fm = next((m for m in pat.finditer(text) if not _negated(text, m.start())
                       and _robbery_sentence(text, m.start(), theft_charged)), None)
        else:
            fm = pat.search(text)
        if fm and not _negated(text, fm.start()):
            out.flags.add(key)
            out.provenance[f"flag:{key}"] = Found(True, fm.start(), fm.end(), fm.group())
    if "幼女" not in out.flags:
        child = next((m for m in _CHILD_AGE.finditer(text) if int(m.group(1)) < 14), None)
        if child:
            out.flags.add("幼女")
            out.provenance["flag:幼女"] = Found(True, child.start(), child.end(), child.group())
    for key, pat in _CIRCS:
        for cm in pat.finditer(text):
            if _negated(text, cm.start()):
                continue
            out.circumstances.add(key)
            out.provenance[f"circumstance:{key}"] = Found(True, cm.start(), cm.end(), cm.group())
            break
    return out


def merge(*reads: Read) -> Read:
    """Later reads win for a measure; flags and circumstances are united."""
    out = Read()
    for r in reads:
        out.measures.update(r.measures)
        out.flags |= r.flags
        out.circumstances |= r.circumstances
        out.provenance.update(r.provenance)
    return out


def from_fields(fields: Mapping[str, Any], provenance: Mapping[str, Any] | None = None) -> Read:
    """The extraction stage's SCHEMA.md fields as a Read (amount, blood alcohol, the court's
    circumstances, prior record), with the field's page span where the caller has it."""
    provenance = provenance or {}
    out = Read()

    def found(path: str, value: Any) -> Found:
        p = provenance.get(path) or {}
        return Found(value, int(p.get("start") or 0), int(p.get("end") or 0),
                     str(p.get("text") or value), "extraction", p.get("page"))

    if fields.get("amount_involved_yuan"):
        v = float(fields["amount_involved_yuan"])
        out.measures["amount_yuan"] = v
        out.provenance["amount_yuan"] = found("amount_involved_yuan", v)
    if fields.get("blood_alcohol_mg_per_100ml"):
        v = float(fields["blood_alcohol_mg_per_100ml"])
        out.measures["blood_alcohol"] = v
        out.provenance["blood_alcohol"] = found("blood_alcohol_mg_per_100ml", v)
    for i, word in enumerate(fields.get("mitigating") or []):
        key = {"认罪": "当庭认罪", "再犯": "毒品再犯"}.get(word, word)
        out.circumstances.add(key)
        out.provenance[f"circumstance:{key}"] = found(f"mitigating/{i}", True)
    for d in fields.get("defendants") or []:
        if d.get("prior_record"):
            out.circumstances.add("前科")
            out.provenance["circumstance:前科"] = found("defendants/0/prior_record", True)
    return out


def words(items: Iterable[str]) -> frozenset[str]:
    return frozenset(i for i in items if i)
