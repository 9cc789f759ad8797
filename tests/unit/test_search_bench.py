"""The search benchmark's parts on 20 synthetic judgments (embedded engine only)."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

from benchmarks import search as bench
from search.embedded import EmbeddedSearch

CHARGES = ["盗窃罪", "故意伤害罪", "诈骗罪", "危险驾驶罪"]


def _judgment(i: int, rng: random.Random) -> dict[str, str]:
    def words(n: int) -> str:
        return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(n))

    charge = CHARGES[i % len(CHARGES)]
    facts = f"经审理查明：{words(30)}，被告人张{i}盗窃财物{words(40)}。{words(25)}，自首。"
    text = (
        f"上海市第{i}人民法院 刑事判决书 （2018）沪0{i}刑初{i}号 公诉机关某人民检察院。"
        f" 被告人张{i}，男。 {facts} 本院认为，{words(20)}。 被告人张{i}犯{charge}，"
        f"判处有期徒刑一年。 审判长李某 二〇一八年九月二十一日 书记员王某"
    )
    return {"candidate_id": str(1000 + i), "qw": text, "ajjbqk": facts}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    rng = random.Random(7)
    path = tmp_path / "corpus.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for i in range(20):
            f.write(json.dumps(_judgment(i, rng), ensure_ascii=False) + "\n")
    return path


def test_parts_on_twenty_judgments(corpus: Path, tmp_path: Path) -> None:
    judgments = bench.load_corpus(corpus)
    assert len(judgments) == 20
    docs = bench.index_docs(judgments, page_chars=80)
    assert docs[0].charges == ["盗窃罪"] and docs[0].date == "2018-09-21"
    assert docs[0].court and docs[0].court.endswith("法院") and len(docs[0].pages) > 1
    queries = bench.query_set(docs, phrases=3)
    assert {q.kind for q in queries} == {"charge", "phrase", "boolean", "filter"}
    assert [q.label() for q in queries] == [q.label() for q in bench.query_set(docs, phrases=3)]

    with EmbeddedSearch(tmp_path / "index.sqlite") as engine:
        n, chars, secs = bench.index_embedded(engine, docs)
        assert (n, engine.count()) == (20, 20) and chars > 0 and secs > 0
        lat = bench.time_queries(engine, queries, repeat=1)
        assert len(lat.times_ms) == len(queries) and lat.p95 >= lat.p50 > 0
        assert max(lat.totals) > 0  # the charge queries find the synthetic judgments
        assert "charge" in lat.by_kind() and lat.slowest(1)

        items, skipped = bench.known_items(judgments, 10, seed=1, page_chars=80)
        assert len(items) == 10 and skipped == 0
        assert all(12 <= len(it.phrase) <= 16 for it in items)
        result = bench.known_item_search(engine, items)
        assert result.share == 1.0, result.misses

    synth = list(bench.synth_docs(docs, bench.paragraphs(judgments), 5, seed=3, page_chars=80))
    again = list(bench.synth_docs(docs, bench.paragraphs(judgments), 5, seed=3, page_chars=80))
    assert synth == again and [d.document_id for d in synth] == [1, 2, 3, 4, 5]
    assert all(d.charges and d.court for d in synth)


def test_main_prints_every_part_with_its_command(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(bench.BENCH_URL_ENV, raising=False)
    bench.main(
        ["--corpus", str(corpus), "--known-items", "5", "--scale", "40", "--repeat", "1"]
        + ["--page-chars", "80", "--queries", "2"]
    )
    out = capsys.readouterr().out
    assert "embedded" in out and "cluster (" not in out
    assert "1.000 first (5/5" in out
    assert "scale (embedded): 40 docs" in out
    assert out.count("reproduce: python -m benchmarks.search") == 3
    assert "--no-lecard --scale 40" in out


def test_bench_never_drops_the_service_indices() -> None:
    with pytest.raises(ValueError):
        bench.drop_cluster_indices("http://127.0.0.1:1", "dossier-pages")


def test_known_item_phrases_of_both_classes_are_unique_and_found(
    corpus: Path, tmp_path: Path
) -> None:
    from benchmarks import search_known_item as ki

    judgments = bench.load_corpus(corpus)
    source = ki.Source("lecard", judgments)
    items, skipped = ki.draw_items(source, ki.Corpus(judgments), 3, seed=1, page_chars=80)
    cells = {(it.cls, it.length) for it in items}
    assert cells == {(c, n) for c in ki.CLASSES for n in ki.LENGTHS}
    assert len(items) == 3 * len(cells)
    for it in items:
        assert ki.phrase_class(it.phrase) == it.cls and len(it.phrase) == it.length
        holders = [j.doc_id for j in judgments if ki.text_of(it.phrase) in ki.text_of(j.text)]
        assert holders == [it.document_id], it
    assert skipped.not_unique > 0  # 被告人张1 … are shared by every judgment
    with EmbeddedSearch(tmp_path / "index.sqlite") as engine:
        bench.index_embedded(engine, bench.index_docs(judgments, 80))
        outcomes, times = ki.look_up(engine, items)
    assert [o.item for o in outcomes if not o.first] == []
    assert len(times) == len(items) and "p95" in ki.latency(times)
    table = "\n".join(ki.table({"embedded": outcomes}, ["lecard"]))
    assert "lecard (dev), embedded" in table and "1.000" in table and "0.000" not in table
