"""LeCaRD similar-case retrieval: the hybrid ranker against the published baselines.

Each query's 100-candidate pool is ranked by `similarity.ranking.PoolRanker` (the code behind
`dossier rank`): BM25 over character bigrams of the facts, the e5 cosine (query facts `q` with
the query prefix, candidate facts `ajjbqk` with the passage prefix), and structured agreement
(charges: the query's `crime`, the candidate's verdict; circumstances; amounts; blood alcohol;
charge agreement gated by lexical closeness), fused linearly with ridge-fitted weights
(`similarity.fusion`).

Weights are fitted by k-fold cross-validation over the selected queries: fold i
(`ridxs[i::k]`, ridx sorted numerically) is ranked with weights fit on the other folds only,
so the "held out" row scores every query with weights that never saw it. The shipped weights
(the constants in `similarity.fusion`, fit on all 72 dev queries; `--fit` prints them) are
also scored, marked in-sample. Everything is scored with ../shared/tools/lecard_metrics.py
under both protocols next to the published BM25 / LMIR / TF-IDF (/ BERT) runs.

Splits: `dev` = all 72 queries (the project's dev split, see shared/data/README.md); `test` =
the 13 queries of LeCaRD's own test split (the ones the published BERT run covers).

Candidate and query vectors are cached under .cache/vectors/ by content (similarity.pool_vectors,
shared with `dossier rank`); encoding the corpus takes ~35 min on 2 cores, a cached re-run ~1 min.

    python -m benchmarks.lecard --split dev [--no-dense] [--fit]
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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.paths import REPO, SHARED_DATA, print_reproduce
from similarity.embedder import E5_MAX_TOKENS
from similarity.fusion import SIGNALS, fit_weights, weight_vector
from similarity.pool_vectors import pool_cosines
from similarity.ranking import PoolRanker, read_corpus, read_queries

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


def _by_score(run_scores: dict[str, dict[str, float]]) -> dict[str, list[str]]:
    return {r: sorted(sc, key=lambda c: -sc[c]) for r, sc in run_scores.items()}


def cross_validate(
    rows: dict[str, np.ndarray],
    labels: dict[str, list[int]],
    pools: dict[str, list[str]],
    ridxs: Sequence[str],
    *,
    folds: int,
    alpha: float,
    use: Sequence[str],
) -> tuple[dict[str, list[str]], list[dict[str, float]]]:
    """Held-out run: fold i = ridxs[i::folds] is ranked with weights fit on the other folds."""
    run: dict[str, list[str]] = {}
    fitted: list[dict[str, float]] = []
    for i in range(folds):
        test = list(ridxs[i::folds])
        train = [r for r in ridxs if r not in set(test)]
        w = fit_weights([rows[r] for r in train], [labels[r] for r in train], alpha=alpha,
                        use=use)
        fitted.append(w)
        vec = weight_vector(w)
        for r in test:
            scores = rows[r] @ vec
            idx = np.argsort(-scores, kind="stable")
            run[r] = [pools[r][j] for j in idx]
    return run, fitted


def _table(rows: dict[str, dict[str, float]], cols: Sequence[str]) -> str:
    width = max(len(n) for n in rows) + 2
    lines = ["".ljust(width) + "".join(c.rjust(13) for c in cols)]
    for name, scores in rows.items():
        lines.append(name.ljust(width) + "".join(f"{scores[c]:13.4f}" for c in cols))
    return "\n".join(lines)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.lecard", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--model", type=Path, default=None, help="model dir (built if absent)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, default=None, help="run JSON path (production run)")
    parser.add_argument("--no-dense", action="store_true", help="lexical + structured only")
    parser.add_argument("--folds", type=int, default=2, help="cross-validation folds")
    parser.add_argument("--alpha", type=float, default=3.0, help="ridge penalty")
    parser.add_argument("--fit", action="store_true", help="print weights fit on all queries")
    parser.add_argument("--run", type=Path, action="append", default=[],
                        help="also score this run JSON (e.g. the output of `dossier rank`)")
    parser.add_argument("--max-seq-length", type=int, default=E5_MAX_TOKENS)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--limit", type=int, default=None, help="first N queries (smoke test)")
    return parser.parse_args(argv)


def _dense(
    args: argparse.Namespace,
    queries: dict[str, str],
    facts: dict[str, str],
    pools: dict[str, list[str]],
    ridxs: Sequence[str],
) -> tuple[dict[str, dict[str, float]], str]:
    """Cached (or freshly encoded) e5 cosines per pool, and the embedder's name."""
    from similarity.embedder import SentenceTransformerEmbedder
    from similarity.model_build import MODEL_NAME, build_model

    model_cache = Path(os.environ.get("DOSSIER_MODEL_DIR", REPO / "data" / "models"))
    model_dir = build_model(args.model or model_cache / MODEL_NAME, log=print)
    embedder = SentenceTransformerEmbedder(
        model_dir, max_seq_length=args.max_seq_length, threads=args.threads,
        batch_size=args.batch_size,
    )
    selected = {r: queries[r] for r in ridxs}
    return pool_cosines(selected, facts, pools, embedder, args.cache / "vectors"), embedder.name


