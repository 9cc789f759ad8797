"""The document's fields in the data pool: extraction writes and clerks' corrections, in one place.

A field is addressed by a path ("defendants/0/charges/1"). The machine's values and a person's
corrections are both FieldValue rows; the document's ``fields`` is always the machine's result
with every correction applied (shorter paths first), and the Party/Charge/Sentence rows are
rewritten from it, so search facets, similar cases and sentencing see what the clerk decided.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from models import audit
from models.db import session_scope
from models.records import Extracted
from models.schema import Charge, Document, EvidenceItem, FieldValue, Party, Sentence
from models.settings import Settings

#: a correction may append at most this far past the end of a list (no 10,000 empty rows)
MAX_LIST_GROWTH = 1


def _key(part: str) -> str | int:
    return int(part) if part.isdigit() else part


def get_path(fields: Any, path: str) -> Any:
    node = fields
    for part in path.split("/"):
        k = _key(part)
        try:
            node = node[k]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def set_path(fields: dict[str, Any], path: str, value: Any) -> None:
    """Set a value, growing lists/dicts as needed; raises KeyError for an impossible path."""
    parts = [_key(p) for p in path.split("/")]
    node: Any = fields
    for i, k in enumerate(parts[:-1]):
        nxt: Any = [] if isinstance(parts[i + 1], int) else {}
        if isinstance(k, int):
            if not isinstance(node, list):
                raise KeyError(path)
            while len(node) <= k:
                node.append(copy.deepcopy(nxt))
            node = node[k]
        else:
            if not isinstance(node, dict):
                raise KeyError(path)
            node = node.setdefault(k, nxt)
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(node, list):
            raise KeyError(path)
        while len(node) <= last:
            node.append(None)
        node[last] = value
    else:
        if not isinstance(node, dict):
            raise KeyError(path)
        node[last] = value


def list_overreach(fields: Any, path: str) -> str | None:
    """The prefix of ``path`` whose list index lies beyond the end of its list by more than
    MAX_LIST_GROWTH (a typo such as defendants/9999 would create thousands of rows), or None."""
    node = fields
    parts = path.split("/")
    for i, part in enumerate(parts):
        k = _key(part)
        if isinstance(k, int):
            size = len(node) if isinstance(node, list) else 0
            if k >= size + MAX_LIST_GROWTH:
                return "/".join(parts[: i + 1])
        try:
            node = node[k]
        except (KeyError, IndexError, TypeError):
            node = None
    return None


def apply_corrections(fields: dict[str, Any], corrections: dict[str, Any]) -> dict[str, Any]:
    """A person's correction wins over the machine; shorter paths first so nested ones refine."""
    out = copy.deepcopy(fields)
    for path in sorted(corrections, key=lambda p: p.count("/")):
        set_path(out, path, corrections[path])
    return out


def _corrections(s: Any, doc_id: int) -> dict[str, Any]:
    return {c.path: c.value for c in s.execute(select(FieldValue).where(
        FieldValue.document_id == doc_id, FieldValue.corrected.is_(True))).scalars()}


def _apply_fields(s: Any, doc: Document, fields: dict[str, Any], extractor: str, *,
                  type_corrected: bool, evidence: list[dict[str, Any]] | None = None) -> None:
    """Write the derived columns and rows of a document from its (corrected) fields."""
    doc.fields = fields
    if type_corrected:  # a clerk's type wins, as the kind its title names
        from extraction.classify import kind_of_title

        doc.doc_type = kind_of_title(fields.get("doc_type")) or fields.get("doc_type")
        doc.doc_type_confidence = 1.0
    doc.court = fields.get("court") or fields.get("procuratorate")
    doc.decision_date = fields.get("judgment_date")
    replace_parties(s, doc, fields, extractor, evidence)


def store_extraction(settings: Settings, doc_id: int, result: Extracted, extractor: str) -> None:
    """The machine's fields with provenance; the clerks' corrections are kept and re-applied.
    Which case the document belongs to by its 案号 is decided next, under a lock of its own
    (`services.processing.settle_case`)."""
    with session_scope(settings.db_url) as s:
        doc = s.get(Document, doc_id)
        assert doc is not None
        s.execute(delete(FieldValue).where(FieldValue.document_id == doc_id,
                                           FieldValue.corrected.is_(False)))
        for path, prov in result.provenance.items():
            s.add(FieldValue(document_id=doc_id, path=path, value=get_path(result.fields, path),
                             page=prov.page, start=prov.start, end=prov.end,
                             confidence=prov.confidence, extractor=prov.extractor))
        corrected = _corrections(s, doc_id)
        fields = apply_corrections(result.fields, corrected)
        doc.facts = result.facts
        doc.doc_type = result.doc_kind or fields.get("doc_type")
        doc.doc_type_confidence = result.doc_type_confidence
        _apply_fields(s, doc, fields, extractor, type_corrected="doc_type" in corrected,
                      evidence=result.evidence)


