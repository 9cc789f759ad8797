"""Helpers of the workflow tests: four agencies with one user each, a settable clock, documents.

Not a test module (pytest collects nothing here). ``World`` drives the API in-process as each
agency's own user, with "now" moved by ``World.at(...)`` through the ``workflow_now`` dependency
(never by sleeping).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from models.db import session_scope
from models.schema import AuditEvent, Case, Document
from models.settings import Settings
from workflow.deadlines import CST

AGENCIES = {  # code: (name, kind, user, role)
    "police-lz": ("兰州市公安局城关分局", "police", "pol", "police"),
    "proc-lz": ("兰州市城关区人民检察院", "procuratorate", "pros", "prosecutor"),
    "court-lz": ("兰州市城关区人民法院", "court", "judge", "judge"),
    "court-lz2": ("兰州市中级人民法院", "court", "judge2", "judge"),
    "justice-lz": ("兰州市城关区司法局", "justice", "just", "justice"),
}


@dataclass
class World:
    client: TestClient
    settings: Settings
    tokens: dict[str, str]
    now: list[datetime] = field(default_factory=lambda: [datetime(2025, 3, 3, 9, 0, tzinfo=CST)])

    def at(self, text: str) -> datetime:
        """Move the workflow's clock to ``text`` (China time)."""
        self.now[0] = datetime.fromisoformat(text).replace(tzinfo=CST)
        return self.now[0]

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, who: str, url: str, **params: Any) -> Any:
        return self.client.get(url, params=params, headers=self.h(who))

    def post(self, who: str, url: str, body: Any = None, **kw: Any) -> Any:
        return self.client.post(url, json=body, headers={**self.h(who), **kw.pop("headers", {})},
                                **kw)

    def push(self, who: str, case_id: int, code: str, to: str, docs: list[int] | None = None,
             **extra: Any) -> Any:
        return self.post(who, f"/api/v1/cases/{case_id}/businesses",
                         {"code": code, "to_agency": to, "document_ids": docs or [], **extra})

    def act(self, who: str, case_id: int, action: str, **extra: Any) -> Any:
        return self.post(who, f"/api/v1/cases/{case_id}/actions", {"action": action, **extra})

    def move(self, who: str, business_id: int, name: str, **body: Any) -> Any:
        return self.post(who, f"/api/v1/businesses/{business_id}/{name}", body or None)

    def audit(self, action_prefix: str = "business.") -> list[AuditEvent]:
        with session_scope(self.settings.db_url) as s:
            rows = s.execute(select(AuditEvent).where(AuditEvent.action.like(action_prefix + "%"))
                             .order_by(AuditEvent.id)).scalars().all()
            for r in rows:
                s.expunge(r)
            return list(rows)


def make_world(settings: Settings) -> World:
    """Migrated data pool, the agencies of AGENCIES with their kinds, one user each."""
    from api.app import create_app
    from api.auth import add_user, get_or_create_agency, issue_token
    from api.routes.workflow import workflow_now

    app = create_app(settings)
    tokens = {}
    with session_scope(settings.db_url) as s:
        for code, (name, kind, user, role) in AGENCIES.items():
            get_or_create_agency(s, code, name, kind)
            tokens[user] = issue_token(s, add_user(s, user, role, code), 24)
    world = World(TestClient(app), settings, tokens)
    app.dependency_overrides[workflow_now] = lambda: world.now[0]
    return world


def add_case(settings: Settings, agency: str, number: str,
             documents: dict[str, str]) -> tuple[int, dict[str, int]]:
    """A case of ``agency`` holding processed documents of the given kinds (kind → text):
    what the pipeline would have stored, without loading any model."""
    from models.schema import Agency

    with session_scope(settings.db_url) as s:
        ag = s.execute(select(Agency).where(Agency.code == agency)).scalar_one()
        case = Case(case_number=number, agency_id=ag.id, title=number)
        s.add(case)
        s.flush()
        ids = {}
        for kind, text in documents.items():
            data = text.encode("utf-8")
            doc = Document(case_id=case.id, filename=f"{kind}.txt",
                           sha256=hashlib.sha256(data).hexdigest(), mime="text/plain",
                           size=len(data), page_count=1, status="processed", doc_type=kind,
                           doc_type_confidence=1.0, fields={"doc_type": kind})
            s.add(doc)
            s.flush()
            ids[kind] = doc.id
        return case.id, ids
