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
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.analysis import is_cjk, normalize
from search.base import IndexDoc, QuerySyntaxError, SearchBackend, SearchQuery, SearchResult
from search.embedded import EmbeddedSearch
from tests.conftest import CLUSTERS, cluster_url

GOLD = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "extraction_gold"
PAGE_CHARS = 700
# document_id -> (gold text, case_id, agency, shared_with); documents 2 and 4 are one case.
CORPUS = {
    1: ("judge-7a72757b-fa1a-492f-b9f7-0292c758b8ee", 1, "A", []),
    2: ("judge-ae1a4ecd-4481-4e17-88b5-15706738a903", 2, "A", []),
    3: ("lecard-12174", 3, "A", []),
    4: ("lecard-34146", 2, "A", []),
    5: ("judge-13ce3eaf-019f-4afd-973e-356a912bc419", 5, "A", []),
    6: ("lecard-27689", 6, "B", []),
    7: ("lecard-17119", 7, "B", ["A"]),
    8: ("lecard-22797", 8, "B", []),
    9: ("lecard-19303", 9, "B", []),
    10: ("lecard-25330", 10, "C", []),
}
ENGINES = ["embedded", *CLUSTERS]


def load(document_id: int) -> IndexDoc:
    name, case_id, agency, shared = CORPUS[document_id]
    text = (GOLD / "texts" / f"{name}.txt").read_text("utf-8")
    label = json.loads((GOLD / "labels" / f"{name}.json").read_text("utf-8"))
    defendants = label["defendants"]
    return IndexDoc(
        document_id=document_id,
        case_id=case_id,
        case_number=label["case_number"],
        filename=f"{name}.pdf",
        doc_type=label["doc_type"],
        court=label["court"],
        agency=agency,
        shared_with=shared,
        charges=sorted({c for d in defendants for c in d["charges"]}),
        date=label["judgment_date"],
        pages=[text[i : i + PAGE_CHARS] for i in range(0, len(text), PAGE_CHARS)],
        parties=[d["name"] for d in defendants],
    )


DOCS = {i: load(i) for i in CORPUS}


def containing(word: str) -> set[int]:
    """Documents with the word on one page: what a phrase of CJK bigrams must find."""
    w = normalize(word)
    return {i for i, d in DOCS.items() if any(w in normalize(p) for p in d.pages)}


def ids(result: SearchResult) -> list[int]:
    return [h.document_id for h in result.hits]


def find(engine: SearchBackend, q: str = "", **kw: object) -> set[int]:
    result = engine.search(SearchQuery(q=q, size=100, **kw))  # type: ignore[arg-type]
    assert result.total == len(result.hits)
    return set(ids(result))


def _unique_phrase(document_id: int, page: int, size: int) -> str:
    """A run of CJK characters from that page that occurs in no other document."""
    text = DOCS[document_id].pages[page - 1]
    for start in range(len(text) - size):
        phrase = text[start : start + size]
        if all(is_cjk(c) for c in phrase) and containing(phrase) == {document_id}:
            return phrase
    raise AssertionError("no unique phrase on that page")


def _expected_facets(matched: set[int]) -> dict[str, dict[object, int]]:
    counts: dict[str, dict[object, int]] = {"charge": {}, "court": {}, "doc_type": {}, "year": {}}
    for i in matched:
        d = DOCS[i]
        for name, values in (
            ("charge", d.charges),
            ("court", [d.court]),
            ("doc_type", [d.doc_type]),
            ("year", [d.year]),
        ):
            for v in values:
                if v is not None:
                    counts[name][v] = counts[name].get(v, 0) + 1
    return counts


# -- the backends ------------------------------------------------------------------------


