"""The checklist fields read from generated forms rendered and OCR'd as scans (slow: loads the
PP-OCR models): a 血液酒精 appraisal, a 扣押清单 drawn as a ruled table, a 道路交通事故认定书,
each degraded like a scanner (tests.scans.generate.degrade) and read by rapidocr."""

from __future__ import annotations

import pytest

from extraction.rules import RuleExtractor
from ocr.document import read_image
from ocr.engines import get_engine
from tests.scans.dossier_templates import cases, compare, dossier, render
from tests.scans.generate import degrade
from tests.support.env import SHARED

pytestmark = [pytest.mark.slow, pytest.mark.needs_shared("cail2018", "cases.jsonl.gz"),
              pytest.mark.needs_shared("lecard", "corpus.jsonl.gz")]
WANTED = {"危险驾驶": "血液酒精鉴定意见", "交通肇事": "道路交通事故认定书",
          "非法持有、私藏枪支弹药": "扣押清单", "盗窃": "价格认定结论书"}


@pytest.mark.parametrize("case_type", sorted(WANTED))
def test_fields_of_a_scanned_form(case_type: str) -> None:
    source = "lecard" if case_type.startswith("非法持有") else "cail2018"
    [src] = cases(SHARED, case_type, source, limit=1, parity=0 if source == "lecard" else None)
    _, docs = dossier(src)
    [doc] = [d for d in docs if d.material == WANTED[case_type]]
    engine = get_engine("rapidocr", threads=2)
    pages = []
    for number, image in enumerate(render(doc), start=1):
        scan = degrade(image, skew_deg=1.0, blur=0.8, noise=8.0, jpeg_quality=60, seed=number)
        pages.append(read_image(number, scan, lambda: engine).text)
    result = RuleExtractor().extract(pages)
    wrong = {k: v for k, v in compare(doc.truth, result.fields).items() if not v}
    assert not wrong, (doc.truth, {k: result.fields.get(k) for k in doc.truth}, pages)
    for path, prov in result.provenance.items():
        if path.split("/")[0] in doc.truth:
            assert prov.page == 1 and pages[0][prov.start:prov.end].strip()