@dataclass(frozen=True)
class Corrected:
    document_id: int
    path: str
    value: Any
    doc_type: str | None
    fields: dict[str, Any]


def correct_field(settings: Settings, doc_id: int, path: str, value: Any, user_id: int,
                  user_name: str) -> Corrected:
    """Store a clerk's value for one field and re-derive the document from it, audited.

    The document row is locked for the transaction (PostgreSQL ``FOR UPDATE``; SQLite writes
    are serialised anyway), so the audit's "before" is the value this correction replaced even
    when two clerks correct the same field at once.
    """
    extractor = f"clerk {user_name}"[:80]
    with session_scope(settings.db_url) as s:
        row = s.execute(select(Document).where(Document.id == doc_id).with_for_update()
                        ).scalar_one()
        before = get_path(row.fields or {}, path)
        # a correction of a whole list or object supersedes earlier ones inside it
        s.execute(delete(FieldValue).where(
            FieldValue.document_id == doc_id, FieldValue.corrected.is_(True),
            (FieldValue.path == path) | FieldValue.path.startswith(path + "/")))
        s.add(FieldValue(document_id=doc_id, path=path, value=value, confidence=1.0,
                         extractor=extractor, corrected=True, corrected_by=user_id))
        s.flush()
        fields = apply_corrections(row.fields or {}, _corrections(s, doc_id))
        _apply_fields(s, row, fields, extractor, type_corrected=path == "doc_type")
        audit.record(s, "field.correct", user_id=user_id, object_type="document",
                     object_id=doc_id, detail={"path": path, "before": before, "after": value})
        done = Corrected(doc_id, path, value, row.doc_type, fields)
    if path == "case_number":  # a misread 案号 put right: the document may join its case now
        from services import case_identity

        case_identity.settle(settings, doc_id)
    return done


def replace_parties(s: Any, doc: Document, fields: dict[str, Any], extractor: str,
                    evidence: list[dict[str, Any]] | None = None) -> None:
    """Rewrite the Party/Charge/Sentence rows from ``fields``; also the EvidenceItem rows when
    ``evidence`` is given (a correction of a field leaves the evidence list as it is)."""
    s.execute(delete(Charge).where(Charge.document_id == doc.id))
    s.execute(delete(Sentence).where(Sentence.document_id == doc.id))
    s.execute(delete(Party).where(Party.document_id == doc.id))
    if evidence is not None:
        s.execute(delete(EvidenceItem).where(EvidenceItem.document_id == doc.id))
    s.flush()
    for i, d in enumerate(fields.get("defendants") or []):
        if not isinstance(d, dict):
            continue
        party = Party(document_id=doc.id, case_id=doc.case_id, role="defendant", position=i,
                      name=(d.get("name") or "")[:120], gender=d.get("gender"),
                      birth_date=d.get("birth_date"), ethnicity=d.get("ethnicity"))
        s.add(party)
        s.flush()
        for c in d.get("charges") or []:
            s.add(Charge(document_id=doc.id, party_id=party.id, name=c))
        sen = d.get("sentence") or {}
        if any(sen.get(k) for k in ("principal", "term_months", "fine_yuan", "confiscation")):
            s.add(Sentence(document_id=doc.id, party_id=party.id, principal=sen.get("principal"),
                           term_months=sen.get("term_months"),
                           probation_months=sen.get("probation_months"),
                           fine_yuan=sen.get("fine_yuan"),
                           confiscation=bool(sen.get("confiscation"))))
    for role, key in (("victim", "victims"), ("counsel", "defense_counsel")):
        for i, name in enumerate(fields.get(key) or []):
            if name:
                s.add(Party(document_id=doc.id, case_id=doc.case_id, role=role, position=i,
                            name=str(name)[:120]))
    for i, item in enumerate(evidence or []):
        s.add(EvidenceItem(document_id=doc.id, position=i, kind=item.get("kind"),
                           text=item.get("text") or "", page=item.get("page")))
