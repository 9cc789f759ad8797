"""`dossier sentence`: the sentencing estimate for a file of cases (one JSON object a line).

Each input line {"id", "facts", "charges": [...]} gives one output line {"id", "months",
"range": [lo, hi], "life_or_death", "steps": [...]} (steps: 起点 → 基准刑 → each adjustment with
its percentage and basis → 宣告刑 → the estimate). Comparable cases come from the data pool, or
from `--reference`, a file in the CAIL2018 format of ../shared/data/cail2018. The law applied is
today's unless `--as-of` names the day (a judgment of 2018 was given under 2018's amounts).
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
             k: Annotated[int, typer.Option(help="comparable cases per estimate")] = 10,
             as_of: Annotated[str | None, typer.Option(
                 "--as-of", help="YYYY-MM-DD: apply the law as it stood that day (dated amounts "
                                 "such as 虚开's, 法释〔2024〕4号); default: today")] = None) -> None:
    """Estimate each case's term from the sentencing guideline and comparable cases."""
    from datetime import date

    from services.sentence_estimate import (
        ReferencePool,
        pool_from_settings,
        read_queries,
        sentence_lines,
    )

    def refuse(message: str) -> typer.Exit:
        typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
        return typer.Exit(2)

    if not input.is_file():
        raise refuse(f"{input} not found（找不到输入文件）")
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise refuse(f"--as-of {as_of}：日期应写作 YYYY-MM-DD，如 2024-03-20") from None
    try:  # every line checked before anything is written: a bad line leaves no half output
        with input.open(encoding="utf-8") as fh:
            rows = read_queries(fh, str(input))
    except UnicodeDecodeError:
        raise refuse(f"{input} 不是UTF-8编码的文本") from None
    except ValueError as exc:
        raise refuse(str(exc)) from None
    if str(out) != "-" and not out.parent.is_dir():
        raise refuse(f"{out.parent} 不存在：无法写出 {out.name}")
    if reference is not None:
        if not reference.is_file():
            raise refuse(f"{reference} not found（找不到参照案例文件）")
        try:
            pool = ReferencePool.from_cail(reference)
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise refuse(f"{reference} 不是CAIL2018格式的案例文件（每行 {{fact, meta: {{accusation, "
                         f"term_of_imprisonment}}}}）：{type(exc).__name__} {exc}") from None
    else:
        from models.db import migrate
        from models.settings import get_settings

        settings = get_settings()
        settings.ensure_dirs()
        migrate(settings.db_url)
        pool = pool_from_settings(settings)
    sink = sys.stdout if str(out) == "-" else out.open("w", encoding="utf-8")
    n = 0
    try:
        for result in sentence_lines(rows, pool, k, as_of=day):
            sink.write(json.dumps(result, ensure_ascii=False) + "\n")
            n += 1
    finally:
        if sink is not sys.stdout:
            sink.close()
    typer.echo(f"{n} cases estimated against {len(pool)} reference cases", err=True)
