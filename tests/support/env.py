"""Where the tests find things, and what they do when a service or the shared data is missing.

Services come from the environment (`make test` starts them: tools/test-services.sh): ``DOSSIER_TEST_POSTGRES_URL``,
``DOSSIER_TEST_REDIS_URL``, ``DOSSIER_TEST_SEARCH_URL`` (OpenSearch), ``DOSSIER_TEST_ES_URL``
(Elasticsearch). Without one, the tests that need it are skipped; with
``DOSSIER_REQUIRE_SERVICES=1`` (CI) a missing service, or missing shared data, is a failure.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / ".." / "shared" / "data").resolve()
GOLD = SHARED / "extraction_gold"

# The real search clusters the suite runs against (make test starts both): kind -> URL variable.
CLUSTERS = {"opensearch": "DOSSIER_TEST_SEARCH_URL", "elasticsearch": "DOSSIER_TEST_ES_URL"}


def services_required() -> bool:
    return os.environ.get("DOSSIER_REQUIRE_SERVICES") == "1"


def unavailable(reason: str) -> NoReturn:
    """Skip the test, or fail it under DOSSIER_REQUIRE_SERVICES=1."""
    if services_required():
        pytest.fail(f"{reason} (DOSSIER_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def need(var: str) -> str:
    """The value of a service variable (skip, or fail under REQUIRE_SERVICES, when unset)."""
    value = os.environ.get(var)
    if value:
        return value
    unavailable(f"{var} not set (make test starts it: tools/test-services.sh)")


def cluster_url(kind: str) -> str:
    """The URL of the test cluster of this kind (skip, or fail under REQUIRE_SERVICES)."""
    return need(CLUSTERS[kind])


def need_shared(*parts: str) -> Path:
    """A path under ../shared/data (skip when it is missing, fail under REQUIRE_SERVICES)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        unavailable(f"shared data missing: {path}")
    return path


def model_dir() -> Path:
    return Path(os.environ.get("DOSSIER_MODEL_DIR", REPO / "data" / "models")).resolve()


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
