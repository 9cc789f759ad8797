"""SQLAlchemy 2 schema of the shared data pool.

The same tables serve SQLite (embedded default) and PostgreSQL (scale-out); Alembic migrations
in ``models/migrations`` create them. Uniqueness constraints are what make re-runs idempotent:
a page, a field or a vector is keyed by its owner, so a re-run replaces rather than appends.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Role(enum.StrEnum):
    clerk = "clerk"
    prosecutor = "prosecutor"
    judge = "judge"
    police = "police"  # 公安: its side of the businesses between agencies
    justice = "justice"  # 司法局: community correction, execution
    oversight = "oversight"  # 政法委: reads the figures of every agency of its agency's region
    admin = "admin"


class DocStatus(enum.StrEnum):
    received = "received"
    processing = "processing"
    processed = "processed"
    failed = "failed"


class TaskState(enum.StrEnum):
    pending = "pending"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


Stamp = DateTime(timezone=True)


class Agency(Base):
    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="other")  # police|procuratorate|court|justice
    # the administrative region (e.g. 甘肃省兰州市): a 政法委 (oversight) user sees the figures of
    # every agency of its own agency's region, and of no other
    region: Mapped[str | None] = mapped_column(String(100), index=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    agency: Mapped[Agency] = relationship()


class ApiToken(Base):
    """Bearer tokens; only their SHA-256 is stored so a leaked database leaks no token."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(Stamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Stamp)
    last_used_at: Mapped[datetime | None] = mapped_column(Stamp)
    user: Mapped[User] = relationship()


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str | None] = mapped_column(String(120), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    #: the checklist the case is held to (workflow/checklists); inferred from the charges until
    #: a clerk sets it, then ``case_type_by`` is that clerk (migration 0009)
    case_type: Mapped[str | None] = mapped_column(String(40))
    case_type_by: Mapped[int | None] = mapped_column(Integer)
    agency: Mapped[Agency] = relationship()
    documents: Mapped[list[Document]] = relationship(back_populates="case")
    __table_args__ = (UniqueConstraint("agency_id", "case_number"),)


class CaseShare(Base):
    """A case transferred (移送) to another agency, or sent to it by a business, is shared
    with it: ``access`` read (the default) or write; revoked shares are kept, with who and when."""

    __tablename__ = "case_shares"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    access: Mapped[str] = mapped_column(String(8), default="read", server_default="read")
    business_id: Mapped[int | None] = mapped_column(Integer)  # the business that granted it
    granted_by: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(Stamp)
    revoked_by: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("case_id", "agency_id"),)


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default=DocStatus.received)
    error: Mapped[str | None] = mapped_column(Text)
    doc_type: Mapped[str | None] = mapped_column(String(60))
    doc_type_confidence: Mapped[float | None] = mapped_column(Float)
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # SCHEMA.md fields, corrections applied
    facts: Mapped[str | None] = mapped_column(Text)
    court: Mapped[str | None] = mapped_column(String(200))
    decision_date: Mapped[str | None] = mapped_column(String(10))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, onupdate=utcnow)
    case: Mapped[Case] = relationship(back_populates="documents")
    __table_args__ = (UniqueConstraint("case_id", "sha256"),)


class Page(Base):
    __tablename__ = "pages"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    method: Mapped[str] = mapped_column(String(20))
    engine: Mapped[str] = mapped_column(String(80))
    width: Mapped[float] = mapped_column(Float, default=0.0)
    height: Mapped[float] = mapped_column(Float, default=0.0)
    confidence: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[list[Any]] = mapped_column(JSON, default=list)  # e.g. unreadable, deskewed
    #: 捺印, 印章 and signatures: [{"kind", "box"}] (models.records.PageResult.marks)
    marks: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    #: a table page's horizontal rules: [[x0, y0, x1, y1]] (models.records.PageResult.rules)
    rules: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    __table_args__ = (UniqueConstraint("document_id", "number"),)


class FieldValue(Base):
    """One extracted value with its provenance; a clerk's correction is a row with corrected=True."""

    __tablename__ = "field_values"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(200))
    value: Mapped[Any] = mapped_column(JSON)
    page: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float | None] = mapped_column(Float)
    extractor: Mapped[str] = mapped_column(String(80))
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)
    corrected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    __table_args__ = (UniqueConstraint("document_id", "path", "corrected"),)