class Backends:
    """Makes empty backends of one engine and disposes of them (cluster: drops the index)."""

    def __init__(self, kind: str, url: str | None, tmp: pytest.TempPathFactory) -> None:
        self.kind, self.url, self.tmp = kind, url, tmp
        self.made: list[SearchBackend] = []

    def make(self) -> SearchBackend:
        if self.url is not None:
            backend = cluster_backend(self.url)
        else:
            backend = EmbeddedSearch(self.tmp.mktemp("search") / "index.sqlite")
        self.made.append(backend)
        return backend

    def dispose(self, backend: SearchBackend) -> None:
        self.made.remove(backend)
        if self.url is not None:
            drop_cluster(backend)
        else:
            backend.close()


def drop_cluster(backend: SearchBackend) -> None:
    """Delete a cluster backend's versioned indices (its alias goes with them)."""
    from search.cluster import ClusterSearch

    assert isinstance(backend, ClusterSearch)
    client = backend._conn()
    for _, name in backend._versions(client):
        client.delete_index(name)
    backend.close()


def cluster_backend(url: str) -> SearchBackend:
    """A cluster backend on an alias of its own, refreshing after each write."""
    from search.cluster import ClusterSearch

    return ClusterSearch(url, alias=f"dossier-t-{uuid.uuid4().hex[:10]}", refresh=True)


@pytest.fixture(scope="module", params=ENGINES)
def backends(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backends]:
    """One engine per parameter; a cluster needs its URL (tests.conftest.CLUSTERS: a missing
    one skips, or fails under DOSSIER_REQUIRE_SERVICES=1)."""
    url = None if request.param == "embedded" else cluster_url(request.param)
    made = Backends(request.param, url, tmp_path_factory)
    yield made
    for backend in list(made.made):
        made.dispose(backend)


def _index_all(backend: SearchBackend, docs: list[IndexDoc]) -> None:
    index_many = getattr(backend, "index_many", None)
    if index_many is not None:
        assert index_many(docs) == len(docs)
    else:
        for doc in docs:
            backend.index(doc)


@pytest.fixture(scope="module")
def engine(backends: Backends) -> SearchBackend:
    """The ten judgments, shared by the module's read-only tests."""
    backend = backends.make()
    _index_all(backend, list(DOCS.values()))
    return backend


@pytest.fixture()
def fresh(backends: Backends) -> Iterator[SearchBackend]:
    """A small index a test may change."""
    backend = backends.make()
    for i in (1, 2, 3):
        backend.index(DOCS[i])
    yield backend
    backends.dispose(backend)


@pytest.fixture()
def empty(backends: Backends) -> Iterator[SearchBackend]:
    backend = backends.make()
    yield backend
    backends.dispose(backend)


# -- the tests ---------------------------------------------------------------------------


def test_counts_documents(engine: SearchBackend) -> None:
    assert engine.count() == len(DOCS)
    assert isinstance(engine, SearchBackend)


def test_charge_stem_finds_the_theft_judgments(engine: SearchBackend) -> None:
    theft = {i for i, d in DOCS.items() if "盗窃罪" in d.charges}
    assert theft == {1, 2, 3, 4}
    result = engine.search(SearchQuery(q="盗窃", size=100))
    assert set(ids(result)) == containing("盗窃") >= theft
    assert set(ids(result)[: len(theft)]) == theft  # convicted of it ranks above a mention


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
    phrase = _unique_phrase(3, 2, 12)
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
    first = _unique_phrase(1, 1, 6)
    last = _unique_phrase(1, len(doc.pages), 6)
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
    expected = _expected_facets(find(engine, q))
    for name, values in result.facets.items():
        assert {v["value"]: v["count"] for v in values} == expected[name], name
        counts = [v["count"] for v in values]
        assert counts == sorted(counts, reverse=True)
    if not q:
        assert result.facets["charge"][0] == {"value": "盗窃罪", "count": 4}
    # a small index: facets over every match, an exact total
    assert result.facets_sampled is False and result.total_relation == "eq"


def test_highlights_mark_the_term_on_the_right_page(engine: SearchBackend) -> None:
    phrase = _unique_phrase(1, 3, 5)
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
