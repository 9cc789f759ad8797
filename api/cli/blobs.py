"""`dossier blobs migrate | verify`: the store of originals (models.blobs, models.blob_s3).

``migrate`` copies the local folder (``data_dir/blobs``, or ``--from``) into the store that
``DOSSIER_BLOB_URL`` names (or ``--to``), verifying every object; ``verify`` reads every object
of the configured store back and checks its SHA-256. Both print a JSON report and exit 1 when
anything failed, so a script or an operator sees it.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="The store of original uploads (local folder or S3)",
                  no_args_is_help=True)


@app.command("migrate")
def migrate(
    source: Annotated[Path | None, typer.Option(
        "--from", help="local blob folder (default: DOSSIER_DATA_DIR/blobs)")] = None,
    target: Annotated[str | None, typer.Option(
        "--to", help="s3://bucket/prefix (default: DOSSIER_BLOB_URL)")] = None,
) -> None:
    """Copy every original of a local folder into the object store and verify each copy."""
    from models.blob_migrate import migrate as do_migrate
    from models.blob_store import open_blob_store
    from models.blobs import BlobUnavailable, LocalBlobStore
    from models.settings import get_settings

    settings = get_settings()
    if target:
        settings = settings.model_copy(update={"blob_url": target})
    if not (settings.blob_url or "").startswith("s3://"):
        typer.secho("没有目标对象存储：请设置 DOSSIER_BLOB_URL=s3://bucket/prefix 或 --to", err=True)
        raise typer.Exit(2)
    src = LocalBlobStore(source or settings.blob_dir)
    if not src.root.is_dir():
        typer.secho(f"源目录不存在：{src.root}", err=True)
        raise typer.Exit(2)
    dst = open_blob_store(settings)
    try:
        dst.check()
        report = do_migrate(src, dst, progress=_progress)
    except BlobUnavailable as exc:
        typer.secho(f"迁移中断（可重新运行，已复制的不会重复）：{exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(json.dumps({**asdict(report), "ok": report.ok}, ensure_ascii=False))
    raise typer.Exit(0 if report.ok else 1)


@app.command("verify")
def verify() -> None:
    """Read every original of the configured store back and check its SHA-256."""
    from models.blob_store import open_blob_store
    from models.blobs import BlobCorrupted, BlobMissing, BlobUnavailable
    from models.settings import get_settings

    store = open_blob_store(get_settings())
    checked, failed = 0, {}
    try:
        for digest in store.digests():
            try:
                store.get(digest)
                checked += 1
            except (BlobCorrupted, BlobMissing) as exc:
                failed[digest] = str(exc)
    except BlobUnavailable as exc:
        typer.secho(f"校验中断：{exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(json.dumps({"store": store.location, "verified": checked, "failed": failed},
                          ensure_ascii=False))
    raise typer.Exit(0 if not failed else 1)


def _progress(report: object) -> None:
    n = getattr(report, "verified", 0)
    if n and n % 1000 == 0:
        typer.secho(f"… {n} verified", err=True)
