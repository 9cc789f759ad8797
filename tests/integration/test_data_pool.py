"""The data pool on both databases: migrations, constraints that make re-runs idempotent, audit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from models import audit
from models.blobs import BlobCorrupted, LocalBlobStore
from models.db import migrate, session_scope
from models.schema import (
    Agency,
    AuditEvent,
    Case,
    Charge,
    Document,
    EvidenceItem,
    Page,
    Party,
    Sentence,
    Task,
    User,
)


def _seed(url: str) -> int:
    with session_scope(url) as s:
        ag = Agency(code="court-1", name="某市人民法院", kind="court")
        s.add(ag)
        s.flush()
        s.add(User(name="clerk", role="clerk", agency_id=ag.id))
        case = Case(case_number="（2017）沪0120刑初684号", agency_id=ag.id)
        s.add(case)
        s.flush()
        doc = Document(case_id=case.id, filename="a.pdf", sha256="a" * 64, mime="application/pdf",
                       size=10, page_count=2)
        s.add(doc)
        s.flush()
        return doc.id


def test_migrations_create_every_table(db_url: str) -> None:
    migrate(db_url)
    migrate(db_url)  # idempotent
    with session_scope(db_url) as s:
        for model in (Agency, User, Case, Document, Page, Party, Charge, Sentence, EvidenceItem,
                      Task, AuditEvent):
            assert s.execute(select(model)).all() == []


def test_rows_round_trip_with_json_and_unicode(db_url: str) -> None:
    migrate(db_url)
    doc_id = _seed(db_url)
    with session_scope(db_url) as s:
        s.add(Page(document_id=doc_id, number=1, text="被告人张三犯盗窃罪",
                   lines=[{"text": "被告人张三", "box": [1, 2, 3, 4], "confidence": 0.98}],
                   method="ocr", engine="rapidocr 3.10.0"))
        doc = s.get(Document, doc_id)
        assert doc is not None
        doc.fields = {"defendants": [{"name": "张三", "charges": ["盗窃罪"]}]}
    with session_scope(db_url) as s:
        page = s.execute(select(Page)).scalar_one()
        assert page.lines[0]["text"] == "被告人张三"
        doc = s.get(Document, doc_id)
        assert doc is not None and doc.fields is not None
        assert doc.fields["defendants"][0]["charges"] == ["盗窃罪"]


def test_page_numbers_are_unique_per_document(db_url: str) -> None:
    migrate(db_url)
    doc_id = _seed(db_url)
    with session_scope(db_url) as s:
        s.add(Page(document_id=doc_id, number=1, text="a", method="ocr", engine="x"))
    with pytest.raises(IntegrityError), session_scope(db_url) as s:
        s.add(Page(document_id=doc_id, number=1, text="b", method="ocr", engine="x"))
    with session_scope(db_url) as s:
        assert [p.text for p in s.execute(select(Page)).scalars()] == ["a"]


def test_same_bytes_are_one_document_per_case(db_url: str) -> None:
    migrate(db_url)
    doc_id = _seed(db_url)
    with session_scope(db_url) as s:
        case_id = s.get(Document, doc_id).case_id  # type: ignore[union-attr]
    with pytest.raises(IntegrityError), session_scope(db_url) as s:
        s.add(Document(case_id=case_id, filename="copy.pdf", sha256="a" * 64,
                       mime="application/pdf", size=10))


def test_audit_chain_verifies_and_detects_tampering(db_url: str, env: Callable[..., Any]) -> None:
    migrate(db_url)
    with session_scope(db_url) as s:
        for i in range(5):
            audit.record(s, "document.read", user_id=1, object_type="document", object_id=i,
                         detail={"i": i, "名": "张三"})
    with session_scope(db_url) as s:
        report = audit.verify_chain(s)
        assert report.ok and report.events == 5
    with session_scope(db_url) as s:
        third = s.execute(select(AuditEvent.id).order_by(AuditEvent.id).offset(2).limit(1)).scalar_one()
        s.execute(update(AuditEvent).where(AuditEvent.id == third).values(action="document.edit"))
    with session_scope(db_url) as s:
        report = audit.verify_chain(s)
        assert not report.ok and report.broken_at == third


def test_audit_chain_detects_a_removed_row(db_url: str, env: Callable[..., Any]) -> None:
    migrate(db_url)
    with session_scope(db_url) as s:
        for i in range(4):
            audit.record(s, "login", user_id=i)
    with session_scope(db_url) as s:
        ids = list(s.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())
        s.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": ids[1]})
    with session_scope(db_url) as s:
        report = audit.verify_chain(s)
        assert not report.ok and report.broken_at == ids[2]


def _events(db_url: str, n: int) -> list[int]:
    with session_scope(db_url) as s:
        for i in range(n):
            audit.record(s, "document.read", user_id=1, object_type="document", object_id=i)
    with session_scope(db_url) as s:
        return list(s.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())


def test_cutting_off_the_last_events_is_detected_by_the_anchor(
        db_url: str, env: Callable[..., Any]) -> None:
    migrate(db_url)
    ids = _events(db_url, 6)
    with session_scope(db_url) as s:
        assert audit.anchor(s)["id"] == ids[-1]
        assert audit.anchor(s) is None  # the head is anchored already: no new line
        assert audit.verify_chain(s).ok
    with session_scope(db_url) as s:  # the last two events deleted: the chain itself still links
        s.execute(text("DELETE FROM audit_events WHERE id >= :i"), {"i": ids[-2]})
    with session_scope(db_url) as s:
        report = audit.verify_chain(s)
    assert not report.ok and report.broken_at == ids[-1] and "cut off" in (report.reason or "")


def test_a_rewritten_chain_without_the_key_is_detected(db_url: str, env: Callable[..., Any]
                                                       ) -> None:
    """The database administrator edits one event and recomputes every later hash (plain
    SHA-256, or HMAC with a guessed key): the keyed hashes and the anchors both catch it."""
    import hashlib
    import hmac

    migrate(db_url)
    ids = _events(db_url, 5)
    with session_scope(db_url) as s:
        audit.anchor(s)
    for alg, key in (("sha256", b""), ("hmac", b"guessed-key-0123456789abcdef0123456789")):
        with session_scope(db_url) as s:
            rows = list(s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())
            prev = rows[1].hash
            for ev in rows[2:]:
                if ev.id == ids[2]:
                    ev.detail = {"rewritten": True}
                body = audit._body(prev, ev.ts, ev.user_id, ev.action, ev.object_type,
                                   ev.object_id, ev.detail)
                ev.prev_hash, ev.alg = prev, alg
                ev.hash = (hashlib.sha256(body).hexdigest() if alg == "sha256"
                           else hmac.new(key, body, hashlib.sha256).hexdigest())
                prev = ev.hash
        with session_scope(db_url) as s:
            report = audit.verify_chain(s)
        assert not report.ok and report.broken_at == ids[2], (alg, report)


def test_a_forged_anchor_line_is_detected(db_url: str, env: Callable[..., Any]) -> None:
    import json

    migrate(db_url)
    ids = _events(db_url, 3)
    with session_scope(db_url) as s:
        audit.anchor(s)
    path = audit.anchor_path()
    line = json.loads(path.read_text().splitlines()[-1])
    line.update(id=ids[0], events=1)
    path.write_text(path.read_text() + json.dumps(line) + "\n")
    with session_scope(db_url) as s:
        report = audit.verify_chain(s)
    assert not report.ok and "not signed" in (report.reason or "")


def test_blob_store_is_content_addressed_and_verified(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    d1 = store.put(b"scan bytes")
    d2 = store.put(b"scan bytes")
    assert d1 == d2
    assert len(list((tmp_path / "blobs").rglob("*"))) == 3  # two folders and one file
    assert store.get(d1) == b"scan bytes"
    path = store.path(d1)
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    with pytest.raises(BlobCorrupted):
        store.get(d1)
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")


def test_migrations_match_the_models(db_url: str) -> None:
    """A schema change without its migration fails here, on both databases."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from models.db import get_engine
    from models.schema import Base

    migrate(db_url)
    with get_engine(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_terms_in_days_keep_their_fraction(db_url: str) -> None:
    """拘役二个月十五日 is stored as 2.5 months (not rounded by PostgreSQL's integer column);
    whole months read back as ints, also those written before the column became a float."""
    from alembic import command

    from models.db import alembic_config

    command.upgrade(alembic_config(db_url), "0013")  # the integer columns
    doc_id = _seed(db_url)
    with session_scope(db_url) as s:
        case_id = s.get(Document, doc_id).case_id  # type: ignore[union-attr]
        party = Party(document_id=doc_id, case_id=case_id, role="defendant", position=0,
                      name="张三")
        s.add(party)
        s.flush()
        party_id = party.id
        s.execute(text("INSERT INTO sentences (document_id, party_id, principal, term_months, "
                       "confiscation) VALUES (:d, :p, '有期徒刑', 18, false)"),
                  {"d": doc_id, "p": party_id})
    migrate(db_url)
    with session_scope(db_url) as s:
        old = s.execute(select(Sentence)).scalar_one()
        assert old.term_months == 18 and type(old.term_months) is int
        other = Party(document_id=doc_id, case_id=case_id, role="defendant", position=1,
                      name="李四")
        s.add(other)
        s.flush()
        s.add(Sentence(document_id=doc_id, party_id=other.id, principal="拘役", term_months=2.5,
                       probation_months=3, confiscation=False))
    with session_scope(db_url) as s:
        terms = {p: (t, pr) for p, t, pr in s.execute(
            select(Sentence.party_id, Sentence.term_months, Sentence.probation_months))}
        assert terms[party_id] == (18, None)
        assert [(t, pr) for p, (t, pr) in terms.items() if p != party_id] == [(2.5, 3)]
