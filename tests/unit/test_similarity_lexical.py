"""BM25 over CJK bigrams, on real LeCaRD facts."""

from __future__ import annotations

import json
from pathlib import Path

from similarity.lexical import BM25, bm25_scores, tokens


def test_tokens_are_bigrams_plus_latin_and_digit_runs() -> None:
    assert tokens("盗窃财物") == ["盗窃", "窃财", "财物"]
    # full-width digits fold to ASCII, a lone CJK character stays a unigram
    assert tokens("乙醇含量为２０１．１毫克") == ["乙醇", "醇含", "含量", "量为", "201.1", "毫克"]
    assert tokens("湘A12345号 车") == ["湘", "a12345", "号", "车"]
    assert tokens("") == []


def _queries(shared_data: Path) -> list[dict[str, object]]:
    with open(shared_data / "lecard" / "queries.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_bm25_finds_the_query_among_other_facts(shared_data: Path) -> None:
    rows = _queries(shared_data)[:20]
    docs = {str(r["ridx"]): str(r["q"]) for r in rows}
    index: BM25[str] = BM25()
    index.add_many(docs)
    assert len(index) == 20
    for r in rows[:5]:
        scores = index.score(str(r["q"])[:120])
        assert max(scores, key=scores.__getitem__) == str(r["ridx"])
    # drunk driving facts rank drunk driving facts above theft
    drunk = next(str(r["ridx"]) for r in rows if "危险驾驶罪" in r["crime"])  # type: ignore[operator]
    scores = index.score("酒后驾驶机动车，血液中乙醇含量为150毫克/100毫升")
    assert max(scores, key=scores.__getitem__) in {
        str(r["ridx"]) for r in rows if "危险驾驶罪" in r["crime"]}  # type: ignore[operator]
    assert "乙醇" in index.matched_terms("乙醇含量", drunk)


def test_remove_and_readd_keep_statistics_consistent() -> None:
    index: BM25[int] = BM25()
    index.add_many([(1, "被告人盗窃电动车一辆"), (2, "被告人酒后驾驶汽车"), (3, "盗窃手机")])
    before = index.score("盗窃电动车")
    assert before[1] > before[3] > before[2] == 0.0
    assert index.remove(3) and not index.remove(3)
    assert 3 not in index and len(index) == 2
    index.add(3, "盗窃手机")
    assert index.score("盗窃电动车") == before
    assert index.score("盗窃", keys=[2, 99]) == {2: 0.0}
    assert bm25_scores("手机", {"a": "盗窃手机", "b": "驾驶"})["a"] > 0
