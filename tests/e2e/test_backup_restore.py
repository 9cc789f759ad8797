"""The README's backup and restore, done as an operator would on PostgreSQL + the OpenSearch
cluster + the S3 store: documents processed, the database dumped (`pg_dump`), one more document
processed after the dump, then the database and the search indices lost; the database restored
from the dump (`pg_restore` into a new empty database), `dossier reindex`, and everything the
dump held answers as before: the same search hits, the same similar cases, the originals from
the store (`dossier blobs verify`), the tokens, the audit chain (`dossier audit verify`, once the
anchor file that still names the lost events is moved aside and the restored head anchored); the
document of after the dump is
gone from the database and the index, its original stays in the store (never deleted). A new
upload after the restore gets new ids.

The pg_dump/pg_restore of the PostgreSQL install that tools/test-services.sh runs
(/usr/lib/postgresql/<newest>/bin)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from models.db import dispose_all, migrate
from tests.support.env import REPO, cluster_url, need
from tests.support.s3 import s3_for_test
from tests.support.service import token_for

pytestmark = [pytest.mark.slow, pytest.mark.integration]

BEFORE = ["lecard-12174", "lecard-19303", "judge-ae1a4ecd-4481-4e17-88b5-15706738a903"]
AFTER = "judge-01885b6c-a37e-4b28-9173-6b94a6581ba2"  # processed after the dump: lost
LATER = "judge-bbc01ee6-4835-4ae1-aee8-47db5767098b"  # uploaded after the restore


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                   key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if not found:
        pytest.fail(f"no {name} under /usr/lib/postgresql (apt-get install postgresql)")
    return str(found[-1])


def _libpq(url: str) -> str:
    """SQLAlchemy's postgresql+psycopg://… as the libpq URL pg_dump/pg_restore take."""
    return "postgresql://" + url.split("://", 1)[1]


def _run(args: list[str], environ: dict[str, str], ok: bool = True) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(args, env=environ, cwd=REPO, capture_output=True, text=True, timeout=600)
    if ok:
        assert out.returncode == 0, (args, out.stdout[-2000:], out.stderr[-4000:])
    return out