class Party(Base):
    __tablename__ = "parties"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # defendant | victim | counsel
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120))
    gender: Mapped[str | None] = mapped_column(String(4))
    birth_date: Mapped[str | None] = mapped_column(String(10))
    ethnicity: Mapped[str | None] = mapped_column(String(20))
    __table_args__ = (UniqueConstraint("document_id", "role", "position"),)


class Charge(Base):
    __tablename__ = "charges"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120), index=True)


class Months(TypeDecorator[float]):
    """A term in months: whole, or with its days as a fraction (拘役二个月十五日 -> 2.5, see
    extraction.numbers.term_months); whole months read back as an int (18, not 18.0)."""

    impl = Float
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return int(value) if float(value).is_integer() else float(value)


class Sentence(Base):
    __tablename__ = "sentences"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), unique=True)
    principal: Mapped[str | None] = mapped_column(String(20))
    term_months: Mapped[int | float | None] = mapped_column(Months)  # 2.5: 二个月十五日
    probation_months: Mapped[int | float | None] = mapped_column(Months)
    fine_yuan: Mapped[int | None] = mapped_column(Integer)
    confiscation: Mapped[bool] = mapped_column(Boolean, default=False)


class EvidenceItem(Base):
    __tablename__ = "evidence_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("document_id", "position"),)


class Task(Base):
    """Progress of one processing run; the API and the UI read it live."""

    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20), default=TaskState.pending)
    stage: Mapped[str | None] = mapped_column(String(20))
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    pages_total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None] = mapped_column(Stamp)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(Stamp)
    finished_at: Mapped[datetime | None] = mapped_column(Stamp)
    __table_args__ = (Index("ix_tasks_document_state", "document_id", "state"),)


class IndexOutbox(Base):
    """Search-index work that could not be done because the engine was down; flushed later."""

    __tablename__ = "index_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(Integer, unique=True)  # no FK: deletes queue too
    op: Mapped[str] = mapped_column(String(10), default="index")  # index | delete
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class CaseVector(Base):
    """The embedding of a case's facts; the in-process vector index is rebuilt from these rows."""

    __tablename__ = "case_vectors"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(200))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, onupdate=utcnow)


class CaseFeatureRow(Base):
    """A case's comparison features (similarity.features.CaseFeatures as JSON), stored once a
    document of the case is processed (services.processing.finish) so that a cold similar-case or sentencing query reads them instead of
    computing them for each of its 50-60 candidates; ``stamp`` names the documents they were
    computed from (a changed document makes the row stale, and it is recomputed on use)."""

    __tablename__ = "case_features"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(100))
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow, onupdate=utcnow)


