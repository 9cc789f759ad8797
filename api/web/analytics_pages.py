"""Statistics pages (Chinese): a dashboard per role, the report builder, the cases behind a
number, and the downloads (CSV, XLSX) and the monthly report (PDF) of a signed-in page user.

They call services.analytics as the REST routes do, so a page shows what the API answers, within
the same scope (models.visibility). Charts are drawn in the page by the vendored ECharts
(/static/vendor/echarts.min.js) from JSON blocks (<script type="application/json">) read by
/static/stats.js: no inline script, as the CSP requires.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from analytics.query import CASE_TYPES, CST, DIMENSIONS, PROCEDURES
from api.deps import SettingsDep
from api.routes.analytics import PARAMS, call
from api.routes.workflow import NowDep
from api.web.pages import PageUser, error_page, render
from models.schema import User
from models.settings import Settings
from services import analytics as stats

router = APIRouter(include_in_schema=False)

#: the headline figures of each kind of agency's dashboard (statistic, measure)
DASHBOARD = {
    "procuratorate": ["received", "finished", "pending", "on_time_rate", "non_arrest_rate",
                      "non_prosecution_rate", "return_rate", "second_return_rate",
                      "pretrial_detention_rate", "plea_rate", "overdue", "overdue_custody"],
    "police": ["received", "pending", "near_due", "overdue", "overdue_custody",
               "non_arrest_rate", "return_rate", "business_return_rate", "pages_processed",
               "fields_to_review"],
    "court": ["received", "finished", "pending", "on_time_rate", "fast_track_rate",
              "summary_rate", "appeal_rate", "remand_rate", "delivery_on_time_rate",
              "probation_rate", "overdue", "overdue_custody"],
    "justice": ["assessment_on_time_rate", "business_return_rate", "pages_processed"],
    "oversight": ["received", "finished", "pending", "on_time_rate", "overdue",
                  "overdue_custody", "non_arrest_rate", "non_prosecution_rate", "return_rate",
                  "appeal_rate", "business_return_rate"],
}
DEFAULT_DASHBOARD = ["received", "finished", "pending", "on_time_rate", "overdue",
                     "business_return_rate", "pages_processed", "fields_to_review"]
CHARTS = {"bar": "柱状图", "line": "折线图", "stacked": "堆叠柱状图", "heatmap": "热力图（月份×机关）",
          "box": "箱线图（分布）"}


def _period(now: datetime, start: str | None, end: str | None) -> dict[str, str]:
    """The dashboard's period: as asked, else the twelve months up to today (China time)."""
    today = now.astimezone(CST).date()
    first = date(today.year - 1, today.month, 1) + timedelta(days=32)
    return {"from": start or first.replace(day=1).isoformat(), "to": end or today.isoformat()}


def _qs(params: dict[str, Any]) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _try(settings: Settings, user: User, name: str, params: dict[str, Any],
         now: datetime) -> dict[str, Any] | None:
    try:
        return call(stats.compute, settings, user, name, params, now)
    except HTTPException:
        return None


