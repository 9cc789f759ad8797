"""The guideline's computation through the HTTP API (embedded default, Celery eager), over real
judgments uploaded as text: the steps next to the comparable cases, the inputs with where they
were read, a judge's changed input recomputing, the proposed term flagged outside both ranges."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import Api

pytestmark = pytest.mark.slow

TRAFFIC = ["lecard-16272", "lecard-25330", "lecard-39318"]  # 交通肇事罪: 10, 20, 24 months


@pytest.fixture
def api(api_client: Callable[..., Api], shared_data: Path) -> dict[str, Any]:
    made = api_client(("clerk1", "clerk", "A"), ("judge1", "judge", "A"), act_as="clerk1",
                      task_always_eager="true")
    cases: dict[str, int] = {}
    for name in TRAFFIC:
        text = (shared_data / "extraction_gold" / "texts" / f"{name}.txt").read_bytes()
        r = made.client.post("/api/v1/documents", files={"file": (f"{name}.txt", text)})
        assert r.status_code == 202, r.text
        cases[name] = r.json()["case_id"]
    made.act_as("judge1")
    return {"client": made.client, "cases": cases, "token": made.tokens["judge1"]}


def test_steps_beside_comparable_cases_and_a_judge_changing_an_input(api: dict[str, Any]) -> None:
    c, case = api["client"], api["cases"][TRAFFIC[0]]
    r = c.get(f"/api/v1/cases/{case}/sentencing", params={"k": 10})
    assert r.status_code == 200, r.text
    body = r.json()
    g = body["guideline"]
    assert g["known"] and g["charges"][0]["charge"] == "交通肇事罪"
    kinds = [s["kind"] for s in g["steps"]]
    assert kinds[0] == "起点" and "基准刑" in kinds and kinds[-1] == "宣告刑"
    assert all(s["basis"] for s in g["steps"])
    assert g["statutory"][0] <= g["months"] <= g["statutory"][1]
    est = body["estimate"]
    assert est["steps"][-1]["kind"] == "估计"
    assert est["range"][0] <= est["months"] <= est["range"][1]
    # the comparable cases feed the estimate: their terms (20, 24) and their median
    assert est["detail"]["inputs"]["comparable_n"] == 2
    # where each input was read: a span of the facts or an extracted field
    prov = g["inputs"]["provenance"]
    assert prov and all(p["source"] in ("facts", "extraction") for p in prov.values())

    # a judge adds 立功 at 20 %, keeping the rest: the computation is done again with it
    circ = g["inputs"]["circumstances"]
    assert "立功" not in circ
    changed = c.post(f"/api/v1/cases/{case}/sentencing", json={
        "k": 10, "overrides": {"circumstances": [*circ, "立功"], "percentages": {"立功": 20}}})
    assert changed.status_code == 200, changed.text
    g2 = changed.json()["guideline"]
    assert any(s["kind"] == "调节" and s["label"].startswith("立功") and s["delta"] == -20
               for s in g2["steps"])
    assert g2["months"] <= g["months"]
    assert g2["inputs"]["provenance"]["circumstance:立功"]["source"] == "judge"


def test_proposed_term_flagged_only_outside_both_ranges(api: dict[str, Any]) -> None:
    c, case = api["client"], api["cases"][TRAFFIC[0]]
    far = c.get(f"/api/v1/cases/{case}/sentencing", params={"k": 10, "proposed_months": 80})
    check = far.json()["proposed_check"]
    assert check["outside_guideline"] and check["outside_comparable"] and check["flagged"]
    assert "请复核" in check["reason"]
    body = c.get(f"/api/v1/cases/{case}/sentencing", params={"k": 10}).json()
    inside = body["guideline"]["range"][0]
    near = c.get(f"/api/v1/cases/{case}/sentencing",
                 params={"k": 10, "proposed_months": inside}).json()["proposed_check"]
    assert not near["outside_guideline"] and not near["flagged"]


def test_page_shows_the_steps_and_recomputes_a_changed_input(api: dict[str, Any]) -> None:
    c, case = api["client"], api["cases"][TRAFFIC[0]]
    c.cookies.set("dossier_token", api["token"])
    page = c.get(f"/cases/{case}/sentencing")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="histogram"' in html and 'id="guideline-steps"' in html
    for word in ("起点", "基准刑", "宣告刑", "估计", "重新计算", "刑法第一百三十三条"):
        assert word in html, word
    g = c.get(f"/api/v1/cases/{case}/sentencing").json()["guideline"]
    assert g["inputs"]["measures"].get("deaths", 1) == 1
    # the judge makes it two deaths, keeping every other input as read: the base sentence
    # rises by the province's increment (每增加死亡一人 +6-12 个月, the middle: +9)
    form: dict[str, Any] = {"edited": "1", "m_deaths": "2", "proposed_months": "80",
                            "c": g["inputs"]["circumstances"], "f": g["inputs"]["flags"]}
    form.update({f"m_{k}": v for k, v in g["inputs"]["measures"].items() if k != "deaths"})
    after = c.get(f"/cases/{case}/sentencing", params=form)
    assert after.status_code == 200
    assert "法官修改" in after.text and 'id="proposed-check"' in after.text
    months = int(after.text.split('id="guideline-months">')[1].split("<")[0])
    assert months > g["months"]


def test_terms_on_the_page_read_as_judges_write_them(api: dict[str, Any]) -> None:
    """No float artefacts (13.500000000000002 个月), years and months, probation in the table,
    and a proposed term that is not a number said to be invalid instead of ignored."""
    c, case = api["client"], api["cases"][TRAFFIC[0]]
    c.cookies.set("dossier_token", api["token"])
    html = c.get(f"/cases/{case}/sentencing").text
    median = html.split('id="median">')[1].split("<")[0]
    assert "." not in median and ("个月" in median or "年" in median)
    artefact = re.search(r"\d+\.\d{3,}", html)
    assert not artefact, html[max(0, artefact.start() - 300):artefact.end() + 100]
    bad = c.get(f"/cases/{case}/sentencing", params={"proposed_months": "abc"})
    assert bad.status_code == 200 and "拟判刑期「abc」无效" in bad.text
