"""Both search engines held to one behaviour, on real judgments from the extraction gold set.

Every test here runs against each backend through the ``engine``/``fresh``/``empty``
fixtures: the embedded SQLite FTS5 engine always, the cluster backend against a real
OpenSearch 2 node (``DOSSIER_TEST_SEARCH_URL``: ``make opensearch`` or
``tools/opensearch-node/start.sh PORT DIR``) and a real Elasticsearch 9 node
(``DOSSIER_TEST_ES_URL``: ``make elasticsearch`` or ``tools/elasticsearch-node/start.sh PORT
DIR``); without its URL a cluster's cases are skipped, or failed under
``DOSSIER_REQUIRE_SERVICES=1``. Each cluster fixture gets its
own alias (``dossier-t-<random>``), removed afterwards.

Expected results are derived from the texts and their hand-checked labels, not hard-coded,
so a tokenisation change that loses or invents matches shows up here. What only one engine
has lives in test_search_embedded.py (the SQLite file) and test_search_cluster.py (alias
versions, outages).
"""

from __future__ import annotations

import json
import re

import pytest

from search.base import IndexDoc, QuerySyntaxError, SearchBackend, SearchQuery
from tests.support.search_corpus import (
    DOCS,
    containing,
    expected_facets,
    find,
    ids,
    load,
    unique_phrase,
)

# -- the tests ---------------------------------------------------------------------------


def test_counts_documents(engine: SearchBackend) -> None:
    assert engine.count() == len(DOCS)
    assert isinstance(engine, SearchBackend)


def test_charge_stem_finds_the_theft_judgments(engine: SearchBackend) -> None:
    theft = {i for i, d in DOCS.items() if "盗窃罪" in d.charges}
    assert theft == {1, 2, 3, 4}
    result = engine.search(SearchQuery(q="盗窃", size=100))
    assert set(ids(result)) == containing("盗窃") >= theft
    # convicted of it ranks above a mention, in what agency A sees (1-5, and 7 shared with
    # it): each agency's documents are ranked with its own statistics (test_search_agencies)
    scoped = engine.search(SearchQuery(q="盗窃", size=100, agencies=["A"]))
    assert set(ids(scoped)) == containing("盗窃") & {1, 2, 3, 4, 5, 7}
    if getattr(engine, "scoring", None) == "boolean":
        pytest.xfail("a cluster without Painless scores a word by its IDF alone (no term"
                     " frequency): a judgment convicting of theft and one mentioning it tie")
    assert set(ids(scoped)[: len(theft)]) == theft


def test_defendant_name_finds_its_judgment(engine: SearchBackend) -> None:
    assert find(engine, "周春寒") == {1}
    assert find(engine, "段国雄") == {4}
    assert find(engine, "周春寒 OR 段国雄") == {1, 4}


def test_unquoted_chinese_word_matches_as_a_phrase(engine: SearchBackend) -> None:
    for word in ("盗窃财物", "有期徒刑", "交通肇事", "砸车窗", "附带民事诉讼"):
        assert find(engine, word) == containing(word), word


def test_exact_phrase_finds_its_document_first_and_a_scrambled_one_does_not(
    engine: SearchBackend,
) -> None:
    phrase = unique_phrase(3, 2, 12)
    result = engine.search(SearchQuery(q=f'"{phrase}"'))
    assert ids(result)[0] == 3
    head, tail = phrase[:6], phrase[6:]
    assert containing(tail + head) == set()
    assert engine.search(SearchQuery(q=f'"{tail}{head}"')).total == 0
    assert engine.search(SearchQuery(q=tail + head)).total == 0  # unquoted: still a phrase
    assert 3 in find(engine, f"{tail} {head}")  # as two words it matches


def test_boolean_logic_is_per_document(engine: SearchBackend) -> None:
    """Words on different pages of one document still AND together."""
    doc = DOCS[1]
    first = unique_phrase(1, 1, 6)
    last = unique_phrase(1, len(doc.pages), 6)
    assert first not in doc.pages[-1] and last not in doc.pages[0]
    assert find(engine, f"{first} {last}") == {1}
    assert find(engine, f"{first} -{last}") == set()


def test_not_excludes(engine: SearchBackend) -> None:
    assert find(engine, "盗窃 -周春寒") == containing("盗窃") - {1}
    assert find(engine, "盗窃 NOT 周春寒") == containing("盗窃") - {1}
    assert find(engine, "盗窃 NOT charge:盗窃罪") == containing("盗窃") - {1, 2, 3, 4}
    assert find(engine, "-盗窃") == set(DOCS) - containing("盗窃")


