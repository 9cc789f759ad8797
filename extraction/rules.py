"""Rule-based extraction over the fixed structure of Chinese criminal judgments.

No model and no training data: the header, the verdict and the signature block are written to
a national template, so rules get the core fields right and are explainable to the clerk who
corrects them. Every filled value carries the span it was read from.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from extraction.amounts import find_amount, find_blood_alcohol
from extraction.charge_repair import repair_charges
from extraction.circumstances import find_mitigating
from extraction.classify import classify_text
from extraction.custody import read_custody
from extraction.dossier_fields import read as read_dossier_fields
from extraction.dossier_fields import set_path
from extraction.evidence import find_evidence
from extraction.header import (
    PROCURATORATE_TITLES,
    find_case_number,
    find_court,
    find_doc_type,
    find_judgment_date,
    find_procuratorate,
)
from extraction.names import edit_distance
from extraction.ner import ENGINES, Ner, get_ner
from extraction.parties import Defendant, find_counsel, find_defendants, find_victims
from extraction.sections import Sections, find_sections
from extraction.sentence import Sentence
from extraction.text import DocText, Found
from extraction.verdict import DefendantVerdict, read_indictment, read_suspected, read_verdict
from models.records import Extracted, Provenance

FIELDS = (
    "doc_type", "case_number", "court", "procuratorate", "judgment_date", "defendants", "victims",
    "defense_counsel", "mitigating", "amount_involved_yuan", "blood_alcohol_mg_per_100ml",
    "instance",
)  # fmt: skip
#: the instance a court's case number names: （2016）粤13刑终12号 is an appeal, 刑再 a retrial
_INSTANCE = (("再", "再审"), ("终", "二审"), ("初", "一审"))


def empty_fields() -> dict[str, Any]:
    """All SCHEMA.md fields (doc_id and notes excluded) with their empty values."""
    lists = {"defendants", "victims", "defense_counsel", "mitigating"}
    return {key: [] if key in lists else None for key in FIELDS}


def empty_defendant() -> dict[str, Any]:
    sentence = {"principal": None, "term_months": None, "probation_months": None,
                "fine_yuan": None, "confiscation": False}  # fmt: skip
    return {"name": None, "gender": None, "birth_date": None, "ethnicity": None,
            "charges": [], "sentence": sentence,
            "id_number": None, "prior_record": [], "custody": [],
            "unit": False, "aliases": [], "charge_terms": [], "changed": None}  # fmt: skip


def _instance(case_number: Found[str] | None, title: Found[str] | None) -> Found[str] | None:
    """一审, 二审 or 再审, read from a court's case number (刑初 / 刑终 / 刑再)."""
    if case_number is None or title is None or title.value in PROCURATORATE_TITLES:
        return None
    # 刑一一初: a fax doubled the 一 of 刑一初
    kind = re.search(r"刑[一二三四五六七八九]{0,2}(?:\([^)]{1,4}\))?(再|终|初)", case_number.value)
    if kind is None:
        return None
    word = dict(_INSTANCE)[kind.group(1)]
    return Found(word, case_number.start, case_number.end, 0.9)


# an appellant in the header makes a second instance; a prosecuting organ that is not the
# 原 one of an earlier instance, a first (再审 has neither sign for sure: left to the number)
_APPELLANT = re.compile(r"(?<!原审)上诉人")
_FIRST_PROSECUTOR = re.compile(r"(?<!原)公诉机关")


def _instance_by_roles(doc: DocText, header: tuple[int, int],
                       title: Found[str] | None) -> Found[str] | None:
    """一审 or 二审 from the parties' roles in the header, where the case number cannot tell (a
    fax read 刑终 as 开终, or lost the number)."""
    if title is None or title.value in PROCURATORATE_TITLES or header[1] <= header[0]:
        return None
    for pattern, word in ((_APPELLANT, "二审"), (_FIRST_PROSECUTOR, "一审")):
        found = pattern.search(doc.norm, *header)
        if found:
            return Found(word, found.start(), found.end(), 0.6)
    return None


def _year_of(case_number: str | None) -> int | None:
    match = re.search(r"(?:19|20)\d{2}", case_number or "")
    return int(match.group()) if match else None


