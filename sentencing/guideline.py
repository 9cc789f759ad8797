"""The guideline's computation: 量刑起点 → 基准刑 → adjustments → 宣告刑, every step with its basis.

Why data and a pure function: the national ranges and a province's amounts change by notice, not
by release; a judge must see which rule produced each month and change an input (a circumstance,
its percentage, the amount) to see the result move. `compute` reads nothing but its arguments and
the loaded `Guideline`, so the API, the CLI and the benchmark give the same answer.

Method (《量刑指导意见》二): the tier is the highest statutory tier whose condition holds; the
starting point is the middle of its 起点 range (the province's narrower one where given); the
increments of the province's 细则 give the base sentence, kept inside the tier; circumstances of
the general part (未成年, 未遂, 从犯 …, `stage = 1`) are applied first one after another, then the
others are added in the same direction and set off in the opposite one; the declared term stays
within the statutory tier, below its minimum only with a statutory 减轻 circumstance and never
above its maximum. Non-stacking: `excluded_by` (坦白 inside 自首, 当庭认罪 inside 自首/坦白 …) and
the 认罪认罚 rule (the circumstances it subsumes count once, within its 30 %/60 % cap).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data")
DEFAULT_PROVINCE = "henan"
MEASURES = ("amount_yuan", "heroin_g", "blood_alcohol", "minor_injuries", "light_injuries",
            "serious_injuries", "deaths", "acts", "persons", "guns", "tax_yuan", "robberies")
#: 数罪并罚 (刑法第六十九条): the longest fixed term when the sum stays under 35 years
CUMULATIVE_CAP = 240
#: the platform's point between the highest term and the sum (刑法第六十九条 leaves it open)
CUMULATIVE_SHARE = 0.5


@dataclass(frozen=True)
class Inputs:
    """What the computation needs about one defendant and one charge (months, yuan, grams)."""

    charge: str
    amount_yuan: float | None = None
    heroin_g: float | None = None
    blood_alcohol: float | None = None
    minor_injuries: int = 0
    light_injuries: int = 0
    serious_injuries: int = 0
    deaths: int = 0
    acts: int | None = None
    persons: int | None = None
    guns: int | None = None
    #: 虚开的税款数额 (刑法第二百零五条), yuan
    tax_yuan: float | None = None
    #: robberies (抢劫次数): 抢劫三次 is a tier of its own, so counted where the facts say
    #: 抢劫 (the generic `acts` also counts thefts, withdrawals, statements …)
    robberies: int | None = None
    flags: frozenset[str] = frozenset()
    circumstances: frozenset[str] = frozenset()
    #: a judge's percentage for a circumstance (within its range), replacing the default point
    percentages: Mapping[str, float] = field(default_factory=dict)

    def value(self, measure: str) -> float | None:
        v = getattr(self, measure)
        return None if v is None else float(v)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"charge": self.charge}
        for m in MEASURES:
            out[m] = getattr(self, m)
        out["flags"] = sorted(self.flags)
        out["circumstances"] = sorted(self.circumstances)
        out["percentages"] = dict(self.percentages)
        return out


@dataclass(frozen=True)
class Step:
    """One line of the computation as the page shows it."""

    kind: str  # 起点 | 增加 | 基准刑 | 调节 | 不另计 | 宣告刑 | 数罪并罚
    label: str
    months: float  # the running result after this step
    basis: str
    delta: float | None = None  # months added (增加) or percentage (调节, signed)
    source: str | None = None
    unverified: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "months": round(self.months, 2),
                "delta": None if self.delta is None else round(self.delta, 2),
                "basis": self.basis, "source": self.source, "unverified": self.unverified}


@dataclass(frozen=True)
class Result:
    charge: str
    months: int  # the declared fixed term
    range: tuple[int, int]  # the term with every percentage and increment at its ends
    statutory: tuple[int, int]
    tier: str
    steps: tuple[Step, ...]
    beyond: str | None = None  # 无期徒刑 / 死刑 when the adjusted term passes the fixed-term cap
    known: bool = True  # False: the guideline has no rule for this charge
    #: the lowest declared term the tier allows: its statutory minimum, or the next tier's
    #: minimum with a statutory 减轻 circumstance (刑法第六十三条)
    floor: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"charge": self.charge, "months": self.months, "range": list(self.range),
                "statutory": list(self.statutory), "floor": self.floor, "tier": self.tier,
                "beyond": self.beyond, "known": self.known,
                "steps": [s.to_dict() for s in self.steps]}


@dataclass(frozen=True)
class Guideline:
    """The national data with one province's file laid over it, read as the law stood on
    `as_of` (None: today)."""

    national: dict[str, Any]
    province: dict[str, Any]
    name: str
    as_of: date | None = None

    @property
    def charges(self) -> tuple[str, ...]:
        return tuple(self.national["crimes"])

    @property
    def day(self) -> date:
        """The day whose law applies: a judgment is sentenced by the interpretation in force
        when it is given (法释〔2001〕5号: a new interpretation governs the cases still undecided)."""
        return self.as_of or date.today()

    def at(self, day: date | None) -> Guideline:
        """The same guideline read as the law stood on `day` (None: today)."""
        return replace(self, as_of=day)

    def crime(self, charge: str) -> dict[str, Any] | None:
        return self.national["crimes"].get(normalise_charge(charge))

    def threshold_name(self, name: str, flags: Iterable[str] = ()) -> str:
        """The threshold that holds for `name`: a national entry's `by_flag` names another one
        that holds when the flag is present (信用卡诈骗: 恶意透支 has amounts of its own), and
        an entry's `until` (a date) hands over to its `then` from that day on (虚开: 法〔2018〕
        226号's amounts until 法释〔2024〕4号 took effect)."""
        ranges = self.national.get("threshold_ranges", {})
        n = ranges.get(name) or {}
        for flag, other in (n.get("by_flag") or {}).items():
            if flag in flags:
                return self.threshold_name(str(other))
        seen = {name}
        while n.get("until") and self.day >= _day(n["until"]) and n.get("then") not in seen:
            name = str(n["then"])
            seen.add(name)
            n = ranges.get(name) or {}
        return name

    def threshold_info(self, name: str, flags: Iterable[str] = ()) -> dict[str, Any]:
        """The national entry of the threshold that holds (see `threshold_name`)."""
        return dict(self.national.get("threshold_ranges", {}).get(
            self.threshold_name(name, flags)) or {})

    def measure_of(self, name: str) -> str:
        """What a named threshold measures (an amount unless the entry says, e.g. tax_yuan)."""
        return str(self.threshold_info(name).get("measure", "amount_yuan"))

    def threshold(self, name: str, flags: Iterable[str] = ()) -> tuple[float | None, bool]:
        """The province's amount for a named threshold (else the national range's lower end),
        and whether it is unverified; the threshold as `threshold_name` resolves it."""
        name = self.threshold_name(name, flags)
        n = self.national.get("threshold_ranges", {}).get(name) or {}
        p = self.province.get("thresholds", {}).get(name)
        if p is not None:
            return float(p["yuan"]), bool(p.get("unverified"))
        if n:
            return float(n["range"][0]), True
        return None, True

    def province_rules(self, charge: str, key: str, tier: int) -> list[dict[str, Any]]:
        rules = self.province.get("crimes", {}).get(normalise_charge(charge), {}).get(key, [])
        return [r for r in rules if int(r.get("tier", 0)) == tier]


