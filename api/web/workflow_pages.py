"""Pages of the procedure between agencies (Chinese): inbox, due list, a case's timeline.

They call the functions the REST routes call (services.workflow), with the same "now"
dependency, so what a page shows is what the API answers. Forms post to /web/workflow/…, are
checked to come from our own site, and redirect back with the outcome (a refusal's Chinese
reason is shown on the page).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import SettingsDep
from api.routes.workflow import NowDep, call
from api.web.pages import PageUser, _same_site_form, error_page, render
from services import completeness
from services import workflow as wf
from workflow import registry
from workflow.deadlines import CST

router = APIRouter(include_in_schema=False)

LEVEL_NAMES = {"none": "正常", "yellow": "临期", "orange": "紧急", "red": "超期"}
STATUS_CLASS = {"已推送": "pushed", "已签收": "received", "已受理": "accepted", "已退回": "returned",
                "已办结": "done", "草稿": "draft"}


def _cst(iso: str | None) -> str:
    if not iso:
        return "—"
    return datetime.fromisoformat(iso).astimezone(CST).strftime("%Y-%m-%d %H:%M")


#: rows per page of the inbox and the due list
PAGE_SIZE = 50


def _pager(path: str, page: int, more: bool, **params: str) -> dict[str, Any]:
    """Links to the previous and next page, keeping the filters."""
    def link(n: int) -> str:
        query = {k: v for k, v in {**params, "page": str(n)}.items() if v and v != "1"}
        return path + ("?" + urlencode(query) if query else "")
    return {"page": page, "prev": link(page - 1) if page > 1 else None,
            "next": link(page + 1) if more else None}


def _back(url: str, **params: str) -> RedirectResponse:
    return RedirectResponse(url + ("?" + urlencode(params) if params else ""), status_code=303)


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, settings: SettingsDep, user: PageUser, now: NowDep,
               status: Annotated[str | None, Query(max_length=8)] = None,
               page: Annotated[int, Query(ge=1, le=2000)] = 1,
               msg: Annotated[str | None, Query(max_length=500)] = None,
               err: Annotated[str | None, Query(max_length=4000)] = None) -> HTMLResponse:
    try:
        rows = call(wf.inbox, settings, user, now=now, status=status or None,
                    limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    except HTTPException as exc:
        return error_page(request, user, exc)
    pager = _pager("/inbox", page, len(rows) > PAGE_SIZE, status=status or "")
    return render(request, "wf_inbox.html", user, rows=rows[:PAGE_SIZE], status=status,
                  msg=msg, err=err, pager=pager, LEVEL_NAMES=LEVEL_NAMES,
                  STATUS_CLASS=STATUS_CLASS, cst=_cst)


@router.post("/web/workflow/businesses/{business_id}/{move}", response_model=None)
def business_move(request: Request, business_id: int,
                  move: Literal["receive", "accept", "return", "complete", "push"],
                  settings: SettingsDep, user: PageUser, now: NowDep,
                  reason: Annotated[str | None, Form(max_length=2000)] = None,
                  overrun_reason: Annotated[str | None, Form(max_length=2000)] = None,
                  back: Annotated[str, Form(max_length=200)] = "/inbox"
                  ) -> RedirectResponse | HTMLResponse:
    _same_site_form(request)
    target = back if back.startswith("/") and not back.startswith("//") else "/inbox"
    try:
        b = call(wf.move, settings, user, business_id, move, now=now, reason=reason or None,
                 overrun_reason=overrun_reason or None)
    except HTTPException as exc:
        if exc.status_code == 404:
            return error_page(request, user, exc)
        return _back(target, err=str(exc.detail))
    return _back(target, msg=f"{b['code']} {b['name']}：{b['status']}")


@router.get("/deadlines", response_class=HTMLResponse)
def deadlines_page(request: Request, settings: SettingsDep, user: PageUser, now: NowDep,
                   level: Annotated[Literal["none", "yellow", "orange", "red"] | None,
                                    Query()] = None,
                   order: Annotated[Literal["asc", "desc"], Query()] = "asc",
                   page: Annotated[int, Query(ge=1, le=2000)] = 1,
                   err: Annotated[str | None, Query(max_length=1000)] = None,
                   msg: Annotated[str | None, Query(max_length=500)] = None) -> HTMLResponse:
    rows = call(wf.due_list, settings, user, now=now, level=level, limit=PAGE_SIZE + 1,
                offset=(page - 1) * PAGE_SIZE, latest_first=order == "desc")
    badges = call(wf.badges, settings, user, now=now)
    pager = _pager("/deadlines", page, len(rows) > PAGE_SIZE, level=level or "", order=order)
    return render(request, "wf_deadlines.html", user, rows=rows[:PAGE_SIZE], level=level,
                  order=order, badges=badges, pager=pager, LEVEL_NAMES=LEVEL_NAMES, err=err,
                  msg=msg, cst=_cst)


@router.post("/web/workflow/clocks/{clock_id}/overrun", response_model=None)
def overrun_form(request: Request, clock_id: int, settings: SettingsDep, user: PageUser,
                 now: NowDep, reason: Annotated[str, Form(min_length=1, max_length=2000)]
                 ) -> RedirectResponse:
    _same_site_form(request)
    try:
        call(wf.record_overrun, settings, user, clock_id, reason, now=now)
    except HTTPException as exc:
        return _back("/deadlines", err=str(exc.detail))
    return _back("/deadlines", msg="已记录超期原因")


def _chart(tl: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Clocks as bars on a time axis (SVG coordinates; no inline styles under our CSP)."""
    spans = []
    for c in tl["clocks"]:
        start = datetime.fromisoformat(c["started_at"]) if c["started_at"] else now
        end = datetime.fromisoformat(c["due_at"]) if c["due_at"] else now
        stop = datetime.fromisoformat(c["stopped_at"]) if c["stopped_at"] else None
        spans.append((c, start, end, stop))
    if not spans:
        return {"bars": [], "width": 900, "height": 60, "ticks": []}
    lo = min(s for _, s, _, _ in spans) - timedelta(days=1)
    hi = max(max(e, st or e) for _, _, e, st in spans)
    hi = max(hi, now) + timedelta(days=1)
    left, width, row_h = 190, 690, 26
    total = (hi - lo).total_seconds() or 1.0

    def x(t: datetime) -> float:
        return round(left + width * (t - lo).total_seconds() / total, 1)

    bars = []
    for i, (c, s, e, st) in enumerate(spans):
        y = 30 + i * row_h
        bars.append({"y": y, "x": x(s), "w": max(2.0, x(e) - x(s)),
                     "stop": x(st) if st else None, "label": c["name"] + (
                         f"（{c['person']}）" if c["person"] else ""),
                     "level": c["level"], "status": c["status"], "due": c["due"],
                     "basis": c["basis"], "unverified": c["unverified"]})
    ticks = []
    day = lo.astimezone(CST).replace(hour=0, minute=0, second=0, microsecond=0)
    step = max(1, int((hi - lo).days / 8) or 1)
    while day <= hi:
        ticks.append({"x": x(day), "label": day.strftime("%m-%d")})
        day += timedelta(days=step)
    return {"bars": bars, "width": left + width + 20, "height": 40 + len(spans) * row_h,
            "ticks": ticks, "now": x(now), "left": left}


