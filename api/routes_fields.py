"""Clerks' corrections of extracted fields: stored as such, audited, and kept over re-extraction."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from sqlalchemy import delete, select

from api.deps import SettingsDep, UserDep, require_role, visible_document
from extraction.classify import kind_of_title
from extraction.paths import checker
from models import audit
from models.db import session_scope
from models.schema import Document, FieldValue
from workers.fields import apply_corrections, get_path
from workers.pipeline import _replace_parties

router = APIRouter(prefix="/api/v1", tags=["documents"])


class Correction(BaseModel):
    value: Any = None


@router.put("/documents/{document_id}/fields/{path:path}")
def correct_field(document_id: int, path: str, body: Correction, settings: SettingsDep,
                  user: UserDep) -> dict[str, Any]:
    """Set one field (a SCHEMA.md path such as ``defendants/0/sentence/term_months`` or
    ``doc_type``) to a clerk's value; it wins over the extractor now and after every re-run."""
    require_role(user, "clerk")
    doc = visible_document(settings, user, document_id)
    path = path.strip("/")
    check = checker(path)
    if check is None:
        raise HTTPException(422, f"{path!r} is not a field path of the extraction schema")
    if not check(body.value):
        raise HTTPException(422, f"{body.value!r} is not a valid value for {path!r}")
    extractor = f"clerk {user.name}"[:80]
    with session_scope(settings.db_url) as s:
        row = s.get(Document, doc.id)
        assert row is not None
        before = get_path(row.fields or {}, path)
        # a correction of a whole list or object supersedes earlier ones inside it
        s.execute(delete(FieldValue).where(
            FieldValue.document_id == doc.id, FieldValue.corrected.is_(True),
            (FieldValue.path == path) | FieldValue.path.startswith(path + "/")))
        s.add(FieldValue(document_id=doc.id, path=path, value=body.value, confidence=1.0,
                         extractor=extractor, corrected=True, corrected_by=user.id))
        s.flush()
        corrections = {c.path: c.value for c in s.execute(select(FieldValue).where(
            FieldValue.document_id == doc.id, FieldValue.corrected.is_(True))).scalars()}
        fields = apply_corrections(row.fields or {}, corrections)
        row.fields = fields
        if path == "doc_type":
            row.doc_type = kind_of_title(fields.get("doc_type")) or fields.get("doc_type")
            row.doc_type_confidence = 1.0
        row.court = fields.get("court") or fields.get("procuratorate")
        row.decision_date = fields.get("judgment_date")
        _replace_parties(s, row, fields, extractor)
        audit.record(s, "field.correct", user_id=user.id, object_type="document",
                     object_id=doc.id, detail={"path": path, "before": before,
                                               "after": body.value})
        result = {"document_id": doc.id, "path": path, "value": body.value,
                  "corrected": True, "doc_type": row.doc_type, "fields": fields}
    _reindex(settings, doc.id)
    return result


def _reindex(settings: Any, doc_id: int) -> None:
    """Charges, court and parties are search facets: refresh the document's index entry (parked
    in the outbox while the search engine is down: the correction itself is stored)."""
    from workers import pipeline

    with session_scope(settings.db_url) as s:
        row = s.get(Document, doc_id)
        if row is None or row.status != "processed":
            return
    pipeline.index_document(settings, doc_id)