def main(argv: Sequence[str] | None = None) -> int:
    """Rank, write the run, print both protocols and the command that reproduces them."""
    args = _parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    t_start = time.perf_counter()
    lecard = args.data / "lecard"
    _, pools, qrels = load_lecard(args.data)
    queries = read_queries(lecard / "queries.jsonl")
    ridxs = select_queries(args.split, args.data, qrels)[: args.limit]
    wanted = {c for r in ridxs for c in pools[r]}
    corpus = read_corpus(lecard / "corpus.jsonl.gz", wanted)
    vocabulary = load_vocabulary(args.data)
    print(f"{args.split}: {len(ridxs)} queries, {len(corpus)} candidates", flush=True)

    dense: dict[str, dict[str, float]] | None = None
    if not args.no_dense:
        facts = read_facts(args.data, wanted)
        dense, dense_name = _dense(args, {r: q.text for r, q in queries.items()}, facts, pools,
                                   ridxs)
    ranker = PoolRanker.build(corpus, vocabulary)
    rows = {r: ranker.signals(queries[r], pools[r], (dense or {}).get(r)) for r in ridxs}
    labels = {r: [qrels[r].get(c, 0) for c in pools[r]] for r in ridxs}
    use = [s for s in SIGNALS if not (s == "dense" and dense is None)]
    held_out, fitted = cross_validate(rows, labels, pools, ridxs, folds=args.folds,
                                      alpha=args.alpha, use=use)
    production = {r: ranker.rank(queries[r], pools[r], dense=(dense or {}).get(r))
                  for r in ridxs}
    out = args.out or args.cache / "lecard" / f"run-hybrid-{args.split}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(production, ensure_ascii=False) + "\n", encoding="utf-8")

    metrics = _metrics_module(args.data)
    sel_qrels = {r: qrels[r] for r in ridxs}
    mode = "hybrid" if dense is not None else "lexical+structured"
    rows_out = {
        f"{mode}, held out ({args.folds}-fold)": metrics.evaluate(held_out, sel_qrels, pools),
        f"{mode}, shipped weights (in-sample)": metrics.evaluate(production, sel_qrels, pools),
    }
    for path in args.run:
        ext = json.loads(path.read_text(encoding="utf-8"))
        ext = {str(k): [str(c) for c in v] for k, v in ext.items()}
        rows_out[f"run {path.name} (in-sample)"] = metrics.evaluate(ext, sel_qrels, pools)
    lex_only = {r: ranker.rank(queries[r], pools[r], weights={"lexical": 1.0}) for r in ridxs}
    rows_out["our BM25 bigrams alone"] = metrics.evaluate(lex_only, sel_qrels, pools)
    if dense is not None:
        rows_out[f"dense {dense_name} alone"] = metrics.evaluate(_by_score(dense), sel_qrels,
                                                                  pools)
    baselines = json.loads((lecard / "baseline_runs.json").read_text("utf-8"))
    for name, brun in baselines.items():
        brun = {str(k): [str(c) for c in v] for k, v in brun.items()}
        if all(r in brun for r in ridxs):
            rows_out[f"published {name}"] = metrics.evaluate(brun, sel_qrels, pools)
    print(f"\nannotated protocol (30 labelled candidates per query, {len(ridxs)} queries):")
    print(_table(rows_out, ANNOTATED))
    print("\nfull-pool protocol (100 candidates, unlabelled = 0):")
    print(_table(rows_out, FULL_POOL))
    for i, w in enumerate(fitted):
        print(f"fold {i} weights: " + json.dumps({k: v for k, v in w.items() if v}))
    if args.fit:
        w = fit_weights([rows[r] for r in ridxs], [labels[r] for r in ridxs], alpha=args.alpha,
                        use=use)
        print("weights fit on all queries: " + json.dumps(w))
    print(f"production run written to {out}")
    print(f"total {time.perf_counter() - t_start:.1f}s")
    print_reproduce("benchmarks.lecard", argv)
    print("same ranking via the CLI: " + shlex.join([
        "dossier", "rank", "--queries", str(lecard / "queries.jsonl"),
        "--pools", str(lecard / "pools.json"), "--corpus", str(lecard / "corpus.jsonl.gz"),
        "--out", "RUN.json", "--vector-cache", str(args.cache / "vectors")])
          + "  (the shipped-weights row; add --no-dense for the lexical + structured one)")
    return 0


def load_vocabulary(data: Path) -> tuple[str, ...]:
    """The criminal charge list (statute order) from the shared data."""
    lines = (data / "charges" / "criminal_charges.txt").read_text(encoding="utf-8").splitlines()
    return tuple(dict.fromkeys(line.strip() for line in lines if line.strip()))


if __name__ == "__main__":
    sys.exit(main())