class AuditEvent(Base):
    """Append-only audit trail; each row stores the hash of the previous one (a hash chain)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ts: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    alg: Mapped[str] = mapped_column(String(8), default="hmac", server_default="sha256")


# --- the procedure between agencies (workflow/: registry, state machine, deadlines) -------------

class CaseProcedure(Base):
    """Where a case stands in its procedure (workflow/data/procedure.toml). ``version`` grows
    with every change; a step first locks this row, so two agencies acting at once serialise."""

    __tablename__ = "case_procedures"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    procedure: Mapped[str] = mapped_column(String(8), default="普通")  # 普通 | 简易 | 速裁
    plea: Mapped[bool] = mapped_column(Boolean, default=False)  # 认罪认罚
    detained: Mapped[bool] = mapped_column(Boolean, default=False)
    persons: Mapped[list[Any]] = mapped_column(JSON, default=list)  # names of the persons held
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class CaseBusiness(Base):
    """One business (协同业务, registry code A1 … G3) sent by one agency to another about a case;
    status 草稿 → 已推送 → 已签收 → 已受理 / 已退回 → 已办结."""

    __tablename__ = "case_businesses"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(8))
    from_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    to_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    status: Mapped[str] = mapped_column(String(8))
    decision: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    return_reason: Mapped[str | None] = mapped_column(Text)
    document_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    form: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # prefilled, with provenance
    reply_to_id: Mapped[int | None] = mapped_column(Integer)
    client_key: Mapped[str | None] = mapped_column(String(100))
    state_before: Mapped[str | None] = mapped_column(String(20))
    state_after: Mapped[str | None] = mapped_column(String(20))
    # whether the case's persons were held before the push: a return gives it back (migration 0012)
    detained_before: Mapped[bool | None] = mapped_column(Boolean)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    pushed_at: Mapped[datetime | None] = mapped_column(Stamp)
    received_at: Mapped[datetime | None] = mapped_column(Stamp)
    accepted_at: Mapped[datetime | None] = mapped_column(Stamp)
    returned_at: Mapped[datetime | None] = mapped_column(Stamp)
    completed_at: Mapped[datetime | None] = mapped_column(Stamp)
    __table_args__ = (UniqueConstraint("case_id", "client_key"),
                      # newest first per receiving agency, read in index order: a page of an
                      # inbox of thousands reads about a page of rows (migration 0008)
                      Index("ix_case_businesses_inbox", "to_agency_id", "pushed_at", "id"),
                      Index("ix_case_businesses_code_pushed", "code", "pushed_at"))  # analytics


class WorkflowClock(Base):
    """A legal clock of a case (per person for custody clocks), kept by ``owner_agency_id``.
    ``yellow_at``/``orange_at``/``due_at`` are the instants its reminder level changes, so the
    level at any moment is a comparison (in SQL for the due list)."""

    __tablename__ = "workflow_clocks"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))  # the clock kept (C1_FAST …)
    base: Mapped[str] = mapped_column(String(20))  # the code transitions name (C1 …)
    name: Mapped[str] = mapped_column(String(100))
    person: Mapped[str | None] = mapped_column(String(120))
    business_id: Mapped[int | None] = mapped_column(Integer, index=True)  # that started it
    owner_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    started_at: Mapped[datetime] = mapped_column(Stamp)
    status: Mapped[str] = mapped_column(String(8), default="running")  # running|paused|stopped
    custody: Mapped[bool] = mapped_column(Boolean, default=False)
    due: Mapped[str] = mapped_column(String(25))  # ISO date, or date-time for hours
    due_at: Mapped[datetime] = mapped_column(Stamp)  # the instant the period is over
    yellow_at: Mapped[datetime] = mapped_column(Stamp)
    orange_at: Mapped[datetime] = mapped_column(Stamp)
    level: Mapped[str] = mapped_column(String(8), default="none")  # last level notified
    basis: Mapped[str] = mapped_column(Text)
    unverified: Mapped[bool] = mapped_column(Boolean, default=False)
    stopped_at: Mapped[datetime | None] = mapped_column(Stamp)
    overrun_reason: Mapped[str | None] = mapped_column(Text)
    overrun_by: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    __table_args__ = (Index("ix_workflow_clocks_owner_due", "owner_agency_id", "status", "due_at"),
                      Index("ix_workflow_clocks_status_due", "status", "due_at"),
                      Index("ix_workflow_clocks_base_started", "base", "started_at"),  # analytics
                      Index("ix_workflow_clocks_base_stopped", "base", "stopped_at"))


class WorkflowClockEvent(Base):
    """What happened to a clock: stop, restart, pause, resume, extend (approver, document)."""

    __tablename__ = "workflow_clock_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("workflow_clocks.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(Stamp)
    add: Mapped[str | None] = mapped_column(String(12))
    to: Mapped[str | None] = mapped_column(String(12))
    approver: Mapped[str | None] = mapped_column(String(100))
    document: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(200))
    business_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)


class WorkflowNotification(Base):
    """A reminder: recorded once each time a clock's level changes."""

    __tablename__ = "workflow_notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("workflow_clocks.id", ondelete="CASCADE"),
                                          index=True)
    case_id: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(8))
    previous: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    __table_args__ = (Index("ix_workflow_notifications_agency", "agency_id", "created_at"),)


