"""The API in-process: a TestClient on a fresh app and bearer tokens of users of some agencies.

Made by the ``api_client`` fixture of tests/conftest.py; a test adds users or switches the
client's default caller with the methods below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from models.db import session_scope

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from models.settings import Settings


@dataclass
class Api:
    client: TestClient
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)  # user name -> bearer token

    def add_user(self, name: str, role: str, agency: str, password: str | None = None) -> str:
        """A new user of ``agency`` (created if new); returns and remembers their token."""
        from api.auth import add_user, issue_token

        with session_scope(self.settings.db_url) as s:
            self.tokens[name] = issue_token(s, add_user(s, name, role, agency, password), 1)
        return self.tokens[name]

    def auth(self, name: str) -> dict[str, str]:
        """The Authorization header of a user, for one request."""
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def act_as(self, name: str) -> None:
        """Make ``name`` the caller of every later request without its own header."""
        self.client.headers["Authorization"] = f"Bearer {self.tokens[name]}"
