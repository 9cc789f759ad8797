"""`dossier sentence`: the sentencing estimate for a file of cases (one JSON object a line).

Each input line {"id", "facts", "charges": [...]} gives one output line {"id", "months",
"range": [lo, hi], "life_or_death", "steps": [...]} (steps: 起点 → 基准刑 → each adjustment with
its percentage and basis → 宣告刑 → the estimate). Comparable cases come from the data pool, or
from `--reference`, a file in the CAIL2018 format of ../shared/data/cail2018.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer


def sentence(input: Annotated[Path, typer.Option("--input", help="Q.jsonl: {id, facts, charges}")],
             out: Annotated[Path, typer.Option("--out", help="P.jsonl to write ('-' for stdout)")],
             reference: Annotated[Path | None, typer.Option(
                 "--reference", help="CASES.jsonl(.gz) in the CAIL2018 format; default: the "
                                     "data pool's cases")] = None,
             k: Annotated[int, typer.Option(help="comparable cases per estimate")] = 10) -> None:
    """Estimate each case's term from the sentencing guideline and comparable cases."""
    from services.sentence_estimate import ReferencePool, pool_from_settings, sentence_lines

    if not input.is_file():
        typer.secho(f"error: {input} not found", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if reference is not None:
        if not reference.is_file():
            typer.secho(f"error: {reference} not found", fg=typer.colors.RED, err=True)
            raise typer.Exit(2)
        pool = ReferencePool.from_cail(reference)
    else:
        from models.db import migrate
        from models.settings import get_settings

        settings = get_settings()
        settings.ensure_dirs()
        migrate(settings.db_url)
        pool = pool_from_settings(settings)
    with input.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    sink = sys.stdout if str(out) == "-" else out.open("w", encoding="utf-8")
    n = 0
    try:
        for result in sentence_lines(rows, pool, k):
            sink.write(json.dumps(result, ensure_ascii=False) + "\n")
            n += 1
    finally:
        if sink is not sys.stdout:
            sink.close()
    typer.echo(f"{n} cases estimated against {len(pool)} reference cases", err=True)
