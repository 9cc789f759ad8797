"""The admin's user page: create a user with a password who then signs in on the login page, set
a new password (old sessions end), deactivate and reactivate; other roles are refused."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.support.api import Api

SAME = {"Origin": "http://testserver"}


def test_an_admin_manages_the_agencys_users_on_a_page(api_client: Callable[..., Api]) -> None:
    api = api_client(("boss", "admin", "A"), ("clerk_b", "clerk", "B"))
    c = api.client
    c.cookies.set("dossier_token", api.tokens["boss"])
    page = c.get("/admin/users").text
    assert "用户管理" in page and 'data-user="boss"' in page and 'data-user="clerk_b"' not in page
    r = c.post("/admin/users", data={"name": "新书记员", "role": "clerk", "password": "短"},
               headers=SAME, follow_redirects=True)
    assert "密码至少 8 个字符" in r.text
    r = c.post("/admin/users", data={"name": "新书记员", "role": "clerk",
                                     "password": "初始口令2026"}, headers=SAME,
               follow_redirects=True)
    assert "已创建用户「新书记员」（书记员）" in r.text
    r = c.post("/admin/users", data={"name": "clerk_b", "role": "clerk", "password": "x" * 8},
               headers=SAME, follow_redirects=True)
    assert "用户名在全平台唯一" in r.text
    uid = re.search(r'<tr data-user="新书记员">.*?/admin/users/(\d+)/password', r.text, re.S)
    assert uid
    user_id = int(uid.group(1))

    # the new user signs in on the login page with that password
    fresh = api_client()
    assert fresh.client.post("/login", data={"name": "新书记员", "password": "初始口令2026"},
                             headers=SAME, follow_redirects=False).status_code == 303
    session = fresh.client.cookies.get("dossier_token")
    assert fresh.client.get("/").status_code == 200
    # a new password ends that session; the old password no longer works
    r = c.post(f"/admin/users/{user_id}/password", data={"password": "新的口令2026!"},
               headers=SAME, follow_redirects=True)
    assert "已为「新书记员」设置新密码" in r.text
    assert fresh.client.get("/", follow_redirects=False).status_code == 303
    assert session
    assert api.client.post("/api/v1/login", json={"name": "新书记员", "password": "初始口令2026"}
                           ).status_code == 401
    assert api.client.post("/api/v1/login", json={"name": "新书记员", "password": "新的口令2026!"}
                           ).status_code == 200
    # deactivated: no sign-in; reactivated: signs in again
    c.post(f"/admin/users/{user_id}/deactivate", headers=SAME)
    assert api.client.post("/api/v1/login", json={"name": "新书记员", "password": "新的口令2026!"}
                           ).status_code == 401
    c.post(f"/admin/users/{user_id}/activate", headers=SAME)
    assert api.client.post("/api/v1/login", json={"name": "新书记员", "password": "新的口令2026!"}
                           ).status_code == 200
    # not an admin: refused, in Chinese
    c.cookies.set("dossier_token", api.tokens["clerk_b"])
    assert "只有管理员可以管理用户" in c.get("/admin/users").text
    assert c.post(f"/admin/users/{user_id}/deactivate", headers=SAME).status_code == 403
