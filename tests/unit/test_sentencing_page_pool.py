"""The page path's fallback (services.sentence_estimate.answer/combine with `whole_pool`): the
visible pool's summary is asked for only when there is no rule and no comparable case, and
visible_pool_summary (one aggregate; SQLite here, PostgreSQL in
tests/integration/test_sentencing_page_fallback.py) counts each defendant's sentence once."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentencing.estimate import PoolTerms, pool_summary
from services import sentence_estimate
from services.sentence_estimate import Comparable, combine

FACTS = "被告人张某未经林业主管部门批准，擅自采伐林木，经鉴定立木蓄积量15立方米。"
POOL = PoolTerms(10.0, 6.0, 12.0, 5)


def test_the_whole_pool_is_asked_only_with_nothing_else() -> None:
    asked: list[int] = []

    def whole() -> PoolTerms:
        asked.append(1)
        return POOL

    out = combine(FACTS, ["滥伐林木罪"], Comparable([], [], None, 0, "none"), whole_pool=whole)
    assert asked and out["fallback"] and out["months"] == 10 and out["range"] == [6, 12]
    assert out["steps"][-1]["unverified"] and "5件" in out["steps"][-1]["basis"]
    asked.clear()
    theft = "被告人李某盗窃手机一部，价值人民币6000元。"
    out = combine(theft, ["盗窃罪"], Comparable([], [], None, 0, "none"), whole_pool=whole)
    assert not asked and out["months"] is not None and out["fallback"] is False  # a rule
    out = combine(FACTS, ["滥伐林木罪"], Comparable([8.0], [1], 8.0, 1, "same charges"),
                  whole_pool=whole)
    assert not asked and out["months"] == 8 and out["fallback"] is False  # a comparable case
    # an empty visible pool: no estimate, as before
    out = combine(FACTS, ["滥伐林木罪"], Comparable([], [], None, 0, "none"),
                  whole_pool=lambda: None)
    assert out["months"] is None and out["fallback"] is False


def test_visible_pool_summary_counts_each_defendant_once(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from models.db import migrate, session_scope
    from models.schema import Agency, Case, CaseShare, Document, Party, Sentence

    url = f"sqlite:///{tmp_path / 'pool.sqlite3'}"
    migrate(url)
    with session_scope(url) as s:
        a, b = Agency(code="A", name="A"), Agency(code="B", name="B")
        s.add_all([a, b])
        s.flush()

        def case(agency: Agency, docs: list[list[tuple[str, str | None, float | None]]]) -> int:
            c = Case(agency_id=agency.id)
            s.add(c)
            s.flush()
            for k, parties in enumerate(docs):
                d = Document(case_id=c.id, filename="x", sha256=f"{k:064d}", mime="text/plain",
                             size=1)
                s.add(d)
                s.flush()
                for pos, (name, principal, term) in enumerate(parties):
                    p = Party(document_id=d.id, case_id=c.id, role="defendant", position=pos,
                              name=name)
                    s.add(p)
                    s.flush()
                    s.add(Sentence(document_id=d.id, party_id=p.id, principal=principal,
                                   term_months=term))
            return c.id

        # a judgment and its copy: 张三 and a nameless defendant once each
        case(a, [[("张三", "有期徒刑", 12), ("", "拘役", 3)], [("张三", "有期徒刑", 12),
                                                              ("", "拘役", 3)]])
        case(a, [[("李四", "无期徒刑", None), ("王五", "有期徒刑", 36), ("赵六", None, 0)]])
        shared = case(b, [[("钱七", "管制", 6)]])
        case(b, [[("孙八", "有期徒刑", 120)]])  # B's own: not visible to A
        s.add(CaseShare(case_id=shared, agency_id=a.id, access="read"))
        aid = a.id
    monkeypatch.setattr(sentence_estimate, "_pool_summaries", {})
    got = sentence_estimate.visible_pool_summary(url, [aid])
    assert got == pool_summary([12, 3, 36, 6])
    assert got is not None and got.n == 4
    assert sentence_estimate.visible_pool_summary(url, [aid]) is got  # kept for a minute
