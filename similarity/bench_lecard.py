"""LeCaRD similar-case retrieval with dense cosine only: the baseline the hybrid ranker must beat.

Each query's 100-candidate pool is ranked by the cosine between the query facts (`q`, query
prefix) and each candidate's facts (`ajjbqk`, passage prefix, cut at the model's token limit).
The run is scored with ../shared/tools/lecard_metrics.py under both protocols (annotated 30 and
full pool) next to the published BM25 / LMIR / TF-IDF runs on the same queries.

Splits: `dev` = all 72 queries (the project's dev split, see shared/data/README.md); `test` =
the 13 queries of LeCaRD's own test split (the ones the published BERT run covers).

Candidate and query vectors are cached under .cache/lecard/ (keyed by model source hash and
token limit) and saved every chunk, so an interrupted run resumes and a re-run takes seconds.

    python -m similarity.bench_lecard --split dev
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from similarity.embedder import E5_MAX_TOKENS, SentenceTransformerEmbedder
from similarity.model_build import MODEL_NAME, build_model, read_marker
from similarity.vector_index import VectorIndex

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_CACHE = REPO / ".cache"
ANNOTATED = ("ndcg@10", "ndcg@20", "ndcg@30", "p@5", "p@10", "map")
FULL_POOL = ("pool_ndcg@10", "pool_ndcg@20", "pool_ndcg@30")


def load_lecard(
    data: Path,
) -> tuple[dict[str, str], dict[str, list[str]], dict[str, dict[str, int]]]:
    """Queries (ridx -> facts), pools (ridx -> candidate ids) and graded qrels, as strings."""
    lecard = data / "lecard"
    queries: dict[str, str] = {}
    with open(lecard / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                queries[str(row["ridx"])] = row["q"]
    pools = {
        str(k): [str(c) for c in v]
        for k, v in json.loads((lecard / "pools.json").read_text(encoding="utf-8")).items()
    }
    qrels: dict[str, dict[str, int]] = {}
    with open(lecard / "qrels.tsv", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            ridx, cid, rel = line.rstrip("\n").split("\t")
            qrels.setdefault(ridx, {})[cid] = int(rel)
    return queries, pools, qrels


def select_queries(split: str, data: Path, qrels: dict[str, dict[str, int]]) -> list[str]:
    """Query ids of `split` (see the module docstring), in a stable order."""
    if split == "dev":
        return sorted(qrels, key=int)
    if split == "test":
        runs = json.loads((data / "lecard" / "baseline_runs.json").read_text(encoding="utf-8"))
        return sorted((str(r) for r in runs["bert"] if str(r) in qrels), key=int)
    raise ValueError(f"unknown split {split!r}")


def read_facts(data: Path, wanted: set[str]) -> dict[str, str]:
    """Candidate id -> `ajjbqk` facts for the wanted ids (streams the 62 MB corpus once)."""
    facts: dict[str, str] = {}
    with gzip.open(data / "lecard" / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            cid = str(row["candidate_id"])
            if cid in wanted:
                facts[cid] = row.get("ajjbqk") or row.get("ajName") or ""
    missing = wanted - set(facts)
    if missing:
        raise KeyError(f"{len(missing)} pool candidates missing from the corpus")
    return facts


def _metrics_module(data: Path) -> Any:
    path = data.parent / "tools" / "lecard_metrics.py"
    spec = importlib.util.spec_from_file_location("lecard_metrics", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def embed_cached(
    texts: dict[str, str],
    embed: Callable[[list[str]], Any],
    dim: int,
    path: Path,
    *,
    chunk: int = 128,
    label: str = "texts",
) -> tuple[VectorIndex, float | None]:
    """Vectors for every text id, reusing and growing the index saved at `path`.

    Returns the index and the encode rate (texts/s) when anything had to be encoded.
    """
    index = VectorIndex.load(path) if path.is_file() else VectorIndex(dim)
    todo = sorted((k for k in texts if int(k) not in index), key=int)
    if not todo:
        return index, None
    print(f"encoding {len(todo)} {label} ({len(index)} cached) ...", flush=True)
    t0 = time.perf_counter()
    for start in range(0, len(todo), chunk):
        ids = todo[start : start + chunk]
        index.upsert_many((int(k) for k in ids), embed([texts[k] for k in ids]))
        index.save(path)
        done = start + len(ids)
        rate = done / (time.perf_counter() - t0)
        eta = (len(todo) - done) / rate
        print(f"  {done}/{len(todo)} {label}, {rate:.2f}/s, eta {eta / 60:.1f} min", flush=True)
    return index, len(todo) / (time.perf_counter() - t0)


def rank_pools(
    qvecs: VectorIndex, cvecs: VectorIndex, pools: dict[str, list[str]], ridxs: Sequence[str]
) -> dict[str, list[str]]:
    """Run {ridx: candidate ids best first} by dense cosine inside each query's pool."""
    run: dict[str, list[str]] = {}
    for ridx in ridxs:
        qvec = qvecs.get(int(ridx))
        if qvec is None:
            raise KeyError(f"no vector for query {ridx}")
        pool = {int(c) for c in pools[ridx]}
        run[ridx] = [str(k) for k, _ in cvecs.search(qvec, len(pool), allowed=pool)]
    return run