@router.get("/cases/{case_id}/timeline", response_class=HTMLResponse)
def timeline_page(request: Request, case_id: int, settings: SettingsDep, user: PageUser,
                  now: NowDep, err: Annotated[str | None, Query(max_length=4000)] = None,
                  msg: Annotated[str | None, Query(max_length=500)] = None) -> HTMLResponse:
    try:
        tl = call(wf.timeline, settings, user, case_id, now=now)
    except HTTPException as exc:
        return error_page(request, user, exc)
    reg = registry.load()
    nexts = [{"code": c, "name": reg.business(c).name, "to": list(reg.business(c).to_kinds)}
             for c in tl["next_businesses"]]
    kinds = {k for n in nexts for k in n["to"]}
    agencies = [a for a in wf.receivers(settings, user) if a["kind"] in kinds]
    return render(request, "wf_timeline.html", user, tl=tl, chart=_chart(tl, now), err=err,
                  msg=msg, nexts=nexts, agencies=agencies, LEVEL_NAMES=LEVEL_NAMES,
                  STATUS_CLASS=STATUS_CLASS, cst=_cst)


@router.post("/web/workflow/cases/{case_id}/actions", response_model=None)
def action_form(request: Request, case_id: int, settings: SettingsDep, user: PageUser,
                now: NowDep, action: Annotated[str, Form(min_length=1, max_length=20)],
                persons: Annotated[str | None, Form(max_length=500)] = None,
                concerning: Annotated[str | None, Form(max_length=500)] = None
                ) -> RedirectResponse:
    _same_site_form(request)

    def names(text: str | None) -> list[str] | None:
        return [p for p in (text or "").replace("，", ",").replace("、", ",").split(",")
                if p.strip()] or None

    try:
        r = call(wf.act, settings, user, case_id, action, now=now, persons=names(persons),
                 concerning=names(concerning))
    except HTTPException as exc:
        return _back(f"/cases/{case_id}/timeline", err=str(exc.detail))
    who = f"（{'、'.join(r['concerning'])}）" if r.get("concerning") else ""
    return _back(f"/cases/{case_id}/timeline", msg=f"已{action}{who}：案件进入「{r['state']}」")


