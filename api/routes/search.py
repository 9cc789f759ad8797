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
           size: Annotated[int, Query(ge=1, le=100)] = 10,
           date_from: Annotated[str | None, Query(
               max_length=20, description="judgment date from (inclusive): 2018-03-05, 2018-03 "
                                          "or 2018")] = None,
           date_to: Annotated[str | None, Query(
               max_length=20, description="judgment date to (inclusive); a year or month "
                                          "alone means its last day")] = None,
           court_level: Annotated[str | None, Query(
               max_length=20, description="基层, 中级, 高级 or 最高")] = None,
           trial_stage: Annotated[str | None, Query(
               max_length=20, description="一审, 二审, 再审, 再审审查, 死刑复核, 减刑假释")] = None,
           article: Annotated[str | None, Query(
               max_length=40, description="a cited article of the Criminal Law: 第264条, 264 "
                                          "or 第二百六十四条")] = None) -> dict[str, Any]:
    from search.base import QuerySyntaxError, SearchQuery
    from search.query import filter_value

    filters = {"date_from": date_from, "date_to": date_to, "court_level": court_level,
               "trial_stage": trial_stage, "article": article}
    try:  # a malformed filter is the request's fault: 422 with the reason, in Chinese
        filters = {k: filter_value(k, v) if v and v.strip() else None  # type: ignore[arg-type]
                   for k, v in filters.items()}
    except QuerySyntaxError as exc:
        raise HTTPException(422, f"筛选条件有误：{exc}") from exc
    if filters["date_from"] and filters["date_to"] and filters["date_from"] > filters["date_to"]:
        raise HTTPException(422, f"筛选条件有误：起始日期 {filters['date_from']} 晚于截止日期"
                                 f" {filters['date_to']}")
    with session_scope(settings.db_url) as s:
        agencies = visible_agency_codes(s, user)
        # search returns page text, so every search is a read of dossier content
        audit.record(s, "search", user_id=user.id, detail={
            "q": q[:200], "charge": charge, "court": court, "doc_type": doc_type, "year": year,
            "case_id": case_id, "page": page} | {k: v for k, v in filters.items() if v})
    query = SearchQuery(q=q, charge=charge, court=court, doc_type=doc_type, year=year,
                        case_id=case_id, agencies=agencies, group_by_case=group_by_case,
                        sort=sort, page=page, size=size, **filters)
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