def normalise_charge(name: str) -> str:
    """'盗窃' / '盗窃罪' / '[走私、贩卖、运输、制造]毒品' -> the data's key."""
    name = name.strip().replace("[", "").replace("]", "")
    if not name.endswith("罪"):
        name += "罪"
    return ALIASES.get(name, name)


ALIASES = {
    "非法持有枪支罪": "非法持有、私藏枪支、弹药罪",
    "非法持有、私藏枪支罪": "非法持有、私藏枪支、弹药罪",
    "贩卖毒品罪": "走私、贩卖、运输、制造毒品罪",
    "运输毒品罪": "走私、贩卖、运输、制造毒品罪",
    "贩卖、运输毒品罪": "走私、贩卖、运输、制造毒品罪",
    "制造毒品罪": "走私、贩卖、运输、制造毒品罪",
    "走私毒品罪": "走私、贩卖、运输、制造毒品罪",
    "掩饰、隐瞒犯罪所得罪": "掩饰、隐瞒犯罪所得、犯罪所得收益罪",
    "掩饰隐瞒犯罪所得罪": "掩饰、隐瞒犯罪所得、犯罪所得收益罪",
    "虚开增值税专用发票罪": "虚开增值税专用发票、用于骗取出口退税、抵扣税款发票罪",
    # the name before 刑法修正案（九） (2015), as CAIL2018 labels it
    "强制猥亵、侮辱妇女罪": "强制猥亵、侮辱罪",
}


