"""The broker goes down in the middle of processing and comes back: nothing is lost.

The test runs its own Redis (append-only file, as a production broker would) so that it can
SIGKILL and restart it; the worker reconnects and the documents complete exactly once. Which
messages were in the worker's hands at the kill is up to timing: in one CI run an upload still
`queued` stayed there for the whole 900 s (its message came back only after Redis's visibility
timeout); tests/integration/test_orphan_sweep.py covers that case without the timing.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.db import session_scope
from models.schema import Page
from tests.support.env import Proc, free_port
from tests.support.service import start_scale, upload_texts, wait_task

pytestmark = [pytest.mark.slow, pytest.mark.integration]


class Redis:
    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.folder), "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        for _ in range(100):
            try:
                if redis.Redis.from_url(self.url).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("redis did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Redis]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    r = Redis(tmp_path)
    r.start()
    yield r
    r.kill()


def test_broker_restart_mid_processing_loses_nothing(
        env: Callable[..., dict[str, str]], procs: Callable[..., Proc], own_redis: Redis,
        pg_url: str, shared_data: Path) -> None:
    base, running, _ = start_scale(env, procs, pg_url, own_redis.url, stale_after_s="20")
    texts = sorted((shared_data / "extraction_gold" / "texts").glob("lecard-*.txt"))[:6]
    client, ups = upload_texts(base, texts)

    wait_task(client, ups[0]["task_id"], running, timeout=600,
              until=lambda t: t["state"] in ("running", "succeeded"))
    own_redis.kill()  # the broker dies with work queued and in flight
    time.sleep(3)
    own_redis.start()  # and comes back from its append-only file

    # Messages the worker held but had not started come back through the sweeper after
    # DOSSIER_STALE_AFTER_S (20 s here), not after Redis's visibility timeout (an hour). One
    # deadline for all, below pytest's, so that a timeout prints the processes' logs.
    deadline = time.time() + 600
    for up in ups:
        task = wait_task(client, up["task_id"], running, timeout=max(1, deadline - time.time()))
        assert task["state"] == "succeeded", (task, running[-1].tail())
    with session_scope(pg_url) as s:
        assert s.execute(select(func.count()).select_from(Page)).scalar_one() == len(ups)
    found = client.get("/api/v1/search", params={"q": "被告人", "size": 50}).json()
    assert found["total"] == len(ups)
