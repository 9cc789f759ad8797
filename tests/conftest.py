"""Shared fixtures: a fresh data dir per test, real PostgreSQL/Redis when configured, worker processes.

Services come from the environment (``.ci/run`` starts them):
``DOSSIER_TEST_POSTGRES_URL`` (an admin URL; each test gets its own database) and
``DOSSIER_TEST_REDIS_URL``. Without them the tests that need them are skipped, unless
``DOSSIER_REQUIRE_SERVICES=1`` (CI), where a missing service is a failure.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


# The real search clusters the suite runs against (.ci/run starts both): kind -> URL variable.
CLUSTERS = {"opensearch": "DOSSIER_TEST_SEARCH_URL", "elasticsearch": "DOSSIER_TEST_ES_URL"}


def cluster_url(kind: str) -> str:
    """The URL of the test cluster of this kind (skip, or fail under REQUIRE_SERVICES)."""
    return _need(CLUSTERS[kind])


def _need(var: str) -> str:
    value = os.environ.get(var)
    if value:
        return value
    if os.environ.get("DOSSIER_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{var} is not set but DOSSIER_REQUIRE_SERVICES=1")
    pytest.skip(f"{var} not set (start the service, see .ci/run)")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    import sqlalchemy as sa

    admin = _need("DOSSIER_TEST_POSTGRES_URL")
    name = f"dossier_t_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    yield url
    from models.db import dispose_all

    dispose_all()
    with engine.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    url = _need("DOSSIER_TEST_REDIS_URL")
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both databases the data pool supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'pool.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


def model_dir() -> Path:
    return Path(os.environ.get("DOSSIER_MODEL_DIR", REPO / "data" / "models")).resolve()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> Iterator[Callable[..., dict[str, str]]]:
    """Point the service at a fresh data dir; returns a function to set more DOSSIER_* values."""
    from models.settings import reset_settings
    from services import engines

    base = {"DOSSIER_DATA_DIR": str(tmp_path / "data"), "DOSSIER_MODEL_DIR": str(model_dir()),
            "DOSSIER_OCR_THREADS": "2", "HF_HUB_OFFLINE": "1"}
    for k in [k for k in os.environ if k.startswith("DOSSIER_") and not k.startswith("DOSSIER_TEST")
              and k not in ("DOSSIER_REQUIRE_SERVICES", "DOSSIER_SCREENSHOTS")]:
        monkeypatch.delenv(k)
    current: dict[str, str] = {}

    def apply(**values: str) -> dict[str, str]:
        """Set exactly the base plus these values (earlier calls' extras are removed)."""
        for k in current:
            monkeypatch.delenv(k, raising=False)
        current.clear()
        current.update(base)
        current.update({f"DOSSIER_{k.upper()}": str(v) for k, v in values.items()})
        for k, v in current.items():
            monkeypatch.setenv(k, v)
        reset_settings()
        engines.reset()
        return dict(os.environ)

    apply()
    yield apply
    reset_settings()
    engines.reset()
    from models.db import dispose_all

    dispose_all()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """A child process of the service (API server or worker) that the test can kill."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        fh = self.log.open("ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "api.cli", *self.args], env=self.env,
                                     cwd=REPO, stdout=fh, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        return self

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker and its pool children die at once."""
        import signal

        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL whatever of the group is left: a worker's pool child that
        outlives its parent would otherwise run on after the test (seen in CI)."""
        import signal

        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(20)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)

    def tail(self, n: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Callable[..., Proc]]:
    started: list[Proc] = []

    def start(*args: str, env: dict[str, str], name: str = "proc") -> Proc:
        p = Proc(list(args), env, tmp_path / f"{name}-{len(started)}.log").start()
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def wait_http(url: str, proc: Proc, timeout: float = 90) -> None:
    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.proc and proc.proc.poll() is not None:
            raise RuntimeError(f"server exited:\n{proc.tail()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} not up:\n{proc.tail()}")
