"""Web pages for clerks, prosecutors and judges: server-rendered Jinja2 plus a little JavaScript.

The pages take the same bearer token as the REST API: /login validates it and keeps it in an
HttpOnly, SameSite=Strict cookie. Every page calls the very functions the REST routes call, so
visibility (404, never 403, for what the user may not see), auditing and validation are shared.
The few JSON endpoints under /web/api exist because the HttpOnly cookie is not readable by the
page's JavaScript: they authenticate by the cookie and delegate to the REST functions.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from api.auth import revoke_token, user_for_token
from api.deps import SettingsDep, visible_document
from api.routes import access as routes_access
from api.routes import documents as routes_documents
from api.routes import search as routes_search
from api.routes import sentencing as routes_sentencing
from api.routes.fields import Correction, correct_field
from api.routes.sentencing import SentencingRequest
from api.routes.workflow import NowDep as WorkflowNow
from api.routes.workflow import call
from models import audit, tables
from models.db import session_scope
from models.schema import Case, Document, FieldValue, Party, User
from models.settings import Settings
from models.visibility import visible_case_ids
from ocr.sniff import has_page_images
from search.base import QuerySyntaxError
from search.query import COURT_LEVELS, TRIAL_STAGES, filter_value
from services import annotations as user_notes
from services import completeness, failures, sentence_estimate, workflow

COOKIE = "dossier_token"
HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))

ROLE_NAMES = {"clerk": "书记员", "prosecutor": "检察官", "judge": "法官", "police": "公安民警",
              "justice": "司法行政人员", "oversight": "政法委", "admin": "管理员"}
STATUS_NAMES = {"received": "已接收", "processing": "处理中", "processed": "已完成",
                "failed": "失败"}
FACET_NAMES = {"charge": "罪名", "court": "机关", "doc_type": "文书类型", "year": "年份",
               "court_level": "法院层级", "trial_stage": "审级", "article": "法条",
               "date_from": "裁判日期自", "date_to": "裁判日期至"}
#: the search filters beside the query (request parameters of /search and its downloads)
FILTERS = ("charge", "court", "doc_type", "year", "court_level", "trial_stage", "article",
           "date_from", "date_to")
FIELD_NAMES = {
    "parts": "文书分段", "first": "起始页", "last": "结束页", "kind": "文书类别",
    "confidence": "置信度", "primary": "主文书",
    "case_number": "案号", "court": "法院", "procuratorate": "检察院", "doc_type": "文书类型",
    "judgment_date": "裁判日期", "defendants": "被告人", "victims": "被害人", "name": "姓名",
    "gender": "性别", "birth_date": "出生日期", "ethnicity": "民族", "charges": "罪名",
    "sentence": "刑罚", "principal": "主刑", "term_months": "刑期（月）",
    "probation_months": "缓刑（月）", "fine_yuan": "罚金（元）", "confiscation": "没收",
    "amount_yuan": "涉案金额（元）", "mitigating": "从轻情节", "aggravating": "从重情节",
    "custody": "强制措施", "measure": "措施", "date": "日期", "authority": "机关",
    "place": "地点", "prosecutor": "公诉机关", "education": "文化程度", "occupation": "职业",
    "id_number": "身份证号", "address": "住址", "counsel": "辩护人",
    "defense_counsel": "辩护人", "prior_record": "前科", "amount_involved_yuan": "涉案金额（元）",
    "blood_alcohol_mg_per_100ml": "血液酒精含量（mg/100ml）", "notes": "备注",
    "drug_quantity_g": "毒品数量（克）", "injury": "伤情", "evidence": "证据",
    "title": "标题", "subject": "鉴定事项", "appraised_value_yuan": "认定价值（元）",
    "injuries": "损伤", "grade": "损伤程度", "level": "等级", "person": "人员",
    "responsibility": "事故责任", "party": "当事人", "share": "责任",
    "seized_items": "扣押物品", "quantity": "数量", "interrogation": "讯问笔录",
    "suspect": "犯罪嫌疑人", "interrogators": "讯问人", "recorder": "记录人",
    "start": "开始时间", "end": "结束时间", "rights_notified": "已告知权利",
    "offence_forms": "犯罪情形", "fields": "字段",
    # judgment shapes (issue 19): 被告单位, other names, 数罪并罚's per-charge terms, 二审/再审
    "unit": "被告单位", "aliases": "别名/化名", "charge_terms": "各罪刑罚", "charge": "罪名",
    "changed": "改判", "instance": "审级",
}
SIGNAL_NAMES = {"lexical": "词面", "dense": "语义", "charges": "罪名", "exact_charges": "罪名完全一致",
                "related_charges": "相关罪名", "circumstances": "情节", "amount": "金额",
                "alcohol": "酒精含量", "quantity": "数量"}
templates.env.globals.update(ROLE_NAMES=ROLE_NAMES, STATUS_NAMES=STATUS_NAMES,
                             FACET_NAMES=FACET_NAMES, SIGNAL_NAMES=SIGNAL_NAMES,
                             error_parts=failures.split)

router = APIRouter(include_in_schema=False)


# --- the signed-in user ------------------------------------------------------------------------
def _token_user(settings: Settings, token: str | None) -> User | None:
    if not token:
        return None
    with session_scope(settings.db_url) as s:
        user = user_for_token(s, token, renew_hours=settings.token_ttl_hours,
                              max_hours=settings.token_max_hours)
        if user is not None:
            s.expunge(user)
        return user


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect off the site after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def page_user(request: Request, settings: SettingsDep) -> User:
    """The cookie's user; otherwise off to the sign-in page (and back here afterwards)."""
    user = _token_user(settings, request.cookies.get(COOKIE))
    if user is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(303, "请先登录",
                            headers={"Location": "/login?" + urlencode({"next": here})})
    return user