# --- the completeness checklist of the case page, and pushing a business from the timeline ------
def _case_back(case_id: int, business: str | None, **params: str) -> RedirectResponse:
    query = {"business": business or "", **params}
    return RedirectResponse(f"/cases/{case_id}?" + urlencode({k: v for k, v in query.items() if v})
                            + "#checklist", status_code=303)


@router.post("/web/cases/{case_id}/case-type", response_model=None)
def case_type_form(request: Request, case_id: int, settings: SettingsDep, user: PageUser,
                   case_type: Annotated[str, Form(max_length=40)] = "",
                   business: Annotated[str, Form(max_length=4)] = "") -> RedirectResponse:
    _same_site_form(request)
    try:
        r = call(completeness.set_case_type, settings, user, case_id, case_type.strip() or None)
    except HTTPException as exc:
        return _case_back(case_id, business, err=str(exc.detail))
    return _case_back(case_id, business, msg=f"案件类型：{r['case_type'] or '未确定'}")


@router.post("/web/cases/{case_id}/checklist/{code}/overrides", response_model=None)
def override_form(request: Request, case_id: int, code: str, settings: SettingsDep,
                  user: PageUser, now: NowDep, item: Annotated[str, Form(max_length=80)],
                  reason: Annotated[str, Form(max_length=2000)] = "") -> RedirectResponse:
    _same_site_form(request)
    try:
        call(completeness.add_override, settings, user, case_id, code, item, reason, now=now)
    except HTTPException as exc:
        return _case_back(case_id, code, err=str(exc.detail))
    return _case_back(case_id, code, msg="已登记特批放行，推送时随业务送达接收机关")


@router.post("/web/cases/{case_id}/checklist/overrides/{override_id}/withdraw",
             response_model=None)
def withdraw_form(request: Request, case_id: int, override_id: int, settings: SettingsDep,
                  user: PageUser, now: NowDep,
                  business: Annotated[str, Form(max_length=4)] = "") -> RedirectResponse:
    _same_site_form(request)
    try:
        call(completeness.withdraw_override, settings, user, case_id, override_id, now=now)
    except HTTPException as exc:
        return _case_back(case_id, business, err=str(exc.detail))
    return _case_back(case_id, business, msg="已撤回特批放行")


@router.post("/web/workflow/cases/{case_id}/businesses", response_model=None)
def push_form(request: Request, case_id: int, settings: SettingsDep, user: PageUser,
              now: NowDep, code: Annotated[str, Form(min_length=2, max_length=4)],
              to_agency: Annotated[str, Form(min_length=1, max_length=64)],
              note: Annotated[str | None, Form(max_length=2000)] = None) -> RedirectResponse:
    """Push a business with the documents the form suggests for its required kinds; a
    refusal (an incomplete dossier: every gap, one per line) is shown on the timeline."""
    _same_site_form(request)
    try:
        form = call(wf.form, settings, user, case_id, code)
        docs = sorted({i for ids in form["documents_suggested"].values() for i in ids})
        r = call(wf.push, settings, user, case_id, code, to_agency, docs, note, now=now)
    except HTTPException as exc:
        return _back(f"/cases/{case_id}/timeline", err=str(exc.detail))
    b = r.business
    return _back(f"/cases/{case_id}/timeline",
                 msg=f"已推送「{b['code']} {b['name']}」至{b['to_agency_name']}")