@lru_cache(maxsize=8)
def load(province: str = DEFAULT_PROVINCE) -> Guideline:
    """The national guideline with `province`'s file (data/<province>.toml; '' for none)."""
    with (DATA / "national.toml").open("rb") as fh:
        national = tomllib.load(fh)
    prov: dict[str, Any] = {}
    if province:
        with (DATA / f"{province}.toml").open("rb") as fh:
            prov = tomllib.load(fh)
    return Guideline(national, prov, province)


def _day(value: Any) -> date:
    """A TOML date, or its ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# --- tiers, starting point, base sentence ---------------------------------------------------

def _holds(g: Guideline, when: Mapping[str, Any], x: Inputs) -> bool:
    for key, want in when.items():
        if key == "flags":
            if x.flags & set(want):
                return True
        elif key == "unmeasured_flags":  # the tier's amount in words, where no amount is read
            if x.flags & set(want) and not any(
                    x.value(g.measure_of(str(when[m])) if m == "threshold" else m) is not None
                    for m in when if m in MEASURES or m == "threshold"):
                return True
        elif key == "threshold":
            yuan, _ = g.threshold(str(want), x.flags)
            if yuan is not None and (x.value(g.measure_of(str(want))) or 0) >= yuan:
                return True
        else:
            v = x.value(key)
            if v is not None and v >= float(want):
                return True
    return False


def _threshold_basis(g: Guideline, name: str, flags: Iterable[str]) -> str:
    """The basis of the threshold in force, with the province's own amount where it sets one."""
    resolved = g.threshold_name(name, flags)
    text = str(g.threshold_info(name, flags).get("basis") or resolved)
    own = g.province.get("thresholds", {}).get(resolved)
    if own is not None:
        text += f"（{g.province['meta']['province']}：{float(own['yuan']):g}元）"
    return text


def _mid(r: Sequence[float]) -> float:
    return (float(r[0]) + float(r[1])) / 2


def _choose_tier(g: Guideline, crime: dict[str, Any], x: Inputs) -> int:
    tiers = crime["tiers"]
    best = 0
    for i, t in enumerate(tiers):
        # `requires`: the tier's condition presupposes another (any of its entries), e.g. 肇事后
        # 逃逸 presupposes an accident that was a crime before the flight (法释〔2000〕33号第三条)
        if i and _holds(g, t.get("when", {}), x) and (
                "requires" not in t or _holds(g, t["requires"], x)):
            best = i
    return best


def _start(g: Guideline, x: Inputs, crime_tier: dict[str, Any], tier: int
           ) -> tuple[float, float, float, Step]:
    """(point, low, high) of the starting point and its step."""
    lo, hi = (float(v) for v in crime_tier["start"])
    basis, source, unverified = crime_tier["basis"], crime_tier.get("source"), bool(
        crime_tier.get("unverified"))
    for rule in g.province_rules(x.charge, "starts", tier):
        lo, hi = (float(v) for v in rule["start"])
        basis = f"{g.province['meta']['province']}细则：{rule['basis']}"
        source, unverified = rule.get("source"), bool(rule.get("unverified"))
    point = (lo + hi) / 2
    for rule in g.province_rules(x.charge, "start_steps", tier):
        v = x.value(rule["measure"])
        if v is None:
            continue
        for threshold, months in rule["steps"]:
            if v >= float(threshold):
                point = lo = hi = float(months)
        basis = f"{g.province['meta']['province']}细则：{rule['basis']}"
        source, unverified = rule.get("source"), bool(rule.get("unverified"))
    label = f"量刑起点（{crime_tier['name']}）：{_fmt(lo)}至{_fmt(hi)}，取{_fmt(point)}"
    return point, lo, hi, Step("起点", label, point, basis, None, source, unverified)