def _table(rows: dict[str, dict[str, float]], cols: Sequence[str]) -> str:
    width = max(len(n) for n in rows) + 2
    lines = ["".ljust(width) + "".join(c.rjust(13) for c in cols)]
    for name, scores in rows.items():
        lines.append(name.ljust(width) + "".join(f"{scores[c]:13.4f}" for c in cols))
    return "\n".join(lines)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m similarity.bench_lecard", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--model", type=Path, default=None, help="model dir (built if absent)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, default=None, help="run JSON path")
    parser.add_argument("--max-seq-length", type=int, default=E5_MAX_TOKENS)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--limit", type=int, default=None, help="first N queries (smoke test)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Rank, write the run, print both protocols and the command that reproduces them."""
    args = _parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    t_start = time.perf_counter()
    model_cache = Path(os.environ.get("DOSSIER_MODEL_DIR", REPO / "data" / "models"))
    model_dir = build_model(args.model or model_cache / MODEL_NAME, log=print)
    marker = read_marker(model_dir) or {}
    model_key = (
        f"{str(marker.get('source_sha256', 'unknown'))[:12]}-v{marker.get('converter_version')}"
    )
    embedder = SentenceTransformerEmbedder(
        model_dir,
        max_seq_length=args.max_seq_length,
        threads=args.threads,
        batch_size=args.batch_size,
    )

    queries, pools, qrels = load_lecard(args.data)
    ridxs = select_queries(args.split, args.data, qrels)[: args.limit]
    wanted = {c for r in ridxs for c in pools[r]}
    facts = read_facts(args.data, wanted)
    print(f"{args.split}: {len(ridxs)} queries, {len(wanted)} candidates", flush=True)

    emb_dir = args.cache / "lecard"
    tag = f"{model_key}-{args.max_seq_length}"
    cvecs, c_rate = embed_cached(
        facts,
        embedder.embed_passages,
        embedder.dim,
        emb_dir / f"candidates-{tag}.npz",
        label="candidate facts",
    )
    qvecs, q_rate = embed_cached(
        {r: queries[r] for r in ridxs},
        embedder.embed_queries,
        embedder.dim,
        emb_dir / f"queries-{tag}.npz",
        label="queries",
    )
    run = rank_pools(qvecs, cvecs, pools, ridxs)
    out = args.out or emb_dir / f"run-dense-{args.split}-{args.max_seq_length}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(run, ensure_ascii=False) + "\n", encoding="utf-8")

    metrics = _metrics_module(args.data)
    sel_qrels = {r: qrels[r] for r in ridxs}
    rows = {f"dense {embedder.name}": metrics.evaluate(run, sel_qrels, pools)}
    baselines = json.loads((args.data / "lecard" / "baseline_runs.json").read_text("utf-8"))
    for name, brun in baselines.items():
        brun = {str(k): [str(c) for c in v] for k, v in brun.items()}
        if all(r in brun for r in ridxs):
            rows[f"published {name}"] = metrics.evaluate(brun, sel_qrels, pools)
    print(f"\nannotated protocol (30 labelled candidates per query, {len(ridxs)} queries):")
    print(_table(rows, ANNOTATED))
    print("\nfull-pool protocol (100 candidates, unlabelled = 0):")
    print(_table(rows, FULL_POOL))
    if c_rate:
        print(f"\ncandidate encoding: {c_rate:.2f} facts/s (max {args.max_seq_length} tokens)")
    if q_rate:
        print(f"query encoding: {q_rate:.2f} queries/s")
    print(f"run written to {out}")
    print(f"total {time.perf_counter() - t_start:.1f}s")
    cmd = ["python", "-m", "similarity.bench_lecard", *(argv if argv is not None else sys.argv[1:])]
    print("reproduce: " + shlex.join(cmd))
    return 0


if __name__ == "__main__":
    sys.exit(main())
