"""The faxed-extraction benches' OCR cache (benchmarks.extraction_ocr): a page read with one
language model or look-alike table is never served for another (no OCR here)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.extraction_ocr import code_digest, engine_key
from models.settings import reset_settings


@dataclass
class Named:
    """What engine_key reads of an engine: its name and version."""

    name: str
    version: str


@pytest.fixture(autouse=True)
def settings_read_afresh() -> Iterator[None]:
    """engine_key reads the settings, which are cached: the environment this test sets must
    not outlive it (a later test would build its engine on a model file that is no model)."""
    reset_settings()
    yield
    reset_settings()


def test_the_cache_key_follows_the_language_model_and_the_table(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "judgments.npz"
    model.write_bytes(b"one count")
    monkeypatch.setenv("DOSSIER_OCR_LANGUAGE_MODEL", str(model))
    monkeypatch.delenv("DOSSIER_OCR_CONFUSIONS", raising=False)
    engine = Named("rapidocr", "3.10.0 PP-OCRv6-tiny+lm")
    first = engine_key(engine)
    assert engine_key(engine) == first  # the same files, the same folder
    model.write_bytes(b"another count")  # the model rebuilt from other judgments
    rebuilt = engine_key(engine)
    assert rebuilt != first
    monkeypatch.setenv("DOSSIER_OCR_CONFUSIONS", "off")
    assert engine_key(engine) not in (first, rebuilt)
    # an engine without the model does not depend on its file
    plain = Named("rapidocr", "3.10.0 PP-OCRv6-tiny")
    before = engine_key(plain)
    model.write_bytes(b"a third count")
    assert engine_key(plain) == before


def test_the_cache_key_follows_the_reading_code(tmp_path: Path) -> None:
    code = tmp_path / "ocr"
    (code / "engines").mkdir(parents=True)
    (code / "lm.py").write_text("NAME_WEIGHT = 2.0\n", "utf-8")
    (code / "engines" / "rapid.py").write_text("FAX_POOR_PAGE = 0.90\n", "utf-8")
    first = code_digest(code)
    assert code_digest(code) == first
    code_digest.cache_clear()  # a new process: the bench run after the change
    assert code_digest(code) == first  # the same sources, the same key
    (code / "lm.py").write_text("NAME_WEIGHT = 1.0\n", "utf-8")
    code_digest.cache_clear()
    changed = code_digest(code)
    assert changed != first
    (code / "notes.txt").write_text("not code", "utf-8")
    code_digest.cache_clear()
    assert code_digest(code) == changed
