"""Plain records passed between stages.

Stages never import each other (see DESIGN.md); what one stage produces and the next consumes
is defined here, in the one package every stage may import. They are dataclasses, not ORM rows,
so stages stay free of the database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

PageMethod = Literal["text_layer", "ocr", "plain_text"]


@dataclass(frozen=True)
class Line:
    """One recognised line: text, box in page pixels (x0, y0, x1, y1) and confidence 0..1."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float
    #: written by hand (ocr.handwriting): marked on the page, reviewed below a higher confidence
    handwritten: bool = False


@dataclass
class PageResult:
    """The text of one page and how it was obtained."""

    number: int  # 1-based
    text: str
    method: PageMethod
    engine: str  # engine name and version, e.g. "rapidocr 3.10.0" or "pdfplumber 0.11.10"
    lines: list[Line] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    confidence: float | None = None  # mean line confidence; None for text layers
    #: OCR quality and clean-up notes (ocr.document.FLAGS): "blank", "unreadable",
    #: "low_confidence", "review" (some line below ocr.document.REVIEW_LINE_CONFIDENCE),
    #: "rotated_90/180/270", "deskewed", "seal_suppressed", ...
    flags: list[str] = field(default_factory=list)
    #: marks that are not text (ocr.marks): {"kind": "fingerprint" (捺印) | "seal" (印章) |
    #: "signature" (签名), "box": [x0, y0, x1, y1] in the same unit as the lines' boxes}
    marks: list[dict[str, Any]] = field(default_factory=list)
    #: the horizontal rules of a page that holds a table (ocr.tables.find_rules): [x0, y0, x1,
    #: y1] in the same unit as the lines' boxes; cells merged down are read from them
    rules: list[list[float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Provenance:
    """Where an extracted value came from, so a person can check and correct it."""

    page: int | None  # 1-based page, None when the source has no pages
    start: int  # character offsets into that page's text (or the whole text when page is None)
    end: int
    confidence: float
    extractor: str  # extractor name and version


@dataclass
class Extracted:
    """Output of the extraction stage.

    ``fields`` follows ../shared/data/extraction_gold/SCHEMA.md exactly (doc_type, case_number,
    court, procuratorate, judgment_date, defendants[...], victims, defense_counsel, mitigating,
    amount_involved_yuan, blood_alcohol_mg_per_100ml). ``provenance`` maps a JSON-pointer-like
    path ("case_number", "defendants/0/name", "defendants/0/charges/1") to its Provenance.
    ``facts`` is the facts section (经审理查明 / 基本案情) used for similar-case embeddings.
    """

    fields: dict[str, Any]
    provenance: dict[str, Provenance] = field(default_factory=dict)
    doc_type_confidence: float = 0.0
    facts: str = ""
    #: the document kind (one of extraction.classify.KINDS, e.g. 刑事判决书 for a
    #: 刑事附带民事判决书); doc_type_confidence is the confidence of this classification
    doc_kind: str | None = None
    #: the evidence list: {"text", "kind" (one of the eight statutory kinds or None), "page",
    #: "start", "end"} in document order
    evidence: list[dict[str, Any]] = field(default_factory=list)
