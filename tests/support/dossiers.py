"""Generated dossiers (tests/scans/dossier_templates.py) as the completeness gate sees them:
each document through the rule extractor, from its page texts or from OCR of its scan."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from extraction.rules import RuleExtractor
from tests.scans.dossier_templates import Case, Doc, cases, read_case
from tests.support.env import SHARED
from workflow.completeness import Dossier, DossierDocument


def extract(doc: Doc, index: int, pages: Sequence[str] | None = None) -> DossierDocument:
    """One generated document read by the rule extractor (``pages``: e.g. its OCR text)."""
    texts = list(pages if pages is not None else doc.pages)
    result = RuleExtractor().extract(texts)
    return DossierDocument.from_extracted(f"{index}:{doc.material}", result, len(texts))


def as_dossier(docs: Sequence[Doc], suspects: Sequence[str]) -> Dossier:
    return Dossier([extract(d, i) for i, d in enumerate(docs)], suspects=tuple(suspects))


@cache
def dev_case(case_type: str) -> Case:
    """The first development case of a type (CAIL2018; LeCaRD's even ids for the gun cases)."""
    source = "lecard" if case_type.startswith("非法持有") else "cail2018"
    parity = 0 if source == "lecard" else None
    [src] = cases(SHARED, case_type, source, limit=1, parity=parity)
    return read_case(src)
