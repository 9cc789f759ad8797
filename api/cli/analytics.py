"""`dossier analytics refresh`: rebuild the statistics' rollups (analytics/rollup_build.py).

The workers' sweepers keep the rollups fresh incrementally; this command rebuilds them whole
(after an import that bypassed the workflow, or to build them the first time on a large pool
without waiting for a worker) and prints how long it took and what it holds.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(help="Statistics (统计): the rollups the dashboards read", no_args_is_help=True)


@app.command("refresh")
def refresh(incremental: Annotated[bool, typer.Option(
        "--incremental", help="only the cases changed since the last run (as the workers do)")]
            = False) -> None:
    """Rebuild the rollups (all of them, unless --incremental) and print the result as JSON."""
    from models.db import migrate
    from models.settings import get_settings
    from services.analytics import freshness
    from services.analytics import refresh as do_refresh

    settings = get_settings()
    settings.ensure_dirs()
    migrate(settings.db_url)
    result = do_refresh(settings, full=not incremental)
    if result is None:
        typer.secho("another refresh is running; try again when it is done", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps({**result, "state": freshness(settings)}, ensure_ascii=False))
