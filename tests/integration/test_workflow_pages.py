"""The workflow pages (Chinese): inbox with its actions, due list with level badges sorted by due
date, a case's timeline chart, badges on the home page. In-process, the clock moved by the
``workflow_now`` dependency."""

from __future__ import annotations

import re

from tests.workflow_support import World, add_case


def page(w: World, who: str, url: str) -> str:
    w.client.cookies.set("dossier_token", w.tokens[who])
    r = w.client.get(url)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return r.text


def test_inbox_due_list_timeline_and_home_badges(world: World) -> None:
    w = world
    a, _ = add_case(w.settings, "police-lz", "兰公（城）立字〔2025〕7号", {"换押证": "换押证"})
    b, _ = add_case(w.settings, "police-lz", "兰公（城）立字〔2025〕8号", {"换押证": "换押证 乙"})
    w.at("2025-03-03T09:00")
    for case_id in (a, b):
        w.act("pol", case_id, "立案")
        w.act("pol", case_id, "拘留", persons=["李四"])
    w.act("pol", b, "讯问")  # 送押、通知、讯问 within 24 hours (CPL 85, 86)
    w.at("2025-03-04T09:00")
    b1a = w.push("pol", a, "B1", "proc-lz").json()["business"]
    w.at("2025-03-06T09:00")
    assert w.push("pol", b, "B1", "proc-lz").status_code == 201
    w.at("2025-03-12T09:00")  # case a's 7 days ran out on 11 March; case b's end on 13 March
    html = page(w, "pros", "/inbox")
    assert "协同业务收件箱" in html and "提请批准逮捕" in html and "兰公（城）立字〔2025〕7号" in html
    assert 'class="level red"' in html and "签收" in html
    # sign for it from the page: the form posts and comes back with the outcome
    w.client.cookies.set("dossier_token", w.tokens["pros"])
    r = w.client.post(f"/web/workflow/businesses/{b1a['id']}/receive", data={"back": "/inbox"},
                      follow_redirects=True)
    assert r.status_code == 200 and "B1 提请批准逮捕：已签收" in r.text
    r = w.client.post(f"/web/workflow/businesses/{b1a['id']}/complete", data={"back": "/inbox"},
                      follow_redirects=True)
    assert "业务当前为「已签收」，不能办结" in r.text
    html = page(w, "pros", "/deadlines")
    assert "办案期限" in html and "刑事诉讼法第九十一条" in html
    dues = re.findall(r'<td class="due">([^<]+)</td>', html)
    assert dues == sorted(dues) == ["2025-03-11", "2025-03-13"]
    assert re.findall(r'data-level="(\w+)"', html)[3:] == ["red", "yellow"]
    desc = page(w, "pros", "/deadlines?order=desc")
    assert re.findall(r'<td class="due">([^<]+)</td>', desc) == ["2025-03-13", "2025-03-11"]
    red = page(w, "pros", "/deadlines?level=red")
    assert re.findall(r'<td class="due">([^<]+)</td>', red) == ["2025-03-11"]
    assert "超期原因" in red
    home = page(w, "pros", "/")
    assert re.search(r'data-count="red">1<', home) and re.search(r'data-count="yellow">1<', home)
    assert re.search(r'data-count="inbox">2<', home) and "提请批准逮捕" in home
    tl = page(w, "pol", f"/cases/{a}/timeline")
    assert "案件流程" in tl and "审查批准逮捕" in tl and "<svg" in tl and 'data-state="审查逮捕"' in tl
    assert "拘留后讯问（李四）" in tl
    w.client.cookies.set("dossier_token", w.tokens["judge"])
    assert w.client.get(f"/cases/{a}/timeline").status_code == 404


def test_inbox_and_due_list_pages_link_to_every_page(world: World) -> None:
    """More businesses than a page holds: each page has PAGE_SIZE rows, the last the rest; the
    due list's latest-first order is the reverse of the soonest-first order across pages."""
    from api.web.workflow_pages import PAGE_SIZE

    w = world
    n = PAGE_SIZE + 7
    for i in range(n):
        case_id, _ = add_case(w.settings, "police-lz", f"兰公（城）立字〔2025〕{500 + i}号", {})
        w.at(f"2025-03-03T09:{i % 60:02d}")
        w.act("pol", case_id, "立案")
        w.at(f"2025-03-{4 + i // 20:02d}T09:{i % 60:02d}")
        assert w.push("pol", case_id, "B1", "proc-lz").status_code == 201
    first = page(w, "pros", "/inbox")
    assert first.count("<tr data-business=") == PAGE_SIZE
    assert 'rel="next"' in first and 'rel="prev"' not in first
    nxt = re.search(r'href="([^"]+)" rel="next"', first)
    assert nxt and nxt.group(1) == "/inbox?page=2"
    second = page(w, "pros", "/inbox?page=2")
    assert second.count("<tr data-business=") == 7 and 'rel="next"' not in second
    ids = re.findall(r'<tr data-business="(\d+)"', first + second)
    assert len(set(ids)) == n  # every business once

    def dues(url: str) -> list[str]:
        return re.findall(r'<td class="due">([^<]+)</td>', page(w, "pros", url))
    asc = dues("/deadlines") + dues("/deadlines?page=2")
    desc = dues("/deadlines?order=desc") + dues("/deadlines?order=desc&page=2")
    assert len(asc) == n and asc == sorted(asc) and desc == asc[::-1]
    assert 'href="/deadlines?order=desc&amp;page=2" rel="next"' in page(
        w, "pros", "/deadlines?order=desc")