def _chart(result: dict[str, Any], kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """What stats.js draws: the series and where a click on a number leads."""
    clean = {k: v for k, v in params.items() if k in PARAMS and v}
    for e in result["series"]:  # the drill-down key of each entry: its group keys joined by |
        e["key"] = "|".join("" if e["group"][d] is None else str(e["group"][d])
                            for d in result["group_by"])
    return {"kind": kind, "title": result["title"], "unit": result["unit"],
            "stat": result["kind"], "group_by": result["group_by"],
            "dimensions": {d: DIMENSIONS[d] for d in result["group_by"]},
            "series": result["series"], "name": result["name"], "query": _qs(clean),
            "drill": f"/stats/view/{result['name']}/cases?{_qs(clean)}"}


def _kind(settings: Settings, user: User) -> str:
    if user.role == "oversight":
        return "oversight"
    for a in stats.scope_agencies(settings, user):
        return str(a["kind"])
    return "other"


@router.get("/stats", response_class=HTMLResponse)
def dashboard(request: Request, settings: SettingsDep, user: PageUser, now: NowDep) -> HTMLResponse:
    """Agency users: their agency's figures; 政法委: every agency of the region side by side."""
    q = request.query_params
    period = _period(now, q.get("from"), q.get("to"))
    kind = _kind(settings, user)
    names = DASHBOARD.get(kind, DEFAULT_DASHBOARD)
    agencies = stats.scope_agencies(settings, user)
    cards, side = [], []
    for name in names:
        stat = next(s for s in stats.catalogue() if s["name"] == name)
        params = {} if stat["snapshot"] else dict(period)
        result = _try(settings, user, name, params, now)
        if result is None:
            continue
        cards.append({"stat": stat, "result": result,
                      "link": f"/stats/report?{_qs({'name': name, **params})}",
                      "drill": f"/stats/view/{name}/cases?{_qs(params)}"})
        if kind == "oversight":
            by = _try(settings, user, name, {**params, "group_by": "agency"}, now)
            if by is not None:
                side.append({"stat": stat, "values": {e["group"]["agency"]: e
                                                      for e in by["series"]},
                             "query": _qs({**params, "group_by": "agency"})})
    charts = []
    monthly = _try(settings, user, "received", {**period, "group_by": "month,stage"}, now)
    if monthly is not None:
        charts.append(_chart(monthly, "stacked", {**period, "group_by": "month,stage"}))
    if kind == "oversight":
        heat = _try(settings, user, "received", {**period, "group_by": "month,agency"}, now)
        if heat is not None:
            charts.append(_chart(heat, "heatmap", {**period, "group_by": "month,agency"}))
    on_time = _try(settings, user, "on_time_rate", {**period, "group_by": "stage"}, now)
    if on_time is not None:
        charts.append(_chart(on_time, "bar", {**period, "group_by": "stage"}))
    days = _try(settings, user, "stage_days", {**period, "group_by": "stage"}, now)
    if days is not None:
        charts.append(_chart(days, "box", {**period, "group_by": "stage"}))
    return render(request, "stats_dashboard.html", user, period=period, cards=cards, side=side,
                  agencies=agencies, charts=charts, kind=kind,
                  fresh=freshness([c["result"] for c in cards]),
                  report_month=(now.astimezone(CST).date().replace(day=1) - timedelta(days=1)
                                ).strftime("%Y-%m"))


def freshness(results: list[Any]) -> str:
    """One Chinese line saying how fresh the figures are: rolled-up ones are as of the last
    refresh (the oldest shown), the others computed now."""
    rolled = [datetime.fromisoformat(r["as_of"]) for r in results if r.get("figures") == "rollup"]
    live = any(r.get("figures") != "rollup" for r in results)
    if not rolled:
        return "数据为实时计算。" if live else ""
    at = min(rolled).astimezone(CST).strftime("%Y-%m-%d %H:%M")
    return (f"汇总数据截至 {at}（后台定期更新，最近的变动可能尚未计入）"
            + ("；其余数据为实时计算。" if live else "。"))


@router.get("/stats/report", response_class=HTMLResponse)
def report_builder(request: Request, settings: SettingsDep, user: PageUser,
                   now: NowDep) -> HTMLResponse:
    """Pick a statistic, filters, period and chart; the figure, its table and its downloads."""
    q = request.query_params
    catalogue = stats.catalogue()
    name = q.get("name") or "received"
    chart = q.get("chart") or ""
    params = {k: q.get(k) for k in PARAMS if q.get(k)}
    stat = next((s for s in catalogue if s["name"] == name), None)
    error, result = None, None
    if stat is None:
        error = f"没有名为 {name!r} 的统计"
    else:
        chart = chart if chart in CHARTS else stat["chart"]
        if chart == "heatmap" and "group_by" not in params:
            params["group_by"] = "month,agency"
        if chart == "box" and stat["kind"] != "distribution":
            error = "箱线图只适用于分布类统计（办案天数、刑期、每页用时）"
        try:
            result = call(stats.compute, settings, user, name, params, now)
        except HTTPException as exc:
            error = str(exc.detail)
    data = _chart(result, chart, params) if result and result["computable"] else None
    return render(request, "stats_report.html", user, catalogue=catalogue, stat=stat,
                  stat_name=name, params=params, chart=chart, charts=CHARTS, result=result,
                  data=data, error=error, dims=DIMENSIONS, case_types=list(CASE_TYPES),
                  fresh=freshness([result] if result and result["computable"] else []),
                  procedures=list(PROCEDURES), agencies=stats.scope_agencies(settings, user),
                  query=_qs({"name": name, **params}), data_query=_qs(params))


@router.get("/stats/view/{name}/cases", response_class=HTMLResponse)
def drill_page(name: str, request: Request, settings: SettingsDep, user: PageUser,
               now: NowDep) -> HTMLResponse:
    q = request.query_params
    params = {k: q.get(k) for k in PARAMS if q.get(k)}
    try:
        result = call(stats.drill, settings, user, name, params, q.get("group"), now)
    except HTTPException as exc:
        return error_page(request, user, exc)
    stat = next(s for s in stats.catalogue() if s["name"] == name)
    return render(request, "stats_cases.html", user, result=result, stat=stat,
                  back=f"/stats/report?{_qs({'name': name, **params})}")


@router.get("/stats/download/{name}.{fmt}")
def download(name: str, fmt: str, request: Request, settings: SettingsDep, user: PageUser,
             now: NowDep) -> Response:
    if fmt not in ("csv", "xlsx"):
        return error_page(request, user, HTTPException(404, "未知的下载格式"))
    params = {k: request.query_params.get(k) for k in PARAMS}
    try:
        data, media = call(stats.download, settings, user, name, params, fmt, now)
    except HTTPException as exc:
        return error_page(request, user, exc)
    return Response(data, media_type=media, headers={
        "Content-Disposition": f"attachment; filename=\"{name}.{fmt}\"; "
                               f"filename*=UTF-8''{quote(name + '.' + fmt)}"})


@router.get("/stats/monthly.pdf")
def monthly_pdf(request: Request, settings: SettingsDep, user: PageUser,
                now: NowDep) -> Response:
    """The printable monthly report: the dashboard's main figures for one month (?month=YYYY-MM,
    default last month), per agency of the caller's scope."""
    month = request.query_params.get("month") or (
        now.astimezone(CST).date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    try:
        data = call(stats.monthly_report, settings, user, month, _kind(settings, user),
                    DASHBOARD, now)
    except HTTPException as exc:
        return error_page(request, user, exc)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"report-{month}.pdf\""})
