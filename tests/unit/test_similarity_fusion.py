"""Hybrid ranking on real LeCaRD pools: fusion, weight fitting, `dossier rank`."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from similarity.features import CaseFeatures
from similarity.fusion import (
    SIGNALS,
    TEXT_GATE_SLOPE,
    WEIGHTS_HYBRID,
    WEIGHTS_LEXICAL,
    fit_weights,
    infer_charges,
    rank,
    related_charges,
    statute_order,
)
from similarity.ranking import PoolRanker, Query, rank_pools, read_corpus, read_queries

QUERIES = 4


@pytest.fixture(scope="module")
def lecard(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The first queries (by ridx) with their pools, as a small LeCaRD-format copy."""
    src = shared_data / "lecard"
    qrels: dict[str, dict[str, int]] = {}
    with open(src / "qrels.tsv", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            r, c, rel = line.rstrip("\n").split("\t")
            qrels.setdefault(r, {})[c] = int(rel)
    ridxs = sorted(qrels, key=int)[:QUERIES]
    pools = {r: v for r, v in json.loads((src / "pools.json").read_text("utf-8")).items()
             if r in ridxs}
    wanted = {str(c) for v in pools.values() for c in v}
    out = tmp_path_factory.mktemp("lecard")
    with open(src / "queries.jsonl", encoding="utf-8") as fh, \
            open(out / "queries.jsonl", "w", encoding="utf-8") as fo:
        fo.writelines(line for line in fh if str(json.loads(line)["ridx"]) in ridxs)
    (out / "pools.json").write_text(json.dumps(pools), encoding="utf-8")
    with gzip.open(src / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh, \
            gzip.open(out / "corpus.jsonl.gz", "wt", encoding="utf-8") as fo:
        fo.writelines(line for line in fh if str(json.loads(line)["candidate_id"]) in wanted)
    spec = importlib.util.spec_from_file_location(
        "lecard_metrics", shared_data.parent / "tools" / "lecard_metrics.py")
    assert spec and spec.loader
    metrics = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(metrics)
    vocab_lines = (shared_data / "charges" / "criminal_charges.txt").read_text("utf-8")
    return {"dir": out, "ridxs": ridxs, "qrels": {r: qrels[r] for r in ridxs},
            "pools": {r: [str(c) for c in v] for r, v in pools.items()}, "metrics": metrics,
            "vocab": tuple(x.strip() for x in vocab_lines.splitlines() if x.strip())}


def test_hybrid_beats_bm25_alone(lecard: dict[str, Any]) -> None:
    d = lecard["dir"]
    queries = read_queries(d / "queries.jsonl")
    corpus = read_corpus(d / "corpus.jsonl.gz")
    ranker = PoolRanker.build(corpus, lecard["vocab"])
    pools = lecard["pools"]
    hybrid = {r: ranker.rank(queries[r], pools[r]) for r in lecard["ridxs"]}
    lexical = {r: ranker.rank(queries[r], pools[r], weights={"lexical": 1.0})
               for r in lecard["ridxs"]}
    ev = lecard["metrics"].evaluate
    h, b = ev(hybrid, lecard["qrels"], pools), ev(lexical, lecard["qrels"], pools)
    assert sorted(hybrid[lecard["ridxs"][0]]) == sorted(pools[lecard["ridxs"][0]])
    assert h["ndcg@30"] >= b["ndcg@30"] and h["pool_ndcg@30"] >= b["pool_ndcg@30"]
    assert h["ndcg@30"] > 0.85
    # fitted weights put most weight on lexical or charge agreement
    rows = [ranker.signals(queries[r], pools[r]) for r in lecard["ridxs"]]
    labels = [[lecard["qrels"][r].get(c, 0) for c in pools[r]] for r in lecard["ridxs"]]
    w = fit_weights(rows, labels, use=[s for s in SIGNALS if s != "dense"])
    assert w["dense"] == 0.0
    assert max(w, key=lambda s: abs(w[s])) in {"charges", "exact_charges", "lexical",
                                                "charges_text"}
    assert rows[0].shape == (len(pools[lecard["ridxs"][0]]), len(SIGNALS))
    # the gated signal is charge agreement times sigmoid(slope x lexical z)
    r0 = rows[0]
    lex, ch = r0[:, SIGNALS.index("lexical")], r0[:, SIGNALS.index("charges")]
    gate = 1.0 / (1.0 + np.exp(-TEXT_GATE_SLOPE * lex))
    assert np.allclose(r0[:, SIGNALS.index("charges_text")], ch * gate)
    assert max(WEIGHTS_HYBRID, key=lambda s: abs(WEIGHTS_HYBRID[s])) == "charges_text"


def test_gated_charge_agreement_demotes_same_charge_cases_that_read_differently(
        lecard: dict[str, Any]) -> None:
    """Among candidates with the query's charges, the gated signal grows with lexical closeness,
    and the shipped weights rank the closest of them above the farthest."""
    d = lecard["dir"]
    queries = read_queries(d / "queries.jsonl")
    ranker = PoolRanker.build(read_corpus(d / "corpus.jsonl.gz"), lecard["vocab"])
    r = lecard["ridxs"][0]
    pool = lecard["pools"][r]
    rows = ranker.signals(queries[r], pool)
    ch, gated = rows[:, SIGNALS.index("charges")], rows[:, SIGNALS.index("charges_text")]
    lex = rows[:, SIGNALS.index("lexical")]
    same = np.flatnonzero(ch == ch.max())
    assert same.size >= 2
    by_lex = same[np.argsort(lex[same])]
    assert np.all(np.diff(gated[by_lex]) >= 0) and gated[by_lex[-1]] > gated[by_lex[0]]
    assert gated[by_lex[-1]] > 0.5 * ch[by_lex[-1]]
    ranked = ranker.rank(queries[r], pool)
    assert ranked.index(pool[by_lex[-1]]) < ranked.index(pool[by_lex[0]])


def test_dossier_rank_no_dense_writes_the_lexical_structured_run(lecard: dict[str, Any],
                                                    tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app
    from services.similar import vocabulary

    d = lecard["dir"]
    out = tmp_path / "run.json"
    result = CliRunner().invoke(app, ["rank", "--queries", str(d / "queries.jsonl"),
                                      "--pools", str(d / "pools.json"),
                                      "--corpus", str(d / "corpus.jsonl.gz"), "--out", str(out),
                                      "--no-dense"])
    assert result.exit_code == 0, result.output
    assert "lexical + structured" in result.output
    run = json.loads(out.read_text("utf-8"))
    assert set(run) == set(lecard["ridxs"])
    expected = rank_pools(read_queries(d / "queries.jsonl"), lecard["pools"],
                          read_corpus(d / "corpus.jsonl.gz"), vocabulary())
    assert run == expected
    assert lecard["metrics"].evaluate(run, lecard["qrels"], lecard["pools"])["ndcg@30"] > 0.85


def test_rank_explains_and_infers_missing_charges(shared_data: Path) -> None:
    vocab = tuple(x.strip() for x in (shared_data / "charges" / "criminal_charges.txt")
                  .read_text("utf-8").splitlines() if x.strip())
    order = statute_order(vocab)
    texts = {"a": "被告人酒后驾驶汽车，血液中乙醇含量为150毫克/100毫升",
             "b": "被告人酒后驾驶小型轿车，乙醇含量为160毫克/100毫升，如实供述",
             "c": "被告人盗窃电动车一辆，价值人民币3000元"}
    feats = {"a": CaseFeatures(charges=("危险驾驶罪",), blood_alcohol=150.0),
             "b": CaseFeatures(charges=("危险驾驶罪",), blood_alcohol=160.0),
             "c": CaseFeatures(charges=("盗窃罪",), amount_yuan=3000.0)}
    q = Query("酒后驾驶轿车，经检验乙醇含量为155毫克/100毫升")
    ranked = rank(q.text, CaseFeatures(blood_alcohol=155.0), list(texts), feats, texts=texts,
                  order=order, infer_from=2)
    assert [s.key for s in ranked][-1] == "c"
    top = ranked[0]
    assert top.agreement.shared_charges == ("危险驾驶罪",)  # inferred from the neighbours
    assert top.explanation(["乙醇"])["matched_terms"] == ["乙醇"]
    assert set(top.signals) == set(SIGNALS)
    assert infer_charges([("盗窃罪",), ("盗窃罪", "抢劫罪"), ("诈骗罪",)]) == ("盗窃罪",)
    assert infer_charges([]) == ()
    assert related_charges(["故意伤害罪"], ["过失致人死亡罪"], order) > 0.5
    assert related_charges(["故意伤害罪"], ["危险驾驶罪"], order) < 0.01
    assert set(WEIGHTS_LEXICAL) == set(SIGNALS)


def test_fit_weights_recovers_the_informative_signal() -> None:
    rng = np.random.default_rng(0)
    rows = [rng.normal(size=(50, len(SIGNALS))) for _ in range(4)]
    labels = [2.0 * r[:, SIGNALS.index("charges")] + 0.1 * rng.normal(size=50) for r in rows]
    w = fit_weights(rows, labels)
    assert w["charges"] == 1.0 and all(abs(v) < 0.2 for s, v in w.items() if s != "charges")
