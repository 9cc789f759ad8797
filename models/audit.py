"""Tamper-evident audit trail: a keyed hash chain, anchored outside the database.

Every event stores the hash of the one before it, so changing or deleting a row breaks the chain
at that row. Since revision 0005 the hash is an HMAC-SHA256 with a key that is not stored in the
database (``DOSSIER_AUDIT_KEY``, else ``data_dir/secrets/audit.key``): someone who can rewrite
the database but not read the key cannot recompute a consistent chain after editing a row.
Cutting events off the end leaves a consistent chain, so the head is also checkpointed: at most
every ``audit_anchor_every_s`` a process appends ``{id, hash, events, ts, mac}`` of the current
head to an append-only file (``audit_anchor_file``), signed with the same key; ``verify_chain``
checks every anchor against the table. Put that file where the database administrator cannot
rewrite it (another host, a write-once mount, ``chattr +a``).

Events written before the key existed keep their plain SHA-256 (``alg = sha256``); such a row
after the first keyed one is a downgrade and reported as tampering. Appends are serialised
(PostgreSQL advisory lock; SQLite's single writer) so two events never claim one predecessor.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from models.schema import AuditEvent
from models.settings import Settings, get_settings

GENESIS = "0" * 64
_LOCK_KEY = 0x6A7564  # arbitrary advisory-lock key for the audit chain
KEYED, PLAIN = "hmac", "sha256"


def _body(prev: str, ts: datetime, user_id: int | None, action: str, object_type: str | None,
          object_id: str | None, detail: dict[str, Any]) -> bytes:
    if ts.tzinfo is None:  # SQLite returns naive datetimes; they were stored as UTC
        ts = ts.replace(tzinfo=UTC)
    return json.dumps(
        [prev, ts.astimezone(UTC).isoformat(timespec="microseconds"), user_id, action,
         object_type, object_id, detail],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    ).encode("utf-8")


def _digest(alg: str, key: bytes, body: bytes) -> str:
    if alg == KEYED:
        return hmac.new(key, body, hashlib.sha256).hexdigest()
    return hashlib.sha256(body).hexdigest()


_keys: dict[str, bytes] = {}
_keys_lock = threading.Lock()


def audit_key(settings: Settings | None = None) -> bytes:
    """The chain's key: the setting, else the data dir's key file (made, 0600, on first use)."""
    settings = settings or get_settings()
    if settings.audit_key is not None:
        return settings.audit_key.get_secret_value().encode("utf-8")
    path = settings.data_dir.resolve() / "secrets" / "audit.key"
    with _keys_lock:
        if str(path) in _keys:
            return _keys[str(path)]
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        key = path.read_text().strip().encode("utf-8")
        if len(key) < 32:
            raise RuntimeError(f"audit key file {path} is empty or truncated")
        _keys[str(path)] = key
        return key


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
                       object_id=oid, detail=det, prev_hash=prev, alg=KEYED,
                       hash=_digest(KEYED, audit_key(),
                                    _body(prev, ts, user_id, action, object_type, oid, det)))
    session.add(event)
    session.flush()
    return event


# -- anchors -------------------------------------------------------------------------------------


def anchor_path(settings: Settings | None = None) -> Path:
    settings = settings or get_settings()
    return settings.audit_anchor_file or settings.data_dir / "audit-anchors.jsonl"


def _anchor_mac(key: bytes, entry: dict[str, Any]) -> str:
    body = json.dumps({k: entry[k] for k in ("id", "hash", "events", "ts")}, sort_keys=True)
    return hmac.new(key, b"anchor:" + body.encode(), hashlib.sha256).hexdigest()


def _read_anchors(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                out.append({"bad_line": n})
    return out


def anchor(session: Session, settings: Settings | None = None) -> dict[str, Any] | None:
    """Append a signed checkpoint of the chain's head unless the last one already names it.
    Returns the new anchor (None when nothing changed)."""
    import fcntl

    settings = settings or get_settings()
    head = session.execute(select(AuditEvent.id, AuditEvent.hash)
                           .order_by(AuditEvent.id.desc()).limit(1)).first()
    if head is None:
        return None
    count = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    key = audit_key(settings)
    path = anchor_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # several processes anchor the same chain
        f.seek(0)
        lines = [ln for ln in f.read().splitlines() if ln.strip()]
        if lines:
            with contextlib.suppress(json.JSONDecodeError, KeyError):
                last = json.loads(lines[-1])
                if last["id"] >= head.id:
                    return None
        entry: dict[str, Any] = {"id": head.id, "hash": head.hash, "events": int(count),
                                 "ts": datetime.now(UTC).isoformat(timespec="seconds")}
        entry["mac"] = _anchor_mac(key, entry)
        f.write(json.dumps(entry, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return entry


_last_anchor: dict[str, float] = {}


def anchor_due(db_url: str, settings: Settings | None = None) -> bool:
    """Whether this process should anchor now (at most every audit_anchor_every_s)."""
    settings = settings or get_settings()
    now = time.monotonic()
    if now - _last_anchor.get(db_url, float("-inf")) < settings.audit_anchor_every_s:
        return False
    _last_anchor[db_url] = now
    return True


# -- verification --------------------------------------------------------------------------------


@dataclass
class ChainReport:
    ok: bool
    events: int
    broken_at: int | None = None  # id of the first event whose link does not hold
    reason: str | None = None
    anchors: int = 0  # anchors checked


def verify_chain(session: Session, settings: Settings | None = None) -> ChainReport:
    """Walk the chain (links, keyed hashes, no downgrade), then check every anchor against it."""
    settings = settings or get_settings()
    key = audit_key(settings)
    prev = GENESIS
    count = 0
    keyed_seen = False
    hashes: dict[int, tuple[str, int]] = {}
    for ev in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        count += 1
        if ev.prev_hash != prev:
            return ChainReport(False, count, ev.id,
                               "previous-hash link broken (row removed or altered before it)")
        if ev.alg == PLAIN and keyed_seen:
            return ChainReport(False, count, ev.id, "unkeyed hash after keyed ones (rewritten)")
        keyed_seen = keyed_seen or ev.alg == KEYED
        expect = _digest(ev.alg, key, _body(ev.prev_hash, ev.ts, ev.user_id, ev.action,
                                            ev.object_type, ev.object_id, ev.detail or {}))
        if not hmac.compare_digest(ev.hash, expect):
            return ChainReport(False, count, ev.id, "row content does not match its hash")
        prev = ev.hash
        hashes[ev.id] = (ev.hash, count)
    anchors = _read_anchors(anchor_path(settings))
    for n, a in enumerate(anchors, 1):
        if "bad_line" in a or a.get("mac") != _anchor_mac(key, a):
            return ChainReport(False, count, None, f"anchor {n} is damaged or not signed with "
                               "the audit key", n - 1)
        found = hashes.get(a["id"])
        if found is None:
            return ChainReport(False, count, a["id"],
                               f"event {a['id']} named by anchor {n} is missing: the chain was "
                               "cut off after it or the row removed", n - 1)
        if found[0] != a["hash"] or found[1] != a["events"]:
            return ChainReport(False, count, a["id"],
                               f"event {a['id']} differs from anchor {n}: rewritten", n - 1)
    return ChainReport(True, count, anchors=len(anchors))