def api_user(request: Request, settings: SettingsDep) -> User:
    """The cookie's user for the page's fetch() calls; 401 JSON otherwise. State-changing calls
    must come from our own pages (same Origin when the browser sends one, and our header)."""
    if request.method != "GET" and (request.headers.get("x-dossier-web") != "1"
                                    or not _same_site(request)):
        raise HTTPException(403, "拒绝来自其他站点的请求")
    user = _token_user(settings, request.cookies.get(COOKIE))
    if user is None:
        raise HTTPException(401, "未登录")
    return user


PageUser = Annotated[User, Depends(page_user)]
ApiUser = Annotated[User, Depends(api_user)]


def _same_site(request: Request) -> bool:
    """Whether a state-changing request comes from our own pages: its Origin (or, when a browser
    sends none, its Referer) names this host. ``Origin: null`` (a sandboxed frame, a local file,
    a redirect across sites) is foreign: a page elsewhere could otherwise sign the victim in as
    the attacker (login CSRF) or act in their name."""
    host = request.headers.get("host")
    origin = request.headers.get("origin")
    if origin == "null":  # our own page under a strict referrer policy, or a sandboxed frame
        return request.headers.get("sec-fetch-site") == "same-origin"
    if origin is None:
        referer = request.headers.get("referer")
        if referer is None:
            return True  # not a browser form (curl, scripts): no ambient cookie to abuse
        origin = "/".join(referer.split("/", 3)[:3])
    return bool(host) and origin != "null" and origin.split("://", 1)[-1] == host


def _same_site_form(request: Request) -> None:
    if not _same_site(request):
        raise HTTPException(403, "拒绝来自其他站点的表单提交")


def render(request: Request, name: str, user: User | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"user": user, **context},
                                      status_code=status_code)


def error_page(request: Request, user: User | None, exc: HTTPException) -> HTMLResponse:
    titles = {404: "未找到", 403: "无权操作", 409: "暂不可用", 400: "请求有误", 422: "请求有误"}
    detail = ("您要查看的内容不存在，或不在您可查看的范围内。" if exc.status_code == 404
              else str(exc.detail))
    return render(request, "error.html", user, status_code=exc.status_code,
                  title=titles.get(exc.status_code, "出错了"), detail=detail)


# --- sign-in ------------------------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", None, next=_safe_next(next), error=None)


@router.post("/login", response_model=None)
def login(request: Request, settings: SettingsDep, token: Annotated[str, Form()] = "",
          name: Annotated[str, Form(max_length=120)] = "",
          password: Annotated[str, Form(max_length=1000)] = "",
          next: Annotated[str, Form()] = "/") -> Response:
    """Sign in with a name and password (the clerk's way), or with a token an admin issued."""
    _same_site_form(request)
    token = token.strip()
    if name.strip():
        try:
            token, _ = routes_access.sign_in(
                settings, request.app.state.login_limiter, name.strip(), password,
                request.client.host if request.client else "?")
        except routes_access.SignInRefused as exc:
            return render(request, "login.html", None, status_code=exc.status,
                          next=_safe_next(next), error=exc.message, login_name=name.strip())
    elif _token_user(settings, token) is None:
        return render(request, "login.html", None, status_code=401, next=_safe_next(next),
                      error="令牌无效或已过期，请核对后重新粘贴。")
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(COOKIE, token, max_age=settings.token_max_hours * 3600, httponly=True,
                        samesite="strict", path="/",
                        secure=request.url.scheme == "https" or settings.mode == "production")
    return response