class ChecklistOverride(Base):
    """特批放行: an authorised user lets one checklist item of a business through, with a reason.

    Applied when the case's business ``business_code`` is pushed (``business_id`` is then the
    business it let through) and shown to the receiving agency; a withdrawn one keeps who/when."""

    __tablename__ = "checklist_overrides"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    business_code: Mapped[str] = mapped_column(String(8))
    item_id: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    business_id: Mapped[int | None] = mapped_column(Integer)
    withdrawn_at: Mapped[datetime | None] = mapped_column(Stamp)
    withdrawn_by: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (Index("ix_checklist_overrides_case", "case_id", "business_code"),
                      Index("ix_checklist_overrides_business", "business_id"))


# --- analytics rollups (analytics/rollup*.py; migration 0010) -------------------------------------
# The statistics' source rows materialised per *scope* (one agency ``a:<id>``, or the agencies of
# one region ``r:<region>`` as a 政法委 sees them), with attribution and visibility already
# applied, so a dashboard reads a few thousand narrow rows instead of joining businesses, clocks,
# shares and procedures. Rebuilt per case when the case's procedure version moves (every workflow
# step bumps it), by the workers' sweeper; the direct queries of analytics/sources.py stay the
# definition and a test holds the two equal.

class AnalyticsScope(Base):
    """Which agencies each rolled-up scope stands for (compared with the reader's scope)."""

    __tablename__ = "analytics_scopes"
    scope: Mapped[str] = mapped_column(String(110), primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class AnalyticsClockFact(Base):
    """A clock that stands (not voided by a returned business), as one scope counts it."""

    __tablename__ = "analytics_clock_facts"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(110))
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    clock_id: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(Integer)  # the keeper (in the scope)
    stage: Mapped[str] = mapped_column(String(20))  # the clock's base code
    code: Mapped[str] = mapped_column(String(20))
    person: Mapped[str | None] = mapped_column(String(120))
    custody: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(Stamp)
    start_day: Mapped[str] = mapped_column(String(10))  # China date of started_at
    stop_day: Mapped[str | None] = mapped_column(String(10))  # China date of stopped_at
    due_at: Mapped[datetime] = mapped_column(Stamp)
    yellow_at: Mapped[datetime] = mapped_column(Stamp)
    finished: Mapped[bool] = mapped_column(Boolean)  # stopped and the case left the stage
    on_time: Mapped[bool] = mapped_column(Boolean)  # stopped_at <= due_at
    days: Mapped[float | None] = mapped_column(Float)  # net days run (finished stage clocks)
    appealed: Mapped[bool] = mapped_column(Boolean)  # the case has a standing D4
    remanded: Mapped[bool] = mapped_column(Boolean)  # the case has a standing D5 发回重审
    procedure: Mapped[str] = mapped_column(String(8))  # the case's, 普通 when none
    persons: Mapped[int] = mapped_column(Integer)  # the case's persons, at least 1
    __table_args__ = (Index("ix_analytics_clock_facts_start", "scope", "stage", "start_day"),
                      Index("ix_analytics_clock_facts_stop", "scope", "stage", "stop_day"),
                      # the counts of now (临期, 超期, 超期羁押) read open clocks from the index
                      Index("ix_analytics_clock_facts_status", "scope", "status", "due_at",
                            postgresql_include=["yellow_at", "stage", "case_id", "agency_id",
                                                "procedure", "persons", "custody", "person"]))


class AnalyticsBusinessFact(Base):
    """A pushed business (standing or returned), as one scope counts it: its two attributions
    (sender first, receiver first) resolved within the scope."""

    __tablename__ = "analytics_business_facts"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(110))
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    code: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8))
    decision: Mapped[str | None] = mapped_column(String(20))
    day: Mapped[str] = mapped_column(String(10))  # China date of pushed_at
    from_agency_id: Mapped[int] = mapped_column(Integer)
    from_in: Mapped[bool] = mapped_column(Boolean)  # the sender is in the scope
    agency_ft: Mapped[int] = mapped_column(Integer)  # the sender if in the scope, else receiver
    agency_tf: Mapped[int] = mapped_column(Integer)  # the receiver if in the scope, else sender
    nth: Mapped[int | None] = mapped_column(Integer)  # n-th standing C2 of its case
    in_custody: Mapped[bool] = mapped_column(Boolean)  # a custody 审查起诉 clock stands
    plea: Mapped[bool] = mapped_column(Boolean)
    procedure: Mapped[str] = mapped_column(String(8))
    persons: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_analytics_business_facts_code", "scope", "code", "day"),)


