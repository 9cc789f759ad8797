"""The OCR bench's pages/min pass: processes draw pages from one queue, as Celery's fan-out."""

from __future__ import annotations

import threading
from pathlib import Path

from benchmarks.ocr import render_set, run_chunk, throughput, worker_pass


def test_each_page_is_read_once_by_whichever_process_is_free(tmp_path: Path) -> None:
    specs = render_set(4, ["clean"], tmp_path)
    parts = worker_pass("rapidocr", 1, 2, specs)
    assert [p.error for p in parts] == ["", ""]
    assert sorted(len(p.pages) for p in parts)[0] >= 1  # both processes took pages
    assert sum(len(p.pages) for p in parts) == len(specs)  # none twice, none lost
    assert all(p.started <= p.finished for p in parts)


def test_an_engine_that_cannot_load_ends_the_pass_instead_of_hanging(tmp_path: Path) -> None:
    specs = render_set(2, ["clean"], tmp_path)
    parts = worker_pass("no-such-engine", 1, 2, specs)
    assert len(parts) == 2 and all(p.error for p in parts) and not any(p.pages for p in parts)
    assert throughput("no-such-engine", 1, 2, specs) == (0.0, 0.0)


def test_a_process_waiting_for_one_that_failed_stops_waiting(tmp_path: Path) -> None:
    # the case the barrier's abort is for: one process loads its engine, the other cannot
    specs = render_set(1, ["clean"], tmp_path)
    ready = threading.Barrier(2)
    failed = run_chunk("no-such-engine", 1, specs, True, False, ready=ready)
    assert failed.error and ready.broken  # it told the others before returning
    loaded = run_chunk("rapidocr", 1, specs, True, False, ready=ready)
    assert loaded.error == "another process of the pass could not load its engine"
    assert loaded.pages == []  # it read nothing instead of waiting for ever
