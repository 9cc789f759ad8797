"""Full-text search over dossier contents and similar cases, both scoped to what the caller sees."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool

from api.deps import SettingsDep, UserDep, visible_case
from api.routes.schemas import CaseSummary, SearchOut, SimilarOut
from models import audit
from models.db import session_scope
from models.visibility import visible_agency_codes, visible_cases
from services import engines, indexing, similar

router = APIRouter(prefix="/api/v1", tags=["search"])


@router.get("/search", response_model=SearchOut)
def search(settings: SettingsDep, user: UserDep,
           q: Annotated[str, Query(max_length=1000)] = "",
           charge: str | None = None, court: str | None = None, doc_type: str | None = None,
           year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
           case_id: int | None = None, group_by_case: bool = False,
           sort: Literal["relevance", "date"] = "relevance",
           page: Annotated[int, Query(ge=1, le=1000)] = 1,
           size: Annotated[int, Query(ge=1, le=100)] = 10) -> dict[str, Any]:
    from search.base import QuerySyntaxError, SearchQuery

    with session_scope(settings.db_url) as s:
        agencies = visible_agency_codes(s, user)
        # search returns page text, so every search is a read of dossier content
        audit.record(s, "search", user_id=user.id, detail={
            "q": q[:200], "charge": charge, "court": court, "doc_type": doc_type, "year": year,
            "case_id": case_id, "page": page})
    query = SearchQuery(q=q, charge=charge, court=court, doc_type=doc_type, year=year,
                        case_id=case_id, agencies=agencies, group_by_case=group_by_case,
                        sort=sort, page=page, size=size)
    try:
        result = engines.search_backend(settings).search(query)
    except QuerySyntaxError as exc:
        raise HTTPException(400, f"查询语法有误：{exc}") from exc
    return result.to_dict()


@router.get("/cases/{case_id}", response_model=CaseSummary)
def get_case(case_id: int, settings: SettingsDep, user: UserDep) -> dict[str, Any]:
    visible_case(settings, user, case_id)
    with session_scope(settings.db_url) as s:
        audit.record(s, "case.read", user_id=user.id, object_type="case", object_id=case_id)
    return similar.case_summary(settings, case_id)


@router.get("/cases/{case_id}/similar", response_model=SimilarOut,
            response_model_exclude_unset=True)  # no rerank: no dense, no explanation
async def similar_cases(case_id: int, settings: SettingsDep, user: UserDep,
                        k: Annotated[int, Query(ge=1, le=100)] = 10) -> dict[str, Any]:
    """The k most similar visible cases, with their charges and sentences."""
    visible_case(settings, user, case_id)
    with session_scope(settings.db_url) as s:
        allowed = visible_cases(settings.db_url, user)
        audit.record(s, "case.similar", user_id=user.id, object_type="case", object_id=case_id,
                     detail={"k": k})
    vector = indexing.case_vector(settings, case_id)
    if vector is None:
        raise HTTPException(409, f"案件 {case_id} 尚无处理完毕的案情，"
                                 "请待其文书处理完毕后再试")
    hits = await run_in_threadpool(similar.similar_cases, settings, vector, k, allowed=allowed,
                                   exclude=[case_id])
    return {"case_id": case_id, "k": k, "results": hits}
