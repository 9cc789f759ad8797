"""How a `dossier worker` shares its host: pool processes × engine threads
(models.settings.Settings.worker_layout), from the settings, the CPUs and the memory."""

from __future__ import annotations

import pytest

from models.settings import DEFAULT_ENGINE_THREADS, Settings, available_cpus


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DOSSIER_OCR_THREADS", "DOSSIER_WORKER_CONCURRENCY",
                 "DOSSIER_WORKER_MAX_MEMORY_MB"):
        monkeypatch.delenv(name, raising=False)


def test_unset_one_single_threaded_process_per_cpu() -> None:
    assert Settings().worker_layout(cpus=2, memory_mb=24_000) == (2, 1)
    assert Settings().worker_layout(cpus=8, memory_mb=64_000) == (8, 1)


def test_processes_are_capped_by_memory_per_process() -> None:
    # 4,096 MB per pool process (DOSSIER_WORKER_MAX_MEMORY_MB): 16 CPUs, 24 GB -> 6 processes
    assert Settings().worker_layout(cpus=16, memory_mb=24 * 1024) == (6, 1)
    assert Settings(worker_max_memory_mb=8192).worker_layout(cpus=16, memory_mb=24 * 1024) == (3, 1)
    assert Settings().worker_layout(cpus=4, memory_mb=2048) == (1, 1)  # never none


def test_threads_set_share_the_cpus_by_processes() -> None:
    # the configuration before issue 19's layout: one process with two threads
    assert Settings(ocr_threads=2).worker_layout(cpus=2, memory_mb=24_000) == (1, 2)
    assert Settings(ocr_threads=3).worker_layout(cpus=8, memory_mb=64_000) == (2, 3)
    assert Settings(ocr_threads=4).worker_layout(cpus=2, memory_mb=24_000) == (1, 4)


def test_processes_set_share_the_cpus_by_threads() -> None:
    assert Settings(worker_concurrency=1).worker_layout(cpus=2, memory_mb=24_000) == (1, 2)
    assert Settings(worker_concurrency=4).worker_layout(cpus=2, memory_mb=24_000) == (4, 1)
    # `dossier worker --concurrency N` wins over the setting
    assert Settings(worker_concurrency=1).worker_layout(
        cpus=8, memory_mb=64_000, concurrency=2) == (2, 4)
    assert Settings(worker_concurrency=2, ocr_threads=2).worker_layout(
        cpus=8, memory_mb=64_000) == (2, 2)


def test_environment_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().engine_threads == DEFAULT_ENGINE_THREADS  # API, CLI: a page with 2 threads
    monkeypatch.setenv("DOSSIER_OCR_THREADS", "1")
    assert Settings().engine_threads == 1
    assert Settings().worker_layout(cpus=2, memory_mb=24_000) == (2, 1)
    monkeypatch.setenv("DOSSIER_WORKER_CONCURRENCY", "0")
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        Settings()
    monkeypatch.delenv("DOSSIER_WORKER_CONCURRENCY")
    processes, threads = Settings(ocr_threads=1).worker_layout()  # this host, as it is
    assert 1 <= processes <= available_cpus() and threads == 1