def _cli(environ: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-m", "api.cli", *args], environ, ok)


def _search(environ: dict[str, str], q: str) -> list[tuple[int, int | None]]:
    """`dossier search --json` (the operator's view): the hits as (document, best page)."""
    found = json.loads(_cli(environ, "search", "--json", q).stdout.splitlines()[-1])
    return [(h["document_id"], h["page"]) for h in found["hits"]]


def _phrase(path: Path) -> str:
    """A quoted 10-character run from the middle of a judgment (a known-item search)."""
    text = "".join(path.read_text().split())
    middle = len(text) // 2
    return f'"{text[middle:middle + 10]}"'


def _answers(environ: dict[str, str], token: str, queries: list[str],
             docs: list[int]) -> dict[str, Any]:
    """What the service answers: operator searches, and through the API (in this process) the
    clerk's search, each document's case and similar cases, and its original."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from models.settings import get_settings, reset_settings
    from services import engines

    reset_settings()
    engines.reset()
    out: dict[str, Any] = {q: _search(environ, q) for q in queries}
    with TestClient(create_app(get_settings())) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        for q in queries:
            r = client.get("/api/v1/search", params={"q": q})
            assert r.status_code == 200, r.text
            out[f"api {q}"] = [(h["document_id"], h["page"]) for h in r.json()["hits"]]
        for doc in docs:
            r = client.get(f"/api/v1/documents/{doc}")
            assert r.status_code == 200, r.text
            case = r.json()["case_id"]
            out[f"doc {doc}"] = {k: r.json()[k] for k in ("case_id", "status", "doc_type")}
            r = client.get(f"/api/v1/cases/{case}/similar", params={"k": 5})
            assert r.status_code == 200, r.text
            out[f"similar {case}"] = [(c["case_id"], round(c["score"], 3))
                                      for c in r.json()["results"]]
            r = client.get(f"/api/v1/documents/{doc}/file")
            assert r.status_code == 200, r.text
            out[f"file {doc}"] = len(r.content)
    engines.reset()
    dispose_all()
    return out


def _drop_indices(url: str, prefix: str) -> None:
    from models.cluster import ClusterClient

    conn = ClusterClient(url, 30)
    for name in conn.indices(f"{prefix}-*"):
        conn.delete_index(name)
    conn.close()


def _doc_ids(db_url: str) -> dict[str, int]:
    engine = sa.create_engine(db_url)
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT filename, id FROM documents")).all()
    engine.dispose()
    return {name: int(i) for name, i in rows}


def test_a_database_dump_and_a_reindex_restore_the_service(
        env: Callable[..., dict[str, str]], pg_url: str, shared_data: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    s3 = s3_for_test(monkeypatch)
    search_url = cluster_url("opensearch")
    prefix = f"t{uuid.uuid4().hex[:10]}"
    request.addfinalizer(lambda: _drop_indices(search_url, prefix))
    environ = env(database_url=pg_url, search_url=search_url, search_prefix=prefix,
                  audit_key="backup-restore-test-key-0123456789abcdef", **s3.settings())
    environ.update(s3.process_env())
    migrate(pg_url)
    token = token_for("clerk", "clerk", "court-1")
    gold = shared_data / "extraction_gold" / "texts"
    before = [gold / f"{n}.txt" for n in BEFORE]
    _cli(environ, "ingest", "--user", "clerk", "--inline", *map(str, before))
    ids = _doc_ids(pg_url)
    docs = [ids[p.name] for p in before]
    queries = [*map(_phrase, before), "盗窃", "被告人 有期徒刑", _phrase(gold / f"{AFTER}.txt")]
    was = _answers(environ, token, queries, docs)
    assert all(was[_phrase(p)] for p in before), was  # each judgment found by its phrase
    assert not was[queries[-1]], "the document of after the dump is not there yet"
    assert any(was[f"similar {was[f'doc {d}']['case_id']}"] for d in docs), was

    # the backup: the database dump, the chain's head anchored
    _cli(environ, "audit", "anchor")
    dump = tmp_path / "dossier.dump"
    _run([_pg_bin("pg_dump"), "--format=custom", f"--file={dump}", _libpq(pg_url)], environ)

    # work after the backup: lost in the disaster (its original stays in the store)
    _cli(environ, "ingest", "--user", "clerk", "--inline", str(gold / f"{AFTER}.txt"))
    assert _search(environ, queries[-1]), "indexed after the dump"
    _cli(environ, "audit", "anchor")

    # the disaster: the database and the search indices are gone
    dispose_all()
    admin = sa.create_engine(need("DOSSIER_TEST_POSTGRES_URL"), isolation_level="AUTOCOMMIT")
    name = pg_url.rsplit("/", 1)[1]
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    _drop_indices(search_url, prefix)

    # the README's restore: an empty database, the dump into it, `dossier reindex`
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    _run([_pg_bin("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={_libpq(pg_url)}",
          str(dump)], environ)
    # the anchor of after the dump names an event the restored chain no longer has: the record
    # of what was lost is kept aside, and the restored head anchored in a new file
    broken = _cli(environ, "audit", "verify", ok=False)
    assert broken.returncode == 1 and "is missing" in broken.stderr, broken.stderr
    anchors = tmp_path / "data" / "audit-anchors.jsonl"
    anchors.rename(anchors.with_name("audit-anchors.before-restore.jsonl"))
    _cli(environ, "audit", "anchor")
    reindexed = _cli(environ, "reindex").stdout
    assert f"indexed {len(before)} documents" in reindexed, reindexed
    assert "case vectors:" in reindexed, reindexed  # the kNN index rebuilt too

    verified = json.loads(_cli(environ, "blobs", "verify").stdout.splitlines()[-1])
    assert verified["failed"] == {} and verified["verified"] == len(before) + 1, verified
    assert _doc_ids(pg_url) == ids  # the document of after the dump is gone
    now = _answers(environ, token, queries, docs)
    assert now == was

    assert "audit chain intact" in _cli(environ, "audit", "verify").stdout

    # and the service goes on: a new upload gets new ids and is found
    _cli(environ, "ingest", "--user", "clerk", "--inline", str(gold / f"{LATER}.txt"))
    later = _doc_ids(pg_url)
    assert later[f"{LATER}.txt"] > max(ids.values())
    assert _search(environ, _phrase(gold / f"{LATER}.txt"))
    assert os.path.exists(dump)