class _Record:
    """Collects values and their provenance under JSON-pointer-like paths."""

    def __init__(self, doc: DocText, extractor: str) -> None:
        self.doc = doc
        self.extractor = extractor
        self.provenance: dict[str, Provenance] = {}

    def note(self, path: str, found: Found[Any]) -> Any:
        page, start, end = self.doc.locate(found.start, found.end)
        self.provenance[path] = Provenance(page, start, end, found.confidence, self.extractor)
        return found.value

    def put(self, target: dict[str, Any], key: str, path: str, found: Found[Any] | None) -> None:
        if found is not None:
            target[key] = self.note(path, found)


def _sentence(record: _Record, out: dict[str, Any], path: str, sentence: Sentence | None) -> None:
    if sentence is None:
        return
    for key in ("principal", "term_months", "probation_months", "fine_yuan", "confiscation"):
        record.put(out, key, f"{path}/{key}", getattr(sentence, key))


def _mentions(text: str, name: str, other: str) -> int:
    """How often ``text`` spells ``name``, leaving out where it is part of ``other`` (a header
    that lost a character, 陈 for 陈铭, is in every 陈铭)."""
    count = text.count(name)
    if name in other:
        count -= text.count(other) * other.count(name)
    return count


def _defendant(
    record: _Record, index: int, header: Defendant, verdict: DefendantVerdict, appeal: bool = False
) -> dict[str, Any]:
    out = empty_defendant()
    path = f"defendants/{index}"
    name = header.name
    if verdict.name is not None and edit_distance(verdict.name.value, name.value) == 1:
        # the operative part's spelling wins over a one-character slip in the header, unless the
        # text spells the name the header's way more often: then the verdict's is the slip, an
        # OCR misreading most likely (a fax read 周月玲 nine times and 周片玲 in the verdict)
        text = record.doc.norm
        if _mentions(text, verdict.name.value, name.value) >= _mentions(text, name.value,
                                                                         verdict.name.value):
            name = verdict.name
    record.put(out, "name", f"{path}/name", name)
    record.put(out, "gender", f"{path}/gender", header.gender)
    record.put(out, "birth_date", f"{path}/birth_date", header.birth_date)
    record.put(out, "ethnicity", f"{path}/ethnicity", header.ethnicity)
    out["charges"] = [
        record.note(f"{path}/charges/{i}", charge) for i, charge in enumerate(verdict.charges)
    ]
    _sentence(record, out["sentence"], f"{path}/sentence", verdict.sentence)
    custody, prior, id_number = read_custody(record.doc, header.segment)
    record.put(out, "id_number", f"{path}/id_number", id_number)
    out["prior_record"] = [
        record.note(f"{path}/prior_record/{i}", item) for i, item in enumerate(prior)
    ]
    out["custody"] = [record.note(f"{path}/custody/{i}", item) for i, item in enumerate(custody)]
    out["unit"] = header.unit
    out["aliases"] = [
        record.note(f"{path}/aliases/{i}", alias) for i, alias in enumerate(header.aliases)
    ]
    for i, term in enumerate(verdict.charge_terms):
        item = {"charge": record.note(f"{path}/charge_terms/{i}/charge", term.charge),
                "principal": None, "term_months": None, "fine_yuan": None}
        for key in ("principal", "term_months", "fine_yuan"):
            record.put(item, key, f"{path}/charge_terms/{i}/{key}", getattr(term.sentence, key))
        out["charge_terms"].append(item)
    if appeal:
        out["changed"] = verdict.changed
    return out


