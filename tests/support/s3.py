"""The test S3 server (tools/s3-node, started by tools/test-services.sh): its settings and stores.

``DOSSIER_TEST_S3_URL`` (s3://bucket/prefix), ``DOSSIER_TEST_S3_ENDPOINT`` (the server's URL)
and ``DOSSIER_TEST_S3_ACCESS_KEY`` / ``_SECRET_KEY``. Each test gets a prefix of its own, so
tests share the bucket without seeing each other's objects.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.env import need


@dataclass(frozen=True)
class S3:
    url: str  # s3://bucket/prefix, unique to the test
    endpoint: str
    access_key: str
    secret_key: str

    @property
    def bucket(self) -> str:
        return self.url[5:].split("/", 1)[0]

    @property
    def prefix(self) -> str:
        return self.url[5:].split("/", 1)[1] + "/"

    def settings(self) -> dict[str, str]:
        """``env``/``api_client`` keyword settings naming this store."""
        return {"blob_url": self.url, "blob_endpoint_url": self.endpoint}

    def process_env(self) -> dict[str, str]:
        """What a child process (worker, API host) needs besides DOSSIER_* to reach it."""
        return {"DOSSIER_BLOB_URL": self.url, "DOSSIER_BLOB_ENDPOINT_URL": self.endpoint,
                "AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}

    def client(self) -> Any:
        """A raw boto3 client: the tests' way behind the store's back (damage, inspect)."""
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key,
                            config=Config(s3={"addressing_style": "path"},
                                          request_checksum_calculation="when_required",
                                          response_checksum_validation="when_required"))


def s3_for_test(monkeypatch: pytest.MonkeyPatch) -> S3:
    """The test server with a fresh prefix; credentials exported for boto3's default chain.
    Waits (up to a minute) for the bucket that the server creates as it starts."""
    base = need("DOSSIER_TEST_S3_URL").rstrip("/")
    s3 = S3(f"{base}/{uuid.uuid4().hex[:12]}", need("DOSSIER_TEST_S3_ENDPOINT"),
            os.environ.get("DOSSIER_TEST_S3_ACCESS_KEY", "dossier"),
            os.environ.get("DOSSIER_TEST_S3_SECRET_KEY", "dossier-secret"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3.secret_key)
    client = s3.client()
    deadline = time.time() + 60
    while True:
        try:
            client.head_bucket(Bucket=s3.bucket)
            break
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.5)
    return s3
