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


def _lecard_texts(shared_data: Path, n: int) -> list[str]:
    import gzip
    import itertools
    import json

    with gzip.open(shared_data / "lecard" / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in itertools.islice(fh, n)]
    return [r["ajjbqk"] for r in rows] + [r.get("qw") or "" for r in rows]


def test_fold_equals_nfkc_on_judgments_and_tricky_characters(shared_data: Path) -> None:
    import random
    import unicodedata

    from similarity.textfold import fold

    texts = _lecard_texts(shared_data, 300)
    assert len(texts) == 600
    assert all(fold(t) == unicodedata.normalize("NFKC", t) for t in texts)
    # characters that compose, reorder, expand or sit outside the BMP, mixed into real text
    tricky = "e\u0301\u0323ａ１，⑴…㈠ﬁ\u1100\u1161\u11a8가\u3099か\uff76\uff9e\U0001d400Å"
    rng = random.Random(0)
    base = texts[0][:300]
    for _ in range(300):
        chars = list(base)
        for _ in range(4):
            chars.insert(rng.randrange(len(chars)), rng.choice(tricky))
        s = "".join(chars)
        assert fold(s) == unicodedata.normalize("NFKC", s)


def test_pool_bm25_scores_and_explains_like_bm25(shared_data: Path) -> None:
    from similarity.lexical import PoolBM25

    texts = dict(enumerate(t[:4000] for t in _lecard_texts(shared_data, 60)))
    exact: BM25[int] = BM25()
    exact.add_many(texts)
    pool = PoolBM25(texts)
    with open(shared_data / "lecard" / "queries.jsonl", encoding="utf-8") as fh:
        queries = [json.loads(line)["q"] for line in fh][:3]
    for q in queries + ["酒后驾驶 150mg/100ml 人民币3000元"]:
        a, b = exact.score(q), pool.score(q)
        assert a.keys() == b.keys() and max(abs(a[k] - b[k]) for k in a) < 1e-9
        assert max(b.values()) > 0
        for key in list(texts)[:5]:
            assert pool.matched_terms(q, key) == exact.matched_terms(q, key)
    assert pool.score("", [0, 1]) == {0: 0.0, 1: 0.0}


def test_pool_bm25_counts_every_document_at_once_as_one_by_one(shared_data: Path) -> None:
    """The pool's codes are cut from all texts joined (issue 22): each document's counts of
    the query terms equal those of its own `_code_tokens`, at the joins too (a lone character
    or a bigram at a text's edge, Latin runs, empty texts, a NUL inside a text)."""
    import numpy as np

    from similarity.lexical import PoolBM25, _code_of, _code_tokens

    texts = [t[:4000] for t in _lecard_texts(shared_data, 20)] + [
        "", "盗", "甲", "ab12 x", "乙。丙", "酒后驾驶150mg/100ml丁", "戊\x00己庚", "ABC盗窃", "窃"]
    pool = PoolBM25(dict(enumerate(texts)))
    query = "盗窃 甲 乙丙 ab12 150mg 100ml 己庚 戊 窃 abc 酒后驾驶 " + texts[0][:300]
    terms = list(dict.fromkeys(tokens(query)))
    codes = np.array([-1 if (c := _code_of(t)) is None else c for t in terms], dtype=np.int64)
    together = pool._tf_all(terms, codes)
    for row, text in enumerate(texts):
        uniq, counts, latin, size = _code_tokens(text)
        alone = [latin.get(t, 0) if c < 0 else
                 int(counts[i]) if (i := int(np.searchsorted(uniq, c))) < uniq.size
                 and uniq[i] == c else 0 for t, c in zip(terms, codes.tolist(), strict=True)]
        assert together[row].tolist() == alone, text[:20]
        assert int(pool._sizes[row]) == size
        assert pool._tf(row, terms, codes).tolist() == alone  # the per-document path
    exact: BM25[int] = BM25()
    exact.add_many(dict(enumerate(texts)))
    a, b = exact.score(query), pool.score(query)
    assert a.keys() == b.keys() and max(abs(a[k] - b[k]) for k in a) < 1e-9
    assert pool.score(query, [3, 999]) == {3: b[3]}
