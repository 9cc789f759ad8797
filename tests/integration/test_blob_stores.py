"""The blob store's promises on both engines (the local folder and a real S3 server):
written once under the SHA-256, never overwritten, verified on read, large objects in parts,
an outage reported as BlobUnavailable (a 503 in the API, a retried stage in a worker), and
`dossier blobs migrate` copying a folder into S3 with every object verified."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from models.blob_migrate import migrate
from models.blob_s3 import S3BlobStore, s3_store
from models.blobs import (
    BlobCorrupted,
    BlobMissing,
    BlobStore,
    BlobUnavailable,
    LocalBlobStore,
    key_of,
    sha256_hex,
)
from models.db import session_scope
from models.schema import Document, Task
from tests.support.env import REPO, free_port
from tests.support.s3 import S3, s3_for_test

pytestmark = pytest.mark.integration

PART = 5 * 1024 * 1024  # the smallest part S3 accepts


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> S3:
    return s3_for_test(monkeypatch)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    s3: S3 = request.getfixturevalue("s3")
    return s3_store(s3.url, s3.endpoint, "us-east-1", 5, 10.0)


def damage(store: BlobStore, digest: str, data: bytes) -> None:
    """Replace a stored object behind the store's back (a disk fault, an operator's mistake)."""
    if isinstance(store, LocalBlobStore):
        path = store.path(digest)
        path.chmod(0o644)
        path.write_bytes(data)
    else:
        assert isinstance(store, S3BlobStore)
        store.client.put_object(Bucket=store.bucket, Key=store.key(digest), Body=data)


def stamp(store: BlobStore, digest: str) -> Any:
    """What changes when an object is written again."""
    if isinstance(store, LocalBlobStore):
        st = store.path(digest).stat()
        return st.st_mtime_ns, st.st_ino
    assert isinstance(store, S3BlobStore)
    head = store.client.head_object(Bucket=store.bucket, Key=store.key(digest))
    return head["LastModified"], head["ETag"]


def test_written_once_under_the_sha256(store: BlobStore) -> None:
    data = "起诉书（2024）甘0102刑初1号".encode() * 100
    digest = store.put(data)
    assert digest == sha256_hex(data)
    assert store.exists(digest) and store.get(digest) == data
    before = stamp(store, digest)
    time.sleep(1.1)  # a rewrite would show a later modification time
    assert store.put(data) == digest
    assert stamp(store, digest) == before, "the same bytes again must not rewrite the object"
    other = store.put(b"another original")
    assert sorted(store.digests()) == sorted([digest, other])
    if isinstance(store, LocalBlobStore):
        assert store.path(digest).stat().st_mode & 0o222 == 0, "originals are read-only"


def test_large_original_goes_up_in_parts(store: BlobStore) -> None:
    data = os.urandom(2 * PART + 12345)  # three parts of at most 5 MiB
    digest = store.put(data)
    assert store.get(digest) == data
    if isinstance(store, S3BlobStore):
        head = store.client.head_object(Bucket=store.bucket, Key=store.key(digest))
        assert head["ETag"].strip('"').endswith("-3"), head["ETag"]  # a multipart ETag
        assert head["ContentLength"] == len(data)


def test_a_corrupted_object_is_detected(store: BlobStore) -> None:
    data = b"%PDF-1.4 original evidence"
    digest = store.put(data)
    damage(store, digest, b"%PDF-1.4 tampered evidence")
    with pytest.raises(BlobCorrupted):
        store.get(digest)
    assert store.get(digest, verify=False) == b"%PDF-1.4 tampered evidence"


def test_a_missing_object_is_named(store: BlobStore) -> None:
    with pytest.raises(BlobMissing):
        store.get("0" * 64)
    assert not store.exists("0" * 64)
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")


class PartFault:
    """The S3 client with the second part upload failing: a connection cut mid-upload is a fault
    a test cannot produce on cue with a real server, so only that call is replaced."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def upload_part(self, **kw: Any) -> Any:
        if kw["PartNumber"] == 2:
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url="http://s3.invalid")
        return self._client.upload_part(**kw)


def test_an_interrupted_upload_leaves_no_object(s3: S3) -> None:
    good = s3_store(s3.url, s3.endpoint, "us-east-1", 5, 10.0)
    faulty = S3BlobStore(PartFault(good.client), good.bucket, good.prefix, PART)
    data = os.urandom(2 * PART + 1)
    with pytest.raises(BlobUnavailable):
        faulty.put(data)
    digest = sha256_hex(data)
    assert not good.exists(digest), "half an original must never be visible"
    pending = good.client.list_multipart_uploads(Bucket=good.bucket, Prefix=good.prefix)
    assert not pending.get("Uploads"), "the interrupted upload is aborted"
    assert good.put(data) == digest and good.get(digest) == data


def dead_store(s3: S3) -> S3BlobStore:
    """The same bucket behind an endpoint where nothing listens (the server stopped)."""
    return s3_store(s3.url, f"http://127.0.0.1:{free_port()}", "us-east-1", 5, 2.0)


