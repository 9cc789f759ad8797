"""The document view's tools: downloads (original, searchable PDF), a full-size page image,
back to the results it was opened from, low-confidence fields marked, the engine out of the way;
search results titled as case-search sites write them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.support.api import Api
from tests.support.env import need_shared
from tests.support.service import scanned_pdf

pytestmark = pytest.mark.needs_shared("extraction_gold", "texts")


def test_document_view_tools_and_result_titles(api_client: Callable[..., Api]) -> None:
    api = api_client(("clerk_a", "clerk", "A"), act_as="clerk_a", task_always_eager="true")
    text = (need_shared("extraction_gold", "texts") / "lecard-12174.txt").read_text("utf-8")
    pdf, _ = scanned_pdf(text, max_pages=1, seed=5)
    r = api.client.post("/api/v1/documents", files={"file": ("扫描件.pdf", pdf)})
    assert r.status_code == 202, r.text
    doc_id = r.json()["document_id"]
    doc = api.client.get(f"/api/v1/documents/{doc_id}").json()
    assert doc["status"] == "processed"
    api.client.cookies.set("dossier_token", api.tokens["clerk_a"])

    search = api.client.get("/search", params={"q": "宜兴市"}).text
    title = re.search(r'<h3><a href="(/documents/\d+\?[^"]+)">([^<]+)</a></h3>', search)
    assert title, search[:2000]
    assert title.group(2) == "盗窃一审刑事判决书"  # not the file name 扫描件.pdf
    link = title.group(1).replace("&amp;", "&")
    assert "back=/search%3Fq%3D" in link  # the results page, its own query escaped once more

    view = api.client.get(link).text
    assert '← 返回结果' in view and 'href="/search?q=' in view
    assert f'href="/documents/{doc_id}/original"' in view
    assert f'href="/documents/{doc_id}/searchable.pdf"' in view
    assert "识别方式" not in view and "<summary>引擎</summary>" in view
    low = [f for f, p in doc["provenance"].items()
           if p.get("confidence") is not None and p["confidence"] < 0.8]
    assert ("个字段置信度低" in view) == bool(low)
    assert view.count('class="field low"') >= (1 if low else 0)
    # an outside address is never offered as the way back
    assert "返回结果" not in api.client.get(f"/documents/{doc_id}?back=https://evil.example").text

    original = api.client.get(f"/documents/{doc_id}/original")
    assert original.status_code == 200 and original.content == pdf
    searchable = api.client.get(f"/documents/{doc_id}/searchable.pdf")
    assert searchable.status_code == 200 and searchable.content.startswith(b"%PDF")
    small = api.client.get(f"/documents/{doc_id}/pages/1.png")
    full = api.client.get(f"/documents/{doc_id}/pages/1.png?full=1")
    assert small.status_code == full.status_code == 200
    assert len(full.content) > len(small.content)


def test_search_lists_newest_without_a_query_suggests_and_exports(
        api_client: Callable[..., Api]) -> None:
    import csv
    import io

    api = api_client(("clerk_a", "clerk", "A"), act_as="clerk_a", task_always_eager="true")
    texts = need_shared("extraction_gold", "texts")
    for name in ("lecard-12174", "lecard-19303"):
        r = api.client.post("/api/v1/documents",
                            files={"file": (f"{name}.txt", (texts / f"{name}.txt").read_bytes())})
        assert r.status_code == 202
    api.client.cookies.set("dossier_token", api.tokens["clerk_a"])
    newest = api.client.get("/search").text
    assert "最新的文书" in newest and newest.count('<li class="hit"') == 2
    none = api.client.get("/search", params={"q": '"宜兴市万石镇的外星人"', "charge": "盗窃罪"}).text
    assert "没有找到匹配的文书" in none and "去掉筛选条件" in none and "不加引号检索" in none
    r = api.client.get("/search/export", params={"format": "csv", "q": "宜兴市"})
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["标题", "案号", "法院", "日期", "罪名", "页", "文件", "摘要"]
    assert rows[1][1] == "（2019）苏0282刑初48号" and "宜兴市" in rows[1][7]
    assert "<em>" not in r.text


def test_a_scanned_seizure_list_is_served_as_a_table(api_client: Callable[..., Api]) -> None:
    """A real dossier's 扣押清单 rendered as a ruled scan: GET /pages/1 returns its rows and
    cells, and the document view shows them as a table."""
    import io

    from tests.scans.dossier_templates import documents
    from tests.scans.generate import render_table
    from tests.support.dossiers import dev_case

    need_shared("lecard", "corpus.jsonl.gz")
    doc = next(d for d in documents(dev_case("非法持有、私藏枪支弹药")) if d.table)
    assert doc.table is not None
    image, _ = render_table(doc.table)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    api = api_client(("clerk_a", "clerk", "A"), act_as="clerk_a", task_always_eager="true")
    r = api.client.post("/api/v1/documents", files={"file": ("扣押清单.png", buf.getvalue())})
    doc_id = r.json()["document_id"]
    page = api.client.get(f"/api/v1/documents/{doc_id}/pages/1").json()
    [table] = page["tables"]
    assert table["columns"] == len(doc.table[0]) and table["rows"][0] == doc.table[0]
    assert len(table["rows"]) == len(doc.table)
    api.client.cookies.set("dossier_token", api.tokens["clerk_a"])
    view = api.client.get(f"/documents/{doc_id}").text
    assert "本页表格（按行列）" in view and f'data-columns="{table["columns"]}"' in view


def test_a_seizure_list_over_two_pages_is_one_table_of_the_document(
        api_client: Callable[..., Api]) -> None:
    """A scanned two-page 扣押清单 (the header repeated on page 2, 备注 written once over two
    rows there): GET /tables gives one table on pages 1-2 with the merged cell, each page its
    own part saying where it continues, and the page view draws the merge with rowspan."""
    from tests.scans.generate import make_pdf, render_table

    head = ["序号", "名称", "数量", "备注"]
    items = [["1", "黑色苹果牌手机", "1部", "已封存"], ["2", "现金", "3200元", "已扣押"],
             ["3", "银色电动自行车", "1辆", "发还"], ["4", "金项链", "1条", "均已扣押"],
             ["5", "银行卡", "2张", ""], ["6", "笔记本电脑", "1台", "已封存"]]
    first, _ = render_table([head] + items[:3], above=["扣押清单", "持有人：张某某"])
    second, _ = render_table([head] + items[3:], spans=[(1, 3, 2, 1)],
                             below=["以上物品已当面清点无误。"])
    api = api_client(("clerk_a", "clerk", "A"), act_as="clerk_a", task_always_eager="true")
    r = api.client.post("/api/v1/documents",
                        files={"file": ("扣押清单.pdf", make_pdf([first, second]))})
    doc_id = r.json()["document_id"]
    [table] = api.client.get(f"/api/v1/documents/{doc_id}/tables").json()["tables"]
    assert table["pages"] == [1, 2] and table["columns"] == 4
    assert table["rows"] == [head] + items  # the header on page 2 dropped
    assert table["spans"] == [{"row": 4, "col": 3, "rows": 2, "cols": 1}]
    [one] = api.client.get(f"/api/v1/documents/{doc_id}/pages/1").json()["tables"]
    [two] = api.client.get(f"/api/v1/documents/{doc_id}/pages/2").json()["tables"]
    assert one["continues_on"] == 2 and one["continues_from"] is None
    assert two["continues_from"] == 1 and two["rows"][0] == head
    api.client.cookies.set("dossier_token", api.tokens["clerk_a"])
    view = api.client.get(f"/documents/{doc_id}", params={"page": 2}).text
    assert "续表：接第 1 页的表格" in view and 'rowspan="2">均已扣押</td>' in view
