"""Sentencing support: how comparable cases (similar, same charges) were sentenced.

`GET /cases/{id}/sentencing` compares a stored case; `POST /sentencing` compares pasted facts.
Both answer the statistics of `similarity.sentencing` (principal penalties, term months median
and IQR, probation rate, fines, histogram data, a flag for a proposed term) and the comparable
cases, drawn only from cases the caller may see; beside them the guideline's computation
(《量刑指导意见》: 起点 → 基准刑 → each adjustment with its percentage and basis → 宣告刑, the
inputs with where each was read), the estimate that blends it with the comparable cases, and
the proposed term (量刑建议) flagged when it leaves both ranges. `POST /cases/{id}/sentencing`
recomputes with a judge's inputs (`overrides`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import SettingsDep, UserDep, visible_case
from api.routes.schemas import Out, SentencingOut
from models import audit
from models.db import session_scope
from models.visibility import visible_cases
from services import indexing, sentence_estimate, similar

router = APIRouter(prefix="/api/v1", tags=["sentencing"])


Months = Annotated[float, Field(ge=0, le=10**9)]


class Overrides(BaseModel):
    """A judge's inputs, winning over what was read from the dossier."""

    measures: dict[str, Months | None] | None = Field(
        default=None, description="amount_yuan, heroin_g, blood_alcohol, minor_injuries, "
                                  "light_injuries, serious_injuries, deaths, acts, persons, guns, tax_yuan, "
                                  "robberies; "
                                  "null removes a value")
    # (the caps bound a request's size; each is well above what the form offers: 23 flags,
    # 20 circumstances, `sentence_estimate.form_keys`)
    flags: list[Annotated[str, Field(max_length=20)]] | None = Field(
        default=None, max_length=60, description="e.g. 逃逸, 持械, 入户 (the whole list)")
    circumstances: list[Annotated[str, Field(max_length=20)]] | None = Field(
        default=None, max_length=60, description="e.g. 自首, 坦白, 认罪认罚 (the whole list)")
    percentages: dict[str, Annotated[float, Field(ge=0, le=100)]] | None = Field(
        default=None, description="a circumstance's percentage (held within its range)")


class Step(Out):
    kind: str = Field(description="起点 | 增加 | 基准刑 | 调节 | 不另计 | 宣告刑 | 数罪并罚 | 估计")
    label: str
    months: float
    delta: float | None = Field(description="months added (增加) or the percentage (调节)")
    basis: str
    source: str | None
    unverified: bool = Field(description="the figure could not be confirmed: shown with ⚠")
    charge: str | None = None


class GuidelineOut(Out):
    guideline: str
    province: str | None
    as_of: str = Field(description="the day whose law was applied (YYYY-MM-DD; today): an "
                                   "amount that changed, e.g. 虚开's by 法释〔2024〕4号, is read as of it")
    inputs: dict[str, Any] = Field(description="measures, flags, circumstances, provenance")
    charges: list[dict[str, Any]]
    known: bool = Field(description="every charge has rules")
    partial: list[str] = Field(description="charges without rules when others have them")
    months: int | None
    range: list[int] | None
    beyond: str | None = Field(description="无期徒刑 / 死刑 possible above the fixed-term cap")
    statutory: list[int] | None
    steps: list[Step]


class EstimateOut(Out):
    months: int | None
    range: list[int] | None
    life_or_death: str | None
    fallback: bool = Field(default=False, description="no rule and no comparable case: the "
                           "reference pool's median term over all charges, for reference only")
    steps: list[Step]
    detail: dict[str, Any] | None


class ProposedCheck(Out):
    months: float
    guideline_range: list[float] | None
    comparable_range: list[float] | None
    outside_guideline: bool
    outside_comparable: bool
    flagged: bool = Field(description="outside both the guideline's and the comparable range")
    reason: str


class GuidelineSentencingOut(SentencingOut):
    guideline: GuidelineOut
    estimate: EstimateOut
    proposed_check: ProposedCheck | None


class CaseSentencingRequest(BaseModel):
    overrides: Overrides | None = None
    proposed_months: float | None = Field(default=None, ge=0, le=600)
    k: int = Field(default=20, ge=1, le=100)


