"""Response models of the REST API: what a client receives, one model per concept.

The routes keep returning plain dicts (the web pages call the same functions and read their
keys); FastAPI validates each dict through the route's ``response_model`` and the OpenAPI schema
documents it. Models of what the code builds forbid unknown keys, so a service that starts
returning a key no model names fails its API tests instead of the key silently vanishing.
Numbers that are integers in some answers and fractions in others are typed ``Number`` so that
validation never turns ``12`` into ``12.0``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Number = int | float


class Out(BaseModel):
    """Base of the response models: every key of the answer is named here."""

    model_config = ConfigDict(extra="forbid")


# --- access and users ---------------------------------------------------------------------------

class HealthOut(Out):
    status: str = Field(description='"ok" while the process answers')


class ReadyOut(Out):
    status: str = Field(description='"ready", or "not ready" (answered with 503)')
    failed: list[str] = Field(description="the dependencies that failed: database, broker, "
                                          "blobs, search, models")
    checks: dict[str, str] = Field(description='each dependency: "ok" or what failed (Chinese)')


class LoginOut(Out):
    token: str = Field(description="bearer token for the Authorization header")
    user: str
    role: str
    expires_in_hours: int


class LogoutOut(Out):
    revoked: bool = Field(description="false when the token was already revoked")


class TransferOut(Out):
    case_id: int
    shared_with: list[str] = Field(description="codes of the agencies the case is shared with")
    documents_reindexed: int


class UserOut(Out):
    id: int
    name: str
    role: str
    active: bool


class UserCreated(Out):
    id: int
    name: str
    role: str
    agency: str
    token: str = Field(description="the new user's bearer token, shown this once")


class UserDeactivated(Out):
    id: int
    name: str
    active: bool


# --- documents, pages, tasks --------------------------------------------------------------------

class TaskOut(Out):
    """Progress of one processing run of a document."""

    task_id: int
    document_id: int
    state: str = Field(description="pending, running, succeeded or failed")
    stage: str | None
    pages_done: int
    pages_total: int
    error: str | None
    attempts: int
    heartbeat_at: str | None = Field(
        None, description="the worker's last heartbeat; for a task still queued, when it was sent "
                          "(ISO 8601)")
    heartbeat_age_s: float | None = Field(None, description="seconds since that heartbeat")
    stale: bool = Field(False, description="running without a heartbeat for "
                                           "DOSSIER_STALE_AFTER_S: its worker is presumed lost "
                                           "and the task is sent again")


class UploadAccepted(Out):
    document_id: int
    task_id: int
    case_id: int
    duplicate: bool = Field(description="the same bytes were uploaded before; nothing queued")


class RetryAccepted(Out):
    document_id: int
    task_id: int


class FieldProvenance(Out):
    """Where a field's value was read: page, character span, confidence, extractor."""

    page: int | None
    start: int | None
    end: int | None
    confidence: Number | None
    extractor: str
    corrected: bool


class EvidenceOut(Out):
    position: int
    kind: str | None
    text: str
    page: int | None


class DocumentOut(Out):
    id: int
    case_id: int
    case_number: str | None
    filename: str
    mime: str
    size: int
    sha256: str
    status: str
    error: str | None
    doc_type: str | None
    doc_type_confidence: Number | None
    page_count: int
    created_at: str
    fields: dict[str, Any] = Field(description="the fields of extraction_gold/SCHEMA.md")
    provenance: dict[str, FieldProvenance] = Field(description="field path → provenance")
    evidence: list[EvidenceOut]
    task: TaskOut | None
    searchable: bool = Field(False, description="in the search index now; false while processing "
                                                "or parked in the outbox during a search outage")


class PageLine(BaseModel):
    """One recognised line as stored (stored JSON: further keys pass through)."""

    model_config = ConfigDict(extra="allow")
    text: str
    box: list[Number] = Field(description="x0, y0, x1, y1 in page pixels")
    confidence: Number | None = None


class PageMark(Out):
    kind: str = Field(description="fingerprint (捺印), seal (印章) or signature (签名)")
    box: list[Number] = Field(description="x0, y0, x1, y1 in page pixels")


class TableSpan(Out):
    row: int = Field(description="the merged cell's top-left cell (0-based row)")
    col: int = Field(description="the merged cell's top-left cell (0-based column)")
    rows: int = Field(description="rows it covers")
    cols: int = Field(description="columns it covers")


class PageTable(Out):
    rows: list[list[str]] = Field(description="rows of cell texts; the first is usually the header")
    box: list[Number] = Field(description="x0, y0, x1, y1 in the page's line coordinates")
    columns: int
    spans: list[TableSpan] = Field(
        default_factory=list, description="merged cells: the text is in the top-left cell of "
                                          "each, the cells it covers are empty")
    continues_from: int | None = Field(
        None, description="the page whose last table this one continues (one table over pages)")
    continues_on: int | None = Field(None, description="the page this table continues on")


