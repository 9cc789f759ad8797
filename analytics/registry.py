"""The registry of statistics: every figure the platform shows, with its definition.

Definitions follow ../shared/notes/criminal-procedure.md §4: by decision date (the instant the
deciding business was pushed, or the clock stopped), persons 人 and cases 件 counted separately.
``compute`` answers one statistic as a series of groups; ``drill`` lists the cases behind one
group (or behind the total). Both take the scope of ``models.visibility`` — nothing here decides
who may see what, only which agency each row is attributed to (``attribution``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from analytics import rollup
from analytics import sources as src
from analytics.errors import AnalyticsError, NotComputable, UnknownStatistic
from analytics.query import (
    DIMENSIONS,
    FILTERS,
    Counts,
    Ctx,
    Filters,
    Scope,
    aggregate,
    case_list,
    distribution,
    drill_cases,
    fetch_rows,
    key_in,
    key_out,
    label_for,
    narrow,
    parse_filters,
)
from analytics.rollup_specs import SPECS

Source = Callable[[Ctx], Any]

ALL = ("from", "to", "agency", "region", "case_type", "charge", "procedure")
NOW = ("agency", "region", "case_type", "charge", "procedure")  # snapshots: no period
STAGE_G = ("month", "agency", "stage", "procedure")
FLOW_G = ("month", "agency", "procedure")
SNAP_G = ("agency", "stage", "procedure")
PIPE_G = ("month", "day", "agency")
SENT_G = ("month", "agency", "charge", "court")

CASE_OWNER = ("本机关的案件及移送、共享给本机关的案件（与首页、检索的可见范围相同），"
              "按案件所属机关分组；共享来的案件归入「其他机关移送、共享的案件」")
CLOCK_KEEPER = "办理该期限的机关（期限的承办机关：审查逮捕、审查起诉为检察院，一审、二审为法院，侦查为公安机关）"


@dataclass(frozen=True)
class Statistic:
    name: str
    title: str
    section: str  # 收结存 · 期限 · 办案质效 · 流转 · 卷宗处理 · 量刑
    kind: str  # count | rate | distribution
    unit: str  # 件 | 人 | % | 天 | 页 | 条 | 秒 | 月
    definition: str
    formula: str
    attribution: str = ""  # whose figure a row is
    date_basis: str = ""  # which date the period and the months use ("" for a snapshot)
    group_by: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()  # 件/人 for rows of cases; () when ``amount`` is summed
    source: Source | None = None  # the rows (the denominator of a rate)
    numerator: Source | None = None
    headline: str = "median"  # the value of a distribution: median or mean
    computable: bool = True
    reason: str = ""  # why not computable
    chart: str = "bar"  # the chart the pages draw first: bar | line | box | heatmap

    @property
    def snapshot(self) -> bool:
        return self.computable and "from" not in self.filters

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "section": self.section,
                "kind": self.kind, "unit": self.unit, "definition": self.definition,
                "formula": self.formula, "attribution": self.attribution,
                "date_basis": self.date_basis, "snapshot": self.snapshot,
                "group_by": [{"name": g, "label": DIMENSIONS[g]} for g in self.group_by],
                "filters": [{"name": f, "label": FILTERS[f]} for f in self.filters],
                "measures": list(self.measures), "computable": self.computable,
                "reason": self.reason or None, "chart": self.chart}


def _not_yet(name: str, title: str, section: str, unit: str, definition: str, formula: str,
             reason: str) -> Statistic:
    return Statistic(name, title, section, "rate" if unit == "%" else "count", unit, definition,
                     formula, computable=False, reason=reason)


STATISTICS: tuple[Statistic, ...] = (
    # --- 1. 收案 / 结案 / 存案 ---------------------------------------------------------------------
    Statistic("received", "收案数", "收结存", "count", "件",
              "各办案阶段新收的案件：该阶段的法定期限开始计算即为收案（审查逮捕自提请批准逮捕推送，"
              "逮捕后侦查自批准逮捕，审查起诉自移送审查起诉推送，退回补充侦查自退补推送，一审自法院受理"
              "公诉，二审自上诉/抗诉案件移送）。补充侦查后重新移送不另计收案；被退回的业务所启动的期限不计。",
              "收案数 = 期间内开始计算的阶段期限所属案件数（同一案件同一分组计一次）",
              CLOCK_KEEPER, "阶段期限的起算时间", STAGE_G, ALL, ("件", "人"), src.received),
    Statistic("finished", "结案数", "收结存", "count", "件",
              "各办案阶段办结的案件：该阶段的期限停止计算且案件已离开该阶段（审查起诉因退回补充侦查"
              "停止、一审因延期审理补充侦查停止的，不算办结）。",
              "结案数 = 期间内最后一次停止且案件已离开该阶段的阶段期限所属案件数",
              CLOCK_KEEPER, "阶段期限最后一次停止的时间", STAGE_G, ALL, ("件", "人"), src.finished),
    Statistic("pending", "存案数（在办）", "收结存", "count", "件",
              "当前仍在办理的案件：阶段期限正在计算或中止计算（不含退回补充侦查期间在公安机关的审查起诉案件，"
              "该案计入「退回补充侦查」阶段）。当前时点的数字，不按期间筛选。",
              "存案数 = 当前计算中或中止中的阶段期限所属案件数",
              CLOCK_KEEPER, "", SNAP_G, NOW, ("件", "人"), src.pending),
    # --- 2. 审限内办结率 ---------------------------------------------------------------------------
    Statistic("on_time_rate", "审限内办结率", "期限", "rate", "%",
              "办结的阶段中，在法定期限（含批准延长、扣除中止）届满前办结的比例，按阶段分列。",
              "审限内办结率 = 期限届满前办结的案件数 ÷ 办结案件数 × 100%",
              CLOCK_KEEPER, "阶段期限最后一次停止的时间", STAGE_G, ALL, ("件", "人"),
              src.finished, src.on_time),
    # --- 3. 临期 / 超期在办, 超期羁押 ---------------------------------------------------------------
    Statistic("near_due", "临期在办案件数", "期限", "count", "件",
              "当前正在计算、已进入提醒期（黄色或橙色）但尚未届满的阶段期限所属案件。当前时点，不按期间筛选。",
              "临期在办 = 当前 黄色提醒时刻 ≤ 现在 < 届满时刻 的阶段期限所属案件数",
              CLOCK_KEEPER, "", SNAP_G, NOW, ("件", "人"), src.near_due),
    Statistic("overdue", "超期在办案件数", "期限", "count", "件",
              "当前正在计算且已届满的阶段期限所属案件（目标为 0）。当前时点，不按期间筛选。",
              "超期在办 = 当前 届满时刻 ≤ 现在 且仍在计算的阶段期限所属案件数",
              CLOCK_KEEPER, "", SNAP_G, NOW, ("件", "人"), src.overdue),
    Statistic("overdue_custody", "超期羁押人数", "期限", "count", "人",
              "当前仍在计算且已届满的羁押期限（按人计算的羁押期限为该人；按案计算的为该案全部在案人员）"
              "所涉人数（目标为 0）。当前时点，不按期间筛选。",
              "超期羁押人数 = 已届满仍在计算的羁押期限所涉人数",
              CLOCK_KEEPER, "", SNAP_G, NOW, ("人",), src.overdue_custody),
    # --- 4. 各阶段办案天数 ------------------------------------------------------------------------
    Statistic("stage_days", "各阶段办案天数", "期限", "distribution", "天",
              "办结的阶段所用的天数，扣除不计入的期间（中止计算、如二审检察院阅卷；退回补充侦查期间），"
              "给出平均数、中位数与四分位数（箱线图）。同一案件同一阶段按人计算的多个期限计一次。",
              "办案天数 = Σ 期限计算中的时段长度（起算→停止，重新计算→停止，扣除中止→恢复）",
              CLOCK_KEEPER, "阶段期限最后一次停止的时间", STAGE_G, ALL, ("件",), src.stage_days,
              chart="box"),
    # --- 5. 立案 → 生效 -----------------------------------------------------------------------------
    Statistic("filing_to_effective_days", "立案至判决生效天数", "期限", "distribution", "天",
              "判决生效的案件自公安机关立案至判决生效的天数（中位数为主要指标）。立案、生效均取案件程序"
              "操作的审计记录（系统唯一记载这两个时刻之处）；未在系统中登记立案的案件不计。",
              "天数 = 生效（或二审裁判）时刻 − 立案时刻；取中位数",
              CASE_OWNER, "判决生效时间", FLOW_G, ALL, ("件",), src.filing_to_effective,
              chart="box"),
    # --- 6. 不捕率 -------------------------------------------------------------------------------------
    Statistic("non_arrest_rate", "不捕率", "办案质效", "rate", "%",
              "审查逮捕决定中不批准逮捕的比例，按人计算为主。系统按案件记录批捕决定（同案各人不能分别决定），"
              "人数取案件在案人员名单人数（无名单计 1 人）；被退回的决定不计。",
              "不捕率 = 不批准逮捕人数 ÷ (批准逮捕人数 + 不批准逮捕人数) × 100%",
              "作出决定的检察院；提请逮捕的公安机关看到其收到的决定", "批捕决定推送时间",
              FLOW_G, ALL, ("人", "件"), src.arrest_decisions, src.non_arrests),
    # --- 7. 不诉率 ---------------------------------------------------------------------------------------
    Statistic("non_prosecution_rate", "不诉率", "办案质效", "rate", "%",
              "审查起诉终结的案件中作出不起诉决定的比例（决定以不起诉决定、提起公诉业务推送为准）。",
              "不诉率 = 不起诉件数 ÷ (起诉件数 + 不起诉件数) × 100%",
              "作出决定的检察院", "决定推送时间", FLOW_G, ALL, ("件", "人"),
              src.prosecution_decisions, src.non_prosecutions),
    _not_yet("non_prosecution_by_kind", "不诉率（法定/相对/存疑分列）", "办案质效", "%",
             "不起诉分法定不起诉、相对不起诉、存疑不起诉三类分别计算比率。",
             "各类不诉率 = 该类不起诉件数 ÷ (起诉 + 不起诉) × 100%",
             "不起诉决定（C4 业务）未记录不起诉的类别（法定/相对/存疑），无法分列；需在业务登记中增加该字段。"),
    # --- 8. 退补率 / 二退率 ---------------------------------------------------------------------------
    Statistic("return_rate", "退补率", "办案质效", "rate", "%",
              "审查起诉中退回补充侦查的案件比例：分子为期间内第一次退回补充侦查的案件（一案退两次只计一次），"
              "分母为期间内受理的移送审查起诉案件（重新移送不另计）。法院延期审理补充侦查不计。",
              "退补率 = 首次退回补充侦查案件数 ÷ 受理移送审查起诉案件数 × 100%",
              "检察院（移送审查起诉的公安机关看到其移送、被退回的案件）", "业务推送时间",
              FLOW_G, ALL, ("件", "人"), src.transfers_for_prosecution, src.first_returns),
    Statistic("second_return_rate", "二退率", "办案质效", "rate", "%",
              "审查起诉中第二次退回补充侦查的案件比例（分子为期间内第二次退补的案件）。",
              "二退率 = 第二次退回补充侦查案件数 ÷ 受理移送审查起诉案件数 × 100%",
              "检察院（移送审查起诉的公安机关看到其移送、被退回的案件）", "业务推送时间",
              FLOW_G, ALL, ("件", "人"), src.transfers_for_prosecution, src.second_returns),
    # --- 9. 诉前羁押率 ---------------------------------------------------------------------------------
    Statistic("pretrial_detention_rate", "诉前羁押率", "办案质效", "rate", "%",
              "提起公诉的人员中起诉时在押的比例。在押以审查起诉期限按羁押期间计算为准（移送审查起诉时"
              "在押）；系统不记录审查起诉中变更强制措施，人数取案件在案人员名单人数。",
              "诉前羁押率 = 起诉时在押人数 ÷ 提起公诉人数 × 100%",
              "提起公诉的检察院；受理的法院看到其收到的案件", "提起公诉推送时间",
              FLOW_G, ALL, ("人", "件"), src.prosecutions, src.prosecutions_in_custody),
    # --- 10. 认罪认罚 / 量刑建议采纳 -------------------------------------------------------------------
    Statistic("plea_rate", "认罪认罚适用率", "办案质效", "rate", "%",
              "审查起诉终结（起诉或不起诉）的案件中适用认罪认罚的比例（以案件当前登记的认罪认罚为准）。",
              "认罪认罚适用率 = 适用认罪认罚的审结件数 ÷ 审查起诉审结件数 × 100%",
              "作出决定的检察院", "决定推送时间", FLOW_G, ALL, ("件", "人"),
              src.prosecution_decisions, src.plea_decisions),
    _not_yet("sentencing_recommendation_adoption", "量刑建议采纳率", "办案质效", "%",
             "认罪认罚案件中法院采纳检察院量刑建议的比例。",
             "量刑建议采纳率 = 采纳量刑建议件数 ÷ 提出量刑建议并已判决件数 × 100%",
             "系统未记录量刑建议的内容，也未记录判决是否采纳；需在提起公诉业务中登记量刑建议、"
             "在判决书送达时登记是否采纳。"),
    # --- 11. 速裁 / 简易 ---------------------------------------------------------------------------------
    Statistic("fast_track_rate", "速裁程序适用率", "办案质效", "rate", "%",
              "一审审结案件中适用速裁程序审理的比例（以一审审限按速裁程序计算为准）。",
              "速裁适用率 = 速裁程序审结件数 ÷ 一审审结件数 × 100%",
              CLOCK_KEEPER, "一审审限最后一次停止的时间", FLOW_G, ALL, ("件", "人"),
              src.first_instance, src.fast_track),
    Statistic("summary_rate", "简易程序适用率", "办案质效", "rate", "%",
              "一审审结案件中适用简易程序审理的比例（以一审审限按简易程序计算为准）。",
              "简易适用率 = 简易程序审结件数 ÷ 一审审结件数 × 100%",
              CLOCK_KEEPER, "一审审限最后一次停止的时间", FLOW_G, ALL, ("件", "人"),
              src.first_instance, src.summary),
    # --- 12. 上诉率 / 抗诉率 -----------------------------------------------------------------------------
    Statistic("appeal_rate", "上诉率（含抗诉）", "办案质效", "rate", "%",
              "一审审结案件中被上诉或抗诉（有上诉/抗诉案件移送业务）的比例。移送被退回（如撤回上诉后退回）"
              "的不计。系统不区分上诉与抗诉，故此为两者合计。",
              "上诉率 = 被上诉或抗诉的一审审结件数 ÷ 一审审结件数 × 100%",
              CLOCK_KEEPER, "一审审限最后一次停止的时间", FLOW_G, ALL, ("件", "人"),
              src.first_instance, src.appealed),
    _not_yet("protest_rate", "抗诉率", "办案质效", "%",
             "一审判决被检察院抗诉的比例。", "抗诉率 = 被抗诉的一审判决件数 ÷ 一审判决件数 × 100%",
             "上诉/抗诉案件移送业务（D4）未记录是被告人上诉还是检察院抗诉，无法单列抗诉；"
             "「上诉率（含抗诉）」给出两者合计。"),
    # --- 13. 改判发回 ------------------------------------------------------------------------------------
    Statistic("remand_rate", "发回重审率", "办案质效", "rate", "%",
              "二审审结案件中发回重审的比例（以二审法院推送「发回重审」为准）。",
              "发回重审率 = 发回重审件数 ÷ 二审审结件数 × 100%",
              CLOCK_KEEPER, "二审审限最后一次停止的时间", FLOW_G, ALL, ("件", "人"),
              src.second_instance, src.remanded),
    _not_yet("revision_rate", "改判发回率", "办案质效", "%",
             "二审审结案件中改判或发回重审的比例。",
             "改判发回率 = (改判件数 + 发回重审件数) ÷ 二审审结件数 × 100%",
             "二审裁判未记录是维持还是改判（「二审裁判」操作不带结果），只能计算发回部分，见「发回重审率」。"),
    # --- 14. 流转退回率, 及时率 ------------------------------------------------------------------------
    Statistic("business_return_rate", "流转退回率", "流转", "rate", "%",
              "推送的协同业务中被接收机关退回的比例（按业务件数，不按案件）。",
              "流转退回率 = 被退回的业务数 ÷ 推送的业务数 × 100%",
              "发送机关；接收机关看到其收到的业务", "业务推送时间",
              ("month", "agency", "code", "procedure"), ALL, (), src.pushed_businesses,
              src.returned_businesses),
    Statistic("delivery_on_time_rate", "交付执行及时率", "流转", "rate", "%",
              "判决生效后在交付执行期限（10 日）内交付执行的比例。",
              "交付执行及时率 = 期限内交付件数 ÷ 已交付件数 × 100%",
              "负责交付执行的法院", "交付执行期限停止的时间", FLOW_G, ALL, ("件", "人"),
              src.clock_done("G1"), src.clock_done_on_time("G1")),
    Statistic("assessment_on_time_rate", "调查评估及时率", "流转", "rate", "%",
              "委托社区矫正调查评估后，司法行政机关在期限内办结评估的比例。",
              "调查评估及时率 = 期限内办结件数 ÷ 已办结件数 × 100%",
              "承办调查评估的司法行政机关", "评估期限停止的时间", FLOW_G, ALL, ("件", "人"),
              src.clock_done("F1"), src.clock_done_on_time("F1")),
    _not_yet("custody_transfer_on_time_rate", "换押及时率", "流转", "%",
             "网上换押在规定时间内完成的比例。", "换押及时率 = 按时换押件数 ÷ 换押件数 × 100%",
             "法律未规定换押的天数（3 日为地方惯例，未核实 ⚠），系统不为网上换押（E1）计算期限，"
             "无从判断是否及时。"),
    # --- the document pipeline -------------------------------------------------------------------------
    Statistic("pages_processed", "每日处理页数", "卷宗处理", "count", "页",
              "处理完成的卷宗页数（每次成功处理的任务计其全部页数，重试成功的再计一次）。",
              "处理页数 = Σ 成功任务的页数，按完成日期", CASE_OWNER, "任务完成时间",
              PIPE_G, ALL, (), src.pages_processed, chart="line"),
    Statistic("ocr_backlog", "OCR 积压页数", "卷宗处理", "count", "页",
              "排队中或处理中的任务尚未处理的页数。当前时点，不按期间筛选。",
              "积压页数 = Σ (任务总页数 − 已处理页数)，任务状态为排队或处理中", CASE_OWNER, "",
              ("agency",), NOW, (), src.ocr_backlog),
    Statistic("fields_to_review", "待复核字段数", "卷宗处理", "count", "条",
              "机器抽取、置信度低于 0.8 且未被人工更正的字段（与首页「待复核」角标的计数相同）。当前时点。",
              "待复核 = 置信度 < 0.8 且同一文书同一字段没有更正记录的抽取值条数", CASE_OWNER, "",
              ("agency", "path"), NOW, (), src.fields_to_review),
    Statistic("corrections", "字段更正数", "卷宗处理", "count", "条",
              "书记员对抽取字段的更正，按字段路径（列表序号合并，如 defendants/*/name）。",
              "更正数 = 更正记录条数", CASE_OWNER, "更正时间", ("month", "agency", "path"), ALL,
              (), src.corrections),
    Statistic("seconds_per_page", "每页平均处理时间", "卷宗处理", "distribution", "秒",
              "成功处理的任务从开始到完成的时间除以页数（含 OCR、抽取、索引、向量）。",
              "每页用时 = (完成时间 − 开始时间) ÷ 页数；给出平均数与分布", CASE_OWNER, "任务完成时间",
              PIPE_G, ALL, ("件",), src.seconds_per_page, headline="mean", chart="line"),
    # --- sentencing --------------------------------------------------------------------------------------
    Statistic("term_months", "刑期分布", "量刑", "distribution", "月",
              "判处有期徒刑、拘役的被告人的刑期（月），可按罪名、法院分列（箱线图）；按判决书的裁判日期。"
              "一名被告人有多个罪名的，按罪名分列时在每个罪名下各计一次。",
              "刑期 = 判决主刑刑期（月）；给出中位数与四分位数", CASE_OWNER, "裁判日期",
              SENT_G, ALL, ("件",), src.terms, chart="box"),
    Statistic("probation_rate", "缓刑率", "量刑", "rate", "%",
              "判处有期徒刑、拘役的被告人中宣告缓刑的比例（按人）。",
              "缓刑率 = 宣告缓刑人数 ÷ 判处有期徒刑、拘役人数 × 100%", CASE_OWNER, "裁判日期",
              SENT_G, ALL, (), src.fixed_terms, src.probations),
    _not_yet("sentence_deviation", "判决偏离同类案件中位数", "量刑", "月",
             "每个判决的刑期与同类案件刑期中位数之差的分布。",
             "偏离 = 判决刑期 − 同类案件刑期中位数",
             "同类案件由相似案件检索（similarity）给出，统计模块不能逐案调用；单个案件的偏离见案件页"
             "「量刑参考」（/cases/{id}/sentencing）。"),
)

REGISTRY: dict[str, Statistic] = {s.name: s for s in STATISTICS}


def get(name: str) -> Statistic:
    stat = REGISTRY.get(name)
    if stat is None:
        raise UnknownStatistic(f"没有名为 {name!r} 的统计")
    return stat


def catalogue() -> list[dict[str, Any]]:
    return [s.describe() for s in STATISTICS]


def _filters(stat: Statistic, params: Mapping[str, str | None]) -> Filters:
    if not stat.computable:
        raise NotComputable(f"「{stat.title}」暂不能计算：{stat.reason}")
    return parse_filters(params, group_by=stat.group_by, filters=stat.filters,
                         measures=stat.measures)


def _count_value(stat: Statistic, c: Counts, measure: str | None) -> float:
    if not stat.measures:
        return int(c.amount) if float(c.amount).is_integer() else round(c.amount, 2)
    return c.persons if measure == "人" else c.cases


def _aggregate(stat: Statistic, ctx: Ctx, which: str, dims: tuple[str, ...],
               rd: rollup.Reader | None) -> dict[tuple[Any, ...], Counts]:
    """The counts of the statistic's denominator (``source``) or numerator: from the rollups
    when a reader is given, else by the direct query (the definition)."""
    if rd is not None and stat.name in SPECS:
        spec = SPECS[stat.name][0 if which == "source" else 1]
        assert spec is not None
        return rd.aggregate(spec, dims)
    if rd is not None and stat.name == "overdue_custody":
        return aggregate(ctx, rd.overdue_custody(), dims)
    fn = stat.source if which == "source" else stat.numerator
    assert fn is not None
    return aggregate(ctx, fn(ctx), dims)


def _rows(stat: Statistic, ctx: Ctx, rd: rollup.Reader | None) -> list[dict[str, Any]]:
    if rd is not None and stat.name == "stage_days":
        return rd.stage_days()
    assert stat.source is not None
    return fetch_rows(ctx, stat.source(ctx))


def _groups(stat: Statistic, ctx: Ctx, dims: tuple[str, ...],
            rows: list[dict[str, Any]] | None = None, rd: rollup.Reader | None = None
            ) -> dict[tuple[Any, ...], dict[str, Any]]:
    measure = ctx.filters.measure
    assert stat.source is not None
    if stat.kind == "distribution":
        if rd is not None and stat.name == "stage_days" and rd.pooled():
            return {k: {"value": d[stat.headline], **d} for k, d in rd.distribution(dims).items()}
        rows = rows if rows is not None else _rows(stat, ctx, rd)
        return {k: {"value": d[stat.headline], **d}
                for k, d in distribution(ctx, rows, dims).items()}
    den = _aggregate(stat, ctx, "source", dims, rd)
    if stat.kind == "count":
        return {k: {"value": _count_value(stat, c, measure),
                    **({"cases": c.cases, "persons": c.persons} if stat.measures
                       else {"amount": _count_value(stat, c, None), "cases": c.cases})}
                for k, c in den.items()}
    assert stat.numerator is not None
    num = _aggregate(stat, ctx, "numerator", dims, rd)
    out = {}
    for k in set(den) | set(num):
        dv = _count_value(stat, den.get(k, Counts()), measure)
        nv = _count_value(stat, num.get(k, Counts()), measure)
        out[k] = {"value": round(nv * 100 / dv, 1) if dv else None, "numerator": nv,
                  "denominator": dv}
    return out


def _sort_key(k: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((v is None, str(v)) for v in k)


def compute(s: Session, scope: Scope, name: str, params: Mapping[str, str | None],
            now: datetime, *, live: bool = False) -> dict[str, Any]:
    """One statistic as data: ``series`` (one entry per group) and ``total``. Read from the
    rollups when they hold this statistic for this scope (``figures``: ``rollup``, as of their
    last refresh, ``as_of``), else computed directly (``live``, as of ``now``); ``live`` forces
    the direct queries."""
    stat = get(name)
    if not stat.computable:
        return {"name": stat.name, "title": stat.title, "unit": stat.unit, "kind": stat.kind,
                "computable": False, "reason": stat.reason, "filters": {}, "group_by": [],
                "series": [], "total": None, "snapshot": False, "now": now.isoformat(),
                "as_of": now.isoformat(), "figures": "live"}
    f = _filters(stat, params)
    ctx = Ctx(s, narrow(scope, f), f, now)
    rd = None if live else rollup.reader(ctx, stat.name)
    dims = f.group_by
    if rd is not None and stat.name in SPECS:  # every count this answer needs, one round trip
        rd.prefetch([(spec, d) for spec in SPECS[stat.name] if spec is not None
                     for d in {dims, ()}])
    series = []
    # a distribution's rows are read once: the total describes the same values, ungrouped
    pooled = rd is not None and stat.name == "stage_days" and rd.pooled()
    rows = _rows(stat, ctx, rd) if stat.kind == "distribution" and stat.source and not pooled \
        else None
    groups = _groups(stat, ctx, dims, rows, rd)
    for k, v in sorted(groups.items(), key=lambda kv: _sort_key(kv[0])):
        labels = {d: label_for(ctx.scope, d, key) for d, key in zip(dims, k, strict=True)}
        series.append({"group": {d: key_out(ctx.scope, d, key) for d, key in zip(dims, k,
                                                                               strict=True)},
                       "labels": labels, "label": " · ".join(labels.values()), **v})
    # the total is its own query: a case may count in several groups (two months, two stages)
    total = (groups if not dims else _groups(stat, ctx, (), rows, rd)).get((), None)
    unit = stat.unit if stat.kind != "count" or not stat.measures else (f.measure or stat.unit)
    return {"name": stat.name, "title": stat.title, "unit": unit, "kind": stat.kind,
            "computable": True, "reason": None, "filters": f.as_dict(), "group_by": list(dims),
            "series": series, "total": total or _empty(stat),
            "snapshot": stat.snapshot, "now": now.isoformat(),
            "as_of": (rd.as_of if rd else now).isoformat(),
            "figures": "rollup" if rd else "live",
            "agencies": [{"code": a.code, "name": a.name} for a in
                         sorted(ctx.scope.agencies.values(), key=lambda a: a.code)]}


def _empty(stat: Statistic) -> dict[str, Any]:
    if stat.kind == "distribution":
        return {"value": None, "n": 0}
    if stat.kind == "rate":
        return {"value": None, "numerator": 0, "denominator": 0}
    return {"value": 0, "cases": 0, **({"persons": 0} if stat.measures else {"amount": 0})}


def drill(s: Session, scope: Scope, name: str, params: Mapping[str, str | None],
          group: str | None, now: datetime, limit: int = 500) -> dict[str, Any]:
    """The cases behind one group of a statistic (``group``: its keys in ``group_by`` order,
    joined by ``|``; none: the total), within the same scope and filters as the figure."""
    stat = get(name)
    f = _filters(stat, params)
    ctx = Ctx(s, narrow(scope, f), f, now)
    dims = f.group_by
    if group is None or group == "":
        keys: list[Any] = []
        dims = ()
    else:
        parts = group.split("|")
        if len(parts) != len(dims):
            raise AnalyticsError(f"分组 {group!r} 应给出 {len(dims)} 个值（按 group_by 的顺序以 | 分隔）")
        keys = [None if p == "" else key_in(ctx.scope, d, p) for d, p in zip(dims, parts,
                                                                           strict=True)]
    assert stat.source is not None
    base = drill_cases(ctx, stat.source(ctx), dims, keys)
    numerator = (drill_cases(ctx, stat.numerator(ctx), dims, keys)
                 if stat.numerator is not None else None)
    ids = base | (numerator or set())
    listed = case_list(s, ids, limit)
    if numerator is not None:
        for row in listed:
            row["in_numerator"] = row["case_id"] in numerator
    return {"name": stat.name, "title": stat.title, "group": group or None,
            "group_by": list(dims), "filters": f.as_dict(), "total_cases": len(ids),
            "numerator_cases": len(numerator) if numerator is not None else None,
            "truncated": len(ids) > limit, "cases": listed}
