"""Statistics (issue 16): the registry, one statistic as data (JSON, CSV or XLSX), and the cases
behind any of its numbers. Who sees which figures: models.visibility (an agency its own; a 政法委
user every agency of its region); a filter outside that scope is a 422, never a figure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from analytics.errors import AnalyticsError, UnknownStatistic
from analytics.query import CASE_TYPES, PROCEDURES
from api.deps import SettingsDep, UserDep
from api.routes.documents import BINARY
from api.routes.workflow import NowDep
from services import analytics as stats

router = APIRouter(prefix="/api/v1", tags=["statistics"])
T = TypeVar("T")
FORMATS = {"json", "csv", "xlsx"}
PARAMS = ("from", "to", "agency", "region", "case_type", "charge", "procedure", "group_by",
          "measure")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Refusals of the analytics stage as HTTP answers with their Chinese reasons."""
    try:
        return fn(*args, **kwargs)
    except UnknownStatistic as exc:
        raise HTTPException(404, str(exc)) from exc
    except AnalyticsError as exc:
        raise HTTPException(422, str(exc)) from exc


def _params(request: Request) -> dict[str, str | None]:
    q = request.query_params
    for key in PARAMS:
        if len(q.getlist(key)) > 1:
            raise HTTPException(422, f"参数 {key} 只能给一次")
    return {k: q.get(k) for k in PARAMS}


# --- response models ----------------------------------------------------------------------------
class Named(BaseModel):
    name: str
    label: str


class StatisticOut(BaseModel):
    name: str
    title: str
    section: str
    kind: str = Field(description="count | rate | distribution")
    unit: str = Field(description="件 | 人 | % | 天 | 页 | 条 | 秒 | 月")
    definition: str
    formula: str
    attribution: str
    date_basis: str = Field(description="the date the period filters (empty for a snapshot)")
    snapshot: bool = Field(description="a figure of the present moment: no period filter")
    group_by: list[Named]
    filters: list[Named]
    measures: list[str] = Field(description="件 / 人 where both can be counted")
    computable: bool
    reason: str | None = Field(None, description="why the data model cannot compute it yet")
    chart: str


class AgencyOut(BaseModel):
    code: str
    name: str
    kind: str
    region: str | None


class CatalogueOut(BaseModel):
    statistics: list[StatisticOut]
    agencies: list[AgencyOut] = Field(description="the agencies whose figures the caller reads")
    case_types: list[str]
    procedures: list[str]


class EntryOut(BaseModel):
    group: dict[str, Any] = Field(description="the group's keys per dimension (agencies by code)")
    labels: dict[str, str]
    label: str
    value: float | None
    cases: int | None = None
    persons: int | None = None
    amount: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    n: int | None = None
    mean: float | None = None
    median: float | None = None
    p25: float | None = None
    p75: float | None = None
    min: float | None = None
    max: float | None = None


class ResultOut(BaseModel):
    name: str
    title: str
    unit: str
    kind: str
    computable: bool
    reason: str | None
    filters: dict[str, Any]
    group_by: list[str]
    series: list[EntryOut]
    total: dict[str, Any] | None
    snapshot: bool
    now: str
    as_of: str | None = Field(None, description=(
        "数据截至：figures=rollup 时为统计汇总表最近一次刷新的时间（其后的变动尚未计入，由后台任务"
        "定期刷新）；figures=live 时即 now"))
    figures: str = Field("live", description="rollup：读自统计汇总表；live：实时查询")
    agencies: list[dict[str, str]] = Field(default_factory=list)


class CaseOut(BaseModel):
    case_id: int
    case_number: str | None
    agency: str
    agency_name: str
    in_numerator: bool | None = Field(None, description="for a rate: counted in the numerator")


class CasesOut(BaseModel):
    name: str
    title: str
    group: str | None
    group_by: list[str]
    filters: dict[str, Any]
    total_cases: int
    numerator_cases: int | None
    truncated: bool = Field(description="more cases than listed (500 at most)")
    cases: list[CaseOut]


# --- routes -------------------------------------------------------------------------------------
@router.get("/stats", response_model=CatalogueOut)
def catalogue(settings: SettingsDep, user: UserDep) -> dict[str, Any]:
    """Every statistic with its definition, unit, filters and groupings, and the agencies whose
    figures the caller reads."""
    return {"statistics": stats.catalogue(), "agencies": stats.scope_agencies(settings, user),
            "case_types": list(CASE_TYPES), "procedures": list(PROCEDURES)}


@router.get("/stats/{name}", response_model=ResultOut,
            responses={200: {"description": "the series as data; with format=csv or xlsx a file",
                             "content": {"text/csv": BINARY, XLSX: BINARY}}})
def statistic(name: str, request: Request, settings: SettingsDep, user: UserDep,
              now: NowDep) -> Any:
    """One statistic: ``from``/``to`` (YYYY-MM-DD, by its decision date), ``agency``,
    ``region``, ``case_type``, ``charge``, ``procedure``, ``group_by`` (up to two of its
    dimensions, e.g. ``month,agency``), ``measure`` (件/人), ``format`` (json, csv, xlsx)."""
    fmt = (request.query_params.get("format") or "json").lower()
    if fmt not in FORMATS:
        raise HTTPException(422, f"未知的格式 {fmt!r}：应为 json、csv 或 xlsx")
    params = _params(request)
    if fmt == "json":
        return call(stats.compute, settings, user, name, params, now)
    data, media = call(stats.download, settings, user, name, params, fmt, now)
    stamp = datetime.now().strftime("%Y%m%d")
    filename = quote(f"{name}-{stamp}.{fmt}")
    return Response(data, media_type=media, headers={
        "Content-Disposition": f"attachment; filename=\"{name}.{fmt}\"; "
                               f"filename*=UTF-8''{filename}"})


@router.get("/stats/{name}/cases", response_model=CasesOut)
def statistic_cases(name: str, request: Request, settings: SettingsDep, user: UserDep,
                    now: NowDep) -> dict[str, Any]:
    """The cases behind one number: the same filters and ``group_by`` as the statistic, and
    ``group`` = that entry's keys in ``group_by`` order joined by ``|`` (agencies by code;
    none: the total). For a rate, every case of the denominator, marked when in the numerator."""
    group = request.query_params.get("group")
    return call(stats.drill, settings, user, name, _params(request), group, now)
