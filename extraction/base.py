"""The interface every extractor implements, so the worker can swap rules for a model."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from models.records import Extracted


@runtime_checkable
class Extractor(Protocol):
    """Turns the page texts of one document (page 1 first) into schema fields with provenance."""

    name: str
    version: str

    def extract(self, pages: list[str]) -> Extracted:
        """Fields per SCHEMA.md; provenance pages are 1-based indexes into ``pages``."""
        ...
