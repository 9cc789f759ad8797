"""Clerks' corrections of extracted fields: stored as such, audited, and kept over re-extraction."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from api.deps import SettingsDep, UserDep, require_role, writable_document
from api.routes.schemas import CorrectionOut
from extraction.paths import checker
from services import indexing, records

router = APIRouter(prefix="/api/v1", tags=["documents"])


class Correction(BaseModel):
    value: Any = None


@router.put("/documents/{document_id}/fields/{path:path}", response_model=CorrectionOut)
def correct_field(document_id: int, path: str, body: Correction, settings: SettingsDep,
                  user: UserDep) -> dict[str, Any]:
    """Set one field (a SCHEMA.md path such as ``defendants/0/sentence/term_months`` or
    ``doc_type``) to a clerk's value; it wins over the extractor now and after every re-run."""
    # whoever keeps the dossier corrects it: a court or procuratorate clerk, and the police
    require_role(user, "clerk", "police")
    doc = writable_document(settings, user, document_id)
    path = path.strip("/")
    check = checker(path)
    if check is None:
        raise HTTPException(422, f"「{path}」不是可更正的字段路径")
    if not check(body.value):
        raise HTTPException(422, f"{body.value!r} 不是字段「{path}」的有效值")
    if (beyond := records.list_overreach(doc.fields or {}, path)) is not None:
        raise HTTPException(422, f"{beyond!r}：更正只能在列表末尾增加一项，不能跳过缺失的项")
    done = records.correct_field(settings, doc.id, path, body.value, user.id, user.name)
    indexing.refresh_document(settings, doc.id)  # charges, court, parties are search facets
    return {"document_id": doc.id, "path": path, "value": body.value, "corrected": True,
            "doc_type": done.doc_type, "fields": done.fields}
