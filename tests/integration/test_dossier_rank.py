"""`dossier rank` with the embedding model: the hybrid run, its vectors cached by content.

Slow: loads the rebuilt e5-small (built into $DOSSIER_MODEL_DIR when missing). One real
LeCaRD query with the first 12 candidates of its pool, embedded at 64 tokens to stay quick.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from similarity.pool_vectors import text_key
from similarity.ranking import rank_pools, read_corpus, read_queries
from similarity.vector_index import VectorIndex

pytestmark = pytest.mark.slow
POOL = 12
TOKENS = 64


def _subset(src: Path, out: Path) -> tuple[str, list[str]]:
    """queries.jsonl / pools.json / corpus.jsonl.gz for the first query and POOL candidates."""
    pools = json.loads((src / "pools.json").read_text("utf-8"))
    ridx = min(pools, key=int)
    pool = [str(c) for c in pools[ridx][:POOL]]
    with open(src / "queries.jsonl", encoding="utf-8") as fh:
        line = next(x for x in fh if str(json.loads(x)["ridx"]) == ridx)
    (out / "queries.jsonl").write_text(line, encoding="utf-8")
    (out / "pools.json").write_text(json.dumps({ridx: pool}), encoding="utf-8")
    with gzip.open(src / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh, \
            gzip.open(out / "corpus.jsonl.gz", "wt", encoding="utf-8") as fo:
        fo.writelines(x for x in fh if str(json.loads(x)["candidate_id"]) in set(pool))
    return ridx, pool


def test_rank_uses_dense_cosines_and_reuses_cached_vectors(
        shared_data: Path, tmp_path: Path, env: Callable[..., dict[str, str]]) -> None:
    from api.cli import app
    from api.cli.rank import _embedder
    from services.similar import vocabulary

    ridx, pool = _subset(shared_data / "lecard", tmp_path)
    cache, out = tmp_path / "vectors", tmp_path / "run.json"
    args = ["rank", "--queries", str(tmp_path / "queries.jsonl"),
            "--pools", str(tmp_path / "pools.json"), "--corpus", str(tmp_path / "corpus.jsonl.gz"),
            "--out", str(out), "--vector-cache", str(cache), "--max-seq-length", str(TOKENS)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert f"encoding {POOL} candidate facts" in first.output
    assert "hybrid (dense + lexical + structured)" in first.output

    # The run equals the ranker fed with cosines computed here, straight from the model.
    queries = read_queries(tmp_path / "queries.jsonl")
    corpus = read_corpus(tmp_path / "corpus.jsonl.gz")
    embedder = _embedder(TOKENS)
    cvecs = embedder.embed_passages([corpus[c].facts for c in pool])
    qvec = embedder.embed_queries([queries[ridx].text])[0]
    cosines = {ridx: {c: float(s) for c, s in zip(pool, cvecs @ qvec, strict=True)}}
    expected = rank_pools(queries, {ridx: pool}, corpus, vocabulary(), dense=cosines)
    run = json.loads(out.read_text("utf-8"))
    assert run == expected
    lexical = rank_pools(queries, {ridx: pool}, corpus, vocabulary())
    assert sorted(run[ridx]) == sorted(lexical[ridx]) == sorted(pool)

    # Cached by content: every candidate's facts are in the passage file under their hash.
    (passages,) = cache.glob(f"passage-*-{TOKENS}.npz")
    index = VectorIndex.load(passages)
    assert len(index) == len({corpus[c].facts for c in pool})
    got = index.get(text_key(corpus[pool[0]].facts))
    assert got is not None and np.allclose(got, cvecs[0], atol=1e-5)

    second = CliRunner().invoke(app, args)  # nothing to encode, same run
    assert second.exit_code == 0, second.output
    assert "encoding" not in second.output
    assert json.loads(out.read_text("utf-8")) == expected


def test_rank_refuses_a_missing_custom_model(
        shared_data: Path, tmp_path: Path, env: Callable[..., dict[str, str]]) -> None:
    from api.cli import app

    _subset(shared_data / "lecard", tmp_path)
    env(embedding_model=str(tmp_path / "no-such-model"))
    result = CliRunner().invoke(app, [
        "rank", "--queries", str(tmp_path / "queries.jsonl"),
        "--pools", str(tmp_path / "pools.json"), "--corpus", str(tmp_path / "corpus.jsonl.gz"),
        "--out", str(tmp_path / "run.json"), "--vector-cache", str(tmp_path / "v")])
    assert result.exit_code != 0
    assert "no-such-model is not a directory" in result.output
    assert not (tmp_path / "run.json").exists()
