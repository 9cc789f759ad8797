"""Sentencing from pasted facts says where its charges come from and never passes another
charge's cases off as comparable: a real 故意伤害 fact paragraph (CAIL2018) against a pool of
theft judgments reads 故意伤害罪 from the conduct and answers "no comparable cases"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.scans.dossier_templates import cases
from tests.support.api import Api
from tests.support.env import SHARED, need_shared

pytestmark = [pytest.mark.needs_shared("cail2018", "cases.jsonl.gz"),
              pytest.mark.needs_shared("extraction_gold", "texts")]
THEFT = ("lecard-12174", "lecard-19303")


def test_charges_of_pasted_facts_are_explained_and_never_borrowed(
        api_client: Callable[..., Api]) -> None:
    api = api_client(("clerk_a", "clerk", "A"), ("judge_a", "judge", "A"), act_as="judge_a",
                     task_always_eager="true")
    texts = need_shared("extraction_gold", "texts")
    for name in THEFT:
        r = api.client.post("/api/v1/documents", headers=api.auth("clerk_a"),
                            files={"file": (f"{name}.txt", (texts / f"{name}.txt").read_bytes())})
        assert r.status_code == 202
    [injury] = cases(SHARED, "故意伤害", "cail2018", limit=1)
    facts = injury.fact.replace("故意伤害", "")  # no charge named: read from the conduct
    r = api.client.post("/api/v1/sentencing", json={"facts": facts})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["charges"] == ["故意伤害罪"] and body["charges_source"] == "conduct"
    assert body["stats"]["n_cases"] == 0 and body["cases"] == []  # theft is not comparable
    typed = api.client.post("/api/v1/sentencing", json={"facts": facts, "charges": ["盗窃罪"]})
    assert typed.json()["charges_source"] == "given" and typed.json()["stats"]["n_cases"] >= 1
    api.client.cookies.set("dossier_token", api.tokens["judge_a"])
    page = api.client.post("/facts", data={"facts": facts},
                           headers={"Origin": "http://testserver"})
    assert page.status_code == 200
    assert "根据事实描述的行为推断，请核对" in page.text and 'id="no-comparable"' in page.text
    assert "盗窃" not in page.text.split('id="no-comparable"')[1].split("</p>")[0]
    # the guideline's computation is shown for pasted facts too (these facts read 自首), and a
    # changed input is computed again with the same facts: 自首 unticked, the term goes up
    steps = page.text.split('id="guideline-steps"')[1].split("</table>")[0]
    assert "起点" in steps and "宣告刑" in steps and "自首：-20%" in steps, steps[:2000]
    before = page.text.split('id="estimate-months">')[1].split("</strong>")[0]
    again = api.client.post("/facts", data={"facts": facts, "edited": "1"},
                            headers={"Origin": "http://testserver"})
    assert again.status_code == 200
    steps = again.text.split('id="guideline-steps"')[1].split("</table>")[0]
    assert "起点" in steps and "自首" not in steps, steps[:2000]
    after = again.text.split('id="estimate-months">')[1].split("</strong>")[0]
    assert int(after.split()[1]) > int(before.split()[1]), (before, after)
    assert 'name="facts" value="' in again.text  # the form sends the facts again
