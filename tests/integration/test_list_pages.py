"""The lists behind the home page's badges: documents by status, fields awaiting review, cases;
paged, filtered, sorted, and never showing another agency's rows."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from models.db import session_scope
from tests.support.api import Api


def _fill(api: Api, agency: str, n_docs: int, statuses: tuple[str, ...]) -> list[int]:
    """Cases of ``agency`` with documents in the given statuses (round robin), and one
    low-confidence and one confident field on each document."""
    from models.schema import Agency, Case, Document, FieldValue

    ids = []
    with session_scope(api.settings.db_url) as s:
        ag = s.query(Agency).filter_by(code=agency).one()
        for i in range(n_docs):
            case = Case(case_number=f"（2025）{agency}刑初{i + 1}号", agency_id=ag.id)
            s.add(case)
            s.flush()
            data = f"{agency}-{i}".encode()
            doc = Document(case_id=case.id, filename=f"{agency}-{i:03d}.pdf",
                           sha256=hashlib.sha256(data).hexdigest(), mime="application/pdf",
                           size=len(data), page_count=2, status=statuses[i % len(statuses)],
                           doc_type="刑事判决书", error="页面无法识别" if i % len(statuses) else None)
            s.add(doc)
            s.flush()
            s.add_all([FieldValue(document_id=doc.id, path="defendants/0/sentence/term_months",
                                  value=12, page=2, confidence=0.5 + i / 1000,
                                  extractor="rules"),
                       FieldValue(document_id=doc.id, path="court", value="某法院", page=1,
                                  confidence=0.99, extractor="rules")])
            ids.append(doc.id)
    return ids


def _rows(html: str, attr: str) -> list[str]:
    return re.findall(rf'<tr {attr}="([^"]+)"', html)


def test_badges_open_paged_filtered_lists_of_what_the_user_sees(
        api_client: Callable[..., Api]) -> None:
    api = api_client(("clerk_a", "clerk", "A"), ("clerk_b", "clerk", "B"))
    mine = _fill(api, "A", 60, ("processed", "failed"))
    theirs = _fill(api, "B", 5, ("failed",))
    api.client.cookies.set("dossier_token", api.tokens["clerk_a"])
    home = api.client.get("/").text
    assert 'href="/documents?status=failed"' in home and 'href="/review"' in home
    assert re.search(r'data-count="failed">30<', home)

    failed = api.client.get("/documents?status=failed").text
    assert "处理失败的材料" in failed and "共 30 条" in failed
    ids = [int(i) for i in _rows(failed, "data-document")]
    assert len(ids) == 30 and set(ids) <= set(mine) and not set(ids) & set(theirs)
    assert ids == sorted(ids, reverse=True) and "页面无法识别" in failed and "重试" in failed

    everything = api.client.get("/documents").text
    assert "第 1 / 2 页，共 60 条" in everything and 'href="/documents?page=2" rel="next"' in everything
    second = api.client.get("/documents?page=2").text
    assert len(_rows(everything, "data-document")) + len(_rows(second, "data-document")) == 60
    by_name = api.client.get("/documents?sort=name&q=A-00").text
    names = re.findall(r'>(A-\d{3}\.pdf)<', by_name)
    assert names == sorted(names) and len(names) == 10  # A-000 … A-009

    review = api.client.get("/review").text
    assert "共 60 条" in review and "被告人一 · 刑罚 · 刑期（月）" in review
    assert "某法院" not in review  # a confident value waits for nobody
    assert re.search(r'href="/documents/\d+\?page=2">核对<', review)
    confidences = [int(c) for c in re.findall(r"<td>(\d+)%</td>", review)]
    assert confidences == sorted(confidences)

    cases = api.client.get("/cases?sort=number").text
    numbers = re.findall(r'>(（2025）[AB]刑初\d+号)<', cases)
    assert len(numbers) == 50 and all("A" in n for n in numbers) and numbers == sorted(numbers)
    assert "第 1 / 2 页，共 60 条" in cases
    assert api.client.get("/documents?status=nonsense").status_code == 422


def test_lists_download_as_csv_and_xlsx(api_client: Callable[..., Api]) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    api = api_client(("clerk_a", "clerk", "A"), ("clerk_b", "clerk", "B"))
    _fill(api, "A", 12, ("processed", "failed"))
    _fill(api, "B", 3, ("failed",))
    api.client.cookies.set("dossier_token", api.tokens["clerk_a"])
    page = api.client.get("/documents?status=failed").text
    assert 'href="/documents?export=csv&amp;status=failed&amp;sort=newest"' in page
    r = api.client.get("/documents?export=csv&status=failed")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())  # Excel reads the Chinese
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["文件", "案号", "文书类型", "页数", "上传时间", "状态", "原因"]
    assert len(rows) == 1 + 6 and all(row[0].startswith("A-") for row in rows[1:])
    assert {row[5] for row in rows[1:]} == {"失败"} and rows[1][6] == "页面无法识别"
    x = api.client.get("/cases?export=xlsx&sort=number")
    ws = load_workbook(io.BytesIO(x.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    header = values.index(["案号", "案件名称", "案件类型", "材料数", "来源", "建立时间"])
    numbers = [row[0] for row in values[header + 1:]]
    assert len(numbers) == 12 and numbers == sorted(numbers) and all("A" in n for n in numbers)
    assert api.client.get("/cases?export=pdf").status_code == 422
