"""Tamper-evident audit trail: every event stores the hash of the one before it.

Changing or deleting any row breaks the chain at that row, which ``verify_chain`` reports.
Appends are serialised (PostgreSQL advisory lock; SQLite's single writer) so two concurrent
events can never claim the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.schema import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 0x6A7564  # arbitrary advisory-lock key for the audit chain


def _digest(prev: str, ts: datetime, user_id: int | None, action: str, object_type: str | None,
            object_id: str | None, detail: dict[str, Any]) -> str:
    if ts.tzinfo is None:  # SQLite returns naive datetimes; they were stored as UTC
        ts = ts.replace(tzinfo=UTC)
    body = json.dumps(
        [prev, ts.astimezone(UTC).isoformat(timespec="microseconds"), user_id, action,
         object_type, object_id, detail],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(session: Session, action: str, *, user_id: int | None = None,
           object_type: str | None = None, object_id: object = None,
           detail: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event in the caller's transaction."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    elif bind.dialect.name == "sqlite":
        # Take the write lock now so the read of the last hash and the insert are one step.
        session.execute(text("UPDATE audit_events SET id = id WHERE 0"))
    last = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar_one_or_none()
    prev = last or GENESIS
    ts = datetime.now(UTC)
    oid = None if object_id is None else str(object_id)
    det = detail or {}
    event = AuditEvent(ts=ts, user_id=user_id, action=action, object_type=object_type,
                       object_id=oid, detail=det, prev_hash=prev,
                       hash=_digest(prev, ts, user_id, action, object_type, oid, det))
    session.add(event)
    session.flush()
    return event


@dataclass
class ChainReport:
    ok: bool
    events: int
    broken_at: int | None = None  # id of the first event whose link does not hold
    reason: str | None = None


def verify_chain(session: Session) -> ChainReport:
    prev = GENESIS
    count = 0
    for ev in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        count += 1
        if ev.prev_hash != prev:
            return ChainReport(False, count, ev.id, "previous-hash link broken (row removed or altered before it)")
        expect = _digest(ev.prev_hash, ev.ts, ev.user_id, ev.action, ev.object_type,
                         ev.object_id, ev.detail or {})
        if ev.hash != expect:
            return ChainReport(False, count, ev.id, "row content does not match its hash")
        prev = ev.hash
    return ChainReport(True, count)
