"""Agency scoping in every endpoint, search and similar cases; transfers; passwords; headers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models.db import session_scope
from tests.support.api import Api

pytestmark = pytest.mark.slow


@pytest.fixture
def world(api_client: Callable[..., Api], shared_data: Path) -> dict[str, Any]:
    """Police A holds two theft judgments; procuratorate B holds one of its own."""
    api = api_client(*((name, role, agency, "pw-" + name)
                       for name, role, agency in (("clerk_a", "clerk", "police-A"),
                                                  ("clerk_b", "clerk", "proc-B"),
                                                  ("pros_b", "prosecutor", "proc-B"))),
                     agencies={"police-A": ("某市公安局", "police"),
                               "proc-B": ("某市人民检察院", "procuratorate")},
                     task_always_eager="true")
    client, tokens = api.client, api.tokens
    texts = shared_data / "extraction_gold" / "texts"
    uploads = {}
    for key, who, name in (("a1", "clerk_a", "lecard-12174"),
                           ("a2", "clerk_a", "judge-ae1a4ecd-4481-4e17-88b5-15706738a903"),
                           ("b1", "clerk_b", "judge-7a72757b-fa1a-492f-b9f7-0292c758b8ee")):
        r = client.post("/api/v1/documents", files={"file": (f"{name}.txt",
                                                             (texts / f"{name}.txt").read_bytes())},
                        headers={"Authorization": f"Bearer {tokens[who]}"})
        assert r.status_code == 202, r.text
        uploads[key] = r.json()
    return {"client": client, "tokens": tokens, "up": uploads, "settings": api.settings,
            "api": api}


def _get(w: dict[str, Any], who: str, url: str, **params: Any) -> Any:
    return w["client"].get(url, params=params,
                           headers={"Authorization": f"Bearer {w['tokens'][who]}"})


def test_other_agencies_see_nothing_until_the_case_is_transferred(world: dict[str, Any]) -> None:
    w, a1, b1 = world, world["up"]["a1"], world["up"]["b1"]
    assert _get(w, "pros_b", f"/api/v1/cases/{a1['case_id']}").status_code == 404
    assert _get(w, "pros_b", f"/api/v1/documents/{a1['document_id']}").status_code == 404
    found = _get(w, "pros_b", "/api/v1/search", q="盗窃").json()
    assert {h["case_id"] for h in found["hits"]} == {b1["case_id"]}
    assert [f["count"] for f in found["facets"]["charge"] if f["value"] == "盗窃罪"] == [1]
    similar = _get(w, "pros_b", f"/api/v1/cases/{b1['case_id']}/similar").json()
    assert similar["results"] == []
    # B cannot transfer A's case to itself
    r = w["client"].post(f"/api/v1/cases/{a1['case_id']}/transfer", json={"agency": "proc-B"},
                         headers={"Authorization": f"Bearer {w['tokens']['clerk_b']}"})
    assert r.status_code == 404

    hdr_a = {"Authorization": f"Bearer {w['tokens']['clerk_a']}"}
    bad = w["client"].post(f"/api/v1/cases/{a1['case_id']}/transfer", json={"agency": "nope"},
                           headers=hdr_a)
    assert bad.status_code == 422 and "unknown agency" in bad.json()["detail"]
    r = w["client"].post(f"/api/v1/cases/{a1['case_id']}/transfer",
                         json={"agency": "proc-B", "note": "移送审查起诉"}, headers=hdr_a)
    assert r.status_code == 200, r.text
    assert r.json()["shared_with"] == ["proc-B"] and r.json()["documents_reindexed"] == 1

    assert _get(w, "pros_b", f"/api/v1/cases/{a1['case_id']}").status_code == 200
    assert _get(w, "pros_b", f"/api/v1/documents/{a1['document_id']}").status_code == 200
    found = _get(w, "pros_b", "/api/v1/search", q="盗窃").json()
    assert {h["case_id"] for h in found["hits"]} == {b1["case_id"], a1["case_id"]}
    similar = _get(w, "pros_b", f"/api/v1/cases/{b1['case_id']}/similar").json()
    assert [r["case_id"] for r in similar["results"]] == [a1["case_id"]]
    # the other case of A stays hidden
    assert _get(w, "pros_b", f"/api/v1/cases/{w['up']['a2']['case_id']}").status_code == 404

    from models.audit import verify_chain
    from models.schema import AuditEvent

    with session_scope(w["settings"].db_url) as s:
        actions = list(s.execute(select(AuditEvent.action)).scalars())
        assert "case.transfer" in actions and "case.read" in actions
        assert verify_chain(s).ok


def test_password_sign_in_is_rate_limited(world: dict[str, Any]) -> None:
    c = world["client"]
    ok = c.post("/api/v1/login", json={"name": "pros_b", "password": "pw-pros_b"})
    assert ok.status_code == 200
    token = ok.json()["token"]
    assert c.get("/api/v1/search", params={"q": "盗窃"},
                 headers={"Authorization": f"Bearer {token}"}).status_code == 200
    codes = [c.post("/api/v1/login", json={"name": "clerk_b", "password": "wrong"}).status_code
             for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    # even the right password waits out the window now
    assert c.post("/api/v1/login",
                  json={"name": "clerk_b", "password": "pw-clerk_b"}).status_code == 429
    assert c.post("/api/v1/login", json={"name": "", "password": "x"}).status_code == 422


def test_security_headers(world: dict[str, Any]) -> None:
    r = world["client"].get("/healthz")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_admins_manage_the_users_of_their_agency(world: dict[str, Any]) -> None:
    admin = world["api"].add_user("admin_b", "admin", "proc-B")
    c = world["client"]
    hdr = {"Authorization": f"Bearer {admin}"}
    made = c.post("/api/v1/users", json={"name": "judge_b", "role": "judge",
                                         "password": "long-enough"}, headers=hdr)
    assert made.status_code == 201, made.text
    new_token = made.json()["token"]
    assert c.get("/api/v1/search", headers={"Authorization": f"Bearer {new_token}"}
                 ).status_code == 200
    assert c.post("/api/v1/users", json={"name": "judge_b", "role": "judge"},
                  headers=hdr).status_code == 409
    assert c.post("/api/v1/users", json={"name": "x", "role": "boss"},
                  headers=hdr).status_code == 422
    names = [u["name"] for u in c.get("/api/v1/users", headers=hdr).json()]
    assert "judge_b" in names and "clerk_a" not in names  # only their own agency
    clerk = {"Authorization": f"Bearer {world['tokens']['clerk_b']}"}
    assert c.get("/api/v1/users", headers=clerk).status_code == 403
    uid = made.json()["id"]
    assert c.post(f"/api/v1/users/{uid}/deactivate", headers=hdr).status_code == 200
    assert c.get("/api/v1/search", headers={"Authorization": f"Bearer {new_token}"}
                 ).status_code == 401
    other = next(u for u in c.get("/api/v1/users", headers=hdr).json() if u["name"] == "pros_b")
    assert other["active"]