class AnalyticsCount(Base):
    """Pre-counted cells of one statistic's rows per scope (analytics/rollup_cells.py): per
    China day, the cases first seen that day for the grouping ``keyset`` (bit 1: agency, bit 2:
    stage or business code) and the month of the case's previous day (``prev``, '' for none), so
    that distinct cases over a period starting on a month's first day, per month or in total,
    are sums; ``amount`` statistics count businesses (additive) in ``cases``."""

    __tablename__ = "analytics_counts"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(110))
    spec: Mapped[str] = mapped_column(String(40))
    keyset: Mapped[int] = mapped_column(Integer)
    day: Mapped[str] = mapped_column(String(10))
    prev: Mapped[str] = mapped_column(String(7))
    agency_id: Mapped[int] = mapped_column(Integer)  # 0 when not in the keyset
    stage: Mapped[str] = mapped_column(String(20))  # '' when not in the keyset
    procedure: Mapped[str] = mapped_column(String(8))
    cases: Mapped[int] = mapped_column(Integer)
    persons: Mapped[int] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("scope", "spec", "keyset", "day", "prev", "agency_id",
                                       "stage", "procedure",
                                       name="uq_analytics_counts_cell"),
                      # a dashboard's read: the cells of a period from the index alone
                      Index("ix_analytics_counts_read", "scope", "spec", "keyset", "day",
                            postgresql_include=["prev", "agency_id", "stage", "procedure",
                                                "cases", "persons"]))


class AnalyticsValue(Base):
    """The net days of finished stage clocks (各阶段办案天数) per scope, pooled per day, agency,
    stage, procedure and value (``n`` clocks); a case whose per-person clocks of one stage
    stopped on different days keeps its clocks apart (``clock_id``), to be told apart as the
    direct query does."""

    __tablename__ = "analytics_values"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(110))
    day: Mapped[str] = mapped_column(String(10))  # China date the clock stopped
    agency_id: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(20))
    procedure: Mapped[str] = mapped_column(String(8))
    days: Mapped[float] = mapped_column(Float)
    case_id: Mapped[int] = mapped_column(Integer)  # 0 when pooled
    clock_id: Mapped[int] = mapped_column(Integer)  # 0 when pooled
    started_at: Mapped[datetime | None] = mapped_column(Stamp)
    n: Mapped[int] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("scope", "day", "agency_id", "stage", "procedure", "days",
                                       "case_id", "clock_id", name="uq_analytics_values_cell"),
                      Index("ix_analytics_values_read", "scope", "day",
                            postgresql_include=["agency_id", "stage", "procedure", "days", "n",
                                                "case_id", "clock_id", "started_at"]))


class AnalyticsCaseVersion(Base):
    """The procedure version each case's facts were built from (a moved version: rebuild)."""

    __tablename__ = "analytics_case_versions"
    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)


class AnalyticsRefresh(Base):
    """The one row saying how fresh the rollups are (``as_of``) and what the last run did."""

    __tablename__ = "analytics_refresh"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    as_of: Mapped[datetime] = mapped_column(Stamp)
    full_at: Mapped[datetime] = mapped_column(Stamp)  # the last full rebuild
    cases: Mapped[int] = mapped_column(Integer, default=0)  # cases rebuilt by the last run
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


# --- a user's own working notes (migration 0011) -------------------------------------------------
class UserNote(Base):
    """A note a user keeps on a document or a case: seen by that user only."""

    __tablename__ = "user_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(10))  # document | case
    object_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    __table_args__ = (Index("ix_user_notes_object", "user_id", "object_type", "object_id"),)


class UserTag(Base):
    """A user's own label on a document or a case (待补证, 重点 …), to find them again."""

    __tablename__ = "user_tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(10))
    object_id: Mapped[int] = mapped_column(Integer)
    tag: Mapped[str] = mapped_column(String(40))
    __table_args__ = (UniqueConstraint("user_id", "object_type", "object_id", "tag"),
                      Index("ix_user_tags_tag", "user_id", "tag"))


class SavedSearch(Base):
    """A search a user named to run again (its query and filters)."""

    __tablename__ = "saved_searches"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    __table_args__ = (UniqueConstraint("user_id", "name"),)