class DocumentTable(Out):
    rows: list[list[str]] = Field(description="rows of cell texts, a table over pages joined "
                                              "(a header repeated on a later page dropped)")
    columns: int
    pages: list[int] = Field(description="the pages it is on, 1-based")
    boxes: list[list[Number]] = Field(description="its box on each of those pages")
    spans: list[TableSpan] = Field(default_factory=list, description="merged cells")


class DocumentTablesOut(Out):
    document_id: int
    tables: list[DocumentTable]


class PageOut(Out):
    document_id: int
    number: int
    text: str
    lines: list[PageLine]
    method: str = Field(description="text_layer, ocr or plain_text")
    engine: str
    width: Number
    height: Number
    confidence: Number | None
    flags: list[Any]
    marks: list[PageMark] = Field(
        default_factory=list,
        description="red 捺印 (fingerprint), 印章 (seal) and signatures found on the page "
                    "(ocr/marks.py)")
    tables: list[PageTable] = Field(
        default_factory=list, description="the page's tables as rows of cells (ocr/tables.py)")


class CorrectionOut(Out):
    document_id: int
    path: str
    value: Any
    corrected: bool
    doc_type: str | None
    fields: dict[str, Any]


# --- search -------------------------------------------------------------------------------------

class SearchHitOut(Out):
    document_id: int
    case_id: int
    filename: str
    score: Number
    page: int | None = Field(description="the best matching page, 1-based")
    highlights: list[str] = Field(description="HTML snippets, matches in <em>")
    case_number: str | None
    doc_type: str | None
    court: str | None
    date: str | None
    charges: list[str]
    court_level: str | None = Field(None, description="基层, 中级, 高级 or 最高")
    trial_stage: str | None = Field(None, description="一审, 二审, 再审 …")


class FacetCount(Out):
    value: str | int
    count: int


class SearchOut(Out):
    total: int
    total_relation: Literal["eq", "gte"] = Field(description="gte: total is a lower bound")
    hits: list[SearchHitOut]
    facets: dict[str, list[FacetCount]]
    facets_sampled: bool


# --- cases, similar cases, sentencing -----------------------------------------------------------

class SentenceOut(Out):
    defendant: str
    principal: str | None
    term_months: Number | None  # 2.5: 二个月十五日
    probation_months: Number | None
    fine_yuan: int | None
    confiscation: bool


class CaseRef(Out):
    """A case with its charges and the sentences it imposed."""

    case_id: int
    case_number: str | None
    charges: list[str]
    sentences: list[SentenceOut]


class CaseSummary(CaseRef):
    court: str | None
    date: str | None
    document_ids: list[int]


class Explanation(Out):
    """Why a case ranks where it does: agreement, per-signal scores, matched bigrams."""

    charges: Number
    circumstances: Number
    amount: Number | None
    blood_alcohol: Number | None
    quantity: Number | None
    shared_charges: list[str]
    shared_circumstances: list[str]
    signals: dict[str, Number]
    matched_terms: list[str]


class SimilarCase(CaseSummary):
    score: Number
    dense: Number | None = Field(None, description="dense cosine; absent without a rerank")
    explanation: Explanation | None = Field(None, description="absent without a rerank")


class SimilarOut(Out):
    case_id: int
    k: int
    results: list[SimilarCase]


class CaseFeaturesOut(Out):
    charges: list[str]
    circumstances: list[str]
    amount_yuan: Number | None
    blood_alcohol: Number | None
    quantity_g: Number | None


class TermStats(Out):
    n: int
    median: Number
    q1: Number
    q3: Number
    p10: Number
    p90: Number
    min: Number
    max: Number
    mean: Number


class FineStats(Out):
    n: int
    rate: Number
    median: Number
    q1: Number
    q3: Number


class Histogram(Out):
    unit: str
    edges: list[Number]
    labels: list[str]
    counts: list[int]


class ProposedTerm(Out):
    months: Number
    percentile: Number | None
    range: list[Number] | None
    outside: bool
    reason: str


class SentencingStats(Out):
    n_sentences: int
    n_cases: int
    principal: dict[str, int] = Field(description="principal penalty → number of sentences")
    term_months: TermStats | None
    probation_rate: Number | None
    fine_yuan: FineStats | None
    histogram: Histogram
    proposed: ProposedTerm | None


class ComparableCase(CaseRef):
    score: Number
    shared_circumstances: list[str]


class SentencingOut(Out):
    case_id: int | None = Field(description="the stored case compared; null for pasted facts")
    charges: list[str]
    features: CaseFeaturesOut
    k: int
    match: str = Field(description="'same charges' or 'sharing a charge'")
    stats: SentencingStats
    cases: list[ComparableCase]
    charges_source: Literal["given", "facts", "conduct", "neighbours"] | None = Field(
        None, description="pasted facts: typed, named in the facts, read from the conduct they "
                          "describe, or guessed from the nearest cases")
    charges_from_neighbours: bool = False
    charges_share: Number | None = Field(
        None, description="a guess from the nearest cases: the share of the ten that carry it")
