"""Generated dossiers (tests/scans/dossier_templates.py) as the completeness gate sees them:
each document through the rule extractor, from its page texts or from OCR of its scan."""

from __future__ import annotations

from collections.abc import Sequence

from extraction.rules import RuleExtractor
from tests.scans.dossier_templates import Doc
from workflow.completeness import Dossier, DossierDocument


def extract(doc: Doc, index: int, pages: Sequence[str] | None = None) -> DossierDocument:
    """One generated document read by the rule extractor (``pages``: e.g. its OCR text)."""
    texts = list(pages if pages is not None else doc.pages)
    result = RuleExtractor().extract(texts)
    return DossierDocument.from_extracted(f"{index}:{doc.material}", result, len(texts))


def as_dossier(docs: Sequence[Doc], suspects: Sequence[str]) -> Dossier:
    return Dossier([extract(d, i) for i, d in enumerate(docs)], suspects=tuple(suspects))