class SentencingRequest(BaseModel):
    facts: str = Field(min_length=10, max_length=20000, description="the facts of the case")
    charges: list[Annotated[str, Field(min_length=1, max_length=60)]] | None = Field(
        default=None, max_length=10,
        description="charges (e.g. 盗窃罪); read from the facts or the nearest cases if absent")
    proposed_months: float | None = Field(default=None, ge=0, le=600)
    k: int = Field(default=20, ge=1, le=100)
    overrides: Overrides | None = None


def _overrides(o: Overrides | None) -> dict[str, Any] | None:
    return None if o is None else o.model_dump(exclude_none=True)


@router.get("/cases/{case_id}/sentencing", response_model=GuidelineSentencingOut)
async def case_sentencing(case_id: int, settings: SettingsDep, user: UserDep,
                          k: Annotated[int, Query(ge=1, le=100)] = 20,
                          proposed_months: Annotated[float | None, Query(ge=0, le=600)] = None
                          ) -> dict[str, Any]:
    """Sentences of the top-k similar visible cases with the same charges, summarised, beside
    the guideline's computation and the estimate."""
    return await sentencing_with(case_id, settings, user, k, proposed_months, None)


@router.post("/cases/{case_id}/sentencing", response_model=GuidelineSentencingOut)
async def case_sentencing_changed(case_id: int, body: CaseSentencingRequest,
                                  settings: SettingsDep, user: UserDep) -> dict[str, Any]:
    """The same with a judge's inputs: the computation is done again with them."""
    return await sentencing_with(case_id, settings, user, body.k, body.proposed_months,
                                 body.overrides)


async def sentencing_with(case_id: int, settings: Any, user: Any, k: int,
                          proposed_months: float | None,
                          overrides: Overrides | None) -> dict[str, Any]:
    """The answer of both routes (and the page's, which reads a judge's inputs from a form)."""
    visible_case(settings, user, case_id)
    with session_scope(settings.db_url) as s:
        allowed = visible_cases(settings.db_url, user)
        audit.record(s, "case.sentencing", user_id=user.id, object_type="case",
                     object_id=case_id)
    vector = indexing.case_vector(settings, case_id)
    if vector is None:
        raise HTTPException(409, f"case {case_id} has no processed facts yet; try again when "
                                 "its documents are processed")
    profiles = await run_in_threadpool(similar.case_profiles, settings, [case_id])
    facts, query = profiles[case_id]

    def run() -> dict[str, Any]:
        result = similar.sentencing(settings, vector, allowed=allowed, query_text=facts,
                                    query=query, exclude=[case_id], k=k,
                                    proposed_months=proposed_months)
        extra = sentence_estimate.answer(settings, result, facts, case_id=case_id,
                                         overrides=_overrides(overrides),
                                         proposed=proposed_months, allowed=allowed)
        return {**result, **extra}

    return {"case_id": case_id, **await run_in_threadpool(run)}


@router.post("/sentencing", response_model=GuidelineSentencingOut)
async def facts_sentencing(body: SentencingRequest, settings: SettingsDep,
                           user: UserDep) -> dict[str, Any]:
    """The same statistics for pasted facts (charges given, named in the facts, or inferred)."""
    with session_scope(settings.db_url) as s:
        allowed = visible_cases(settings.db_url, user)
        audit.record(s, "sentencing.query", user_id=user.id, object_type="facts",
                     detail={"chars": len(body.facts), "charges": body.charges})
    query = similar.query_features(body.facts, body.charges)
    # where the charges come from: typed by the user, named in the facts (犯/涉嫌…罪), read
    # from the conduct the facts describe, or else (in the service) from the nearest cases
    source = "given" if body.charges else "facts" if query.charges else None
    if source is None:
        from dataclasses import replace

        from extraction.fact_charges import predict_charges

        conduct = tuple(predict_charges(body.facts))
        if conduct:
            query, source = replace(query, charges=conduct), "conduct"
    vector = await run_in_threadpool(similar.embed_query, settings, body.facts)

    def run() -> dict[str, Any]:
        result = similar.sentencing(settings, vector, allowed=allowed, query_text=body.facts,
                                    query=query, k=body.k, proposed_months=body.proposed_months)
        extra = sentence_estimate.answer(settings, result, body.facts,
                                         overrides=_overrides(body.overrides),
                                         proposed=body.proposed_months, allowed=allowed)
        return {**result, **extra}

    answer = await run_in_threadpool(run)
    return {"case_id": None, **answer,
            "charges_source": "neighbours" if answer.get("charges_from_neighbours") else source}
