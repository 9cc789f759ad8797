"""Content-addressed blob store for original uploads: the protocol, its errors, the local engine.

Originals are evidence: they are written once under their SHA-256, never modified or deleted by
processing, and verified against their hash on read. The same bytes uploaded twice are one
object. Two engines keep these promises: `LocalBlobStore` (a folder, the embedded default) and
`models.blob_s3.S3BlobStore` (any S3-compatible object store, so that several hosts share the
originals); `models.blob_store.open_blob_store` picks one from the settings
(``DOSSIER_BLOB_URL``).

Page images and searchable PDFs are not stored: they are rendered from the original (and the
stored page rows) on request, so a host that can read the store can serve them.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

DIGEST = re.compile(r"^[0-9a-f]{64}$")


class BlobCorrupted(RuntimeError):
    """A stored original no longer matches its SHA-256."""


class BlobMissing(FileNotFoundError):
    """The store has no object under that digest: on a second host with a local store, the
    original lives on another machine (several hosts need ``DOSSIER_BLOB_URL``)."""


class BlobUnavailable(ConnectionError):
    """The store cannot be reached or refused for now (network, 5xx, timeouts): worth retrying.

    A ConnectionError, so the worker's stage runner retries it like a database outage."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_digest(digest: str) -> str:
    if not DIGEST.match(digest):
        raise ValueError(f"not a sha256 digest: {digest!r}")
    return digest


def key_of(digest: str) -> str:
    """The relative name of a blob, the same in every engine: ``ab/cd/abcd…``."""
    check_digest(digest)
    return f"{digest[:2]}/{digest[2:4]}/{digest}"


@runtime_checkable
class BlobStore(Protocol):
    """Where originals live. ``put`` never replaces an existing object; ``get`` verifies."""

    #: shown in logs and the readiness check: the folder or s3://bucket/prefix
    location: str

    def put(self, data: bytes) -> str:
        """Store bytes and return their SHA-256; an existing blob is left untouched."""
        ...

    def get(self, digest: str, *, verify: bool = True) -> bytes:
        """The bytes under ``digest`` (BlobMissing, BlobCorrupted, BlobUnavailable)."""
        ...

    def exists(self, digest: str) -> bool:
        ...

    def digests(self) -> Iterator[str]:
        """Every digest stored (migration and verification walk them)."""
        ...

    def check(self) -> None:
        """Raise BlobUnavailable when the store cannot be used now (readiness)."""
        ...


class LocalBlobStore:
    """A folder: ``root/ab/cd/<digest>``, each file written atomically and made read-only."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.location = str(self.root)

    def path(self, digest: str) -> Path:
        return self.root / key_of(digest)

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)  # atomic; a concurrent writer of the same bytes is harmless
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str, *, verify: bool = True) -> bytes:
        try:
            data = self.path(digest).read_bytes()
        except FileNotFoundError as exc:
            raise BlobMissing(f"blob {digest} is not in {self.root}") from exc
        if verify and sha256_hex(data) != digest:
            raise BlobCorrupted(f"blob {digest} does not match its SHA-256")
        return data

    def exists(self, digest: str) -> bool:
        return self.path(digest).exists()

    def digests(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/??/*")):
            if path.is_file() and DIGEST.match(path.name):
                yield path.name

    def check(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise BlobUnavailable(f"blob folder {self.root} is not writable")
