"""Sentencing support: how comparable cases (similar, same charges) were sentenced.

`GET /cases/{id}/sentencing` compares a stored case; `POST /sentencing` compares pasted facts.
Both answer the statistics of `similarity.sentencing` (principal penalties, term months median
and IQR, probation rate, fines, histogram data, a flag for a proposed term) and the comparable
cases, drawn only from cases the caller may see.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import SettingsDep, UserDep, visible_case
from api.routes.schemas import SentencingOut
from models import audit
from models.db import session_scope
from models.visibility import visible_cases
from services import indexing, similar

router = APIRouter(prefix="/api/v1", tags=["sentencing"])


class SentencingRequest(BaseModel):
    facts: str = Field(min_length=10, max_length=20000, description="the facts of the case")
    charges: list[Annotated[str, Field(min_length=1, max_length=60)]] | None = Field(
        default=None, max_length=10,
        description="charges (e.g. 盗窃罪); read from the facts or the nearest cases if absent")
    proposed_months: float | None = Field(default=None, ge=0, le=600)
    k: int = Field(default=20, ge=1, le=100)


@router.get("/cases/{case_id}/sentencing", response_model=SentencingOut)
async def case_sentencing(case_id: int, settings: SettingsDep, user: UserDep,
                          k: Annotated[int, Query(ge=1, le=100)] = 20,
                          proposed_months: Annotated[float | None, Query(ge=0, le=600)] = None
                          ) -> dict[str, Any]:
    """Sentences of the top-k similar visible cases with the same charges, summarised."""
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
    result = await run_in_threadpool(
        lambda: similar.sentencing(settings, vector, allowed=allowed, query_text=facts,
                                   query=query, exclude=[case_id], k=k,
                                   proposed_months=proposed_months))
    return {"case_id": case_id, **result}


@router.post("/sentencing", response_model=SentencingOut)
async def facts_sentencing(body: SentencingRequest, settings: SettingsDep,
                           user: UserDep) -> dict[str, Any]:
    """The same statistics for pasted facts (charges given, named in the facts, or inferred)."""
    with session_scope(settings.db_url) as s:
        allowed = visible_cases(settings.db_url, user)
        audit.record(s, "sentencing.query", user_id=user.id, object_type="facts",
                     detail={"chars": len(body.facts), "charges": body.charges})
    query = similar.query_features(body.facts, body.charges)
    vector = await run_in_threadpool(similar.embed_query, settings, body.facts)
    result = await run_in_threadpool(
        lambda: similar.sentencing(settings, vector, allowed=allowed, query_text=body.facts,
                                   query=query, k=body.k,
                                   proposed_months=body.proposed_months))
    return {"case_id": None, **result}
