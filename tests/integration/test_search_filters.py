"""The filters a case-search site has beside charge and court, on every engine: the judgment
date's range, the court's level (基层/中级/高级/最高), the trial stage (一审/二审 …) and the cited
articles of the Criminal Law (法条, 第二百六十四条 and 第264条 being one), as request filters,
as query syntax and as facets; and the same through the API and the search page.

The corpus is the ten judgments of tests.support.search_corpus plus two second-instance
judgments of intermediate courts from the gold set; expected results come from the texts'
labels and extraction.citations, which the index stage uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from extraction import citations
from search.base import IndexDoc, IndexOutdated, QuerySyntaxError, SearchBackend, SearchQuery
from search.query import article_value, date_value
from tests.support.api import Api
from tests.support.env import GOLD
from tests.support.search_corpus import DOCS, Backends, find, index_all, load_gold

pytestmark = pytest.mark.needs_shared("extraction_gold", "texts")

def _gold_named(number: str) -> str:
    import json

    for label in sorted((GOLD / "labels").glob("*.json")):
        if json.loads(label.read_text("utf-8"))["case_number"] == number:
            return label.stem
    raise AssertionError(f"no gold judgment {number}")


ALL: dict[int, IndexDoc] = dict(DOCS)  # and two 二审 judgments of 中级 courts
ALL[11] = load_gold(11, _gold_named("（2011）苏中刑二终字第0032号"), 11, "A", [])
ALL[12] = load_gold(12, _gold_named("（2017）粤03刑终15号"), 12, "B", [])


def where(test: Callable[[IndexDoc], bool]) -> set[int]:
    return {i for i, d in ALL.items() if test(d)}


@pytest.fixture(scope="module")
def engine(backends: Backends) -> Iterator[SearchBackend]:
    backend = backends.make()
    index_all(backend, list(ALL.values()))
    yield backend


def test_the_corpus_has_what_the_filters_tell_apart() -> None:
    assert where(lambda d: d.trial_stage == "二审") == {11, 12}
    assert where(lambda d: d.court_level == "中级") == {4, 11, 12}
    assert ALL[9].articles == ["第67条", "第133条之一"]  # 危险驾驶: an article of an amendment
    assert "第133条" in ALL[10].articles  # 交通肇事: the article itself


def test_date_range(engine: SearchBackend) -> None:
    in_2018 = where(lambda d: (d.date or "").startswith("2018"))
    assert len(in_2018) >= 3
    assert find(engine, date_from="2018-01-01", date_to="2018-12-31") == in_2018
    assert find(engine, date_from="2018", date_to="2018") == in_2018  # a year: its first/last day
    assert find(engine, "from:2018 to:2018") == in_2018
    assert find(engine, date_from="2018-06") == where(lambda d: (d.date or "") >= "2018-06-01")
    assert find(engine, date_to="2015") == where(lambda d: (d.date or "9") <= "2015-12-31")
    # both ends inclusive: a judgment of 2018-05-29 is in [2018-05-29, 2018-05-29]
    assert find(engine, date_from="2018-05-29", date_to="2018-05-29") == {1}
    assert find(engine, "from:2018年5月29日 to:2018/5/29") == {1}
    assert find(engine, "盗窃 from:2018-01-01") == {
        i for i in in_2018 | where(lambda d: (d.date or "") >= "2019")
        if i in find(engine, "盗窃")}
    assert find(engine, "-from:2016") == where(lambda d: (d.date or "") < "2016-01-01")


def test_court_level(engine: SearchBackend) -> None:
    middle = where(lambda d: d.court_level == "中级")
    assert find(engine, court_level="中级") == middle
    assert find(engine, court_level="中院") == middle  # what users call it
    assert find(engine, "level:中级人民法院") == middle
    assert find(engine, "level:基层") == set(ALL) - middle
    assert find(engine, court_level="高级") == set()


def test_trial_stage(engine: SearchBackend) -> None:
    assert find(engine, trial_stage="二审") == {11, 12}
    assert find(engine, "stage:第二审") == {11, 12}
    assert find(engine, "stage:一审") == set(ALL) - {11, 12}
    assert find(engine, "stage:二审 level:中级 charge:非法经营罪") == {12}


def test_articles_in_any_numerals(engine: SearchBackend) -> None:
    theft = where(lambda d: "第264条" in d.articles)
    assert theft >= {1, 2, 3, 4}
    for form in ("第264条", "264", "第二百六十四条", "二百六十四", "刑法第264条", "《刑法》第264条"):
        assert find(engine, article=form) == theft, form
    assert find(engine, "article:第二百六十四条") == theft
    assert find(engine, article="133之一") == find(engine, article="第一百三十三条之一") == {9}
    assert find(engine, article="133") == {10}  # not the article added to it
    assert find(engine, "article:67 -article:264") == where(
        lambda d: "第67条" in d.articles and "第264条" not in d.articles)


def test_facets_and_hits_carry_them(engine: SearchBackend) -> None:
    result = engine.search(SearchQuery(size=100))
    facets = {name: {v["value"]: v["count"] for v in values}
              for name, values in result.facets.items()}
    assert facets["trial_stage"] == {"一审": 10, "二审": 2}
    assert facets["court_level"] == {"基层": 9, "中级": 3}
    articles = {}
    for d in ALL.values():
        for a in d.articles:
            articles[a] = articles.get(a, 0) + 1
    assert facets["article"] == articles
    counts = [v["count"] for v in result.facets["article"]]
    assert counts == sorted(counts, reverse=True) and counts[0] == max(articles.values())
    hit = next(h for h in result.hits if h.document_id == 12)
    assert (hit.court_level, hit.trial_stage) == ("中级", "二审")
    narrowed = engine.search(SearchQuery(trial_stage="二审")).facets
    assert narrowed["trial_stage"] == [{"value": "二审", "count": 2}]


def test_malformed_values_are_refused_in_chinese(engine: SearchBackend) -> None:
    for q in ("from:2018-13-01", "to:昨天", "level:区级", "stage:三审", "article:第999条",
              "article:盗窃"):
        with pytest.raises(QuerySyntaxError) as err:
            engine.search(SearchQuery(q=q))
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(err.value)), q
    with pytest.raises(QuerySyntaxError, match="格式有误"):
        engine.search(SearchQuery(date_from="2018-02-30"))


def test_one_form_for_extraction_and_the_filter() -> None:
    """Whatever numerals a judgment or a user writes, both read the same article."""
    digits = "零一二三四五六七八九"

    def chinese(n: int) -> str:
        h, t, u = n // 100, n // 10 % 10, n % 10
        out = (digits[h] + "百") if h else ""
        if t:
            out += ("" if t == 1 and not h else digits[t]) + "十"
        elif h and u:
            out += "零"
        return out + (digits[u] if u else "")

    for n in range(1, 453):
        text = f"依照《中华人民共和国刑法》第{chinese(n)}条之规定"
        assert citations.criminal_law_articles(text) == [f"第{n}条"], text
        assert article_value(chinese(n)) == article_value(f"第{n}条") == f"第{n}条"
    assert date_value("2018-02", end=True) == "2018-02-28"
    assert date_value("2020-02", end=True) == "2020-02-29"


def test_an_index_of_the_previous_layout_is_refused_until_rebuilt(tmp_path: object) -> None:
    """The embedded index of an older layout (no level, stage or articles) is not searched with
    documents lacking them: a Chinese IndexOutdated (a 503) naming `dossier reindex`, until
    clear() — what the reindex does first — rebuilds the layout."""
    import sqlite3
    from pathlib import Path

    from search.embedded import EmbeddedSearch

    path = Path(str(tmp_path)) / "index.sqlite"
    with EmbeddedSearch(path) as old:
        old.index(ALL[1])
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM meta WHERE key = 'layout'")  # as built before the layout existed
    stale = EmbeddedSearch(path)
    with pytest.raises(IndexOutdated, match="请运行 dossier reindex"):
        stale.search(SearchQuery(q="周春寒"))
    with pytest.raises(IndexOutdated, match="search/index.sqlite|index.sqlite"):
        stale.index(ALL[2])
    assert stale.count() == 1
    stale.clear()
    stale.index(ALL[1])
    assert find(stale, article="264") == {1}
    stale.close()


# -- the API and the page --------------------------------------------------------------------


def _upload(api: Api, doc: IndexDoc, name: str) -> int:
    text = "\n".join(doc.pages)
    r = api.client.post("/api/v1/documents", files={"file": (name, text.encode("utf-8"))})
    assert r.status_code == 202, r.text
    return int(r.json()["document_id"])


def test_api_filters_on_processed_judgments(eager: Callable[..., Api]) -> None:
    api = eager()
    theft = _upload(api, ALL[1], "判决书一.txt")  # 基层, 一审, 第264条, 2018-05-29
    appeal = _upload(api, ALL[12], "判决书二.txt")  # 中级, 二审, 第225条, 2017
    doc = api.client.get(f"/api/v1/documents/{appeal}").json()
    assert doc["status"] == "processed", doc

    def ids(**params: str) -> list[int]:
        r = api.client.get("/api/v1/search", params=params)
        assert r.status_code == 200, r.text
        return sorted(h["document_id"] for h in r.json()["hits"])

    assert ids(article="第二百六十四条") == ids(article="264") == [theft]
    assert ids(article="第225条") == [appeal]
    assert ids(court_level="中级") == ids(trial_stage="二审") == [appeal]
    assert ids(court_level="基层", trial_stage="一审") == [theft]
    assert ids(date_from="2018-05-29", date_to="2018-12-31") == [theft]
    assert ids(date_to="2017") == [appeal]
    body = api.client.get("/api/v1/search").json()
    assert {"value": "二审", "count": 1} in body["facets"]["trial_stage"]
    assert {"value": "中级", "count": 1} in body["facets"]["court_level"]
    assert {"value": "第264条", "count": 1} in body["facets"]["article"]
    hit = next(h for h in body["hits"] if h["document_id"] == appeal)
    assert (hit["court_level"], hit["trial_stage"]) == ("中级", "二审")
    # a clerk's correction of the extracted 审级 is what the filter sees
    r = api.client.put(f"/api/v1/documents/{theft}/fields/instance", json={"value": "二审"})
    assert r.status_code == 200, r.text
    assert ids(trial_stage="二审") == sorted([theft, appeal])
    for params, said in (({"date_from": "2018-02-30"}, "格式有误"),
                         ({"date_to": "去年"}, "格式有误"),
                         ({"date_from": "2019", "date_to": "2018"}, "晚于截止日期"),
                         ({"court_level": "区级"}, "法院层级"),
                         ({"trial_stage": "三审"}, "审级"),
                         ({"article": "第九百条"}, "法条")):
        r = api.client.get("/api/v1/search", params=params)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["detail"].startswith("筛选条件有误") and said in r.json()["detail"]

    # the page: the filter form, its values kept, the chips and the facets in Chinese
    api.client.cookies.set("dossier_token", next(iter(api.tokens.values())))
    page = api.client.get("/search", params={"article": "264", "court_level": "基层",
                                              "date_from": "2018-01-01"})
    assert page.status_code == 200
    html = page.text
    for control in ('name="date_from"', 'name="date_to"', 'name="court_level"',
                    'name="trial_stage"', 'name="article"'):
        assert control in html, control
    assert 'value="2018-01-01"' in html and '<option value="基层" selected>' in html
    assert "法条：第264条" in html and "法院层级：基层" in html  # as the index holds it
    assert 'aria-current="true" class="on">第264条</a>' in html  # its facet marked
    assert f'data-document="{theft}"' in html and f'data-document="{appeal}"' not in html
    assert "<h2>审级</h2>" in html and "<h2>法条</h2>" in html
    bad = api.client.get("/search", params={"date_from": "2018-99-01"})
    assert bad.status_code == 200 and "筛选条件有误" in bad.text and "格式有误" in bad.text
    export = api.client.get("/search/export", params={"format": "csv", "trial_stage": "二审"})
    csv = export.content.decode("utf-8-sig")
    assert export.status_code == 200 and "粤03刑终15号" in csv
    assert "盗窃二审刑事判决书" in csv  # titled by the corrected stage


def test_an_outdated_index_is_a_503_naming_reindex_until_dossier_reindex(
        eager: Callable[..., Api]) -> None:
    """After an upgrade the service refuses the index of the previous layout with a Chinese 503
    naming it and `dossier reindex`; the reindex (as the CLI runs it) rebuilds it from the data
    pool, with the new fields."""
    import sqlite3

    from services import engines, indexing, readiness

    api = eager()
    doc_id = _upload(api, ALL[1], "判决书.txt")
    engines.reset()
    index = api.settings.data_dir / "search" / "index.sqlite"
    with sqlite3.connect(index) as db:
        db.execute("DELETE FROM meta WHERE key = 'layout'")
    r = api.client.get("/api/v1/search", params={"article": "264"})
    assert r.status_code == 503
    assert "search/index.sqlite" in r.json()["detail"] and "dossier reindex" in r.json()["detail"]
    said: list[str] = []
    readiness.check_search(api.settings, said.append)  # `dossier serve` says so at start
    assert len(said) == 1 and "请运行 dossier reindex" in said[0]
    assert indexing.reindex_all(api.settings)[0] == 1
    r = api.client.get("/api/v1/search", params={"article": "264"})
    assert r.status_code == 200 and [h["document_id"] for h in r.json()["hits"]] == [doc_id]
