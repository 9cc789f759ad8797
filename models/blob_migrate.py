"""Copying every original from one blob store into another, verifying each copy.

`dossier blobs migrate` moves an embedded installation's folder into the object store before a
second host joins: each blob is read from the source (its SHA-256 checked), written to the
target (left alone when already there) and read back from the target with its SHA-256 checked
again, so the report's ``verified`` counts objects known to be whole where the hosts will read
them. Re-running it after an interruption copies only what is missing and verifies everything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from models.blobs import BlobCorrupted, BlobMissing, BlobStore


@dataclass
class MigrationReport:
    source: str
    target: str
    copied: int = 0  # written to the target by this run
    present: int = 0  # already in the target (not written again)
    verified: int = 0  # read back from the target and matching its SHA-256
    bytes: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # digest -> why

    @property
    def ok(self) -> bool:
        return not self.failed


def migrate(source: BlobStore, target: BlobStore,
            progress: Callable[[MigrationReport], None] | None = None) -> MigrationReport:
    """Copy and verify every blob of ``source`` into ``target``. A damaged source blob is
    reported, never copied; an outage of either store (BlobUnavailable) stops the run."""
    report = MigrationReport(source.location, target.location)
    for digest in source.digests():
        try:
            data = source.get(digest)
        except (BlobCorrupted, BlobMissing) as exc:
            report.failed[digest] = f"source: {exc}"
            continue
        if target.exists(digest):
            report.present += 1
        else:
            if target.put(data) != digest:  # cannot happen: the same bytes, the same hash
                report.failed[digest] = "target: stored under another digest"
                continue
            report.copied += 1
        try:
            target.get(digest)
        except (BlobCorrupted, BlobMissing) as exc:
            report.failed[digest] = f"target: {exc}"
            continue
        report.verified += 1
        report.bytes += len(data)
        if progress:
            progress(report)
    return report
