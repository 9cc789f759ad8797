"""Shared fixtures: a fresh data dir per test, real PostgreSQL/Redis when configured, worker
processes, the API in-process with users of some agencies and their tokens.

Services come from the environment (`make test` starts them: tools/test-services.sh):
``DOSSIER_TEST_POSTGRES_URL`` (an admin URL; each test gets its own database),
``DOSSIER_TEST_REDIS_URL`` and the search clusters (tests.support.env.CLUSTERS). Without them
the tests that need them are skipped, unless ``DOSSIER_REQUIRE_SERVICES=1`` (CI), where a
missing service, or missing shared data, is a failure. Helpers that test modules import live
in tests/support/, never in a test module or here.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from models.db import session_scope
from tests.support.api import Api
from tests.support.env import CLUSTERS, SHARED, Proc, cluster_url, model_dir, need, need_shared

if TYPE_CHECKING:  # the search corpus reads the shared data: imported by its fixtures only
    from search.base import SearchBackend
    from tests.support.search_corpus import Backends

# a test stuck in native code ends the run with every thread's stack
pytest_plugins = ["tests.support.watchdog"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_shared(path): needs ../shared/data/<path>; skipped when it is missing, "
                   "failed under DOSSIER_REQUIRE_SERVICES=1")


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs_shared"):
        need_shared(*mark.args)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    import sqlalchemy as sa

    admin = need("DOSSIER_TEST_POSTGRES_URL")
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

    url = need("DOSSIER_TEST_REDIS_URL")
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


#: a user of ``api_client``: (name, role, agency code) or (name, role, agency code, password)
UserSpec = tuple[str, str, str] | tuple[str, str, str, str]


@pytest.fixture
def api_client(env: Callable[..., dict[str, str]]) -> Iterator[Callable[..., Api]]:
    """Makes the API in-process: ``api_client(("clerk_a", "clerk", "A"), ("pros_b",
    "prosecutor", "B"), act_as="clerk_a", agencies={"A": ("某市公安局", "police")},
    task_always_eager="true")`` sets these DOSSIER_* settings on the test's data dir (``env``),
    creates the app and a TestClient, the agencies (others are made as users name them) and
    the users with a bearer token each (``Api.tokens``); ``act_as`` makes one of them the
    client's default caller. Several calls share the data dir; every client is closed after
    the test."""
    made: list[Api] = []

    def make(*users: UserSpec, act_as: str | None = None,
             agencies: Mapping[str, tuple[str, str]] | None = None, **settings: str) -> Api:
        env(**settings)
        from fastapi.testclient import TestClient

        from api.app import create_app
        from api.auth import get_or_create_agency
        from models.settings import get_settings

        s = get_settings()
        api = Api(TestClient(create_app(s)), s)
        made.append(api)
        with session_scope(s.db_url) as db:
            for code, (name, kind) in (agencies or {}).items():
                get_or_create_agency(db, code, name, kind)
        for user in users:
            api.add_user(*user)
        if act_as is not None:
            api.act_as(act_as)
        return api

    yield make
    for api in made:
        api.client.close()


@pytest.fixture
def eager(api_client: Callable[..., Api]) -> Callable[..., Api]:
    """``eager(**settings)``: the API with Celery in eager mode (every stage runs inside the
    upload request) and a new clerk of agency A as its caller; later calls share the data dir."""
    count = itertools.count(1)

    def make(**settings: str) -> Api:
        name = f"clerk{next(count)}"
        return api_client((name, "clerk", "A"), act_as=name, task_always_eager="true", **settings)

    return make


# -- the search engines (tests/integration/test_search_engines.py, test_search_phrases.py) -------


@pytest.fixture(scope="module", params=["embedded", *CLUSTERS])
def backends(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backends]:
    """One engine per parameter; a cluster needs its URL (tests.support.env.CLUSTERS: a missing
    one skips, or fails under DOSSIER_REQUIRE_SERVICES=1)."""
    from tests.support.search_corpus import Backends

    url = None if request.param == "embedded" else cluster_url(request.param)
    made = Backends(request.param, url, tmp_path_factory.mktemp)
    yield made
    for backend in list(made.made):
        made.dispose(backend)


@pytest.fixture(scope="module")
def engine(backends: Backends) -> SearchBackend:
    """The ten judgments of tests.support.search_corpus, shared by a module's read-only tests."""
    from tests.support.search_corpus import DOCS, index_all

    backend = backends.make()
    index_all(backend, list(DOCS.values()))
    return backend


@pytest.fixture()
def fresh(backends: Backends) -> Iterator[SearchBackend]:
    """A small index a test may change."""
    from tests.support.search_corpus import DOCS

    backend = backends.make()
    for i in (1, 2, 3):
        backend.index(DOCS[i])
    yield backend
    backends.dispose(backend)


@pytest.fixture()
def empty(backends: Backends) -> Iterator[SearchBackend]:
    backend = backends.make()
    yield backend
    backends.dispose(backend)


@pytest.fixture
def world(env: Callable[..., dict[str, str]]) -> Iterator[Any]:
    """The four agencies of tests/workflow_support.py with one user each, in-process, with a
    settable "now" (a module defines its own ``world`` for another set-up, e.g. PostgreSQL)."""
    from models.settings import get_settings
    from tests.workflow_support import make_world

    env()
    w = make_world(get_settings())
    yield w
    w.client.close()
