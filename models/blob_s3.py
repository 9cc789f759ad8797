"""The blob store on an S3-compatible object store, so that several hosts share the originals.

Same promises as the local folder (`models.blobs`): an object is written once under
``prefix/ab/cd/<sha256>`` and never replaced (a HEAD first, and ``If-None-Match: *`` where the
store supports conditional writes); every body and part carries its Content-MD5, so the store
refuses bytes damaged on the way; an object above ``blob_part_mb`` goes up in parts and exists
only once the upload completes (an interrupted upload is aborted, never half an original); every
read is checked against the SHA-256. Network faults, timeouts and 5xx answers become
`BlobUnavailable` (a 503 in the API, a retried stage in a worker).

boto3 is imported here only, when a store is first opened: the embedded default never loads it.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from models.blobs import (
    DIGEST,
    BlobCorrupted,
    BlobMissing,
    BlobUnavailable,
    key_of,
    sha256_hex,
)

#: error codes that say the object is already there (a conditional write lost a race)
_EXISTS = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
#: error codes that say "no such object"
_MISSING = {"NoSuchKey", "404", "NotFound"}


def _md5(data: bytes | memoryview) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()  # noqa: S324 (transfer check)


def split_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> (``bucket``, ``some/prefix/``); the prefix may be empty."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"not an s3:// URL: {url!r}")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


def _unavailable(exc: BaseException) -> bool:
    """Whether a botocore error means "the store is not usable now" (retry later)."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        code = str(exc.response.get("Error", {}).get("Code", ""))
        return status >= 500 or status in (401, 403) or code in {
            "SlowDown", "RequestTimeout", "NoSuchBucket", "AccessDenied", "InvalidAccessKeyId",
            "SignatureDoesNotMatch"}
    return isinstance(exc, BotoCoreError | OSError)


def _code(exc: BaseException) -> str:
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


class S3BlobStore:
    """Originals as objects of one bucket under a prefix (see the module docstring)."""

    def __init__(self, client: Any, bucket: str, prefix: str, part_bytes: int) -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.part_bytes = part_bytes
        self.location = f"s3://{bucket}/{prefix}"

    def key(self, digest: str) -> str:
        return self.prefix + key_of(digest)

    def _fail(self, exc: BaseException, what: str) -> BaseException:
        if _unavailable(exc):
            return BlobUnavailable(f"对象存储 {self.location} 暂不可用（{what}：{type(exc).__name__}）")
        return exc

    # ---------------------------------------------------------------- reading
    def exists(self, digest: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(digest))
            return True
        except Exception as exc:
            if _code(exc) in _MISSING:
                return False
            raise self._fail(exc, "HEAD") from exc

    def get(self, digest: str, *, verify: bool = True) -> bytes:
        key = self.key(digest)
        try:
            data: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except Exception as exc:
            if _code(exc) in _MISSING:
                raise BlobMissing(f"blob {digest} is not in {self.location}") from exc
            raise self._fail(exc, "GET") from exc
        if verify and sha256_hex(data) != digest:
            raise BlobCorrupted(f"blob {digest} in {self.location} does not match its SHA-256")
        return data

    def digests(self) -> Iterator[str]:
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for obj in page.get("Contents", []):
                    name = obj["Key"][len(self.prefix):]
                    digest = name.rsplit("/", 1)[-1]
                    if DIGEST.match(digest) and name == key_of(digest):
                        yield digest
        except Exception as exc:
            raise self._fail(exc, "LIST") from exc

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            failure = self._fail(exc, "HEAD bucket")
            if isinstance(failure, BlobUnavailable):
                raise failure from exc
            raise BlobUnavailable(f"对象存储 {self.location} 不可用：{exc}") from exc

    # ---------------------------------------------------------------- writing
    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        if self.exists(digest):
            return digest  # written once: the object already holds these very bytes
        key = self.key(digest)
        meta = {"sha256": digest}
        try:
            if len(data) > self.part_bytes:
                self._put_parts(key, data, meta)
            else:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=data,
                                       ContentMD5=_md5(data), IfNoneMatch="*", Metadata=meta,
                                       ContentType="application/octet-stream")
        except Exception as exc:
            if _code(exc) not in _EXISTS:  # else a concurrent writer stored the same bytes
                raise self._fail(exc, "PUT") from exc
        self._confirm(digest, len(data))
        return digest

    def _put_parts(self, key: str, data: bytes, meta: dict[str, str]) -> None:
        """A multipart upload: the object appears only at CompleteMultipartUpload; any failure
        aborts the upload so no parts are left behind."""
        upload = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=key, Metadata=meta, ContentType="application/octet-stream")
        upload_id = upload["UploadId"]
        view = memoryview(data)
        try:
            parts = []
            for number, start in enumerate(range(0, len(data), self.part_bytes), start=1):
                chunk = view[start:start + self.part_bytes]
                answer = self.client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number,
                    Body=bytes(chunk), ContentMD5=_md5(chunk))
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, IfNoneMatch="*",
                MultipartUpload={"Parts": parts})
        except BaseException:
            # the store down too: a lifecycle rule (README) removes the stray parts later
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key,
                                                   UploadId=upload_id)
            raise

    def _confirm(self, digest: str, size: int) -> None:
        """The object is there with the size written: a store that acknowledged a write it did
        not keep fails the upload here, not at the first read weeks later."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(digest))
        except Exception as exc:
            raise self._fail(exc, "HEAD after PUT") from exc
        if int(head.get("ContentLength", -1)) != size:
            raise BlobCorrupted(f"blob {digest} in {self.location} has {head.get('ContentLength')}"
                                f" bytes after writing {size}")


@functools.lru_cache(maxsize=8)
def _client(endpoint_url: str | None, region: str, timeout_s: float, pid: int) -> Any:
    """One client per process (``pid``: a forked worker child makes its own connections)."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=timeout_s, read_timeout=timeout_s,
        retries={"max_attempts": 2, "mode": "standard"},  # an outage is reported in seconds
        # path-style URLs and Content-MD5 (not the newer CRC trailers) work with every
        # S3-compatible store: MinIO, Ceph RGW, SeaweedFS, the clouds' own
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        max_pool_connections=32)
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url, region_name=region,
                                          config=config)


def s3_store(url: str, endpoint_url: str | None, region: str, part_mb: int,
             timeout_s: float) -> S3BlobStore:
    bucket, prefix = split_url(url)
    client = _client(endpoint_url, region, timeout_s, os.getpid())
    return S3BlobStore(client, bucket, prefix, part_mb * 1024 * 1024)
