"""Case identity through the HTTP API (Celery eager mode) with real judgments: a judgment
uploaded without a case number joins the case of its 案号 in any spelling, concurrent uploads of
one 案号 end in one case (PostgreSQL), and copies of one judgment count once in similar cases,
sentencing statistics and the case's 判处."""

from __future__ import annotations

import concurrent.futures
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from models.db import session_scope
from models.schema import AuditEvent, Case, CaseVector, Document
from tests.support.api import Api
from tests.support.env import CLUSTERS, cluster_url

pytestmark = [pytest.mark.slow, pytest.mark.needs_shared("extraction_gold", "texts")]

TRAFFIC = ["lecard-16272", "lecard-25330", "lecard-39318"]  # 交通肇事罪: 10, 20, 24 months
OLD_STYLE = "（2011）杭江刑初字第92号"  # lecard-16272's number, before the 2016 rules


@pytest.fixture(params=["memory", *CLUSTERS])
def mode(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """The embedded default, or scale mode on a real cluster (full text and kNN there, under
    an index prefix of its own, dropped afterwards): ``mode["settings"]`` for the API, the
    test puts its Api in ``mode["api"]``."""
    scale = {} if request.param == "memory" else {
        "search_url": cluster_url(request.param), "search_prefix": f"t{uuid.uuid4().hex[:10]}",
        "vector_index": "cluster"}
    held: dict[str, Any] = {"settings": scale}
    yield held
    api = held.get("api")
    if scale and api is not None:
        from services import engines

        knn = engines.cluster_knn(api.settings)
        assert knn is not None
        conn = knn._conn()
        for name in conn.indices(f"{api.settings.search_prefix}-*"):
            conn.delete_index(name)


def knn_cases(api: Api, case_id: int) -> set[int] | None:
    """The case ids in the cluster's kNN index near ``case_id``'s vector, the deleted ones
    included (None in the embedded default)."""
    from services import engines, indexing

    knn = engines.cluster_knn(api.settings)
    if knn is None:
        return None
    vector = indexing.case_vector(api.settings, case_id)
    assert vector is not None and knn.count() >= 1
    return {int(cid) for cid, _ in knn.search(vector, 10, exists=lambda ids: set(ids))}


def judgment(shared: Path, name: str) -> str:
    return (shared / "extraction_gold" / "texts" / f"{name}.txt").read_text(encoding="utf-8")


def gold_number(shared: Path, name: str) -> str:
    labels = shared / "extraction_gold" / "labels" / f"{name}.json"
    return str(json.loads(labels.read_text(encoding="utf-8"))["case_number"])


def upload(api: Api, name: str, text: str, case_number: str | None = None) -> dict[str, Any]:
    data = {"case_number": case_number} if case_number else {}
    r = api.client.post("/api/v1/documents", files={"file": (name, text.encode())}, data=data)
    assert r.status_code == 202, r.text
    body = dict(r.json())
    task = api.client.get(f"/api/v1/tasks/{body['task_id']}").json()
    assert task["state"] == "succeeded", task
    return body


def case_of(api: Api, document_id: int) -> int:
    r = api.client.get(f"/api/v1/documents/{document_id}")
    assert r.status_code == 200, r.text
    return int(r.json()["case_id"])


def count(api: Api, model: Any, *where: Any) -> int:
    with session_scope(api.settings.db_url) as s:
        return int(s.execute(select(func.count()).select_from(model).where(*where)).scalar_one())


def test_a_judgment_without_a_number_joins_the_case_of_its_number(
        eager: Callable[..., Api], shared_data: Path, mode: dict[str, Any]) -> None:
    api = mode["api"] = eager(**mode["settings"])
    text = judgment(shared_data, TRAFFIC[0])
    first = upload(api, "judgment.txt", text)
    case_id = case_of(api, first["document_id"])
    assert api.client.get(f"/api/v1/cases/{case_id}").json()["case_number"] == OLD_STYLE

    # a scan's text of the same judgment, its number in the post-2016 spelling and OCR's
    # half-width brackets: other bytes, no number given
    copy = text.replace(OLD_STYLE, "(2011)杭江刑初92号") + "\n（本件与原本核对无异）"
    second = upload(api, "scan.txt", copy)
    provisional = second["case_id"]
    assert provisional != case_id
    assert case_of(api, second["document_id"]) == case_id
    assert api.client.get(f"/api/v1/cases/{provisional}").status_code == 404
    assert count(api, Case) == 1 and count(api, Case, Case.case_number.is_(None)) == 0
    assert count(api, CaseVector) == 1 and count(api, CaseVector, CaseVector.case_id == case_id)
    assert knn_cases(api, case_id) in (None, {case_id})

    # the move is audited, and the search index follows it
    with session_scope(api.settings.db_url) as s:
        moved = s.execute(select(AuditEvent).where(AuditEvent.action == "document.move")
                          ).scalar_one()
        assert moved.detail["from_case"] == provisional and moved.detail["to_case"] == case_id
        assert s.execute(select(AuditEvent).where(AuditEvent.action == "case.remove",
                                                  AuditEvent.object_id == str(provisional))
                         ).scalar_one()
    hits = api.client.get("/api/v1/search", params={"q": "交通肇事", "case_id": case_id}).json()
    assert {h["document_id"] for h in hits["hits"]} == {first["document_id"],
                                                        second["document_id"]}
    assert {h["case_id"] for h in hits["hits"]} == {case_id}
    assert not api.client.get("/api/v1/search",
                              params={"q": "交通肇事", "case_id": provisional}).json()["hits"]

    # two copies of the judgment in the case: its defendant is sentenced once (判处)
    summary = api.client.get(f"/api/v1/cases/{case_id}").json()
    assert len(summary["sentences"]) == 1 and summary["sentences"][0]["term_months"] == 10
    assert sorted(summary["document_ids"]) == sorted([first["document_id"],
                                                      second["document_id"]])


def test_a_given_number_in_another_spelling_finds_the_case(
        eager: Callable[..., Api], shared_data: Path) -> None:
    api = eager()
    text = judgment(shared_data, TRAFFIC[1])
    first = upload(api, "judgment.txt", text)
    case_id = first["case_id"]  # numbered from its text: （2018）苏0282刑初899号
    other = upload(api, "other.txt", text + "\n附：送达回证", case_number="[2018] 苏0282刑初第0899号")
    assert other["case_id"] == case_id
    assert count(api, Case) == 1

    # the same bytes first without a number, then with one nobody has: one document, one case
    lone = judgment(shared_data, TRAFFIC[2]).replace(gold_number(shared_data, TRAFFIC[2]), "")
    a = upload(api, "lone.txt", lone)
    b = api.client.post("/api/v1/documents", files={"file": ("lone.txt", lone.encode())},
                        data={"case_number": "（2099）测0001刑初1号"}).json()
    assert b["duplicate"] and b["document_id"] == a["document_id"]
    assert api.client.get(f"/api/v1/cases/{a['case_id']}").json()["case_number"] == \
        "（2099）测0001刑初1号"


def test_parallel_uploads_of_one_number_end_in_one_case(
        api_client: Callable[..., Api], pg_url: str, shared_data: Path) -> None:
    api = api_client(("clerk_a", "clerk", "A"), act_as="clerk_a", task_always_eager="true",
                     database_url=pg_url)
    text = judgment(shared_data, TRAFFIC[0])
    spellings = [OLD_STYLE, "(2011)杭江刑初92号", "（2011）杭江刑初第92号", "(2011)杭江刑初字第0092号"]
    copies = [text.replace(OLD_STYLE, spellings[i % len(spellings)]) + f"\n副本{i}"
              for i in range(8)]

    def send(i: int) -> dict[str, Any]:
        r = api.client.post("/api/v1/documents", files={"file": (f"c{i}.txt", copies[i].encode())})
        assert r.status_code == 202, r.text
        return dict(r.json())

    # another judgment first: Celery's eager mode sets its tasks up on first use, not
    # thread-safely ('NoneType' object has no attribute 'push')
    upload(api, "other.txt", judgment(shared_data, TRAFFIC[1]))
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    states = {api.client.get(f"/api/v1/tasks/{a['task_id']}").json()["state"] for a in answers}
    assert states == {"succeeded"}
    case_ids = {case_of(api, a["document_id"]) for a in answers}
    assert len(case_ids) == 1
    assert count(api, Case) == 2 and count(api, Document, Document.case_id.in_(case_ids)) == 8
    assert count(api, Case, Case.case_number.is_(None)) == 0
    assert count(api, CaseVector, CaseVector.case_id.in_(case_ids)) == 1
    assert count(api, AuditEvent, AuditEvent.action == "document.move") == 7


def test_copies_of_one_judgment_count_once(api_client: Callable[..., Api], shared_data: Path,
                                           mode: dict[str, Any]) -> None:
    api = mode["api"] = api_client(("clerk_a", "clerk", "A"), ("clerk_b", "clerk", "B"),
                                   ("judge_a", "judge", "A"), act_as="clerk_a",
                                   task_always_eager="true", **mode["settings"])
    cases = {name: upload(api, f"{name}.txt", judgment(shared_data, name))["case_id"]
             for name in TRAFFIC}
    # agency B uploads the same judgment (its own case) and transfers it to A
    api.act_as("clerk_b")
    copy_b = upload(api, "copy.txt", judgment(shared_data, TRAFFIC[1]))["case_id"]
    assert copy_b != cases[TRAFFIC[1]]
    r = api.client.post(f"/api/v1/cases/{copy_b}/transfer", json={"agency": "A"})
    assert r.status_code in (200, 201), r.text

    api.act_as("judge_a")
    # neither copy is the other's most similar case
    for own, other in ((cases[TRAFFIC[1]], copy_b), (copy_b, cases[TRAFFIC[1]])):
        sim = api.client.get(f"/api/v1/cases/{own}/similar", params={"k": 10}).json()
        assert other not in {x["case_id"] for x in sim["results"]}, sim
    # a third case sees the judgment once among its similar cases and its statistics
    sim = api.client.get(f"/api/v1/cases/{cases[TRAFFIC[0]]}/similar", params={"k": 10}).json()
    ids = [x["case_id"] for x in sim["results"]]
    assert len({cases[TRAFFIC[1]], copy_b} & set(ids)) == 1 and cases[TRAFFIC[2]] in ids
    body = api.client.get(f"/api/v1/cases/{cases[TRAFFIC[0]]}/sentencing",
                          params={"k": 10}).json()
    assert body["stats"]["n_cases"] == 2 and body["stats"]["n_sentences"] == 2, body["stats"]
    assert body["stats"]["term_months"]["median"] == 22
    facts = api.client.post("/api/v1/sentencing", json={
        "facts": judgment(shared_data, TRAFFIC[0])[200:900], "charges": ["交通肇事罪"]}).json()
    assert facts["stats"]["n_cases"] == 3, facts["stats"]  # not 4: B's copy is A's judgment


def test_a_corrected_number_moves_the_document_to_its_case(
        eager: Callable[..., Api], shared_data: Path, mode: dict[str, Any]) -> None:
    """OCR lost the 案号: the document waits in a case without a number; the clerk types the
    number (in another spelling) and the document joins the case, vector and search record
    included."""
    api = mode["api"] = eager(**mode["settings"])
    text = judgment(shared_data, TRAFFIC[0])
    first = upload(api, "judgment.txt", text)
    case_id = first["case_id"]
    lost = upload(api, "scan.txt", text.replace(OLD_STYLE, "") + "\n（复印件）")
    provisional = lost["case_id"]
    assert provisional != case_id and count(api, CaseVector) == 2
    assert api.client.get(f"/api/v1/cases/{provisional}").json()["case_number"] is None

    r = api.client.put(f"/api/v1/documents/{lost['document_id']}/fields/case_number",
                       json={"value": "(2011)杭江刑初第92号"})
    assert r.status_code == 200, r.text
    assert case_of(api, lost["document_id"]) == case_id
    assert api.client.get(f"/api/v1/cases/{provisional}").status_code == 404
    assert count(api, Case) == 1 and count(api, CaseVector) == 1
    assert knn_cases(api, case_id) in (None, {case_id})
    hits = api.client.get("/api/v1/search", params={"q": "复印件"}).json()["hits"]
    assert lost["document_id"] in {h["document_id"] for h in hits}
    assert {h["case_id"] for h in hits} == {case_id}


def test_an_unsure_number_does_not_move_a_document(
        eager: Callable[..., Api], shared_data: Path) -> None:
    """A number read without 刑 (confidence 0.7) could be a cited one: the document stays in
    its provisional case until a clerk confirms the number."""
    api = eager()
    text = judgment(shared_data, TRAFFIC[0])
    first = upload(api, "judgment.txt", text, case_number="（2011）杭江92号")
    unsure = upload(api, "scan.txt", text.replace(OLD_STYLE, "(2011)杭江92号") + "\n（复印件）")
    assert case_of(api, unsure["document_id"]) == unsure["case_id"] != first["case_id"]
    assert api.client.get(f"/api/v1/cases/{unsure['case_id']}").json()["case_number"] is None
    r = api.client.put(f"/api/v1/documents/{unsure['document_id']}/fields/case_number",
                       json={"value": "（2011）杭江92号"})
    assert r.status_code == 200, r.text
    assert case_of(api, unsure["document_id"]) == first["case_id"]
