"""Sentencing support and hybrid similar cases through the HTTP API (Celery eager mode),
over real judgments uploaded as text.

Each test runs with the dense first stage in memory (the embedded default) and in scale mode
on the kNN index of each real search cluster (tests.support.env.CLUSTERS; full-text search then
runs there too), under an index prefix of its own that is dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.env import CLUSTERS, cluster_url

pytestmark = pytest.mark.slow

TRAFFIC = ["lecard-16272", "lecard-25330", "lecard-39318"]  # 交通肇事罪: 10, 20, 24 months
THEFT = ["lecard-12174", "judge-7a72757b-fa1a-492f-b9f7-0292c758b8ee"]  # 盗窃罪: 7, 10 months
DRUNK = ["lecard-19303"]  # 危险驾驶罪


@pytest.fixture(params=["memory", *CLUSTERS])
def api(request: pytest.FixtureRequest, api_client: Callable[..., Api],
        shared_data: Path) -> Iterator[dict[str, Any]]:
    scale = {} if request.param == "memory" else {
        "search_url": cluster_url(request.param), "search_prefix": f"t{uuid.uuid4().hex[:10]}",
        "vector_index": "cluster"}
    made = api_client(("clerk1", "clerk", "A"), ("judge1", "judge", "A"),
                      ("judge2", "judge", "B"), act_as="clerk1", task_always_eager="true",
                      **scale)
    settings, client = made.settings, made.client
    cases: dict[str, int] = {}
    for name in TRAFFIC + THEFT + DRUNK:
        text = (shared_data / "extraction_gold" / "texts" / f"{name}.txt").read_bytes()
        r = client.post("/api/v1/documents", files={"file": (f"{name}.txt", text)})
        assert r.status_code == 202, r.text
        up = r.json()
        assert client.get(f"/api/v1/tasks/{up['task_id']}").json()["state"] == "succeeded"
        cases[name] = up["case_id"]
    made.act_as("judge1")
    yield {"client": client, "cases": cases, "other": made.tokens["judge2"]}
    if settings.cluster_vectors:
        from services import engines

        knn = engines.cluster_knn(settings)
        assert knn is not None and knn.count() == len(cases)  # every case reached the cluster
        client_ = knn._conn()
        for name in client_.indices(f"{settings.search_prefix}-*"):
            client_.delete_index(name)


def test_case_sentencing_uses_same_charge_cases(api: dict[str, Any]) -> None:
    c, cases = api["client"], api["cases"]
    r = c.get(f"/api/v1/cases/{cases[TRAFFIC[0]]}/sentencing", params={"k": 10})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["charges"] == ["交通肇事罪"] and body["match"] == "same charges"
    assert {x["case_id"] for x in body["cases"]} == {cases[TRAFFIC[1]], cases[TRAFFIC[2]]}
    st = body["stats"]
    assert st["term_months"]["median"] == 22 and st["principal"] == {"有期徒刑": 2}
    assert sum(st["histogram"]["counts"]) == 2 and st["histogram"]["unit"] == "months"
    assert st["proposed"] is None

    # similar cases are reranked by the hybrid ranker and explain themselves
    sim = c.get(f"/api/v1/cases/{cases[TRAFFIC[0]]}/similar", params={"k": 3}).json()
    top = sim["results"][0]
    assert top["case_id"] in {cases[TRAFFIC[1]], cases[TRAFFIC[2]]}
    assert top["explanation"]["shared_charges"] == ["交通肇事罪"]
    assert top["explanation"]["matched_terms"]


def test_pasted_facts_and_the_proposed_term_flag(api: dict[str, Any], shared_data: Path) -> None:
    c, cases = api["client"], api["cases"]
    facts = ("2017年5月3日，被告人王某驾驶小型轿车行驶至某路口时，未注意观察路面情况，"
             "将横过道路的行人李某撞倒，致李某经抢救无效死亡。经交警部门认定，王某负事故全部责任。"
             "事故发生后王某拨打报警电话并在现场等候处理。")
    r = c.post("/api/v1/sentencing", json={"facts": facts, "charges": ["交通肇事罪"],
                                           "proposed_months": 60, "k": 10})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["case_id"] is None and body["charges"] == ["交通肇事罪"]
    assert {x["case_id"] for x in body["cases"]} == {cases[n] for n in TRAFFIC}
    prop = body["stats"]["proposed"]
    assert prop["outside"] is True and prop["range"][1] < 60
    ok = c.post("/api/v1/sentencing", json={"facts": facts, "proposed_months": 20}).json()
    assert ok["charges"] == ["交通肇事罪"]  # inferred from the nearest cases
    assert ok["stats"]["proposed"]["outside"] is False
    assert c.post("/api/v1/sentencing", json={"facts": "短"}).status_code == 422


def test_other_agencies_see_nothing(api: dict[str, Any]) -> None:
    c, cases = api["client"], api["cases"]
    other = {"Authorization": f"Bearer {api['other']}"}
    assert c.get(f"/api/v1/cases/{cases[THEFT[0]]}/sentencing", headers=other).status_code == 404
    assert c.get("/api/v1/cases/999999/sentencing").status_code == 404
    r = c.post("/api/v1/sentencing", headers=other,
               json={"facts": "被告人盗窃他人电动车一辆，价值人民币3000元。", "charges": ["盗窃罪"]})
    assert r.status_code == 200 and r.json()["cases"] == []
    assert r.json()["stats"]["n_sentences"] == 0
    assert c.get(f"/api/v1/cases/{cases[THEFT[0]]}/sentencing",
                 headers={"Authorization": "Bearer nope"}).status_code == 401
