"""Signing in on the login page with a name and password (the clerk's way; a token remains an
alternative): one sign-in path with the API, so the same rate limit, audit and Chinese refusals."""

from __future__ import annotations

from collections.abc import Callable

from tests.support.api import Api

SAME_SITE = {"Origin": "http://testserver"}


def test_name_and_password_on_the_login_page(api_client: Callable[..., Api]) -> None:
    api = api_client()
    api.add_user("clerk_a", "clerk", "A", password="正确的口令-2026")
    page = api.client.get("/login")
    assert 'id="name"' in page.text and 'id="password"' in page.text
    r = api.client.post("/login", data={"name": "clerk_a", "password": "错的", "next": "/search"},
                        headers=SAME_SITE, follow_redirects=False)
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    assert 'value="clerk_a"' in r.text and "dossier_token" not in r.headers.get("set-cookie", "")
    r = api.client.post("/login", data={"name": "clerk_a", "password": "正确的口令-2026",
                                        "next": "/search"},
                        headers=SAME_SITE, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/search"
    assert "dossier_token" in r.headers["set-cookie"]
    home = api.client.get("/")
    assert home.status_code == 200 and "clerk_a" in home.text
    # the same limiter as the API: five failures for a name, then 429 in Chinese
    for _ in range(5):
        api.client.post("/login", data={"name": "clerk_b", "password": "x"}, headers=SAME_SITE)
    r = api.client.post("/login", data={"name": "clerk_b", "password": "x"}, headers=SAME_SITE)
    assert r.status_code == 429 and "一分钟后再试" in r.text
    r = api.client.post("/api/v1/login", json={"name": "clerk_b", "password": "x"})
    assert r.status_code == 429 and r.headers["retry-after"] == "60"
    # and a cross-site form is refused before any password is checked
    r = api.client.post("/login", data={"name": "clerk_a", "password": "正确的口令-2026"},
                        headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert r.status_code == 403
