"""Dense cosines inside candidate pools, with the vectors cached on disk by content.

`dossier rank` and the LeCaRD bench embed thousands of long judgments; with e5-small at 512
tokens that is ~35 min on 2 cores, so vectors are kept in one VectorIndex file per embedder and
role, keyed by a 63-bit hash of the text. A re-run, a subset of the queries or another corpus
file holding the same facts reuses them; an edited text is encoded again. The file name carries
the embedder's identity (the model's content hash and the token limit), so vectors of another
model are never read.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from similarity.vector_index import VectorIndex

Role = Literal["query", "passage"]
CHUNK = 128  # texts per encode call; the cache file is saved after each


def text_key(text: str) -> int:
    """A stable 63-bit key for a text (VectorIndex keys are signed 64-bit)."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def model_key(model_dir: Path) -> str:
    """What identifies a model's vectors: the build marker's source hash for the rebuilt e5,
    else a hash of the directory's config files and weight sizes (a user-supplied model)."""
    from similarity.model_build import read_marker

    marker = read_marker(model_dir)
    if marker and marker.get("source_sha256"):
        return f"{str(marker['source_sha256'])[:12]}-v{marker.get('converter_version')}"
    h = hashlib.sha256(Path(model_dir).resolve().name.encode())
    for path in sorted(Path(model_dir).rglob("*")):
        if path.is_file():
            rel = str(path.relative_to(model_dir))
            h.update(rel.encode())
            h.update(path.read_bytes() if path.suffix == ".json" else str(path.stat().st_size)
                     .encode())
    return h.hexdigest()[:12]


def cache_file(cache_dir: Path, model_dir: Path, max_seq_length: int, role: Role) -> Path:
    return Path(cache_dir) / f"{role}-{model_key(model_dir)}-{max_seq_length}.npz"


def embed_cached(
    texts: Mapping[str, str],
    embed: Callable[[list[str]], Any],
    dim: int,
    path: Path,
    *,
    label: str = "texts",
    log: Callable[[str], None] = print,
) -> dict[str, np.ndarray]:
    """Unit vectors for every text id, encoding only texts the cache at `path` lacks.

    Progress (done/total, rate, ETA) is logged after each chunk, and the cache is saved after
    each chunk, so an interrupted run resumes where it stopped.
    """
    index = VectorIndex.load(path) if Path(path).is_file() else VectorIndex(dim)
    if index.dim != dim:
        raise ValueError(f"{path} holds {index.dim}-d vectors, the embedder makes {dim}-d ones")
    keys = {tid: text_key(t) for tid, t in texts.items()}
    todo: dict[int, str] = {}
    for tid, key in keys.items():
        if key not in index and key not in todo:
            todo[key] = texts[tid]
    if todo:
        log(f"encoding {len(todo)} {label} ({len(keys) - len(todo)} cached in {path}) ...")
        t0 = time.perf_counter()
        items = list(todo.items())
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        for start in range(0, len(items), CHUNK):
            batch = items[start : start + CHUNK]
            index.upsert_many((k for k, _ in batch), embed([t for _, t in batch]))
            index.save(path)
            done = start + len(batch)
            rate = done / (time.perf_counter() - t0)
            log(f"  {done}/{len(items)} {label}, {rate:.2f}/s, "
                f"eta {(len(items) - done) / rate / 60:.1f} min")
    out: dict[str, np.ndarray] = {}
    for tid, key in keys.items():
        vec = index.get(key)
        assert vec is not None  # every missing key was just encoded
        out[tid] = vec
    return out


def pool_cosines(
    queries: Mapping[str, str],
    candidates: Mapping[str, str],
    pools: Mapping[str, Sequence[str]],
    embedder: Any,
    cache_dir: Path,
    *,
    log: Callable[[str], None] = print,
) -> dict[str, dict[str, float]]:
    """{query id: {candidate id: cosine}} for each query's pool (candidates it lacks are left
    out). `embedder` is a SentenceTransformerEmbedder: its model dir and token limit name the
    cache files."""
    ridxs = [r for r in queries if r in pools]
    wanted = {c for r in ridxs for c in pools[r] if c in candidates}
    files = {role: cache_file(cache_dir, embedder.model_path, embedder.max_seq_length, role)
             for role in ("query", "passage")}
    cvecs = embed_cached({c: candidates[c] for c in sorted(wanted)}, embedder.embed_passages,
                         embedder.dim, files["passage"], label="candidate facts", log=log)
    qvecs = embed_cached({r: queries[r] for r in ridxs}, embedder.embed_queries, embedder.dim,
                         files["query"], label="queries", log=log)
    out: dict[str, dict[str, float]] = {}
    for r in ridxs:
        pool = [c for c in pools[r] if c in cvecs]
        if not pool:
            out[r] = {}
            continue
        scores = np.stack([cvecs[c] for c in pool]) @ qvecs[r]
        out[r] = {c: float(s) for c, s in zip(pool, scores, strict=True)}
    return out