def _increments(g: Guideline, x: Inputs, tier: int) -> list[tuple[float, float, float, Step]]:
    """(point, low, high) months added by each province increment that applies, with its step."""
    out = []
    for rule in g.province_rules(x.charge, "increments", tier):
        # a rule for one kind of the conduct only (挪用 进行非法活动 has amounts of its own)
        if rule.get("when_flag") and rule["when_flag"] not in x.flags:
            continue
        if rule.get("unless_flag") and rule["unless_flag"] in x.flags:
            continue
        unverified = bool(rule.get("unverified"))
        if "flag" in rule:
            if rule["flag"] not in x.flags:
                continue
            units = 1.0
            what = rule["flag"]
        else:
            v = x.value(rule["measure"])
            if v is None:
                continue
            above = rule.get("above", 0)
            if isinstance(above, str):
                base, unv = g.threshold(above, x.flags)
                unverified = unverified or unv
                base = base or 0.0
            else:
                base = float(above)
            units = math.floor(max(0.0, v - base) / float(rule["per"]))
            if rule["measure"] in ("light_injuries", "serious_injuries", "deaths", "acts",
                                   "persons", "guns", "minor_injuries", "robberies") and not rule.get("above"):
                units = math.floor(v / float(rule["per"]))
            if units <= 0:
                continue
            what = f"{_MEASURE_LABEL.get(rule['measure'], rule['measure'])} {v:.12g}"
        lo, hi = (float(m) * units for m in rule["months"])
        point = (lo + hi) / 2
        step = Step("增加", f"增加刑罚量（{what}）：+{_fmt(point)}", 0.0,
                    f"{g.province['meta']['province']}细则：{rule['basis']}", point,
                    rule.get("source"), unverified)
        out.append((point, lo, hi, step))
    return out


_MEASURE_LABEL = {"amount_yuan": "数额（元）", "heroin_g": "毒品（折海洛因，克）",
                  "blood_alcohol": "血液酒精含量（mg/100ml）", "minor_injuries": "轻微伤人数",
                  "light_injuries": "轻伤人数", "serious_injuries": "重伤人数", "deaths": "死亡人数",
                  "acts": "次数", "persons": "人数（次）", "guns": "枪支（支）",
                  "tax_yuan": "虚开税款数额（元）", "robberies": "抢劫次数"}


def half_up(months: float) -> int:
    """Whole months, halves rounded up (细则: 不足一个月的，按四舍五入的方法取整数)."""
    return int(math.floor(months + 0.5 + 1e-9))


def _fmt(months: float) -> str:
    m = round(months, 1)
    return f"{m:g}个月"


# --- circumstances ------------------------------------------------------------------------

def normalise_circumstances(present: Iterable[str]) -> frozenset[str]:
    """Extraction's words -> the data's keys (赔偿 + 取得谅解 = 赔偿谅解, 认罪 = 当庭认罪 …)."""
    s = set(present)
    if "赔偿" in s and "取得谅解" in s:
        s -= {"赔偿", "取得谅解"}
        s.add("赔偿谅解")
    if "认罪" in s:
        s.discard("认罪")
        s.add("当庭认罪")
    if "再犯" in s:
        s.discard("再犯")
        s.add("毒品再犯")
    return frozenset(s)


@dataclass(frozen=True)
class _Applied:
    key: str
    pct: float  # signed: negative reduces
    lo: float  # signed percentage at the end giving the lowest term
    hi: float
    stage: int
    info: dict[str, Any]


