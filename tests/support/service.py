"""The service as real processes (``dossier serve`` / ``dossier worker``) for the end-to-end
tests: start it on the embedded default or in scale mode, make users, upload, wait for tasks."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.db import migrate, session_scope
from tests.support.env import Proc, free_port, wait_http


def scanned_pdf(text: str, *, max_pages: int | None = None, seed: int = 1) -> tuple[bytes, list[str]]:
    from tests.scans.generate import degrade, make_pdf, render_pages

    pages = render_pages(text, font="noto-serif", font_size=34)
    if max_pages:
        pages = pages[:max_pages]
    images = [degrade(img, skew_deg=0.8, blur=0.6, noise=6, jpeg_quality=80, seed=seed + i)
              for i, (img, _) in enumerate(pages)]
    return make_pdf(images, dpi=300), [truth for _, truth in pages]


def token_for(name: str, role: str, agency: str) -> str:
    from api.auth import add_user, issue_token
    from models.settings import get_settings

    settings = get_settings()
    migrate(settings.db_url)
    with session_scope(settings.db_url) as s:
        return issue_token(s, add_user(s, name, role, agency), 1)


def wait_task(client: httpx.Client, task_id: int, procs: list[Proc], timeout: float = 900,
              until: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        task = client.get(f"/api/v1/tasks/{task_id}").json()
        if until is not None and until(task):
            return task
        if until is None and task["state"] in ("succeeded", "failed"):
            return task
        time.sleep(0.5)
    raise TimeoutError(f"task {task_id} did not finish: {task}\n"
                       + "\n".join(p.tail() for p in procs))


def phrase_from(truth: str) -> str:
    """A 12-character run from the middle of one rendered line (no line break inside)."""
    lines = sorted((ln.strip() for ln in truth.splitlines()), key=len, reverse=True)
    line = lines[len(lines) // 3]
    mid = len(line) // 2
    return line[mid - 6: mid + 6]


def start_scale(env: Callable[..., dict[str, str]], procs: Callable[..., Proc], database_url: str,
                broker_url: str, **extra: str) -> tuple[str, list[Proc], dict[str, str]]:
    """API server and one separate worker on the given database and broker."""
    environ = env(database_url=database_url, broker_url=broker_url, **extra)
    migrate(database_url)
    port = free_port()
    server = procs("serve", "--port", str(port), "--no-worker", env=environ, name="api")
    worker = procs("worker", env=environ, name="worker")
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/healthz", server)
    return base, [server, worker], environ


def start_service(mode: str, env: Callable[..., dict[str, str]], procs: Callable[..., Proc],
                  request: pytest.FixtureRequest, **extra: str) -> tuple[str, list[Proc], dict[str, str]]:
    if mode == "scale":
        return start_scale(env, procs, request.getfixturevalue("pg_url"),
                           request.getfixturevalue("redis_url"), **extra)
    environ = env(**extra)
    port = free_port()
    server = procs("serve", "--port", str(port), env=environ, name="api")
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/healthz", server)
    return base, [server], environ


def upload_texts(base: str, paths: list[Path]) -> tuple[httpx.Client, list[dict[str, Any]]]:
    """A clerk's client, and the upload answers for these text judgments."""
    token = token_for("clerk", "clerk", "court-1")
    client = httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"})
    ups = [client.post("/api/v1/documents", files={"file": (p.name, p.read_bytes())}).json()
           for p in paths]
    assert all("task_id" in u for u in ups), ups
    return client, ups
