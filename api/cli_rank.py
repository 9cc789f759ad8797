"""`dossier rank`: rank each query's candidate pool with the production hybrid ranker.

Input formats are LeCaRD's (../shared/data/lecard): queries.jsonl lines {ridx, q, crime?},
pools.json {ridx: [candidate ids]}, corpus.jsonl(.gz) lines {candidate_id, ajjbqk facts,
pjjg verdict, ajName}. Output: {ridx: [candidate_id, ... best first]}.

The ranking is `similarity.ranking.PoolRanker` with the shipped lexical + structured weights
(BM25 over bigrams, charges, circumstances, amounts); no embedding model is needed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer


def rank(
    queries: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="queries.jsonl")],
    pools: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="pools.json")],
    corpus: Annotated[Path, typer.Option(exists=True, dir_okay=False,
                                         help="corpus.jsonl(.gz)")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="run JSON to write")],
) -> None:
    """Rank each query's candidate pool; writes a JSON run: ridx -> candidate ids, best first."""
    from similarity.ranking import rank_pools, read_corpus, read_pools, read_queries
    from workers.similar import vocabulary

    t0 = time.perf_counter()
    qs = read_queries(queries)
    ps = read_pools(pools)
    wanted = {c for r in qs if r in ps for c in ps[r]}
    docs = read_corpus(corpus, wanted)
    missing = wanted - set(docs)
    if missing:
        typer.secho(f"warning: {len(missing)} pool candidates are not in the corpus; they are "
                    "left out of the run", fg=typer.colors.YELLOW, err=True)
    run = rank_pools(qs, ps, docs, vocabulary())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(run, ensure_ascii=False) + "\n", encoding="utf-8")
    typer.echo(f"ranked {len(run)} queries over {len(docs)} candidates in "
               f"{time.perf_counter() - t0:.1f}s -> {out}")