def _circumstances(g: Guideline, x: Inputs, base: float) -> tuple[list[_Applied], list[Step]]:
    table: dict[str, Any] = g.national["circumstances"]
    present = normalise_circumstances(x.circumstances) & set(table)
    if "毒品再犯" in present and normalise_charge(x.charge) not in (
            "走私、贩卖、运输、制造毒品罪", "非法持有毒品罪", "容留他人吸毒罪"):
        present = present - {"毒品再犯"}
    skipped: list[Step] = []
    active = set(present)
    for key in sorted(present):
        by = [b for b in table[key].get("excluded_by", []) if b in present]
        if by:
            active.discard(key)
            skipped.append(Step("不另计", f"{table[key]['label']}：已含于{'、'.join(by)}，不另计",
                                base, table[key]["basis"], 0.0, table[key].get("source"),
                                bool(table[key].get("unverified"))))
    plea = g.national["rules"]["plea"]
    applied: list[_Applied] = []

    def pct_of(key: str) -> float:
        info = table[key]
        lo, hi = (float(v) for v in info["range"])
        want = x.percentages.get(key)
        return min(hi, max(lo, float(want))) if want is not None else float(info["point"])

    if plea["key"] in active:
        subsumed = [k for k in plea["subsumes"] if k in active]
        raised = any(k in active for k in plea["raise_cap"])
        cap = float(plea["raised_cap"] if raised else plea["cap"])
        own = pct_of(plea["key"])
        total = sum(pct_of(k) for k in subsumed)
        point = min(cap, max(own, total))
        if plea["key"] in x.percentages:
            point = min(cap, float(x.percentages[plea["key"]]))
        for k in subsumed:
            active.discard(k)
            skipped.append(Step("不另计", f"{table[k]['label']}：并入认罪认罚，不重复评价", base,
                                plea["basis"], 0.0, plea.get("source"), False))
        active.discard(plea["key"])
        info = dict(table[plea["key"]], range=[0, cap],
                    label=f"认罪认罚（上限{cap:g}%{'，含' + '、'.join(subsumed) if subsumed else ''}）")
        applied.append(_Applied(plea["key"], -point, -cap, 0.0, 2, info))
    for key in sorted(active, key=lambda k: (table[k]["stage"], k)):
        info = table[key]
        sign = float(info["direction"])
        lo, hi = (float(v) for v in info["range"])
        p = pct_of(key)
        low_end, high_end = (-hi, -lo) if sign < 0 else (lo, hi)
        applied.append(_Applied(key, sign * p, low_end, high_end, int(info["stage"]), info))
    return applied, skipped


def _adjust(base: float, applied: Sequence[_Applied], which: str) -> float:
    """The adjusted term with each percentage at its point ('pct'), or at its 'lo'/'hi' end."""
    m = base
    for a in applied:
        if a.stage == 1:
            m *= 1 + getattr(a, which) / 100
    total = 0.0
    for a in applied:
        if a.stage != 1:
            pct = getattr(a, which)
            if a.info.get("min_months") and pct > 0 and m > 0:
                pct = max(pct, 100 * float(a.info["min_months"]) / m)
            total += pct
    return m * (1 + max(-100.0, total) / 100)


# --- the computation ----------------------------------------------------------------------

