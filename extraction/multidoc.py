"""Extraction of an upload that holds several documents (a scanned bundle of a dossier).

``classify.split_documents`` cuts the pages where a new document's title heads a page. One
upload is one Document row of the data pool, so its fields come from one of its documents,
the *leading* one: the first of the highest rank (a judgment before a ruling before an
indictment … before 其他, the order of ``classify.KINDS``), since the decision of a bundle is
what its fields (charges, sentence) describe. The page ranges and their kinds are kept in the
fields as ``parts`` — ``[{"first", "last", "kind", "confidence", "primary", "fields"}]``, present
only when there is more than one — each kind with its provenance (``parts/<i>/kind``: the title's
span and the classification confidence), so a clerk can see and correct every range's kind. The
other parts keep the fields the completeness checklists read (title, blood alcohol, injuries …;
``extraction/dossier_fields.py``) under ``parts/<i>/fields`` with their provenance, so a scanned
bundle of 鉴定意见, 笔录 and 清单 is checked part by part.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from extraction.base import Extractor
from extraction.classify import KINDS, Part, split_documents
from extraction.text import DocText
from models.records import Extracted, Provenance

VERSION = "classify 0.1.0"


def primary_part(parts: list[Part]) -> int:
    """Index of the part whose fields stand for the upload: highest-ranked kind, first wins."""
    return min(range(len(parts)), key=lambda i: (KINDS.index(parts[i].kind.kind), i))


def _part_provenance(pages: list[str], part: Part) -> Provenance:
    kind = part.kind
    if kind.end > kind.start:  # the title's span, on the part's own pages
        page, start, end = DocText.from_pages(pages[part.first - 1 : part.last]).locate(
            kind.start, kind.end)
        page = page + part.first - 1 if page is not None else part.first
    else:  # classified from body cues: the range's first page
        page, start, end = part.first, 0, 0
    return Provenance(page, start, end, kind.confidence, VERSION)


#: the fields of a non-leading part that the checklists read (extraction/dossier_fields.py)
DOSSIER_FIELDS = ("title", "subject", "blood_alcohol_mg_per_100ml", "appraised_value_yuan",
                  "injuries", "responsibility", "seized_items", "interrogation", "offence_forms")


def _dossier_fields(extractor: Extractor, pages: list[str], part: Part
                    ) -> tuple[dict[str, Any], dict[str, Provenance]]:
    """A part's checklist fields with provenance on the upload's pages."""
    result = extractor.extract(pages[part.first - 1 : part.last])
    own = {k: v for k, v in result.fields.items() if k in DOSSIER_FIELDS and v not in (None, [], {})}
    shift = part.first - 1
    prov = {path: replace(p, page=p.page + shift) if p.page is not None else p
            for path, p in result.provenance.items() if path.split("/", 1)[0] in own}
    return own, prov


def extract_upload(extractor: Extractor, pages: list[str]) -> Extracted:
    """Fields of an upload; a multi-document one gets ``parts`` with a kind per page range and
    the fields of its leading document (page numbers of provenance and evidence refer to the
    whole upload)."""
    parts = split_documents(pages)
    if len(parts) <= 1:
        return extractor.extract(pages)
    lead = primary_part(parts)
    part = parts[lead]
    result = extractor.extract(pages[part.first - 1 : part.last])
    shift = part.first - 1
    provenance = {
        path: replace(p, page=p.page + shift) if p.page is not None else p
        for path, p in result.provenance.items()
    }
    evidence = [
        {**item, "page": item["page"] + shift} if item.get("page") is not None else item
        for item in result.evidence
    ]
    fields: dict[str, Any] = dict(result.fields)
    fields["parts"] = [
        {"first": p.first, "last": p.last, "kind": p.kind.kind,
         "confidence": round(p.kind.confidence, 3), "primary": i == lead}
        for i, p in enumerate(parts)
    ]
    for i, p in enumerate(parts):
        provenance[f"parts/{i}/kind"] = _part_provenance(pages, p)
        if i == lead:
            continue
        own, own_prov = _dossier_fields(extractor, pages, p)
        if own:
            fields["parts"][i]["fields"] = own
            provenance.update({f"parts/{i}/fields/{k}": v for k, v in own_prov.items()})
    return replace(result, fields=fields, provenance=provenance, evidence=evidence)
