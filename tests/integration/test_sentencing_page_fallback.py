"""The sentencing page's fallback over a real PostgreSQL data pool: a case whose charge has no
guideline rule and no comparable case (滥伐林木罪 among 交通肇事罪 cases) is answered with the
visible pool's median fixed term and its 25th-75th percentiles (one percentile_cont aggregate,
services.sentence_estimate.visible_pool_summary), flagged, with the ⚠ step; the page says so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import Api

pytestmark = pytest.mark.slow

TRAFFIC = ["lecard-16272", "lecard-25330", "lecard-39318"]  # 交通肇事罪: 10, 20, 24 months
FOREST = "lecard-9270"  # 滥伐林木罪 (no rule in sentencing/data): 6 months


@pytest.fixture
def api(api_client: Callable[..., Api], shared_data: Path, pg_url: str) -> dict[str, Any]:
    from services import sentence_estimate

    sentence_estimate._pool_summaries.clear()
    made = api_client(("clerk1", "clerk", "A"), ("judge1", "judge", "A"), ("judge2", "judge", "B"),
                      act_as="clerk1", task_always_eager="true", database_url=pg_url)
    cases: dict[str, int] = {}
    for name in [*TRAFFIC, FOREST]:
        text = (shared_data / "extraction_gold" / "texts" / f"{name}.txt").read_bytes()
        r = made.client.post("/api/v1/documents", files={"file": (f"{name}.txt", text)})
        assert r.status_code == 202, r.text
        cases[name] = r.json()["case_id"]
    made.act_as("judge1")
    return {"api": made, "cases": cases}


def test_no_rule_and_no_comparable_case_gets_the_visible_pools_median(api: dict[str, Any]) -> None:
    from sentencing.estimate import FALLBACK_LABEL, half_up, pool_summary
    from services import sentence_estimate, similar
    from similarity.sentencing import SentenceRecord

    made, cases = api["api"], api["cases"]
    c = made.client
    r = c.get(f"/api/v1/cases/{cases[FOREST]}/sentencing", params={"k": 10})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["charges"] == ["滥伐林木罪"] and not body["guideline"]["known"]
    assert body["cases"] == []  # no comparable case
    est = body["estimate"]
    # what the SQL aggregate must agree with: every visible case's fixed terms as the case
    # summaries list them (each defendant once), summarised in Python
    summaries = similar.case_summaries(made.settings, list(cases.values()))
    terms = [t for s in summaries.values() for sen in s["sentences"]
             if (t := SentenceRecord.from_dict(sen).fixed_term) is not None]
    want = pool_summary(terms)
    assert want is not None and want.n == 4, terms
    assert est["fallback"] is True and est["detail"]["group"] == "fallback"
    assert est["detail"]["inputs"]["pool_n"] == want.n
    assert est["detail"]["inputs"]["pool_median"] == pytest.approx(want.median)
    assert est["detail"]["inputs"]["pool_range"] == pytest.approx([want.low, want.high])
    assert est["months"] == half_up(want.median)
    assert est["range"][0] <= est["months"] <= est["range"][1]
    step = est["steps"][-1]
    assert step["kind"] == "估计" and step["unverified"] and step["label"].startswith(FALLBACK_LABEL)
    assert f"参考库{want.n}件" in step["basis"]

    # the HTML page shows the warning beside the estimate
    c.cookies.set("dossier_token", made.tokens["judge1"])
    page = c.get(f"/cases/{cases[FOREST]}/sentencing")
    assert page.status_code == 200, page.text
    assert 'id="estimate-fallback"' in page.text and "⚠ 无该罪名的量刑规则与可比案例" in page.text
    assert f'id="estimate-months">估计 {est["months"]} 个月' in page.text
    c.cookies.clear()

    # a case with a rule never asks the whole pool, and carries no fallback
    sentence_estimate._pool_summaries.clear()
    traffic = c.get(f"/api/v1/cases/{cases[TRAFFIC[0]]}/sentencing", params={"k": 10}).json()
    assert traffic["estimate"]["fallback"] is False
    assert not sentence_estimate._pool_summaries

    # another agency's judge sees none of these cases: no pool, no estimate
    made.act_as("judge2")
    r2 = c.post("/api/v1/sentencing", json={"facts": "被告人王某未经林业主管部门许可，擅自砍伐"
                                            "自家承包山林中的杉树，经鉴定立木蓄积量为二十立方米。",
                                            "charges": ["滥伐林木罪"]})
    assert r2.status_code == 200, r2.text
    assert r2.json()["estimate"]["months"] is None and r2.json()["estimate"]["fallback"] is False
