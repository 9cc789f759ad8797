"""Tables read with the page's ruling through the service (issue 19): an uploaded 扣押清单 scan
keeps its horizontal rules with the page (ocr.tables.find_rules), so the page API reads the
备注 written once for three items as one cell over three rows; a seizure list continued on
the next page by one row is one table of the document."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from tests.support.api import Api

pytestmark = pytest.mark.needs_shared("cail2018", "cases.jsonl.gz")


def test_a_merged_note_and_a_one_row_continuation_through_the_api(
        api_client: Callable[..., Api]) -> None:
    from tests.scans.generate import make_pdf, render_table
    from tests.unit.test_ocr_tables_ruled import (
        HEAD,
        ITEMS,
        MERGED,
        MERGED_SPANS,
        framing,
        two_pages,
    )

    above, below = framing()
    image, _ = render_table(MERGED, spans=MERGED_SPANS, above=above, below=below)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    api = api_client(("clerk_a", "clerk", "A"), act_as="clerk_a", task_always_eager="true")
    r = api.client.post("/api/v1/documents", files={"file": ("扣押清单.png", buf.getvalue())})
    assert r.status_code == 202, r.text
    doc_id = r.json()["document_id"]
    [table] = api.client.get(f"/api/v1/documents/{doc_id}/pages/1").json()["tables"]
    assert table["spans"] == [{"row": 1, "col": 4, "rows": 3, "cols": 1}]
    assert table["rows"][1][4] == "已发还被害人" and table["rows"][2][4] == ""

    first, second = two_pages([HEAD] + ITEMS)
    r = api.client.post("/api/v1/documents",
                        files={"file": ("扣押清单续.pdf", make_pdf([first, second]))})
    doc_id = r.json()["document_id"]
    [whole] = api.client.get(f"/api/v1/documents/{doc_id}/tables").json()["tables"]
    assert whole["pages"] == [1, 2] and len(whole["rows"]) == 6
    assert whole["rows"][-1][1] == "银行卡"