def test_an_outage_is_unavailable_not_lost(s3: S3) -> None:
    down = dead_store(s3)
    t0 = time.monotonic()
    for call in (lambda: down.put(b"x"), lambda: down.get("a" * 64),
                 lambda: down.exists("a" * 64), down.check, lambda: list(down.digests())):
        with pytest.raises(BlobUnavailable, match="对象存储"):
            call()
    assert time.monotonic() - t0 < 60, "an outage is reported in seconds, not minutes"
    assert isinstance(BlobUnavailable("x"), ConnectionError)  # the stage runner's TRANSIENT


def test_upload_during_an_outage_is_a_chinese_503_and_records_nothing(
        api_client: Callable[..., Any], s3: S3) -> None:
    api = api_client(("clerk", "clerk", "A"), act_as="clerk", **s3.settings())
    ok = api.client.post("/api/v1/documents", files={"file": ("a.txt", "起诉书 正文".encode())},
                         )
    assert ok.status_code == 202, ok.text
    doc_id = ok.json()["document_id"]
    assert api.client.get(f"/api/v1/documents/{doc_id}/file").content \
        == "起诉书 正文".encode()

    down = api_client(("clerk2", "clerk", "A"), act_as="clerk2", blob_url=s3.url,
                      blob_endpoint_url=f"http://127.0.0.1:{free_port()}", blob_timeout_s="2")
    r = down.client.post("/api/v1/documents", files={"file": ("b.txt", "另一份 起诉书".encode())},
                         )
    assert r.status_code == 503 and "原件存储暂不可用" in r.json()["detail"], r.text
    assert r.headers.get("Retry-After")
    r = down.client.get(f"/api/v1/documents/{doc_id}/file", headers=api.auth("clerk"))
    assert r.status_code == 503 and "原件存储暂不可用" in r.json()["detail"], r.text
    with session_scope(api.settings.db_url) as db:
        docs = db.execute(select(Document.id)).scalars().all()
    assert docs == [doc_id], "no row for an original that was not stored"


def test_a_worker_retries_a_stage_during_an_outage(
        api_client: Callable[..., Any], s3: S3, tmp_path: Path) -> None:
    from models.settings import get_settings
    from workers import runner

    api = api_client(("clerk", "clerk", "A"), act_as="clerk", **s3.settings())
    r = api.client.post("/api/v1/documents", files={"file": ("a.txt", "起诉书 正文".encode())},
                        )
    doc_id = r.json()["document_id"]
    with session_scope(api.settings.db_url) as s:
        task_id = s.execute(select(Task.id).where(Task.document_id == doc_id)).scalar_one()
    down = get_settings().model_copy(update={
        "blob_endpoint_url": f"http://127.0.0.1:{free_port()}", "blob_timeout_s": 2.0})
    assert runner.run(down, task_id, "ocr", last=False) is runner.Outcome.RETRY
    with session_scope(api.settings.db_url) as s:
        task = s.get(Task, task_id)
        assert task is not None
        assert task.state != "failed", task.error
    assert runner.run(get_settings(), task_id, "ocr", last=False) is runner.Outcome.DONE


@pytest.mark.parametrize("target_kind", ["local", "s3"])
def test_migrate_copies_and_verifies_every_object(
        target_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    source = LocalBlobStore(tmp_path / "old")
    digests = [source.put(f"原件 {i}".encode() * 50) for i in range(5)]
    bad = source.put(b"damaged on the old disk")
    damage(source, bad, b"bit rot")
    if target_kind == "local":
        target: BlobStore = LocalBlobStore(tmp_path / "new")
    else:
        s3: S3 = request.getfixturevalue("s3")
        target = s3_store(s3.url, s3.endpoint, "us-east-1", 5, 10.0)
    target.put(b"already there")  # left alone
    report = migrate(source, target)
    assert not report.ok and list(report.failed) == [bad]
    assert (report.copied, report.present, report.verified) == (5, 0, 5)
    assert not target.exists(bad), "a damaged original is never copied"
    assert all(target.get(d) == source.get(d) for d in digests)
    again = migrate(source, target)  # an interrupted run is simply run again
    assert (again.copied, again.present, again.verified) == (0, 5, 5)


def test_blobs_migrate_command(s3: S3, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    local = LocalBlobStore(data_dir / "blobs")
    digests = {local.put(f"卷宗 {i}".encode()) for i in range(3)}
    env = {**os.environ, "DOSSIER_DATA_DIR": str(data_dir), **s3.process_env()}
    out = subprocess.run([sys.executable, "-m", "api.cli", "blobs", "migrate"], env=env,
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["ok"] and report["copied"] == 3 and report["verified"] == 3
    client = s3.client()
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=s3.bucket,
                                                     Prefix=s3.prefix)["Contents"]}
    assert keys == {s3.prefix + key_of(d) for d in digests}, "the local store's keys"
    out = subprocess.run([sys.executable, "-m", "api.cli", "blobs", "verify"], env=env,
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and json.loads(out.stdout)["verified"] == 3, out.stderr