def compute(x: Inputs, g: Guideline | None = None) -> Result:
    """The guideline's computation for one charge (see the module docstring)."""
    g = g or load()
    crime = g.crime(x.charge)
    if crime is None:
        return Result(x.charge, 0, (0, 0), (0, 0), "", (), None, known=False)
    x = replace(x, charge=normalise_charge(x.charge))
    tiers = crime["tiers"]
    t = _choose_tier(g, crime, x)
    tier = tiers[t]
    s_lo, s_hi = (int(v) for v in tier["statutory"])
    start, start_lo, start_hi, step0 = _start(g, x, tier, t)
    basis0 = step0.basis + (f"；{tier['requires_basis']}" if tier.get("requires_basis") else "")
    named = tier.get("threshold") or tier.get("when", {}).get("threshold")
    label0 = f"{crime['article']}，{step0.label}"
    if named:  # the amount that opens the tier, as the law stood on the day (`Guideline.at`)
        basis0 += f"；{_threshold_basis(g, str(named), x.flags)}"
        least, _ = g.threshold(str(named), x.flags)
        measure = g.measure_of(str(named))
        v = x.value(measure)
        if t == 0 and least is not None and v is not None and v < least:
            # the lowest tier's own amount (虚开: 10万 since 2024-03-20) is not reached
            what = _MEASURE_LABEL.get(measure, "数额").replace("（元）", "")
            label0 += f"（{what}{v:.12g}元，未达定罪数额{least:.12g}元，请核对）"
    steps = [Step(step0.kind, label0, step0.months, basis0, None, step0.source,
                  step0.unverified)]
    incs = _increments(g, x, t)
    base, base_lo, base_hi = start, start_lo, start_hi
    for point, lo, hi, st in incs:
        base, base_lo, base_hi = base + point, base_lo + lo, base_hi + hi
        steps.append(replace(st, months=base))
    kept = min(max(base, s_lo), s_hi)
    base_lo, base_hi = min(max(base_lo, s_lo), s_hi), min(max(base_hi, s_lo), s_hi)
    steps.append(Step("基准刑", f"基准刑：{_fmt(kept)}" + ("（保持在本档法定刑内）" if kept != base
                                                         else ""), kept,
                      "《量刑指导意见》二（一）2：在量刑起点的基础上增加刑罚量确定基准刑", None,
                      g.national["meta"]["source"], False))
    base = kept
    applied, skipped = _circumstances(g, x, base)
    steps += skipped
    running = base
    stage1 = [a for a in applied if a.stage == 1]
    for a in stage1:
        running *= 1 + a.pct / 100
        steps.append(Step("调节", f"{a.info['label']}：{a.pct:+g}%（先行调节）", running,
                          a.info["basis"], a.pct, a.info.get("source"),
                          bool(a.info.get("unverified"))))
    after1 = running
    for a in (a for a in applied if a.stage != 1):
        pct = a.pct
        if a.info.get("min_months") and pct > 0 and after1 > 0:
            pct = max(pct, 100 * float(a.info["min_months"]) / after1)
        running += after1 * pct / 100
        steps.append(Step("调节", f"{a.info['label']}：{pct:+.3g}%", running, a.info["basis"],
                          pct, a.info.get("source"), bool(a.info.get("unverified"))))
    adjusted = _adjust(base, applied, "pct")
    mitigation = any(a.info.get("mitigation") and a.pct < 0 for a in applied)
    floor = (int(tiers[t - 1]["statutory"][0]) if t > 0 else 1) if mitigation else s_lo
    declared = half_up(min(max(adjusted, floor), s_hi))
    low = half_up(min(max(_adjust(base_lo, applied, "lo"), floor), s_hi))
    high = half_up(min(max(_adjust(base_hi, applied, "hi"), floor), s_hi))
    beyond = tier.get("beyond") if adjusted > s_hi and tier.get("beyond") else None
    note = ("调节结果在法定刑幅度内" if s_lo <= adjusted <= s_hi else
            f"调节结果超过法定最高刑，以{s_hi}个月为宣告刑" + (f"（可能判处{beyond}）" if beyond
                                                                else "") if adjusted > s_hi else
            "有法定减轻处罚情节，在法定最低刑以下确定" if mitigation else
            f"只有从轻处罚情节，以法定最低刑{s_lo}个月为宣告刑")
    steps.append(Step("宣告刑", f"宣告刑：{declared}个月（{note}；法定刑{s_lo}-{s_hi}个月）",
                      declared, g.national["rules"]["declare"]["basis"], None,
                      g.national["rules"]["declare"].get("source"), False))
    return Result(x.charge, declared, (min(low, declared), max(high, declared)), (s_lo, s_hi),
                  tier["name"], tuple(steps), beyond, floor=int(floor))


def combine(results: Sequence[Result]) -> dict[str, Any] | None:
    """数罪并罚 (刑法第六十九条) of the known charges' terms: between the highest term and the
    sum, at most CUMULATIVE_CAP months; the point takes CUMULATIVE_SHARE of the others."""
    known = [r for r in results if r.known]
    if not known:
        return None
    if len(known) == 1:
        r = known[0]
        return {"months": r.months, "range": list(r.range), "beyond": r.beyond, "steps": []}
    top = max(r.months for r in known)
    total = sum(r.months for r in known)
    months = half_up(min(CUMULATIVE_CAP, top + CUMULATIVE_SHARE * (total - top)))
    lo = max(r.range[0] for r in known)
    hi = min(CUMULATIVE_CAP, sum(r.range[1] for r in known))
    step = Step("数罪并罚", f"数罪并罚：{'、'.join(r.charge for r in known)}，总和刑期{total}个月，"
                f"最高刑期{top}个月，决定执行{months}个月", months,
                "刑法第六十九条：在总和刑期以下、数刑中最高刑期以上，酌情决定执行的刑期", None,
                None, True)
    beyond = next((r.beyond for r in known if r.beyond), None)
    return {"months": months, "range": [lo, max(hi, months)], "beyond": beyond,
            "steps": [step.to_dict()]}