@router.post("/logout")
def logout(request: Request, settings: SettingsDep) -> RedirectResponse:
    """Sign out: the cookie's token is revoked, not only forgotten by this browser."""
    _same_site_form(request)
    token = request.cookies.get(COOKIE)
    if token:
        with session_scope(settings.db_url) as s:
            revoke_token(s, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


# --- home ---------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def home(request: Request, settings: SettingsDep, user: PageUser, now: WorkflowNow) -> HTMLResponse:
    with session_scope(settings.db_url) as s:
        cases = visible_case_ids(s, user)
        in_cases = Document.case_id.in_(cases)
        by_status: dict[str, int] = {
            st: n for st, n in s.execute(select(Document.status, func.count()).where(in_cases)
                                         .group_by(Document.status)).all()}
        fixed = aliased(FieldValue)
        corrected = (select(fixed.id).where(fixed.document_id == FieldValue.document_id,
                                            fixed.path == FieldValue.path,
                                            fixed.corrected.is_(True)).exists())
        review = s.execute(select(func.count()).select_from(FieldValue).join(Document)
                           .where(in_cases, FieldValue.corrected.is_(False),
                                  FieldValue.confidence < 0.8, ~corrected)).scalar_one()
        docs = [{"id": d.id, "filename": d.filename, "status": d.status, "error": d.error,
                 "doc_type": d.doc_type, "case_id": d.case_id, "case_number": num,
                 "created_at": d.created_at}
                for d, num in s.execute(select(Document, Case.case_number).join(Case)
                                        .where(in_cases).order_by(Document.id.desc())
                                        .limit(20)).all()]
        case_rows = [{"id": c.id, "case_number": c.case_number, "documents": n}
                     for c, n in s.execute(select(Case, func.count(Document.id))
                                           .join(Document, Document.case_id == Case.id)
                                           .where(Case.id.in_(cases)).group_by(Case.id)
                                           .order_by(Case.id.desc()).limit(20)).all()]
    counts = {"processing": by_status.get("processing", 0) + by_status.get("received", 0),
              "failed": by_status.get("failed", 0), "processed": by_status.get("processed", 0),
              "review": review}
    wf = workflow.badges(settings, user, now=now)  # businesses in the inbox, clocks per level
    return render(request, "home.html", user, counts=counts, docs=docs, cases=case_rows, wf=wf)


# --- clerk: upload, progress, retry -------------------------------------------------------------
@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, user: PageUser) -> HTMLResponse:
    if user.role not in ("clerk", "admin"):
        return error_page(request, user, HTTPException(403, "只有书记员可以上传卷宗材料。"))
    return render(request, "upload.html", user, results=None)


@router.post("/upload", response_class=HTMLResponse)
async def upload_form(request: Request, settings: SettingsDep, user: PageUser,
                      files: Annotated[list[UploadFile], File()],
                      case_number: Annotated[str | None, Form()] = None) -> HTMLResponse:
    """The no-JavaScript path: upload every file, then show the same progress list."""
    _same_site_form(request)
    results = []
    for f in files:
        try:
            r = await routes_documents.upload(settings, user, f, case_number or None)
            results.append({"filename": f.filename, **r})
        except HTTPException as exc:
            results.append({"filename": f.filename, "error": str(exc.detail)})
    return render(request, "upload.html", user, results=results)


@router.post("/web/api/documents", status_code=202)
async def api_upload(settings: SettingsDep, user: ApiUser,
                     file: Annotated[UploadFile, File()],
                     case_number: Annotated[str | None, Form()] = None) -> dict[str, Any]:
    return await routes_documents.upload(settings, user, file, case_number or None)


@router.get("/web/api/tasks/{task_id}")
def api_task(task_id: int, settings: SettingsDep, user: ApiUser) -> dict[str, Any]:
    return routes_documents.get_task(task_id, settings, user)


@router.post("/web/api/documents/{document_id}/retry", status_code=202)
def api_retry(document_id: int, settings: SettingsDep, user: ApiUser) -> dict[str, Any]:
    return routes_documents.retry(document_id, settings, user)


@router.post("/documents/{document_id}/retry", response_model=None)
def retry_form(request: Request, document_id: int, settings: SettingsDep,
               user: PageUser) -> Response:
    _same_site_form(request)
    try:
        routes_documents.retry(document_id, settings, user)
    except HTTPException as exc:
        return error_page(request, user, exc)
    # to the document, which now says it is being processed again (the feedback a click needs)
    return RedirectResponse(f"/documents/{document_id}?retried=1", status_code=303)


@router.put("/web/api/documents/{document_id}/fields/{path:path}")
def api_correct(document_id: int, path: str, body: Correction, settings: SettingsDep,
                user: ApiUser) -> dict[str, Any]:
    return correct_field(document_id, path, body, settings, user)


