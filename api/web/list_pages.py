"""The lists behind the home page's badges (Chinese): documents by status, fields awaiting
review, cases — paged, filterable and sortable, each over what the user may see.

Every list reads one page (LIMIT/OFFSET over an indexed order) plus its total, so a badge of
thousands opens as fast as one of ten.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from api.deps import SettingsDep
from api.web.pages import STATUS_NAMES, PageUser, field_label, render, table_download
from models.db import session_scope
from models.schema import Case, Document, FieldValue
from models.visibility import visible_case_ids
from services import failures

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
#: the most rows one download of a list holds
EXPORT_ROWS = 10_000
#: a badge's status and the document statuses it stands for
STATUS_GROUPS = {"processing": ("received", "processing"), "failed": ("failed",),
                 "processed": ("processed",)}
STATUS_TITLES = {"processing": "处理中的材料", "failed": "处理失败的材料", "processed": "已完成的材料",
                 None: "全部材料"}
#: the confidence under which an extracted value waits for a person (the home page's badge)
REVIEW_BELOW = 0.8


def _pager(path: str, page: int, total: int, **params: Any) -> dict[str, Any]:
    pages = max(1, -(-total // PAGE_SIZE))

    def link(n: int) -> str:
        query = {k: v for k, v in {**params, "page": n}.items() if v not in (None, "", 1)}
        return path + ("?" + urlencode(query) if query else "")
    return {"page": page, "pages": pages, "total": total,
            "prev": link(page - 1) if page > 1 else None,
            "next": link(page + 1) if page < pages else None,
            "link": link}


def _like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@router.get("/documents", response_class=HTMLResponse)
def documents_page(request: Request, settings: SettingsDep, user: PageUser,
                   status: Annotated[Literal["processing", "failed", "processed"] | None,
                                     Query()] = None,
                   kind: Annotated[str | None, Query(max_length=60)] = None,
                   q: Annotated[str | None, Query(max_length=100)] = None,
                   sort: Annotated[Literal["newest", "oldest", "name"], Query()] = "newest",
                   page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                   export: Annotated[Literal["csv", "xlsx"] | None, Query()] = None
                   ) -> Response:
    """Documents of the cases the user sees: by status (the badges), kind, a file name or case
    number fragment; newest, oldest or by name."""
    order = {"newest": (Document.id.desc(),), "oldest": (Document.id.asc(),),
             "name": (Document.filename.asc(), Document.id.asc())}[sort]
    with session_scope(settings.db_url) as s:
        where: list[ColumnElement[bool]] = [Document.case_id.in_(visible_case_ids(s, user))]
        if status:
            where.append(Document.status.in_(STATUS_GROUPS[status]))
        if kind:
            where.append(Document.doc_type == kind)
        if q and q.strip():
            like = _like(q.strip())
            where.append(or_(Document.filename.ilike(like, escape="\\"),
                             Case.case_number.ilike(like, escape="\\")))
        base = select(Document, Case.case_number).join(Case, Case.id == Document.case_id)
        total = s.execute(select(func.count()).select_from(
            base.where(and_(*where)).subquery())).scalar_one()
        limit, offset = (EXPORT_ROWS, 0) if export else (PAGE_SIZE, (page - 1) * PAGE_SIZE)
        rows = [{"id": d.id, "filename": d.filename, "status": d.status, "error": d.error,
                 "doc_type": d.doc_type, "pages": d.page_count, "case_id": d.case_id,
                 "case_number": number, "created_at": d.created_at}
                for d, number in s.execute(base.where(and_(*where)).order_by(*order)
                                           .limit(limit).offset(offset))]
        kinds = [k for k in s.execute(select(Document.doc_type).where(
            Document.case_id.in_(visible_case_ids(s, user)), Document.doc_type.is_not(None))
            .distinct().order_by(Document.doc_type)).scalars()]
    if export:
        return table_download(
            ["文件", "案号", "文书类型", "页数", "上传时间", "状态", "原因"],
            [[d["filename"], d["case_number"] or "", d["doc_type"] or "", d["pages"],
              d["created_at"].strftime("%Y-%m-%d %H:%M"), STATUS_NAMES.get(d["status"], ""),
              failures.split(d["error"])[0]] for d in rows],
            export, "documents", [[STATUS_TITLES[status]], [f"共 {total} 份（导出至多 {EXPORT_ROWS} 份）"]])
    pager = _pager("/documents", page, total, status=status, kind=kind, q=q,
                   sort=None if sort == "newest" else sort)
    return render(request, "list_documents.html", user, rows=rows, pager=pager, status=status,
                  kind=kind, q=q or "", sort=sort, kinds=kinds, title=STATUS_TITLES[status],
                  export_query=urlencode({k: v for k, v in {
                      "status": status, "kind": kind, "q": q, "sort": sort}.items() if v}))


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, settings: SettingsDep, user: PageUser,
                page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
    """Extracted values below the review confidence that no clerk has corrected yet, least
    confident first, each linked to the page it was read from."""
    fixed = aliased(FieldValue)
    corrected = (select(fixed.id).where(fixed.document_id == FieldValue.document_id,
                                        fixed.path == FieldValue.path,
                                        fixed.corrected.is_(True)).exists())
    with session_scope(settings.db_url) as s:
        where = and_(Document.case_id.in_(visible_case_ids(s, user)),
                     FieldValue.corrected.is_(False), FieldValue.confidence < REVIEW_BELOW,
                     ~corrected)
        base = (select(FieldValue, Document.filename, Document.case_id)
                .join(Document, Document.id == FieldValue.document_id).where(where))
        total = s.execute(select(func.count()).select_from(base.subquery())).scalar_one()
        rows = [{"document_id": fv.document_id, "filename": filename, "case_id": case_id,
                 "path": fv.path, "label": field_label(fv.path), "value": fv.value,
                 "confidence": fv.confidence, "page": fv.page}
                for fv, filename, case_id in s.execute(
                    base.order_by(FieldValue.confidence, FieldValue.id)
                    .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))]
    return render(request, "list_review.html", user, rows=rows,
                  pager=_pager("/review", page, total), below=REVIEW_BELOW)


@router.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request, settings: SettingsDep, user: PageUser,
               q: Annotated[str | None, Query(max_length=100)] = None,
               sort: Annotated[Literal["newest", "oldest", "number"], Query()] = "newest",
               page: Annotated[int, Query(ge=1, le=100_000)] = 1,
               export: Annotated[Literal["csv", "xlsx"] | None, Query()] = None) -> Response:
    """The cases the user sees (own and shared), with their documents counted."""
    order = {"newest": (Case.id.desc(),), "oldest": (Case.id.asc(),),
             "number": (Case.case_number.asc(), Case.id.asc())}[sort]
    with session_scope(settings.db_url) as s:
        where: list[ColumnElement[bool]] = [Case.id.in_(visible_case_ids(s, user))]
        if q and q.strip():
            like = _like(q.strip())
            where.append(or_(Case.case_number.ilike(like, escape="\\"),
                             Case.title.ilike(like, escape="\\")))
        total = s.execute(select(func.count()).select_from(Case).where(*where)).scalar_one()
        counted = (select(Document.case_id, func.count().label("n"))
                   .group_by(Document.case_id).subquery())
        rows = [{"id": c.id, "case_number": c.case_number, "title": c.title,
                 "case_type": c.case_type, "documents": n or 0,
                 "own": c.agency_id == user.agency_id, "created_at": c.created_at}
                for c, n in s.execute(select(Case, counted.c.n)
                                      .outerjoin(counted, counted.c.case_id == Case.id)
                                      .where(*where).order_by(*order)
                                      .limit(EXPORT_ROWS if export else PAGE_SIZE)
                                      .offset(0 if export else (page - 1) * PAGE_SIZE))]
    if export:
        return table_download(
            ["案号", "案件名称", "案件类型", "材料数", "来源", "建立时间"],
            [[c["case_number"] or f"案件 #{c['id']}", c["title"] or "", c["case_type"] or "",
              c["documents"], "本机关" if c["own"] else "其他机关移送",
              c["created_at"].strftime("%Y-%m-%d")] for c in rows],
            export, "cases", [["案件"], [f"共 {total} 件（导出至多 {EXPORT_ROWS} 件）"]])
    return render(request, "list_cases.html", user, rows=rows, q=q or "", sort=sort,
                  export_query=urlencode({k: v for k, v in {"q": q, "sort": sort}.items() if v}),
                  pager=_pager("/cases", page, total, q=q,
                               sort=None if sort == "newest" else sort))
