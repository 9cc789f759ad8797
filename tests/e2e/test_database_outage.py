"""The database goes away for a few seconds while documents are processed: the worker retries
its stage with backoff, the pool reconnects, and every document completes once.

The test runs its own PostgreSQL cluster (initdb in a temp dir) so that it can stop it hard and
start it again without touching the shared test server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from models.db import dispose_all, session_scope
from models.schema import Page
from tests.support.env import Proc, free_port
from tests.support.service import start_scale, upload_texts, wait_task

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def _pg_bin() -> Path | None:
    roots = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    return roots[-1] if roots else None


class Postgres:
    def __init__(self, folder: Path) -> None:
        self.bin = _pg_bin()
        self.data, self.port = folder / "pg", free_port()
        self.sock = folder

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        assert self.bin is not None
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            cmd = ["su", "postgres", "-c", " ".join(cmd)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.sock, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.sock / "pg.log"), "-o",
                  f"'-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1'", "start")

    def stop(self, mode: str = "immediate") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")


@pytest.fixture
def own_pg() -> Iterator[Postgres]:
    if _pg_bin() is None:
        pytest.fail("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    # not under pytest's tmp_path: the postgres user must be able to reach the folder
    folder = Path(tempfile.mkdtemp(prefix="dossier-pg-"))
    folder.chmod(0o755)
    pg = Postgres(folder)
    pg.init()
    pg.start()
    yield pg
    dispose_all()
    with contextlib.suppress(subprocess.CalledProcessError):
        pg.stop("fast")
    shutil.rmtree(folder, ignore_errors=True)


def test_database_outage_mid_processing_loses_nothing(
        env: Callable[..., dict[str, str]], procs: Callable[..., Proc], own_pg: Postgres,
        redis_url: str, shared_data: Path) -> None:
    base, running, _ = start_scale(env, procs, own_pg.url, redis_url, stale_after_s="30",
                                   task_max_retries="8")
    texts = sorted((shared_data / "extraction_gold" / "texts").glob("judge-*.txt"))[:5]
    client, ups = upload_texts(base, texts)

    wait_task(client, ups[0]["task_id"], running, timeout=600,
              until=lambda t: t["state"] in ("running", "succeeded"))
    own_pg.stop("immediate")  # the database vanishes mid-transaction
    time.sleep(5)
    own_pg.start()

    deadline = time.time() + 900
    for up in ups:
        while True:  # the API itself may answer 500 for a moment while its pool reconnects
            try:
                task = wait_task(client, up["task_id"], running,
                                 timeout=max(1.0, deadline - time.time()))
                break
            except (httpx.HTTPError, ValueError):
                time.sleep(1)
        assert task["state"] == "succeeded", (task, running[-1].tail())
    with session_scope(own_pg.url) as s:
        assert s.execute(select(func.count()).select_from(Page)).scalar_one() == len(ups)