def test_field_filters(engine: SearchBackend) -> None:
    assert find(engine, "charge:盗窃罪") == {1, 2, 3, 4}
    assert find(engine, "charge:盗窃") == {1, 2, 3, 4}
    assert find(engine, charge="盗窃罪") == {1, 2, 3, 4}
    assert find(engine, "charge:诈骗罪") == {5, 6}
    assert find(engine, 'court:"江苏省宜兴市人民法院"') == {3, 10}
    assert find(engine, court="江苏省宜兴市人民法院") == {3, 10}
    assert find(engine, "doc_type:刑事附带民事判决书") == {8}
    assert find(engine, doc_type="刑事附带民事判决书") == {8}
    by_year = {i for i, d in DOCS.items() if (d.date or "").startswith("2018")}
    assert by_year == {1, 5, 10}
    assert find(engine, "year:2018") == by_year
    assert find(engine, year=2018) == by_year
    assert find(engine, "case:2") == find(engine, case_id=2) == {2, 4}
    assert find(engine, "盗窃 year:2018 court:嵊州") == {1}
    assert find(engine, "charge:抢劫罪 OR charge:危险驾驶罪") == {7, 8, 9}


@pytest.mark.parametrize("q", ["", "盗窃", "有期徒刑 -charge:盗窃罪"])
def test_facets_count_all_matching_documents(engine: SearchBackend, q: str) -> None:
    result = engine.search(SearchQuery(q=q, size=1))
    expected = expected_facets(find(engine, q))
    assert {name for name, counts in expected.items() if counts} <= set(result.facets)
    for name, values in result.facets.items():
        assert {v["value"]: v["count"] for v in values} == expected[name], name
        counts = [v["count"] for v in values]
        assert counts == sorted(counts, reverse=True)
    if not q:
        assert result.facets["charge"][0] == {"value": "盗窃罪", "count": 4}
    # a small index: facets over every match, an exact total
    assert result.facets_sampled is False and result.total_relation == "eq"


def test_highlights_mark_the_term_on_the_right_page(engine: SearchBackend) -> None:
    phrase = unique_phrase(1, 3, 5)
    (hit,) = engine.search(SearchQuery(q=phrase)).hits
    assert hit.document_id == 1 and hit.page == 3
    assert f"<em>{phrase}</em>" in hit.highlights[0]
    hits = engine.search(SearchQuery(q="周春寒 盗窃")).hits
    assert hits[0].document_id == 1
    page_text = DOCS[1].pages[hits[0].page - 1]  # type: ignore[operator]
    assert "周春寒" in page_text or "盗窃" in page_text
    assert 1 <= len(hits[0].highlights) <= 3
    for snippet in hits[0].highlights:
        assert "<em>" in snippet
        assert len(re.sub("</?em>", "", snippet)) <= 100


def test_highlights_escape_html_and_keep_original_forms(empty: SearchBackend) -> None:
    page = "证据<script>alert(1)</script>：（２０１８）浙0683刑初333号，被告人张三犯盗窃罪。"
    empty.index(IndexDoc(1, 1, None, "x.pdf", None, None, None, [], [], None, [page], []))
    (hit,) = empty.search(SearchQuery(q='"(2018)浙0683刑初333号"')).hits
    assert "<script>" not in hit.highlights[0]
    assert "&lt;script&gt;" in hit.highlights[0]
    assert "：<em>（２０１８）浙0683刑初333号</em>，" in hit.highlights[0]  # its brackets too
    (hit,) = empty.search(SearchQuery(q="张三")).hits
    assert "被告人<em>张三</em>犯" in hit.highlights[0]
    assert "<em>盗</em>窃" in empty.search(SearchQuery(q="盗")).hits[0].highlights[0]


def test_compatibility_forms_are_folded(empty: SearchBackend) -> None:
    page = "依照刑法第二百六十四条第⑴项，判处罚金ＲＭＢ２０００元。"
    empty.index(IndexDoc(1, 1, None, "x.pdf", None, None, None, [], [], None, [page], []))
    for q in ('"(1)项"', "⑴项", "ＲＭＢ２０００元", "rmb2000元"):
        (hit,) = empty.search(SearchQuery(q=q)).hits
        assert hit.page == 1 and "<em>" in hit.highlights[0], q


def test_party_names_are_found_even_when_only_extracted(empty: SearchBackend) -> None:
    pages = ["被告人张三犯盗窃罪。"]
    empty.index(IndexDoc(1, 1, None, "x.pdf", None, None, None, [], [], None, pages, ["王小明"]))
    assert empty.search(SearchQuery(q="张三")).total == 1  # 被告人张三
    assert empty.search(SearchQuery(q="王小明")).total == 1  # named by extraction only
    assert empty.search(SearchQuery(q="王小")).total == 0


