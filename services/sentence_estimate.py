"""The sentencing estimate: the guideline's computation (`sentencing`) beside comparable cases.

Why here: the guideline is one stage, the comparable cases another (`similarity`); a stage never
imports another, so their meeting is a service. Two pools give comparable cases: a reference
file in the CAIL2018 format (`ReferencePool.from_cail`, the CLI's `--reference` and the
benchmark) and the data pool (`ReferencePool.from_settings`, the stored cases and their
sentences). Comparable cases are ranked the way the CAIL benchmark measured: the cases with the
same charges (else those sharing the first charge), by BM25 over bigrams of the facts (z-scored)
plus twice the structured agreement (amount, drug weight, blood alcohol, circumstances); their
median term is blended with the guideline's term and the charge's median by `sentencing.estimate`.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from extraction.charges import canonical_charge
from sentencing.case import guideline_for
from sentencing.estimate import (
    FALLBACK_LABEL,
    FALLBACK_RANGE,
    PoolTerms,
    charges_median,
    estimate,
    fallback,
    load_params,
    median,
    pool_summary,
)
from sentencing.facts import Read
from sentencing.guideline import load, normalise_charge
from similarity.features import CaseFeatures, agreement, from_text
from similarity.lexical import BM25


@lru_cache(maxsize=4096)
def charge_key(name: str) -> str:
    """A charge as the CAIL files, the charge list or a judgment writes it -> '盗窃罪'; the part
    of a selective charge a judgment convicts of (贩卖毒品罪) -> the list's entry
    (走私、贩卖、运输、制造毒品罪), as CAIL2018 labels it, so that such cases compare."""
    name = name.strip().replace("[", "").replace("]", "")
    name = name if name.endswith("罪") else name + "罪"
    return canonical_charge(name) or name


@dataclass
class RefCase:
    facts: str
    charges: tuple[str, ...]
    term: float | None  # fixed-term months (a fraction for days); None for life, death or no imprisonment
    features: CaseFeatures
    key: Any = None  # the case id in the data pool


def structured_score(query: CaseFeatures, cand: CaseFeatures) -> float:
    """Agreement on what decides the term; a missing value counts half."""
    a = agreement(query, cand)
    parts = [(a.amount, 1.0), (a.quantity, 1.0), (a.alcohol, 1.0), (a.circumstances, 0.5)]
    return sum(w * (0.5 if v is None else v) for v, w in parts)


@dataclass(frozen=True)
class Comparable:
    terms: list[float]  # the top-k comparable fixed terms, best first
    keys: list[Any]  # their case keys
    charge_median: float | None  # median term of every pool case with the same charges
    charge_n: int  # how many pool cases have the same charges
    match: str  # same charges | sharing a charge | none
    #: every fixed term of the pool, summarised: the fallback where the charges have no rule
    #: and no case (`sentencing.estimate.fallback`)
    pool: PoolTerms | None = None


class ReferencePool:
    """Cases with known sentences, searchable by facts and charges, held in memory."""

    def __init__(self, cases: Sequence[RefCase]) -> None:
        self.cases = list(cases)
        self.lexical: BM25[int] = BM25()
        self.lexical.add_many((i, c.facts) for i, c in enumerate(self.cases))
        self.by_charges: dict[tuple[str, ...], list[int]] = defaultdict(list)
        self.by_charge: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(self.cases):
            if c.term is not None:
                self.by_charges[c.charges].append(i)
                for ch in c.charges:
                    self.by_charge[ch].append(i)
        self.terms = pool_summary([c.term for c in self.cases if c.term is not None])

    def __len__(self) -> int:
        return len(self.cases)

    @classmethod
    def from_cail(cls, path: Path) -> ReferencePool:
        """A file of CAIL2018 lines {fact, meta: {accusation, term_of_imprisonment}}."""
        out: list[RefCase] = []
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if not line.strip():
                    continue
                row = json.loads(line)
                meta = row["meta"]
                toi = meta["term_of_imprisonment"]
                fixed = not toi.get("life_imprisonment") and not toi.get("death_penalty")
                months = int(toi.get("imprisonment") or 0)
                charges = tuple(sorted(charge_key(a) for a in meta["accusation"]))
                out.append(RefCase(row["fact"], charges, months if fixed and months > 0 else None,
                                   from_text(row["fact"], charges=charges), i))
        return cls(out)

    @classmethod
    def from_records(cls, records: Iterable[tuple[Any, str, Sequence[str], float | None]]
                     ) -> ReferencePool:
        """(key, facts, charges, fixed-term months or None) per case."""
        return cls([RefCase(facts, tuple(sorted(charge_key(c) for c in charges)), term,
                            from_text(facts, charges=[charge_key(c) for c in charges]), key)
                    for key, facts, charges, term in records])

    def comparable(self, facts: str, charges: Sequence[str], k: int = 10,
                   exclude: Any = None) -> Comparable:
        want = tuple(sorted(charge_key(c) for c in charges))
        same = [i for i in self.by_charges.get(want, []) if self.cases[i].key != exclude]
        match = "same charges"
        pool = same
        if not pool and want:  # as the data pool's path (services.similar.sentencing): any one
            pool = sorted({i for ch in want for i in self.by_charge.get(ch, [])
                           if self.cases[i].key != exclude})
            match = "sharing a charge"
        if not pool:
            return Comparable([], [], None, 0, "none", self.terms)
        query = from_text(facts, charges=want)
        bm = self.lexical.score(facts, pool)
        lex = np.array([bm.get(i, 0.0) for i in pool])
        lex = (lex - lex.mean()) / (float(lex.std()) or 1.0)
        struct = np.array([structured_score(query, self.cases[i].features) for i in pool])
        top = np.argsort(-(lex + 2.0 * struct), kind="stable")[:k]
        terms = [float(self.cases[pool[j]].term or 0) for j in top]
        keys = [self.cases[pool[j]].key for j in top]
        # the charges' median and count over the cases compared with: those with the same
        # charges, else those sharing one (what the data pool's path hands the estimate)
        pool_terms = [float(self.cases[i].term or 0) for i in pool]
        by_charge = ([[float(self.cases[i].term or 0) for i in pool if ch in self.cases[i].charges]
                      for ch in want] if match == "sharing a charge" else [])
        return Comparable(terms, keys, charges_median(pool_terms, by_charge), len(pool_terms),
                          match, self.terms)


def combine(facts: str, charges: Sequence[str], comparable: Comparable | None, *,
            extracted: Read | None = None, overrides: Mapping[str, Any] | None = None,
            whole_pool: Callable[[], PoolTerms | None] | None = None,
            as_of: date | None = None) -> dict[str, Any]:
    """The guideline's computation, the comparable cases and the blended estimate, with the
    steps 起点 → 基准刑 → each adjustment → 宣告刑 → 估计 (months, range, life_or_death).
    `whole_pool` summarises the pool's fixed terms for the fallback when `comparable` carries
    no summary; it is called only when there is no rule and no comparable case. `as_of`: the
    day whose law applies (None: today)."""
    g = guideline_for(facts, [normalise_charge(c) for c in charges], extracted=extracted,
                      overrides=overrides, guideline=load().at(as_of))
    comp = comparable or Comparable([], [], None, 0, "none")
    # the lowest declared term the tiers allow picks the estimate's weights; the answer shows it
    # as the estimate's input `floor` (the guideline's own answer keeps its fields)
    bounds = g.pop("bounds")
    est = estimate(g["months"], comp.terms, comp.charge_median, charge_n=comp.charge_n,
                   several=len(charges) > 1, floor=bounds[0] if bounds else None,
                   upper=bounds[1] if bounds else None, pool=comp.pool, match=comp.match)
    if est is None and comp.pool is None and whole_pool is not None:
        summary = whole_pool()  # nothing else to go on: only now is the whole pool asked
        if summary is not None:
            est = fallback(summary)  # what estimate(pool=summary) answers here
    steps = list(g["steps"])
    months = rng = None
    if est is not None and est["fallback"]:
        months, rng = est["months"], est["range"]
        steps.append({"kind": "估计", "label": f"{FALLBACK_LABEL}：估计{months:g}个月，"
                      f"区间{rng[0]:g}-{rng[1]:g}个月（第25-75百分位）", "months": months,
                      "delta": None, "basis": f"参考库{est['inputs']['pool_n']}件有期徒刑案件，"
                      "不分罪名", "source": None, "unverified": True})
    elif est is not None:
        months, rng = est["months"], est["range"]
        parts = []
        if g["months"] is not None:
            parts.append(f"指导意见宣告刑{g['months']}个月")
        note = ""
        if est["inputs"].get("others_only"):  # sentencing.estimate.others_only
            note = (f"（参考库无单独犯此罪的案例，{comp.charge_n}件类案均另犯他罪、刑期偏重，"
                    "不计入估计）")
        else:
            if comp.terms:
                parts.append(f"{len(comp.terms)}件类案中位数{median(comp.terms):g}个月")
            if comp.charge_median is not None:
                parts.append(f"同罪名{comp.charge_n}件中位数{comp.charge_median:g}个月")
        steps.append({"kind": "估计", "label": f"综合{'、'.join(parts)}{note}：估计{months:g}个月，"
                      f"区间{rng[0]:g}-{rng[1]:g}个月", "months": months, "delta": None,
                      "basis": "按CAIL2018参照案例拟合的权重综合（sentencing/data/estimate.json："
                               + est["fitted_on"] + "）" + measured_note(est.get("measured") or {}),
                      "source": None, "unverified": False})
    return {"months": months, "range": rng, "life_or_death": g["beyond"],
            "fallback": bool(est and est["fallback"]), "guideline": g, "estimate": est, "steps": steps,
            "comparable": {"terms": comp.terms, "keys": comp.keys, "match": comp.match,
                           "charge_median": comp.charge_median, "charge_n": comp.charge_n}}


def measured_note(measured: Mapping[str, Any]) -> str:
    """What the fitted estimate did on cases it was not fitted on, as the estimate step's basis
    says it ('' before a fit was scored): the MAE and how often the range held the true term."""
    if not measured:
        return ""
    return (f"；在未参与拟合的{measured['set']}{measured['cases']}件上检验：平均误差"
            f"{float(measured['mae']):.1f}个月，{float(measured['within_range']):.0%}的实际刑期落在"
            "估计区间内")


def read_queries(lines: Iterable[str], name: str = "输入") -> list[dict[str, Any]]:
    """`dossier sentence`'s input lines, checked before any case is estimated, so that a bad
    line is refused with its number instead of failing half-way through the output: each
    non-blank line a JSON object with `facts` (text) and `charges` (a list of texts; a bare
    text would be read character by character). Raises ValueError, in Chinese, naming the line."""
    rows: list[dict[str, Any]] = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{name}第{no}行不是合法的JSON：{exc.msg}（第{exc.colno}列）") from None
        if not isinstance(row, dict):
            raise ValueError(f"{name}第{no}行应为JSON对象 {{\"id\", \"facts\", \"charges\"}}")
        if not isinstance(row.get("facts"), str) or not row["facts"].strip():
            raise ValueError(f"{name}第{no}行缺少案情 facts（非空文本）")
        charges = row.get("charges")
        if not isinstance(charges, list) or not all(isinstance(c, str) and c.strip()
                                                    for c in charges):
            raise ValueError(f"{name}第{no}行的 charges 应为罪名列表，如 [\"盗窃罪\"]")
        rows.append(row)
    return rows


def sentence_lines(lines: Iterable[Mapping[str, Any]], pool: ReferencePool,
                   k: int = 10, as_of: date | None = None) -> Iterable[dict[str, Any]]:
    """`dossier sentence`: each {id, facts, charges} -> {id, months, range, steps, ...}, by
    the law as it stood on `as_of` (None: today)."""
    for row in lines:
        facts = str(row.get("facts") or "")
        charges = [str(c) for c in row.get("charges") or []]
        out = combine(facts, charges, pool.comparable(facts, charges, k), as_of=as_of)
        yield {"id": row.get("id"), "months": out["months"], "range": out["range"],
               "life_or_death": out["life_or_death"], "fallback": out["fallback"],
               "steps": out["steps"], "guideline_months": out["guideline"]["months"],
               "comparable": {k2: v for k2, v in out["comparable"].items() if k2 != "keys"}}


def pool_from_settings(settings: Any) -> ReferencePool:
    """The data pool's cases as a reference pool: each defendant's fixed term (life, death and
    non-custodial sentences kept as cases without a term) with the case's facts and charges."""
    from sqlalchemy import select

    from models.db import session_scope
    from models.schema import Case
    from services import similar

    with session_scope(settings.db_url) as s:
        ids = [cid for (cid,) in s.execute(select(Case.id).order_by(Case.id)).all()]
    records: list[tuple[Any, str, Sequence[str], float | None]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        summaries = similar.case_summaries(settings, chunk)
        profiles = similar.case_profiles(settings, chunk)
        for cid in chunk:
            summary, (facts, _) = summaries[cid], profiles.get(cid, ("", None))
            if not facts:
                continue
            for sen in summary["sentences"]:
                fixed = sen.get("principal") in (None, "有期徒刑", "拘役", "管制")
                term = sen.get("term_months") if fixed and sen.get("term_months") else None
                records.append((cid, facts, summary["charges"], term))
    return ReferencePool.from_records(records)


def case_extracted(settings: Any, case_id: int) -> Read:
    """The case's extracted fields (amount, blood alcohol, the court's circumstances, prior
    record) with the page and span each was read from (clerks' corrections win)."""
    from sqlalchemy import or_, select

    from models.db import session_scope
    from models.schema import Document, FieldValue
    from sentencing.facts import from_fields, merge

    paths = ("amount_involved_yuan", "blood_alcohol_mg_per_100ml")
    prov_by_doc: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    with session_scope(settings.db_url) as s:
        docs = s.execute(select(Document.id, Document.fields).where(Document.case_id == case_id)
                         .order_by(Document.id)).all()
        used = [d.id for d in docs if d.fields and (
            any(d.fields.get(p) for p in paths) or d.fields.get("mitigating")
            or any(x.get("prior_record") for x in d.fields.get("defendants") or []))]
        values = s.execute(select(FieldValue.document_id, FieldValue.path, FieldValue.value,
                                  FieldValue.page, FieldValue.start, FieldValue.end).where(
            FieldValue.document_id.in_(used),
            or_(FieldValue.path.in_(paths), FieldValue.path.like("mitigating/%"),
                FieldValue.path.like("%prior_record%")))
            .order_by(FieldValue.corrected)).all() if used else []
    for v in values:
        prov_by_doc[v.document_id][v.path] = {
            "start": v.start, "end": v.end, "page": v.page,
            "text": f"第{v.page}页" if v.page else str(v.value)}
    reads = [from_fields(d.fields or {}, prov_by_doc.get(d.id, {})) for d in docs if d.fields]
    return merge(*reads)


def proposed_check(proposed: float | None, guideline_range: Sequence[float] | None,
                   comparable: Mapping[str, Any] | None,
                   estimate_range: Sequence[float] | None = None) -> dict[str, Any] | None:
    """量刑建议 flagged when it leaves both the guideline's range and the comparable P10-P90
    (with fewer than 3 comparable terms, the estimate's range, which blends them, stands in)."""
    if proposed is None:
        return None
    comp_range = (comparable or {}).get("range")
    comp_label = "类案区间"
    if comp_range is not None:
        out_c = bool((comparable or {}).get("outside"))
    elif estimate_range is not None:
        comp_range, comp_label = list(estimate_range), "估计区间（可比刑期不足3个）"
        out_c = not (comp_range[0] <= proposed <= comp_range[1])
    else:
        out_c = False
    out_g = guideline_range is not None and not (
        guideline_range[0] <= proposed <= guideline_range[1])
    flagged = out_g and out_c
    parts = []
    if guideline_range is not None:
        parts.append(f"指导意见区间{guideline_range[0]:g}-{guideline_range[1]:g}个月"
                     + ("之外" if out_g else "之内"))
    if comp_range is not None:
        parts.append(f"{comp_label}{comp_range[0]:g}-{comp_range[1]:g}个月"
                     + ("之外" if out_c else "之内"))
    reason = f"量刑建议{proposed:g}个月：" + "，".join(parts or ["无可比较的区间"])
    if flagged:
        reason += "——两者之外，请复核"
    return {"months": proposed, "guideline_range": list(guideline_range or []) or None,
            "comparable_range": comp_range, "outside_guideline": out_g,
            "outside_comparable": out_c, "flagged": flagged, "reason": reason}


#: How long a visible pool's fixed-term summary is reused (seconds), per database and agencies,
#: as models.visibility.VisibleCases.size_hint reuses its count
POOL_SUMMARY_S = 60.0
_pool_summaries: dict[tuple[str, tuple[int, ...]], tuple[PoolTerms | None, float]] = {}


def visible_pool_summary(db_url: str, agency_ids: Sequence[int]) -> PoolTerms | None:
    """Median, FALLBACK_RANGE percentiles and count of the fixed terms of every case these
    agencies see (their own and those shared with them, `models.visibility`), each defendant's
    sentence once per case as `similar.case_summaries` lists it (a copy of the judgment in a
    later document not counted again): the fallback of the page's estimate. One aggregate
    query (PostgreSQL's percentile_cont; SQLite reads the terms and summarises them here),
    kept per process for POOL_SUMMARY_S seconds per database and agencies: a case judged or
    shared since then enters the summary a minute later at most. The case being estimated is
    not left out (its own term, if it has one, is one of the pool's)."""
    from models.visibility import kept_for

    key = (db_url, tuple(sorted(set(agency_ids))))
    return kept_for(_pool_summaries, key, POOL_SUMMARY_S, lambda: _pool_summary(*key))


def _pool_summary(db_url: str, agencies: tuple[int, ...]) -> PoolTerms | None:
    from sqlalchemy import and_, func, or_, select

    from models.db import session_scope
    from models.schema import Case, Party, Sentence
    from models.visibility import cases_visible_to
    from similarity.sentencing import FIXED_TERM

    who = func.trim(Party.name)
    rows = (select(Party.document_id.label("doc"), who.label("who"),
                   Sentence.principal.label("principal"), Sentence.term_months.label("term"),
                   func.min(Party.document_id).over(partition_by=(Party.case_id, who))
                   .label("first_doc"),
                   func.row_number().over(
                       partition_by=(Party.case_id, who, Sentence.principal,
                                     Sentence.term_months, Sentence.probation_months,
                                     Sentence.fine_yuan, Sentence.confiscation),
                       order_by=(Party.document_id, Sentence.id)).label("rn"))
            .join(Sentence, Sentence.party_id == Party.id)
            .join(Case, Case.id == Party.case_id)
            .where(cases_visible_to(agencies))).subquery()
    keep = and_(rows.c.term > 0,
                or_(rows.c.principal.is_(None), rows.c.principal.in_(FIXED_TERM)),
                or_(and_(rows.c.who != "", rows.c.doc == rows.c.first_doc),
                    and_(or_(rows.c.who == "", rows.c.who.is_(None)), rows.c.rn == 1)))
    summary: PoolTerms | None
    with session_scope(db_url) as s:
        if s.get_bind().dialect.name == "postgresql":
            lo, hi = FALLBACK_RANGE
            row = s.execute(select(
                func.percentile_cont(0.5).within_group(rows.c.term),
                func.percentile_cont(lo).within_group(rows.c.term),
                func.percentile_cont(hi).within_group(rows.c.term),
                func.count()).where(keep)).one()
            summary = (PoolTerms(float(row[0]), float(row[1]), float(row[2]), int(row[3]))
                       if row[3] else None)
        else:
            summary = pool_summary([float(t) for (t,) in s.execute(
                select(rows.c.term).where(keep)).all()])
    return summary


def answer(settings: Any, result: dict[str, Any], facts: str, *, case_id: int | None = None,
           overrides: Mapping[str, Any] | None = None,
           proposed: float | None = None, allowed: Any = None) -> dict[str, Any]:
    """Add the guideline, the estimate and the proposed term's check to a `similar.sentencing`
    result (whose `pool_terms` it consumes). `allowed`, the caller's visible cases
    (`models.visibility.VisibleCases`), gives the fallback where the charges have no rule and
    no comparable case: the visible pool's median term (`visible_pool_summary`)."""
    pool_terms = result.pop("pool_terms", [])
    by_charge = result.pop("pool_terms_by_charge", [])
    terms, keys = [], []
    # the blend was fitted on the median of the k nearest (data/estimate.json): the page shows
    # more comparable cases, the estimate takes as many as it was fitted on
    for c in result["cases"][:load_params().k]:
        for sen in c["sentences"]:
            t = sen.get("term_months")
            if t and sen.get("principal") in (None, "有期徒刑", "拘役", "管制"):
                terms.append(float(t))
                keys.append(c["case_id"])
    comp = Comparable(terms, keys, charges_median(pool_terms, by_charge), len(pool_terms),
                      result["match"])
    extracted = case_extracted(settings, case_id) if case_id is not None else None
    agencies = getattr(allowed, "agency_ids", None)
    whole_pool = (None if agencies is None else
                  lambda: visible_pool_summary(allowed.db_url, agencies))
    out = combine(facts, result["charges"], comp, extracted=extracted, overrides=overrides,
                  whole_pool=whole_pool)
    g = out["guideline"]
    rng = g["range"]
    return {"guideline": g,
            "estimate": {"months": out["months"], "range": out["range"],
                         "life_or_death": out["life_or_death"], "fallback": out["fallback"],
                         "steps": out["steps"], "detail": out["estimate"]},
            "proposed_check": proposed_check(proposed, rng, result["stats"].get("proposed"),
                                             out["range"])}


def form_table() -> dict[str, Any]:
    """What the sentencing page offers a judge to change: the measures, the flags the tiers
    and increments use, and each circumstance with its range and default percentage."""
    g = load()
    circ = [{"key": k, "label": v["label"], "range": v["range"], "point": v["point"],
             "direction": v["direction"], "unverified": bool(v.get("unverified"))}
            for k, v in g.national["circumstances"].items()]
    return {"measures": MEASURE_LABELS, "flags": FLAG_LABELS, "circumstances": circ}


def form_keys() -> dict[str, frozenset[str]]:
    """The flags and circumstances the form offers (what a judge can check)."""
    return {"flags": frozenset(FLAG_LABELS),
            "circumstances": frozenset(load().national["circumstances"])}


MEASURE_LABELS = {"amount_yuan": "数额（元）", "heroin_g": "毒品（折海洛因，克）",
                  "blood_alcohol": "血液酒精含量（mg/100ml）", "minor_injuries": "轻微伤（人）",
                  "light_injuries": "轻伤（人）", "serious_injuries": "重伤（人）",
                  "deaths": "死亡（人）", "acts": "次数", "persons": "容留人数（次）",
                  "guns": "枪支（支）", "tax_yuan": "虚开税款数额（元）",
                  "robberies": "抢劫次数"}
FLAG_LABELS = {"逃逸": "肇事后逃逸", "逃逸致死": "因逃逸致人死亡", "持械": "持械/持凶器",
               "持枪": "持枪", "入户": "入户", "公共交通工具": "在公共交通工具上",
               "公共场所": "公共场所/交通要道", "发生事故": "发生交通事故",
               "无证驾驶": "无证驾驶", "纠集他人多次": "纠集他人多次",
               "恶意透支": "信用卡恶意透支", "非法活动": "挪用款项进行非法活动",
               "数额巨大不退还": "挪用公款数额巨大不退还",
               "幼女": "被害人系不满十四周岁的幼女", "轮奸": "二人以上轮奸",
               "当众": "在公共场所当众强奸", "情节恶劣": "情节恶劣",
               "多名被害人": "强奸妇女、奸淫幼女多人（三人以上）",
               "数额较大": "数额较大（事实所述）", "数额巨大": "数额巨大（事实所述）",
               "数额特别巨大": "数额特别巨大（事实所述）", "情节严重": "情节严重（事实所述）",
               "情节特别严重": "情节特别严重（事实所述）"}
