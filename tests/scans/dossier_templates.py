"""Dossiers of the six case types, filled into national-template-shaped forms from real cases.

Real case files cannot be shipped, so the documents a dossier holds before it moves (受案登记表,
讯问笔录, 血液酒精鉴定意见书, 价格认定结论书, 损伤程度鉴定意见书, 道路交通事故认定书, 扣押清单,
起诉意见书, 提请批准逮捕书 …) are written here to the layout of the national forms and filled with
the facts of real published cases: CAIL2018 facts (危险驾驶, 故意伤害, 盗窃, 交通肇事, 寻衅滋事) and
LeCaRD judgments (those five and 非法持有、私藏枪支、弹药). The names, dates, places, blood alcohol,
injury grades, responsibility, amounts and weapons are read from the case's facts where it states
them; what a fact does not state (an officer's name, a time of questioning) is drawn from a
seeded generator, so a dossier is the same on every run. Each document carries its ground truth.

``dossier(case)`` gives the documents of a complete dossier; ``cases(shared, case_type, source)``
the source cases. Rendered as scans with ``tests.scans.generate.render_pages`` / ``render_table``.

CLI::

    python -m tests.scans.dossier_templates --type 盗窃 --source cail2018 --index 0
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CASE_TYPES = ("危险驾驶", "故意伤害", "盗窃", "交通肇事", "寻衅滋事", "非法持有、私藏枪支弹药")
#: CAIL2018's accusation (charge without 罪) of each type; the gun charge is not in the subset
CAIL_ACCUSATION = {"危险驾驶": "危险驾驶", "故意伤害": "故意伤害", "盗窃": "盗窃",
                   "交通肇事": "交通肇事", "寻衅滋事": "寻衅滋事"}
#: words of a LeCaRD case name (ajName) that mark each type, and words that must not be there
LECARD_NAME = {"危险驾驶": "危险驾驶", "故意伤害": "故意伤害", "盗窃": "盗窃", "交通肇事": "交通肇事",
               "寻衅滋事": "寻衅滋事", "非法持有、私藏枪支弹药": "非法持有"}
CHARGE = {"危险驾驶": "危险驾驶罪", "故意伤害": "故意伤害罪", "盗窃": "盗窃罪", "交通肇事": "交通肇事罪",
          "寻衅滋事": "寻衅滋事罪", "非法持有、私藏枪支弹药": "非法持有枪支罪"}
ARTICLE = {"危险驾驶": "第一百三十三条之一", "故意伤害": "第二百三十四条", "盗窃": "第二百六十四条",
           "交通肇事": "第一百三十三条", "寻衅滋事": "第二百九十三条",
           "非法持有、私藏枪支弹药": "第一百二十八条第一款"}
#: how a fact states each offence form; the referrals state the forms in one sentence of their
#: own and leave out the fact's clauses that use these words, so the forms are known exactly
FORM_WORDS = {"入户盗窃": r"入户|(?:进入|潜入|窜入|溜进)[^。，]{0,10}(?:家中|住宅|住处|室内|家里)",
              "扒窃": r"扒窃", "携带凶器盗窃": r"携带凶器|携带[^。，]{0,6}刀",
              "多次盗窃": r"多次盗窃|多次窃取|先后[\d一二三四五六七八九十]+次|[三四五六七八九十]次",
              "逃逸": r"逃逸|逃离", "致人死亡": r"死亡"}
OFFICERS = ("刘某", "陈某", "赵某", "孙某", "周某", "吴某", "郑某", "冯某", "何某", "高某")
CN_DIGITS = "〇一二三四五六七八九"


@dataclass(frozen=True)
class SourceCase:
    """A real case: where it comes from, its facts and the people it names."""

    source: str  # cail2018 | lecard
    id: str
    case_type: str
    fact: str
    suspect: str


@dataclass
class Doc:
    """One generated document: the material it is, its page texts, the values it states.

    ``table`` holds the rows of a 扣押清单 (header first) so a scan can draw it as a table."""

    material: str
    pages: list[str]
    truth: dict[str, Any] = field(default_factory=dict)
    table: list[list[str]] | None = None


@dataclass
class Case:
    """The facts a dossier is filled with (read from the source case or drawn)."""

    source: SourceCase
    suspect: str
    victim: str
    witness: str
    police: str
    procuratorate: str
    court: str
    year: int
    month: int
    day: int
    hour: int
    minute: int
    place: str
    fact: str
    blood_alcohol: float | int | None = None
    appraised_value: int | None = None
    injury: str | None = None  # 轻伤二级 …
    responsibility: str | None = None
    forms: tuple[str, ...] = ()
    items: tuple[tuple[str, str, str], ...] = ()  # seized (name, quantity, notes)
    death: bool = False  # 故意伤害致人死亡: a 尸体检验 instead of a 损伤程度鉴定, no victim statement
    rng_seed: int = 0


# ------------------------------------------------------------------------------ sources
def _lecard_suspect(name: str) -> str | None:
    m = re.match(r"([\u4e00-\u9fff×Xx]{2,4}?)(?:犯|、|等|以|非法|盗窃|故意|交通|寻衅|危险|涉嫌)", name)
    return m.group(1) if m else None


def cases(shared: Path, case_type: str, source: str, limit: int = 20,
          parity: int | None = None, death: bool = False) -> list[SourceCase]:
    """Up to ``limit`` single-charge cases of ``case_type`` from CAIL2018 or LeCaRD (in file
    order; ``parity`` 0/1 keeps LeCaRD candidates of even/odd id, to split dev from held out).
    故意伤害 cases whose victim died are kept apart: only they with ``death``, never without."""
    out: list[SourceCase] = []
    if source == "cail2018":
        accusation = CAIL_ACCUSATION.get(case_type)
        if accusation is None:
            return []
        with gzip.open(shared / "cail2018" / "cases.jsonl.gz", "rt", encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                d = json.loads(line)
                meta = d["meta"]
                if meta["accusation"] != [accusation] or len(meta["criminals"]) != 1:
                    continue
                if case_type == "故意伤害" and ("死亡" in d["fact"]) != death:
                    continue  # 故意伤害致死: a 尸体检验 in its dossier
                out.append(SourceCase("cail2018", str(i), case_type, d["fact"].strip(),
                                      meta["criminals"][0]))
                if len(out) >= limit:
                    break
        return out
    if source != "lecard":
        raise ValueError(f"unknown source {source!r}")
    word = LECARD_NAME[case_type]
    with gzip.open(shared / "lecard" / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            name = d.get("ajName") or ""
            if word not in name or (case_type.startswith("非法持有") and "枪" not in name):
                continue
            if re.search(r"、[\u4e00-\u9fff]{2,}罪|数罪|等", name) and case_type not in name[:12]:
                continue
            if parity is not None and int(d["candidate_id"]) % 2 != parity:
                continue
            suspect = _lecard_suspect(name)
            fact = (d.get("ajjbqk") or "").strip()
            if case_type == "故意伤害" and bool(re.search(r"死亡", fact)) != death:
                continue  # 故意伤害致死: a 尸体检验 in its dossier
            if not suspect or len(fact) < 60:
                continue
            out.append(SourceCase("lecard", d["candidate_id"], case_type, fact, suspect))
            if len(out) >= limit:
                break
    return out


# --------------------------------------------------------------------------- the facts
def _first(pattern: str, text: str, group: int = 1) -> str | None:
    m = re.search(pattern, text)
    return m.group(group) if m else None


def _clean_name(name: str) -> str:
    name = re.sub(r"[^\u4e00-\u9fff×]", "", name) or "张某"
    return name + "某" if len(name) < 2 else name


def read_case(src: SourceCase, seed: int = 0) -> Case:
    """The facts of a dossier for one source case: read from the facts where stated."""
    rng = random.Random(f"{src.source}:{src.id}:{seed}")
    fact = re.sub(r"\s+", "", src.fact)
    region = _first(r"([\u4e00-\u9fff]{2,14}?)(?:人民检察院|人民法院)", fact) or "某市某区"
    region = re.sub(r"^(?:公诉机关|经审理查明|本院|原审)", "", region) or "某市某区"
    m = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日", fact)
    year, month, day = (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else (
        2016, rng.randint(1, 12), rng.randint(1, 28))
    month, day = min(max(month, 1), 12), min(max(day, 1), 28)
    t = re.search(r"(\d{1,2})时(?:(\d{1,2})分)?", fact)
    hour = int(t.group(1)) % 24 if t else rng.randint(8, 22)
    minute = int(t.group(2)) % 60 if t and t.group(2) else rng.randint(0, 59)
    place = _first(r"在([\u4e00-\u9fff\d]{3,18}?)(?:内|处|路段|路口|门口|附近|家中)", fact) or "案发现场"
    victim = _first(r"被害人([\u4e00-\u9fff]{1,2}某{1,2}|[\u4e00-\u9fff]×\d?|[\u4e00-\u9fff]{2,3}?)(?=[，,的（(在因驾发])",
                    fact) or "王某某"
    if re.search(r"事故|车辆|伤|死亡|人员|家属|亲属|单位|公司", victim):
        victim = "王某某"
    suspect = _clean_name(src.suspect)
    fact = _police_wording(fact)
    case = Case(source=src, suspect=suspect, victim=_clean_name(victim),
                witness=rng.choice(("钱某", "李某甲", "马某", "杨某某")),
                police=f"{region}公安局", procuratorate=f"{region}人民检察院",
                court=f"{region}人民法院", year=year, month=month, day=day, hour=hour,
                minute=minute, place=place, fact=fact[:600], rng_seed=rng.randint(0, 10**6))
    kind = src.case_type
    if kind == "危险驾驶":
        v = _first(r"(?:血液|血样|静脉血|血)[^。；]{0,30}?(\d+(?:\.\d+)?)\s*(?:mg|毫克)\s*[/／]\s*100\s*m[lL]", fact)
        value = float(v) if v else round(rng.uniform(85, 230), 1)
        case.blood_alcohol = int(value) if value.is_integer() else value
    elif kind in ("故意伤害", "寻衅滋事"):
        order = ("轻微伤", "轻伤二级", "轻伤一级", "重伤二级", "重伤一级")
        grades = [g.group(1) + (g.group(2) or ("" if g.group(1) == "轻微伤" else "二级"))
                  for g in re.finditer(r"(轻微伤|轻伤|重伤)([一二]级)?", fact)]
        if grades:
            case.injury = max(grades, key=order.index)
        else:
            case.injury = "轻伤二级" if kind == "故意伤害" else "轻微伤"
        if kind == "故意伤害" and "死亡" in fact:
            case.death, case.forms = True, ("致人死亡",)
    elif kind == "盗窃":
        money = [int(float(x)) for x in re.findall(r"价值(?:人民币)?(\d+(?:\.\d+)?)元", fact)]
        case.appraised_value = sum(money) if money else rng.randint(1200, 9000)
        forms = [f for f, p in FORM_WORDS.items()
                 if f not in ("逃逸", "致人死亡") and re.search(p, fact)]
        case.forms = tuple(forms)
        loot = _first(r"(?:窃取|盗走|偷走|盗得)[^。，]{0,8}?([\u4e00-\u9fff]{1,6}?(?:手机|电动车|摩托车|"
                      r"自行车|电瓶|现金|钱包|项链|电脑|轮胎|电缆|黄金|三轮车))", fact) or "手机"
        case.items = ((loot, "1" + ("部" if "手机" in loot else "件"), "被盗物品，已发还被害人"),)
    elif kind == "交通肇事":
        case.responsibility = _first(r"(全部|主要|同等)责任", fact) or "全部"
        case.forms = ("逃逸",) if re.search(FORM_WORDS["逃逸"], fact) else ()
        case.blood_alcohol = None
    elif kind.startswith("非法持有"):
        guns = re.findall(r"(自制火药枪|火药枪|猎枪|气枪|仿真枪|手枪|步枪|钢珠枪|射钉枪)", fact)
        gun = guns[0] if guns else "自制火药枪"
        count = _first(r"(?:枪支|枪)([一二三四五六七八九十\d]+)(?:支|把)", fact) or "1"
        case.items = ((gun, f"{count}支", "具备枪支性能（见鉴定书）"),)
        if re.search(r"子弹|弹药|枪弹", fact):
            rounds = _first(r"(?:子弹|弹药|枪弹)(\d+)发", fact) or "10"
            case.items += (("子弹", f"{rounds}发", "与枪支同时查获"),)
    return case


def _police_wording(fact: str) -> str:
    """The facts as the police state them: without the prosecutor's or court's frame
    (XX人民检察院指控：, 经审理查明, 公诉机关认为 …), 被告人 as 犯罪嫌疑人."""
    fact = re.sub(r"^[^。：:]{0,30}?(?:指控|审理查明|查明)[：:，,]?", "", fact)
    cut = re.search(r"(?:上述事实|公诉机关认为|公诉机关为证明|公诉机关就|针对上述|为证实|认为被告人)", fact)
    if cut and cut.start() > 40:
        fact = fact[: cut.start()]
    return fact.replace("被告人", "犯罪嫌疑人").replace("上诉人", "犯罪嫌疑人")


# ---------------------------------------------------------------------------- templates
def _cn_date(y: int, m: int, d: int) -> str:
    def cn(n: int) -> str:
        if n < 10:
            return CN_DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + ("" if ones == 0 else CN_DIGITS[ones])
    return "".join(CN_DIGITS[int(c)] for c in str(y)) + f"年{cn(m)}月{cn(d)}日"


def _date(c: Case, plus: int = 0) -> tuple[int, int, int]:
    day = c.day + plus
    month, year = c.month, c.year
    while day > 28:
        day -= 28
        month += 1
        if month > 12:
            month, year = 1, year + 1
    return year, month, day


def _spaced(title: str) -> str:
    return " ".join(title) if len(title) <= 6 else title


def _number(c: Case, prefix: str, n: int) -> str:
    return f"{c.police[:2]}{prefix}〔{c.year}〕{n}号"


def _form(agency: str, title: str, number: str | None, body: Sequence[str],
          signed: Sequence[str] = ()) -> str:
    lines = [agency, _spaced(title)]
    if number:
        lines.append(number)
    lines.extend(body)
    lines.extend(signed)
    return "\n".join(lines) + "\n"


def _referral_forms(c: Case) -> str:
    words = {"入户盗窃": "系入户盗窃", "扒窃": "系扒窃", "携带凶器盗窃": "系携带凶器盗窃",
             "多次盗窃": "系多次盗窃", "逃逸": "肇事后逃逸", "致人死亡": f"致被害人{c.victim}死亡"}
    stated = [words[f] for f in c.forms if f in words]
    return ("经查，犯罪嫌疑人" + c.suspect + "、".join(stated) + "。") if stated else ""


def documents(c: Case) -> list[Doc]:
    """Every document of a complete dossier for ``c`` (before 移送审查起诉 and 提起公诉)."""
    rng = random.Random(c.rng_seed)
    kind = c.source.case_type
    charge = CHARGE[kind]
    y, m, d = c.year, c.month, c.day
    when = f"{y}年{m}月{d}日"
    o1, o2, o3 = rng.sample(OFFICERS, 3)
    docs: list[Doc] = []
    add = docs.append
    add(Doc("受案登记表", [_form(c.police, "受案登记表", _number(c, "受字", rng.randint(10, 999)), [
        f"报案人：{c.victim if kind not in ('危险驾驶', '非法持有、私藏枪支弹药') else o1}",
        f"接报时间：{when}{c.hour}时{c.minute}分",
        f"简要案情：{c.fact[:160]}",
        "受案意见：属于本单位管辖的刑事案件，建议及时立案侦查。",
    ])]))
    add(Doc("立案决定书", [_form(c.police, "立案决定书", _number(c, "刑立字", rng.randint(10, 999)), [
        f"根据《中华人民共和国刑事诉讼法》第一百一十二条之规定，决定对{c.suspect}{kind}案立案侦查。",
    ], [f"{_cn_date(*_date(c, 1))}"])]))
    add(Doc("到案经过", [_form(c.police, "到案经过", None, [
        f"{when}{c.hour}时许，民警{o1}、{o2}在{c.place}将犯罪嫌疑人{c.suspect}抓获，"
        f"{c.suspect}到案后如实供述了犯罪事实。",
    ], [f"办案民警：{o1}、{o2}"])]))
    add(Doc("身份证明", [_form(c.police, "户籍证明", None, [
        f"经查询，{c.suspect}，男，汉族，户籍登记信息如下：出生日期1985年3月2日，文化程度初中。",
        "特此证明。",
    ])]))
    add(Doc("违法犯罪记录查询", [_form(c.police, "违法犯罪记录查询证明", None, [
        f"经查询全国违法犯罪人员信息系统，未发现{c.suspect}有违法犯罪记录。",
    ])]))
    add(Doc("强制措施文书", [_form(c.police, "拘留证", _number(c, "拘字", rng.randint(10, 999)), [
        f"根据《中华人民共和国刑事诉讼法》第八十二条之规定，兹决定对涉嫌{charge}的{c.suspect}执行拘留，"
        f"送{c.police[:-3]}看守所羁押。",
    ], [f"{_cn_date(*_date(c, 1))}"])]))
    # 讯问笔录
    start_h = (c.hour + 3) % 20 + 1
    start = f"{y}年{m}月{d}日{start_h}时{c.minute:02d}分"
    end_h = start_h + 1
    interrogation = {
        "suspect": c.suspect, "interrogators": [o1, o2], "recorder": o2,
        "start": f"{y:04d}-{m:02d}-{d:02d}T{start_h:02d}:{c.minute:02d}",
        "end": f"{y:04d}-{m:02d}-{d:02d}T{end_h:02d}:{(c.minute + 7) % 60:02d}",
        "place": f"{c.police}执法办案中心", "rights_notified": True,
    }
    add(Doc("讯问笔录", [
        "讯 问 笔 录\n"
        f"时间：{start}至{end_h}时{(c.minute + 7) % 60:02d}分\n"
        f"地点：{c.police}执法办案中心\n"
        f"讯问人：{o1}、{o2}  工作单位：{c.police}\n"
        f"记录人：{o2}\n"
        f"被讯问人：{c.suspect}  性别：男\n"
        f"问：我们是{c.police}的民警，现依法对你进行讯问。这是《犯罪嫌疑人诉讼权利义务告知书》，"
        "你看清楚了吗？\n答：看清楚了。\n"
        "问：你把事情经过讲一下。\n"
        f"答：{c.fact[:260]}\n"
        "问：你以上所讲的是否属实？\n答：属实。\n"
    ], {"interrogation": interrogation}))
    if kind not in ("危险驾驶", "非法持有、私藏枪支弹药") and not c.death:
        add(Doc("被害人陈述", [
            "询 问 笔 录\n"
            f"时间：{when}{(c.hour + 2) % 22 + 1}时10分至{(c.hour + 2) % 22 + 2}时00分\n"
            f"地点：{c.police}执法办案中心\n"
            f"询问人：{o1}、{o3}  工作单位：{c.police}\n"
            f"记录人：{o3}\n"
            f"被询问人：{c.victim}  身份：被害人\n"
            "问：这是《被害人诉讼权利义务告知书》，你看清楚了吗？\n答：看清楚了。\n"
            f"问：你讲一下事情经过。\n答：{c.fact[:200]}\n"
        ], {"subject": "被害人"}))
    if kind in ("故意伤害", "交通肇事", "寻衅滋事"):
        add(Doc("证人证言", [
            "询 问 笔 录\n"
            f"时间：{when}{(c.hour + 4) % 22 + 1}时20分至{(c.hour + 4) % 22 + 2}时05分\n"
            f"地点：{c.place}\n"
            f"询问人：{o3}、{o1}  工作单位：{c.police}\n"
            f"被询问人：{c.witness}  身份：证人\n"
            "问：这是《证人诉讼权利义务告知书》，你看清楚了吗？\n答：看清楚了。\n"
            f"问：你看到了什么？\n答：当时我在{c.place}，看到{c.suspect}与{c.victim}发生冲突。\n"
        ], {"subject": "证人"}))
    docs.extend(_type_documents(c, rng, (o1, o2, o3)))
    subject = {"危险驾驶": "血液酒精含量", "故意伤害": "人体损伤程度", "盗窃": "涉案财物价格",
               "交通肇事": "尸体检验", "寻衅滋事": "人体损伤程度",
               "非法持有、私藏枪支弹药": "枪支性能"}[kind]
    add(Doc("鉴定意见通知书", [_form(c.police, "鉴定意见通知书", _number(c, "鉴通字", rng.randint(10, 99)), [
        f"{c.suspect}：",
        f"根据《中华人民共和国刑事诉讼法》第一百四十八条之规定，现将用作证据的{subject}鉴定意见告知如下，"
        "如不服，可以申请补充鉴定或者重新鉴定。",
    ], [f"{_cn_date(*_date(c, 12))}"])]))
    forms = _referral_forms(c)
    stated = c.fact
    for form, pattern in FORM_WORDS.items():
        if form != "致人死亡" or c.death:
            stated = _without_pattern(stated, pattern)
    add(Doc("提请批准逮捕书", [_form(c.police, "提请批准逮捕书", _number(c, "提捕字", rng.randint(10, 99)), [
        f"犯罪嫌疑人{c.suspect}，男，1985年3月2日出生，汉族。",
        f"犯罪嫌疑人{c.suspect}涉嫌{charge}一案，经依法侦查查明：{stated[:300]}{forms}",
        f"犯罪嫌疑人{c.suspect}的行为已触犯《中华人民共和国刑法》{ARTICLE[kind]}之规定，涉嫌{charge}，"
        "依照《中华人民共和国刑事诉讼法》第八十七条之规定，特提请批准逮捕。",
        "此致", c.procuratorate,
    ])], {"offence_forms": list(c.forms)}))
    add(Doc("起诉意见书", [_form(c.police, "起诉意见书", _number(c, "诉字", rng.randint(10, 99)), [
        f"犯罪嫌疑人{c.suspect}，男，1985年3月2日出生，汉族。",
        f"经依法侦查查明：{stated[:400]}{forms}",
        f"综上所述，犯罪嫌疑人{c.suspect}的行为已触犯《中华人民共和国刑法》{ARTICLE[kind]}之规定，涉嫌{charge}。"
        "依照《中华人民共和国刑事诉讼法》第一百六十二条之规定，现将此案移送审查起诉。",
        "此致", c.procuratorate,
    ])], {"offence_forms": list(c.forms)}))
    add(Doc("起诉书", [_form(c.procuratorate, "起诉书",
                           f"{c.procuratorate[:2]}检刑诉〔{c.year}〕{rng.randint(10, 999)}号", [
        f"被告人{c.suspect}，男，1985年3月2日出生，汉族。",
        f"本案由{c.police}侦查终结，以被告人{c.suspect}涉嫌{charge}，向本院移送审查起诉。",
        f"经依法审查查明：{c.fact[:400]}",
        f"本院认为，被告人{c.suspect}的行为触犯了《中华人民共和国刑法》{ARTICLE[kind]}，"
        f"应当以{charge}追究其刑事责任。根据《中华人民共和国刑事诉讼法》第一百七十六条的规定，提起公诉。",
        "此致", c.court, f"检察员：{o3}",
    ])]))
    return docs


def _table(c: Case, title: str, rows: Sequence[tuple[str, str, str]], holder: str,
           officers: Sequence[str]) -> Doc:
    header = ["编号", "名称", "数量", "特征", "备注"]
    table = [header]
    lines = [c.police, title, " ".join(header)]
    truth = []
    for i, (name, qty, notes) in enumerate(rows, start=1):
        feature, _, remark = notes.partition("，")
        cells = [str(i), name, qty, feature, remark]
        table.append(cells)
        lines.append(" ".join(cell for cell in cells if cell))
        truth.append({"name": name, "quantity": qty,
                      "notes": " ".join(cell for cell in cells[3:] if cell) or None})
    lines.append(f"持有人：{holder}  见证人：{c.witness}  办案人：{officers[0]}、{officers[1]}")
    return Doc("扣押清单", ["\n".join(lines) + "\n"], {"seized_items": truth}, table)


def _type_documents(c: Case, rng: random.Random, officers: Sequence[str]) -> Iterator[Doc]:
    kind = c.source.case_type
    o1, o2, o3 = officers
    y, m, d = _date(c, 2)
    when = f"{c.year}年{c.month}月{c.day}日"
    institute = f"{c.police}物证鉴定所"
    if kind == "危险驾驶":
        breath = round(float(c.blood_alcohol or 100) * rng.uniform(0.75, 0.95))
        yield Doc("呼气酒精检测结果", [_form(c.police + "交通警察大队", "呼气酒精含量检测结果单", None, [
            f"被检测人：{c.suspect}  检测时间：{when}{c.hour}时{c.minute}分",
            f"检测地点：{c.place}  检测仪器：呼气式酒精检测仪（已检定，在有效期内）",
            f"检测结果：{breath}mg/100mL",
        ], [f"检测民警：{o1}"])])
        yield Doc("血样提取笔录", [_form(c.police + "交通警察大队", "血样提取笔录", None, [
            f"时间：{when}{(c.hour + 1) % 24}时05分  地点：{c.police[:-3]}人民医院",
            f"提取对象：{c.suspect}  提取人：护士张某  见证民警：{o1}、{o2}",
            "提取静脉血两管，当场封装，全程执法记录仪录像。",
        ])])
        value = c.blood_alcohol
        yield Doc("血液酒精鉴定意见", [_form(institute, "血液酒精含量检验鉴定意见书",
                                         f"{c.police[:2]}公物鉴（理化）字〔{c.year}〕{rng.randint(100, 999)}号", [
            f"委托单位：{c.police}交通警察大队",
            f"鉴定事项：对{c.suspect}血样中的乙醇含量进行检验。",
            f"受理日期：{y}年{m}月{d}日",
            "检验方法：GA/T 1073-2013 顶空气相色谱法。",
            f"鉴定意见：送检的{c.suspect}血样中检出乙醇，乙醇含量为{value}mg/100mL。",
        ], [f"鉴定人：{o3}  主检法医师"])], {"blood_alcohol_mg_per_100ml": value,
                                             "subject": "血液酒精"})
        yield Doc("驾驶人及车辆信息查询", [_form(c.police + "交通警察大队", "驾驶人信息查询结果单", None, [
            f"姓名：{c.suspect}  准驾车型：C1  驾驶证状态：正常",
            "机动车号牌：某A12345  机动车状态：正常，已按期检验。",
        ])])
        yield Doc("行政处罚决定书", [_form(c.police + "交通警察大队", "公安交通管理行政处罚决定书",
                                        _number(c, "交罚字", rng.randint(1000, 9999)), [
            f"被处罚人：{c.suspect}。",
            f"{c.suspect}于{when}醉酒驾驶机动车，依据《中华人民共和国道路交通安全法》第九十一条第二款，"
            "决定吊销其机动车驾驶证，五年内不得重新取得机动车驾驶证。",
        ])])
    elif kind == "故意伤害" and c.death:
        yield Doc("尸体检验鉴定意见", [_form(f"{c.police}司法鉴定中心", "法医学尸体检验鉴定意见书",
                                         f"{c.police[:2]}公（司）鉴（尸）字〔{c.year}〕{rng.randint(100, 999)}号", [
            f"委托单位：{c.police}",
            f"鉴定事项：对{c.victim}的死亡原因进行鉴定。",
            f"案情摘要：{c.fact[:120]}",
            "检验所见：尸表检验及解剖检验所见如附件。",
            f"鉴定意见：{c.victim}系被他人用钝器打击头部致颅脑损伤死亡。",
        ], [f"鉴定人：{o3}  主检法医师"])], {"subject": "死亡原因"})
        yield Doc("病历资料", [_form(f"{c.police[:-3]}人民医院", "诊断证明书", None, [
            f"姓名：{c.victim}  就诊日期：{when}",
            "诊断：重型颅脑损伤。",
            "处理意见：经抢救无效。",
        ], ["医师：黄某"])])
        yield Doc("现场勘验笔录", [_form(c.police, "现场勘验笔录", None, [
            f"勘验时间：{when}  勘验地点：{c.place}",
            "现场位于室外，地面可见血迹，提取血迹两处，拍摄现场照片十二张。",
        ], [f"勘验人：{o1}、{o2}"])])
        yield _table(c, "扣押物品、文件清单", (("木棍", "1根", "长约80厘米，一端有血迹"),),
                     c.suspect, officers)
    elif kind in ("故意伤害", "寻衅滋事"):
        injury = c.injury or "轻伤二级"
        grade, level = (injury, "") if injury.startswith("轻微伤") else (injury[:2], injury[2:])
        truth_level = level or None
        yield Doc("损伤程度鉴定意见", [_form(f"{c.police}司法鉴定中心", "法医学人体损伤程度鉴定意见书",
                                         f"{c.police[:2]}公（司）鉴（伤）字〔{c.year}〕{rng.randint(100, 999)}号", [
            f"委托单位：{c.police}",
            f"鉴定事项：对被鉴定人{c.victim}的损伤程度进行鉴定。",
            f"被鉴定人：{c.victim}，男，1979年6月出生。",
            f"案情摘要：{c.fact[:120]}",
            f"分析说明：根据《人体损伤程度鉴定标准》的有关规定，被鉴定人{c.victim}的损伤符合{grade}{level}。",
            f"鉴定意见：被鉴定人{c.victim}的损伤程度属{grade}{level}。",
        ], [f"鉴定人：{o3}  主检法医师"])], {
            "subject": "损伤程度",
            "injuries": [{"person": c.victim, "grade": grade, "level": truth_level}]})
        if kind == "故意伤害":
            yield Doc("病历资料", [_form(f"{c.police[:-3]}人民医院", "诊断证明书", None, [
                f"姓名：{c.victim}  就诊日期：{when}",
                "诊断：头面部软组织挫伤，左前臂骨折。",
                "处理意见：住院治疗。",
            ], ["医师：黄某"])])
            yield Doc("现场勘验笔录", [_form(c.police, "现场勘验笔录", None, [
                f"勘验时间：{when}  勘验地点：{c.place}",
                "现场位于室外，地面可见血迹，提取血迹两处，拍摄现场照片十二张。",
            ], [f"勘验人：{o1}、{o2}"])])
            yield _table(c, "扣押物品、文件清单", (("木棍", "1根", "长约80厘米，一端有血迹"),),
                         c.suspect, officers)
            yield Doc("辨认笔录", [_form(c.police, "辨认笔录", None, [
                f"辨认人：{c.victim}  辨认对象：犯罪嫌疑人照片十二张",
                f"辨认结果：{c.victim}辨认出第5号照片上的人即为打伤其的人，经核实为{c.suspect}。",
            ], [f"侦查人员：{o1}、{o3}"])])
    elif kind == "盗窃":
        value = c.appraised_value or 0
        yield Doc("价格认定结论书", [_form(f"{c.police[:-3]}价格认证中心", "价格认定结论书",
                                        f"{c.police[:2]}价认〔{c.year}〕{rng.randint(10, 999)}号", [
            f"{c.police}：",
            f"根据你单位的委托，本中心对{c.suspect}盗窃案涉及的被盗物品进行了价格认定。",
            f"价格认定标的：{'、'.join(i[0] for i in c.items)}",
            f"价格认定基准日：{when}",
            f"价格认定结论：价格认定标的在价格认定基准日的价格为人民币{value}元。",
        ], [f"价格认定人员：{o3}"])], {"subject": "价格", "appraised_value_yuan": value})
        yield _table(c, "扣押物品、文件清单", c.items, c.suspect, officers)
        yield Doc("现场勘验笔录", [_form(c.police, "现场勘验笔录", None, [
            f"勘验时间：{when}  勘验地点：{c.place}",
            "现场门锁完好，提取足迹一枚、指纹两枚，拍摄现场照片八张。",
        ], [f"勘验人：{o1}、{o2}"])])
        yield Doc("辨认笔录", [_form(c.police, "辨认笔录", None, [
            f"辨认人：{c.suspect}  辨认对象：作案现场",
            f"辨认结果：{c.suspect}辨认出{c.place}即为其盗窃的地点。",
        ], [f"侦查人员：{o1}、{o3}"])])
    elif kind == "交通肇事":
        share = c.responsibility or "全部"
        yield Doc("道路交通事故认定书", [_form(c.police + "交通警察大队", "道路交通事故认定书",
                                           f"第{c.year}{rng.randint(10000, 99999)}号", [
            f"交通事故时间：{when}{c.hour}时{c.minute}分",
            f"交通事故地点：{c.place}",
            f"当事人、车辆、道路和交通环境等基本情况：当事人{c.suspect}，驾驶小型轿车；当事人{c.victim}，步行。",
            f"道路交通事故发生经过：{_without(c.fact[:200], '责任')}",
            f"当事人导致交通事故的过错及责任或者意外原因：当事人{c.suspect}承担此事故的{share}责任；"
            f"当事人{c.victim}{'无责任' if share == '全部' else '承担此事故的' + _other(share) + '责任'}。",
        ], [f"交通警察：{o1}、{o2}"])], {"responsibility": [
            {"party": c.suspect, "share": share},
            {"party": c.victim, "share": "无" if share == "全部" else _other(share)}]})
        yield Doc("现场勘验笔录", [_form(c.police + "交通警察大队", "道路交通事故现场勘查笔录", None, [
            f"勘查时间：{when}  勘查地点：{c.place}",
            "现场绘制现场图一份，拍摄照片二十张，提取制动痕迹一处。",
        ], [f"勘查人：{o1}、{o2}"])])
        yield Doc("尸体检验鉴定意见", [_form(institute, "尸体检验鉴定书",
                                         f"{c.police[:2]}公物鉴（法医）字〔{c.year}〕{rng.randint(100, 999)}号", [
            f"委托单位：{c.police}交通警察大队",
            f"鉴定事项：对{c.victim}的死亡原因进行鉴定。",
            f"鉴定意见：{c.victim}符合交通事故致颅脑损伤死亡。",
        ], [f"鉴定人：{o3}"])], {"subject": "尸体检验"})
        yield Doc("血液酒精鉴定意见", [_form(institute, "血液酒精含量检验鉴定意见书",
                                         f"{c.police[:2]}公物鉴（理化）字〔{c.year}〕{rng.randint(100, 999)}号", [
            f"委托单位：{c.police}交通警察大队",
            f"鉴定事项：对{c.suspect}血样中的乙醇含量进行检验。",
            f"鉴定意见：送检的{c.suspect}血样中未检出乙醇。",
        ], [f"鉴定人：{o3}"])], {"subject": "血液酒精"})
        yield Doc("驾驶人及车辆信息查询", [_form(c.police + "交通警察大队", "驾驶人信息查询结果单", None, [
            f"姓名：{c.suspect}  准驾车型：C1  驾驶证状态：正常",
        ])])
        yield Doc("车辆技术鉴定意见", [_form(f"{c.police[:-3]}机动车检测站", "车辆安全技术检验鉴定书", None, [
            "鉴定事项：对肇事车辆的安全技术状况进行检验。",
            "鉴定意见：该车转向、制动系统符合GB 7258的要求。",
        ], [f"检验员：{o3}"])], {"subject": "车辆技术"})
    elif kind.startswith("非法持有"):
        yield Doc("搜查笔录", [_form(c.police, "搜查笔录", None, [
            f"时间：{when}{c.hour}时{c.minute}分  地点：{c.place}",
            f"侦查人员{o1}、{o2}持搜查证对{c.suspect}住处进行搜查，见证人{c.witness}在场。",
            f"在其卧室内查获{'、'.join(i[0] for i in c.items)}。",
        ], [f"侦查人员：{o1}、{o2}"])])
        yield _table(c, "扣押物品、文件清单", c.items, c.suspect, officers)
        yield Doc("枪支鉴定意见", [_form(institute, "枪支鉴定书",
                                       f"{c.police[:2]}公物鉴（痕）字〔{c.year}〕{rng.randint(100, 999)}号", [
            f"委托单位：{c.police}",
            f"鉴定事项：对送检的{c.items[0][0]}是否属于枪支进行鉴定。",
            "鉴定意见：送检枪形物枪口比动能大于1.8焦耳/平方厘米，认定为枪支。",
        ], [f"鉴定人：{o3}"])], {"subject": "枪支"})
        yield Doc("持枪资格查询", [_form(c.police + "治安管理大队", "持枪资格查询证明", None, [
            f"经查询，{c.suspect}未取得公务用枪或民用枪支持枪证件。",
        ])])


def _without_pattern(text: str, pattern: str) -> str:
    parts = re.split(r"(?<=[。；，,])", text)
    return "".join(p for p in parts if not re.search(pattern, p)).rstrip("，,；") or "（略）"


def _without(text: str, word: str) -> str:
    """``text`` without its sentences (or clauses) that contain ``word``."""
    parts = re.split(r"(?<=[。；，,])", text)
    return "".join(p for p in parts if word not in p).rstrip("，,；") or text


def _other(share: str) -> str:
    return {"主要": "次要", "同等": "同等", "次要": "主要"}.get(share, "无")


def render(doc: Doc, *, font: str | None = None, font_size: int = 34) -> list[Any]:
    """Page images of a document (PIL RGB, 300 dpi A4): text laid out by
    ``tests.scans.generate.render_pages``; a 扣押清单's rows drawn as a ruled table
    (``render_table``) under its title, with its signature line below."""
    from PIL import ImageDraw

    from tests.scans.generate import load_font, render_pages, render_table

    if doc.table is None:
        return [img for img, _ in render_pages("\n".join(doc.pages), font=font,
                                                font_size=font_size)]
    lines = doc.pages[0].splitlines()
    header = " ".join(doc.table[0])
    at = lines.index(header)
    above, below = lines[:at], lines[at + len(doc.table):]
    [(page, _)] = render_pages("\n".join(above), font=font, font_size=font_size)[:1]
    table, _ = render_table(doc.table, font=font, font_size=font_size)
    step = round(font_size * 1.6)
    margin = round(25 * 300 / 25.4)
    top = margin + len(above) * step
    grid = table.crop((0, 0, table.width, round(20 * 300 / 25.4) + len(doc.table)
                       * round(font_size * 1.9) + 10))
    page.paste(grid, (margin - round(20 * 300 / 25.4) + 5, top))
    draw = ImageDraw.Draw(page)
    fnt = load_font(font, font_size)
    y = top + grid.height + step
    for line in below:
        draw.text((margin, y), line, font=fnt, fill=(0, 0, 0))
        y += step
    return [page]


_WIDE = str.maketrans("（）：，；", "():,;")


def _rows(value: Any, keys: Sequence[str]) -> list[tuple[Any, ...]]:
    """Rows as tuples; full- and half-width punctuation counted the same (OCR mixes them)."""
    def cell(v: Any) -> Any:
        return v.translate(_WIDE) if isinstance(v, str) else v

    return [tuple(cell(r.get(k)) for k in keys) for r in value or [] if isinstance(r, dict)]


def compare(truth: dict[str, Any], fields: dict[str, Any]) -> dict[str, bool]:
    """Per checked field (``interrogation.start`` …), whether the extracted fields hold the
    generated document's ground truth."""
    out: dict[str, bool] = {}
    for key, want in truth.items():
        got = fields.get(key)
        if key == "interrogation":
            for sub, value in want.items():
                out[f"interrogation.{sub}"] = (got or {}).get(sub) == value
        elif key in ("injuries", "responsibility", "seized_items"):
            keys = {"injuries": ("person", "grade", "level"), "responsibility": ("party", "share"),
                    "seized_items": ("name", "quantity", "notes")}[key]
            ordered = key == "seized_items"
            a, b = _rows(want, keys), _rows(got, keys)
            out[key] = a == b if ordered else sorted(map(str, a)) == sorted(map(str, b))
        elif key == "offence_forms":
            out[key] = sorted(want) == sorted(got or [])
        elif isinstance(want, int | float) and isinstance(got, int | float):
            out[key] = abs(float(want) - float(got)) < 1e-6
        else:
            out[key] = want == got
    return out


def dossier(src: SourceCase, seed: int = 0) -> tuple[Case, list[Doc]]:
    case = read_case(src, seed)
    return case, documents(case)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    parser.add_argument("--type", choices=CASE_TYPES, required=True)
    parser.add_argument("--source", choices=("cail2018", "lecard"), default="cail2018")
    parser.add_argument("--index", type=int, default=0)
    args = parser.parse_args(argv)
    found = cases(args.shared, args.type, args.source, limit=args.index + 1)
    if len(found) <= args.index:
        print("no such case", file=sys.stderr)
        return 1
    _, docs = dossier(found[args.index])
    for doc in docs:
        print(f"===== {doc.material} {json.dumps(doc.truth, ensure_ascii=False)}")
        print("\f".join(doc.pages))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
