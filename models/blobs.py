"""Content-addressed blob store for original uploads.

Originals are evidence: they are written once under their SHA-256, made read-only, never
modified or deleted by processing, and verified against their hash on read. The same bytes
uploaded twice are one file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class BlobCorrupted(RuntimeError):
    """A stored original no longer matches its SHA-256."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a sha256 digest: {digest!r}")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        """Store bytes and return their digest; existing blobs are left untouched."""
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
        data = self.path(digest).read_bytes()
        if verify and sha256_hex(data) != digest:
            raise BlobCorrupted(f"blob {digest} does not match its SHA-256")
        return data

    def exists(self, digest: str) -> bool:
        return self.path(digest).exists()