class RuleExtractor:
    """Extractor for judgments, rulings and indictments by their standard layout.

    With ``ner`` (a model of ``extraction.ner``), a person name the model finds right after a
    defendant's role decides where the name ends when no comma ends it (被告人汪某武因…)."""

    name = "rules"
    version = "0.1.0"

    def __init__(self, ner: Ner | None = None) -> None:
        self.ner = ner
        if ner is not None:
            self.name = f"rules+{ner.name}"

    def _persons(self, doc: DocText, header: tuple[int, int]) -> dict[int, str] | None:
        if self.ner is None or header[1] <= header[0]:
            return None
        start, end = header
        return {start + at: word for word, tag, at, _ in self.ner.entities(doc.norm[start:end])
                if tag == "PER"}

    def extract(self, pages: list[str]) -> Extracted:
        doc = repair_charges(DocText.from_pages(pages))
        record = _Record(doc, f"{self.name} {self.version}")
        fields = empty_fields()
        sections = find_sections(doc.norm)
        header_end = sections.header[1]

        title = find_doc_type(doc)
        kind = classify_text(doc)
        if title is None and kind.title:
            title = Found(kind.title, kind.start, kind.end, kind.confidence)
        record.put(fields, "doc_type", "doc_type", title)
        number = find_case_number(doc, title, header_end)
        record.put(fields, "case_number", "case_number", number)
        record.put(fields, "court", "court", find_court(doc, header_end, title))
        record.put(
            fields, "procuratorate", "procuratorate", find_procuratorate(doc, header_end, title)
        )
        record.put(
            fields, "judgment_date", "judgment_date",
            find_judgment_date(doc, sections.tail[0], _year_of(fields["case_number"]))
        )

        record.put(fields, "instance", "instance",
                   _instance(number, title) or _instance_by_roles(doc, sections.header, title))
        defendants = find_defendants(doc, sections.header, self._persons(doc, sections.header))
        if sections.verdict:
            body_end = sections.reasoning[0] if sections.reasoning else sections.verdict[0]
            verdicts = read_verdict(doc, sections.verdict, defendants, sections.quoted_verdicts,
                                    (sections.header[1], body_end))
        elif title and title.value in PROCURATORATE_TITLES and sections.reasoning:
            verdicts = read_indictment(doc, sections.reasoning, defendants)
        elif kind.kind not in ("刑事判决书", "刑事裁定书", "其他"):
            verdicts = read_suspected(doc, (0, len(doc.norm)), defendants)
        else:
            verdicts = [DefendantVerdict() for _ in defendants]
        appeal = fields["instance"] in ("二审", "再审")
        fields["defendants"] = [
            _defendant(record, i, d, v, appeal)
            for i, (d, v) in enumerate(zip(defendants, verdicts, strict=True))
        ]
        self._people(record, fields, doc, sections)
        self._figures(record, fields, doc, sections)
        for path, found in read_dossier_fields(doc, kind.kind):  # what the checklists read
            set_path(fields, path, record.note(path, found))
        facts = sections.facts or sections.charge
        evidence = []
        for found, evidence_kind in find_evidence(doc, sections):
            page, start, end = doc.locate(found.start, found.end)
            evidence.append({"text": found.value, "kind": evidence_kind, "page": page,
                             "start": start, "end": end, "confidence": found.confidence})
        return Extracted(
            fields=fields,
            provenance=record.provenance,
            doc_type_confidence=kind.confidence,
            facts=doc.original(*facts) if facts else "",
            doc_kind=kind.kind,
            evidence=evidence,
        )

    @staticmethod
    def _people(record: _Record, fields: dict[str, Any], doc: DocText, sections: Sections) -> None:
        for key, found in (
            ("victims", find_victims(doc)),
            ("defense_counsel", find_counsel(doc, sections.header)),
        ):
            fields[key] = [record.note(f"{key}/{i}", item) for i, item in enumerate(found)]
        if sections.reasoning:
            start, end = sections.reasoning
            mitigating = find_mitigating(doc.norm[start:end], start)
            fields["mitigating"] = [
                record.note(f"mitigating/{i}", item) for i, item in enumerate(mitigating)
            ]

    @staticmethod
    def _figures(record: _Record, fields: dict[str, Any], doc: DocText, sections: Sections) -> None:
        parts = [
            (doc.norm[span[0] : span[1]], span[0])
            for span in (sections.reasoning, sections.facts, sections.charge)
            if span is not None
        ]
        record.put(fields, "amount_involved_yuan", "amount_involved_yuan", find_amount(parts))
        charges = {c for d in fields["defendants"] for c in d["charges"]}
        if any("危险驾驶" in c for c in charges):
            start = sections.header[1]
            alcohol = find_blood_alcohol(doc.norm[start:], start)
            record.put(fields, "blood_alcohol_mg_per_100ml", "blood_alcohol_mg_per_100ml", alcohol)


@lru_cache(maxsize=4)
def get_extractor(ner_engine: str = "rules") -> RuleExtractor:
    """The extractor ``DOSSIER_NER_ENGINE`` names ("rules", or "lac": rules + the LAC model),
    built once per process; raises NerUnavailable when the model's package is missing and
    ValueError for an unknown name."""
    if ner_engine == "rules":
        return RuleExtractor()
    if ner_engine not in ENGINES:
        raise ValueError(f"unknown NER engine {ner_engine!r}; use one of {', '.join(ENGINES)}")
    return RuleExtractor(get_ner(ner_engine))