# --- document view ------------------------------------------------------------------------------
def _leaves(value: Any, path: str = "") -> list[tuple[str, Any]]:
    """(path, value) for every scalar of the fields tree; lists of strings stay one leaf."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, f"{path}/{k}" if path else k)]
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, f"{path}/{i}")]
    return [(path, value)]


CN_ORDINALS = "一二三四五六七八九十"


def field_label(path: str) -> str:
    """A field path in words: defendants/0/sentence/term_months → 被告人一 · 刑罚 · 刑期（月）."""
    parts: list[str] = []
    for p in path.split("/"):
        if p.isdigit():
            n = int(p) + 1
            word = CN_ORDINALS[n - 1] if n <= len(CN_ORDINALS) else f"第{n}"
            if parts:
                parts[-1] += word
            else:
                parts.append(word)
        else:
            parts.append(FIELD_NAMES.get(p, p))
    return " · ".join(parts)


_label = field_label

#: the trial stage a case number names (刑初 first instance, 刑终 second, 刑再/刑申 retrial)
STAGES = (("刑初", "一审"), ("刑终", "二审"), ("刑再", "再审"), ("刑申", "再审审查"), ("刑更", "减刑假释"))


def hit_title(hit: dict[str, Any]) -> str:
    """A result's title as case-search sites write it: 盗窃一审刑事判决书 (charges, stage, kind);
    the file name only when nothing else is known."""
    number = hit.get("case_number") or ""
    stage = hit.get("trial_stage") or next((name for code, name in STAGES if code in number), "")
    charges = "、".join(c[:-1] if c.endswith("罪") else c for c in (hit.get("charges") or [])[:2])
    kind = hit.get("doc_type") or ""
    title = f"{charges}{stage}{kind}" if (charges or kind) else ""
    return title or str(hit.get("filename") or "")


templates.env.globals["hit_title"] = hit_title


def review_bar(handwritten: bool) -> float:
    """The confidence below which the page view marks a line for review: the bars of
    ``ocr.document.needs_review`` (print's, or the higher one of a handwritten line)."""
    from ocr.document import REVIEW_LINE_CONFIDENCE
    from ocr.handwriting import HANDWRITING_REVIEW_CONFIDENCE

    return HANDWRITING_REVIEW_CONFIDENCE if handwritten else REVIEW_LINE_CONFIDENCE


templates.env.globals["review_bar"] = review_bar


def _closeness(value: float | None, what: str) -> str | None:
    if value is None:
        return None  # one of the two cases does not state it: nothing to compare
    if value >= 0.8:
        return f"{what}相近"
    if value >= 0.5:
        return f"{what}有一定差距"
    return f"{what}差距较大"


def similar_reasons(ex: dict[str, Any]) -> tuple[list[str], bool]:
    """Why a case is comparable, in legal terms (罪名相同, 情节相同, 金额相近 …), and whether the
    match is weak (no charge in common and little else): the page says so."""
    reasons = []
    if ex.get("shared_charges"):
        reasons.append("罪名相同：" + "、".join(ex["shared_charges"]))
    elif (ex.get("charges") or 0) >= 0.5:
        reasons.append("罪名相关（同类犯罪）")
    if ex.get("shared_circumstances"):
        reasons.append("量刑情节相同：" + "、".join(ex["shared_circumstances"]))
    for key, what in (("amount", "涉案金额"), ("blood_alcohol", "血液酒精含量"),
                      ("quantity", "涉案数量")):
        said = _closeness(ex.get(key), what)
        if said:
            reasons.append(said)
    weak = not ex.get("shared_charges") and (ex.get("charges") or 0) < 0.5
    return reasons, weak


templates.env.globals["similar_reasons"] = similar_reasons


def format_months(value: Any) -> str:
    """A term as judges write it: 14个月 under a year … 1年2个月, 2年; half months kept (4.5个月),
    never a float artefact (13.500000000000002)."""
    if value is None or value == "":
        return "—"
    try:
        months = round(float(value) * 2) / 2  # to the half month
    except (TypeError, ValueError):
        return str(value)
    whole = int(months)
    half = "半" if months - whole else ""
    if months < 12:
        return f"{whole}个{half}月" if half and whole else ("半个月" if half else f"{whole}个月")
    years, rest = divmod(whole, 12)
    if rest == 0 and not half:
        return f"{years}年"
    return f"{years}年{rest}个{half}月" if half else f"{years}年{rest}个月"


def format_term(value: Any) -> str:
    """A sentence's term as the judgment writes it: whole months as ``format_months``, days kept
    (2.5 → 2个月15日 for 拘役二个月十五日; extraction stores days as a fraction of 30)."""
    if value is None or value == "":
        return "—"
    try:
        whole, days = divmod(round(float(value) * 30), 30)
    except (TypeError, ValueError):
        return str(value)
    if not days:
        return format_months(whole)
    return (format_months(whole) if whole else "") + f"{days}日"


templates.env.filters["months"] = format_months
templates.env.filters["term"] = format_term


def _provenance(prov: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The provenance of a path, else of its nearest ancestor."""
    parts = path.split("/")
    for n in range(len(parts), 0, -1):
        hit = prov.get("/".join(parts[:n]))
        if hit:
            return dict(hit)
    return None


@router.get("/documents/{document_id}/original")
def original_file(document_id: int, settings: SettingsDep, user: PageUser) -> Response:
    """The original as uploaded (audited like the API's download)."""
    return routes_documents.get_file(document_id, settings, user)


@router.get("/documents/{document_id}/searchable.pdf", response_model=None)
def searchable_file(request: Request, document_id: int, settings: SettingsDep,
                    user: PageUser) -> Response:
    """The scan as a searchable PDF; a text-only document says to download the original."""
    try:
        return routes_documents.get_searchable_pdf(document_id, settings, user)
    except HTTPException as exc:
        return error_page(request, user, exc)


#: an extracted value below this confidence is marked for a person to check (as /review lists)
LOW_CONFIDENCE = 0.8


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(request: Request, document_id: int, settings: SettingsDep, user: PageUser,
                  page: int = 1,
                  back: Annotated[str | None, Query(max_length=1000)] = None,
                  note_err: Annotated[str | None, Query(max_length=500)] = None,
                  retried: bool = False) -> HTMLResponse:
    try:
        doc = routes_documents.get_document(document_id, settings, user)
    except HTTPException as exc:
        return error_page(request, user, exc)
    page = max(1, min(page, doc["page_count"] or 1))
    try:
        page_data: dict[str, Any] | None = routes_documents.get_page(document_id, page,
                                                                     settings, user)
    except HTTPException:
        page_data = None
    fields = []
    for path, value in _leaves(doc["fields"]):
        prov = _provenance(doc["provenance"], path)
        kind = ("number" if isinstance(value, int | float) and not isinstance(value, bool)
                else "list" if isinstance(value, list) else "bool" if isinstance(value, bool)
                else "text")
        shown = ("、".join(map(str, value)) if isinstance(value, list)
                 else "是" if value is True else "否" if value is False
                 else "" if value is None else str(value))
        confidence = (prov or {}).get("confidence")
        fields.append({"path": path, "label": _label(path), "value": value, "shown": shown,
                       "kind": kind, "prov": prov,
                       "empty": value is None or value == [] or value == "",
                       "low": (confidence is not None and confidence < LOW_CONFIDENCE
                               and not (prov or {}).get("corrected"))})
    has_image = has_page_images(doc["mime"]) and page_data is not None
    # back to the results the user came from (our own search or list pages only)
    back_to = back if back and back.startswith(("/search", "/documents", "/review", "/cases")) \
        else None
    return render(request, "document.html", user, doc=doc, page=page, page_data=page_data,
                  fields=fields, has_image=has_image, back=back_to, note_err=note_err,
                  retried=retried,
                  ann=user_notes.of_object(settings, user, "document", document_id),
                  low_count=sum(1 for f in fields if f["low"]),
                  can_edit=user.role in ("clerk", "police", "admin"))


@router.get("/documents/{document_id}/pages/{number}.png")
def page_image(document_id: int, number: int, settings: SettingsDep, user: PageUser,
               full: bool = False) -> Response:
    """The page at screen size, or ``full=1`` at 200 dpi (the render budget still applies)."""
    from services.render import NoPageImage, Unrenderable, page_png

    doc = visible_document(settings, user, document_id)
    try:
        png = page_png(settings, doc.sha256, doc.mime, number, dpi=200 if full else 100)
    except Unrenderable as exc:
        raise HTTPException(422, str(exc)) from exc
    except NoPageImage as exc:
        raise HTTPException(404, str(exc)) from exc
    with session_scope(settings.db_url) as s:
        audit.record(s, "page.image", user_id=user.id, object_type="document", object_id=doc.id,
                     detail={"page": number})
    # never kept by the browser: a shared computer must not show dossier pages after sign-out
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


# --- prosecutor: search, case -------------------------------------------------------------------
def _search(settings: Settings, user: User, q: str, charge: str | None, court: str | None,
            doc_type: str | None, year: str | None, group_by_case: bool, sort: str,
            page: int, size: int, more: dict[str, str | None] | None = None) -> dict[str, Any]:
    """The search the page and its downloads run: an empty query lists the newest first.
    `more`: the date range, court level, trial stage and article filters."""
    year_n = int(year) if year and year.isdigit() and 1900 <= int(year) <= 2100 else None
    newest = not q.strip() or sort == "date"
    more = more or {}
    return routes_search.search(
        settings, user, q=q[:1000], charge=charge, court=court, doc_type=doc_type, year=year_n,
        case_id=None, group_by_case=group_by_case, sort="date" if newest else "relevance",
        page=page, size=size, date_from=more.get("date_from"), date_to=more.get("date_to"),
        court_level=more.get("court_level"), trial_stage=more.get("trial_stage"),
        article=more.get("article"))


def _more_filters(date_from: str | None, date_to: str | None, court_level: str | None,
                  trial_stage: str | None, article: str | None) -> dict[str, str | None]:
    return {"date_from": date_from, "date_to": date_to, "court_level": court_level,
            "trial_stage": trial_stage, "article": article}


def _suggestions(q: str, params: dict[str, Any], link: Any) -> list[tuple[str, str]]:
    """Ways out of an empty result: drop the filters, the quotation marks, or search words."""
    out = []
    if any(params.get(k) for k in FILTERS):
        out.append(("去掉筛选条件", "/search?" + urlencode({"q": q})))
    bare = re.sub(r"[\"“”「」]", " ", q).strip()
    if bare != q.strip() and bare:
        out.append((f"不加引号检索：{bare}", link(q=bare)))
    words = bare.split()
    if len(words) > 1:
        out.append((f"只检索“{words[0]}”", link(q=words[0])))
    elif len(bare) > 4:
        out.append((f"检索较短的词：{bare[:4]}", link(q=bare[:4])))
    return out


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, settings: SettingsDep, user: PageUser, q: str = "",
                charge: str | None = None, court: str | None = None,
                doc_type: str | None = None, year: str | None = None,
                group_by_case: bool = False, sort: str = "relevance",
                page: int = 1, saved: Annotated[str | None, Query(max_length=100)] = None,
                saved_err: Annotated[str | None, Query(max_length=500)] = None,
                date_from: Annotated[str | None, Query(max_length=20)] = None,
                date_to: Annotated[str | None, Query(max_length=20)] = None,
                court_level: Annotated[str | None, Query(max_length=20)] = None,
                trial_stage: Annotated[str | None, Query(max_length=20)] = None,
                article: Annotated[str | None, Query(max_length=40)] = None,
                ) -> HTMLResponse:
    more = _more_filters(date_from, date_to, court_level, trial_stage, article)
    for key, value in more.items():  # shown as the index holds them: 264 -> 第264条
        with contextlib.suppress(QuerySyntaxError):  # else the search below says what is wrong
            more[key] = filter_value(key, value) if value and value.strip() else None  # type: ignore[arg-type]
    params: dict[str, Any] = {k: v for k, v in {
        "q": q, "charge": charge, "court": court, "doc_type": doc_type, "year": year, **more,
        "group_by_case": "1" if group_by_case else None,
        "sort": sort if sort == "date" else None}.items() if v}
    result, error = None, None
    page = max(1, min(page, 1000))
    try:
        result = _search(settings, user, q, charge, court, doc_type, year, group_by_case, sort,
                         page, 10, more)
    except HTTPException as exc:
        error = str(exc.detail)

    def link(**change: Any) -> str:
        merged = {**params, **change}
        merged.pop("page", None) if "page" not in change else None
        return "/search?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})

    suggestions = _suggestions(q, params, link) if result is not None and not result["total"] \
        else []
    return render(request, "search.html", user, q=q, params=params, result=result, error=error,
                  page=page, link=link, group_by_case=group_by_case, sort=sort,
                  suggestions=suggestions, newest=not q.strip(), saved=saved,
                  saved_err=saved_err, saved_searches=user_notes.saved_searches(settings, user),
                  export_query=urlencode({k: v for k, v in params.items()}),
                  filters=FILTERS, court_levels=COURT_LEVELS, trial_stages=TRIAL_STAGES)


#: the most rows one download of search results holds
EXPORT_HITS = 500


@router.get("/search/export", response_model=None)
def search_export(request: Request, settings: SettingsDep, user: PageUser,
                  format: Literal["csv", "xlsx"] = "csv", q: str = "",
                  charge: str | None = None, court: str | None = None,
                  doc_type: str | None = None, year: str | None = None,
                  group_by_case: bool = False, sort: str = "relevance",
                  date_from: Annotated[str | None, Query(max_length=20)] = None,
                  date_to: Annotated[str | None, Query(max_length=20)] = None,
                  court_level: Annotated[str | None, Query(max_length=20)] = None,
                  trial_stage: Annotated[str | None, Query(max_length=20)] = None,
                  article: Annotated[str | None, Query(max_length=40)] = None) -> Response:
    """The results of a search as CSV or XLSX (the first EXPORT_HITS, in the page's order)."""
    rows: list[list[Any]] = []
    more = _more_filters(date_from, date_to, court_level, trial_stage, article)
    try:
        for page in range(1, EXPORT_HITS // 100 + 1):
            result = _search(settings, user, q, charge, court, doc_type, year, group_by_case,
                             sort, page, 100, more)
            for h in result["hits"]:
                snippet = re.sub(r"<[^>]+>", "", " … ".join(h.get("highlights") or []))
                rows.append([hit_title(h), h.get("case_number") or "", h.get("court") or "",
                             h.get("date") or "", "、".join(h.get("charges") or []),
                             h.get("page") or "", h.get("filename") or "", snippet])
            if len(result["hits"]) < 100:
                break
    except HTTPException as exc:
        return error_page(request, user, exc)
    header = ["标题", "案号", "法院", "日期", "罪名", "页", "文件", "摘要"]
    title = [[f"检索结果：{q or '（全部）'}"], [f"共导出 {len(rows)} 条（最多 {EXPORT_HITS} 条）"]]
    return table_download(header, rows, format, "search-results", title)


def table_download(header: list[str], rows: list[list[Any]], format: str, name: str,
                   title_lines: list[list[Any]] | None = None) -> Response:
    """A table as a CSV or XLSX attachment."""
    if format == "xlsx":
        data = tables.to_xlsx(header, rows, title_lines or [])
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data, media = tables.to_csv(header, rows), "text/csv; charset=utf-8"
    return Response(data, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}.{format}"'})


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int, settings: SettingsDep, user: PageUser,
              business: Annotated[str | None, Query(max_length=4)] = None,
              err: Annotated[str | None, Query(max_length=4000)] = None,
              msg: Annotated[str | None, Query(max_length=500)] = None,
              note_err: Annotated[str | None, Query(max_length=500)] = None) -> HTMLResponse:
    try:
        case = routes_search.get_case(case_id, settings, user)
        # the completeness checklist, as the push's gate would read the dossier now
        checklist = call(completeness.check, settings, user, case_id,
                         business.upper() if business else None)
    except HTTPException as exc:
        return error_page(request, user, exc)
    with session_scope(settings.db_url) as s:
        docs = [{"id": d.id, "filename": d.filename, "doc_type": d.doc_type, "status": d.status,
                 "date": d.decision_date, "court": d.court, "pages": d.page_count}
                for d in s.execute(select(Document).where(Document.case_id == case_id)
                                   .order_by(Document.decision_date, Document.id)).scalars()]
        parties: dict[tuple[str, str], dict[str, Any]] = {}
        for p in s.execute(select(Party).where(Party.case_id == case_id)
                           .order_by(Party.role, Party.position)).scalars():
            parties.setdefault((p.role, p.name), {"role": p.role, "name": p.name,
                                                  "gender": p.gender,
                                                  "birth_date": p.birth_date})
    return render(request, "case.html", user, case=case, docs=docs,
                  parties=list(parties.values()), chk=checklist, err=err, msg=msg,
                  note_err=note_err, ann=user_notes.of_object(settings, user, "case", case_id))


# --- judge: similar cases, sentencing -----------------------------------------------------------
@router.get("/cases/{case_id}/similar", response_class=HTMLResponse)
async def similar_page(request: Request, case_id: int, settings: SettingsDep,
                       user: PageUser) -> HTMLResponse:
    try:
        case = await run_in_threadpool(routes_search.get_case, case_id, settings, user)
        result = await routes_search.similar_cases(case_id, settings, user, k=10)
    except HTTPException as exc:
        return error_page(request, user, exc)
    return render(request, "similar.html", user, case=case, results=result["results"])


def _bin_position(months: float, edges: list[float]) -> float:
    """Where a term lies on the chart's x axis, counted in bins (bins are drawn equally wide)."""
    for i in range(len(edges) - 1):
        lo, hi = edges[i], edges[i + 1]
        if months < hi:
            return i + max(0.0, (months - lo) / (hi - lo))
    return len(edges) - 1.05  # beyond the last edge: the right end of the open last bin


def histogram_svg(stats: dict[str, Any], proposed: float | None) -> dict[str, Any] | None:
    """Geometry of the inline SVG bar chart: bars, axis labels, median and proposed markers."""
    hist = stats.get("histogram") or {}
    counts: list[int] = hist.get("counts") or []
    if not counts:
        return None
    labels: list[str] = hist.get("labels") or [str(i) for i in range(len(counts))]
    edges: list[float] = hist.get("edges") or list(range(len(counts) + 1))
    width, height, left, top, bottom = 720, 300, 40, 40, 60
    plot_w, plot_h = width - left - 8, height - top - bottom
    slot = plot_w / len(counts)
    peak = max(max(counts), 1)
    bars = []
    for i, (n, label) in enumerate(zip(counts, labels, strict=False)):
        h = plot_h * n / peak
        bars.append({"x": round(left + i * slot + 2, 1), "w": round(slot - 4, 1),
                     "y": round(top + plot_h - h, 1), "h": round(h, 1), "n": n,
                     "ny": round(top + plot_h - h + 20 if h >= 26 else top + plot_h - h - 4, 1),
                     "inside": h >= 26,
                     "label": label, "cx": round(left + (i + 0.5) * slot, 1)})

    def marker(months: float | None) -> float | None:
        if months is None:
            return None
        return round(left + _bin_position(float(months), edges) * slot, 1)

    terms = stats.get("term_months") or {}
    p10, p90 = marker(terms.get("p10")), marker(terms.get("p90"))
    median, prop = marker(terms.get("median")), marker(proposed)

    def anchor(x: float | None) -> str:
        return "end" if x is not None and x > left + plot_w - 120 else "start"

    return {"width": width, "height": height, "top": top, "base": top + plot_h, "left": left,
            "right": left + plot_w, "bars": bars, "peak": peak,
            "range": (p10, p90) if p10 is not None and p90 is not None else None,
            "median": median, "median_months": terms.get("median"),
            "median_anchor": anchor(median), "proposed": prop, "proposed_months": proposed,
            "proposed_anchor": anchor(prop)}


@router.get("/facts", response_class=HTMLResponse)
def facts_form(request: Request, user: PageUser) -> HTMLResponse:
    return render(request, "facts.html", user, facts="", charges="", proposed=None,
                  result=None, error=None)


@router.post("/facts", response_class=HTMLResponse)
async def facts_page(request: Request, settings: SettingsDep, user: PageUser,
                     facts: Annotated[str, Form()] = "", charges: Annotated[str, Form()] = "",
                     proposed_months: Annotated[str, Form()] = "") -> HTMLResponse:
    """Sentencing of comparable cases for pasted facts (POST /api/v1/sentencing)."""
    _same_site_form(request)
    names = [c.strip() for c in re.split(r"[、,，;；\s]+", charges) if c.strip()]
    context: dict[str, Any] = {"facts": facts, "charges": charges, "proposed": None,
                               "result": None, "error": None}
    overrides = overrides_from(await request.form())  # the guideline inputs, changed
    try:
        proposed = float(proposed_months) if proposed_months.strip() else None
        body = SentencingRequest(facts=facts.strip(), charges=names or None,
                                 proposed_months=proposed, k=20, overrides=overrides)
    except (ValueError, ValidationError):
        context["error"] = "请填写至少 10 个字的案件事实；拟判刑期须为 0–600 之间的月数。"
        return render(request, "facts.html", user, status_code=422, **context)
    try:
        result = await routes_sentencing.facts_sentencing(body, settings, user)
    except HTTPException as exc:
        return error_page(request, user, exc)
    stats = result["stats"]
    context.update(proposed=proposed, result=result, stats=stats,
                   chart=histogram_svg(stats, proposed), form=sentence_estimate.form_table(),
                   edited=overrides is not None)
    return render(request, "facts.html", user, **context)


@router.get("/cases/{case_id}/sentencing", response_class=HTMLResponse)
async def sentencing_page(request: Request, case_id: int, settings: SettingsDep,
                          user: PageUser, proposed_months: str | None = None) -> HTMLResponse:
    notice = None
    try:
        proposed = float(proposed_months) if proposed_months else None
        if proposed is not None and not 0 <= proposed <= 600:
            raise ValueError
    except ValueError:
        proposed = None
        notice = f"拟判刑期「{proposed_months}」无效：请填写 0–600 之间的月数，本次未作比较"
    overrides = guideline_overrides(request)
    try:
        case = await run_in_threadpool(routes_search.get_case, case_id, settings, user)
        result = await routes_sentencing.sentencing_with(case_id, settings, user, 20, proposed,
                                                         overrides)
    except HTTPException as exc:
        return error_page(request, user, exc)
    stats = result["stats"]
    return render(request, "sentencing.html", user, case=case, result=result, stats=stats,
                  chart=histogram_svg(stats, proposed), proposed=proposed,
                  form=sentence_estimate.form_table(), edited=overrides is not None,
                  notice=notice)


def guideline_overrides(request: Request) -> routes_sentencing.Overrides | None:
    """A judge's inputs from the sentencing page's form (GET)."""
    return overrides_from(request.query_params)


def overrides_from(q: Any) -> routes_sentencing.Overrides | None:
    """A judge's inputs from the guideline form (`edited=1`; query or form data): measures
    m_<name>, flags f, circumstances c, percentages p_<circumstance>; a bad number is left
    out."""
    if q.get("edited") != "1":
        return None
    measures: dict[str, float | None] = {}
    for key in sentence_estimate.MEASURE_LABELS:
        raw = (q.get(f"m_{key}") or "").strip()
        try:
            value = float(raw) if raw else None
        except ValueError:
            continue
        measures[key] = value if value is None or 0 <= value <= 10**9 else None
    percentages: dict[str, float] = {}
    for key, raw in q.items():
        if key.startswith("p_") and raw.strip():
            try:
                percentages[key[2:]] = min(100.0, max(0.0, float(raw)))
            except ValueError:
                continue
    # the flags and circumstances the form offers, each once: never cut to a count, which
    # dropped the last ones a judge checked once the form offered more than the cap
    known = sentence_estimate.form_keys()
    flags = [f for f in dict.fromkeys(q.getlist("f")) if f in known["flags"]]
    circumstances = [c for c in dict.fromkeys(q.getlist("c")) if c in known["circumstances"]]
    try:
        return routes_sentencing.Overrides(measures=measures, flags=flags,
                                           circumstances=circumstances, percentages=percentages)
    except ValidationError:
        return None