def test_agency_scoping_hides_other_agencies_and_shared_with_reveals(
    engine: SearchBackend,
) -> None:
    assert find(engine, agencies=["A"]) == {1, 2, 3, 4, 5, 7}  # 7 is B's, shared with A
    assert find(engine, agencies=["B"]) == {6, 7, 8, 9}
    assert find(engine, agencies=["C"]) == {10}
    assert find(engine, agencies=["A", "C"]) == {1, 2, 3, 4, 5, 7, 10}
    assert find(engine, agencies=[]) == set()
    assert find(engine, "抢劫", agencies=["C"]) == set()
    assert find(engine, agencies=None) == set(DOCS)
    scoped = engine.search(SearchQuery(agencies=["C"]))
    assert scoped.facets["court"] == [{"value": "江苏省宜兴市人民法院", "count": 1}]


def test_reindexing_replaces_instead_of_duplicating(fresh: SearchBackend) -> None:
    doc = load(1)
    doc.filename = "renamed.pdf"
    doc.charges = ["容留他人吸毒罪"]
    fresh.index(doc)
    fresh.index(doc)
    assert fresh.count() == 3
    (hit,) = fresh.search(SearchQuery(q="周春寒")).hits
    assert hit.filename == "renamed.pdf"
    assert fresh.search(SearchQuery(q="charge:盗窃罪")).total == 2
    facets = fresh.search(SearchQuery()).facets["charge"]
    assert {"value": "容留他人吸毒罪", "count": 1} in facets
    doc.pages = ["只剩一页：被告人周春寒。"]
    fresh.index(doc)
    assert fresh.search(SearchQuery(q="砸车窗")).total == 0  # old pages are gone
    assert fresh.search(SearchQuery(q="只剩一页")).total == 1


def test_delete_removes(fresh: SearchBackend) -> None:
    fresh.delete(1)
    fresh.delete(1)  # deleting twice is harmless
    assert fresh.count() == 2
    assert fresh.search(SearchQuery(q="周春寒")).total == 0
    assert fresh.search(SearchQuery(q="盗窃")).total == 2
    assert fresh.search(SearchQuery()).facets["charge"] == [{"value": "盗窃罪", "count": 2}]
    fresh.clear()
    assert fresh.count() == 0
    assert fresh.search(SearchQuery(q="盗窃")).total == 0


def test_group_by_case_returns_each_case_once_with_its_best_document(
    engine: SearchBackend,
) -> None:
    plain = engine.search(SearchQuery(q="盗窃", size=100))
    grouped = engine.search(SearchQuery(q="盗窃", size=100, group_by_case=True))
    cases = [h.case_id for h in grouped.hits]
    assert len(cases) == len(set(cases)) == grouped.total
    assert set(cases) == {h.case_id for h in plain.hits}
    best_of_case_2 = next(h for h in plain.hits if h.case_id == 2)
    assert best_of_case_2.document_id in ids(grouped)
    assert {2, 4} - set(ids(grouped))  # only one of the case's two documents
    assert grouped.facets == plain.facets  # facets still count documents, not cases


def test_pagination_and_total(engine: SearchBackend) -> None:
    seen: list[int] = []
    for page in range(1, 5):
        result = engine.search(SearchQuery(page=page, size=3))
        assert result.total == len(DOCS) and result.total_relation == "eq"
        seen += ids(result)
    assert sorted(seen) == sorted(DOCS)
    assert engine.search(SearchQuery(page=5, size=3)).hits == []
    cases = {d.case_id for d in DOCS.values()}
    grouped = [engine.search(SearchQuery(page=p, size=4, group_by_case=True)) for p in (1, 2, 3)]
    assert all(g.total == len(cases) for g in grouped)
    assert sorted(h.case_id for g in grouped for h in g.hits) == sorted(cases)
    with pytest.raises(ValueError):
        engine.search(SearchQuery(page=0))
    with pytest.raises(ValueError):
        engine.search(SearchQuery(size=1000))


def test_sort_by_date_is_newest_first(engine: SearchBackend) -> None:
    hits = engine.search(SearchQuery(q="有期徒刑", sort="date", size=100)).hits
    dates = [h.date for h in hits if h.date]
    assert dates == sorted(dates, reverse=True)
    assert hits[0].date == "2019-01-22"


def test_bad_syntax_raises(engine: SearchBackend) -> None:
    for q in ('"盗窃', "(盗窃", "盗窃)", "盗窃 AND", "OR 盗窃", "NOT", "year:abc"):
        with pytest.raises(QuerySyntaxError):
            engine.search(SearchQuery(q=q))


def test_results_are_json(engine: SearchBackend) -> None:
    data = engine.search(SearchQuery(q="周春寒")).to_dict()
    json.dumps(data, ensure_ascii=False)
    assert {"total", "hits", "facets", "total_relation", "facets_sampled"} <= data.keys()
    hit = data["hits"][0]
    assert {"document_id", "case_id", "filename", "score", "page", "highlights"} <= hit.keys()
    assert hit["court"] == "浙江省嵊州市人民法院" and hit["charges"] == ["盗窃罪"]
    assert hit["score"] > 0
