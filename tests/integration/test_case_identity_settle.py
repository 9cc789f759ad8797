"""`services.case_identity.settle` on both databases, below the API: the join, the numbering,
and the cases it leaves alone (a case with procedure of its own, a row of another table still
naming the provisional case)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from models.db import migrate, session_scope
from models.schema import Agency, AuditEvent, Case, CaseShare, Document, FieldValue, Party
from services import case_identity

NUMBER = "（2013）扬邗刑初字第0381号"  # judge-dca784b8 of the extraction gold set


@pytest.fixture
def settings(db_url: str, env: Callable[..., dict[str, str]]) -> Any:
    from models.settings import get_settings

    env(database_url=db_url)
    migrate(db_url)
    return get_settings()


def seed(url: str, extracted: str, *, confidence: float = 0.95) -> dict[str, int]:
    """The agency's case of NUMBER with one document, and a provisional case whose document
    read ``extracted``."""
    with session_scope(url) as s:
        agency = Agency(code="court-1", name="扬州市邗江区人民法院", kind="court")
        s.add(agency)
        s.flush()
        numbered = Case(case_number=NUMBER, agency_id=agency.id)
        provisional = Case(case_number=None, agency_id=agency.id)
        s.add_all([numbered, provisional])
        s.flush()
        first = Document(case_id=numbered.id, filename="a.pdf", sha256="a" * 64,
                         mime="application/pdf", size=10, fields={"case_number": NUMBER})
        later = Document(case_id=provisional.id, filename="b.txt", sha256="b" * 64,
                         mime="text/plain", size=10, fields={"case_number": extracted})
        s.add_all([first, later])
        s.flush()
        s.add(FieldValue(document_id=later.id, path="case_number", value=extracted,
                         confidence=confidence, extractor="rules"))
        s.add(Party(document_id=later.id, case_id=provisional.id, role="defendant", name="某甲"))
        return {"agency": agency.id, "numbered": numbered.id, "provisional": provisional.id,
                "first": first.id, "later": later.id}


def events(url: str, action: str) -> int:
    with session_scope(url) as s:
        return int(s.execute(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == action)).scalar_one())


def test_a_respelled_number_joins_and_the_provisional_case_goes(settings: Any) -> None:
    url = settings.db_url
    ids = seed(url, "(2013)扬邗刑初381号")
    done = case_identity.settle(settings, ids["later"])
    assert done is not None and done.action == "joined" and done.case_id == ids["numbered"]
    with session_scope(url) as s:
        assert s.get(Document, ids["later"]).case_id == ids["numbered"]  # type: ignore[union-attr]
        assert s.get(Case, ids["provisional"]) is None
        assert s.execute(select(Party.case_id)).scalars().all() == [ids["numbered"]]
    assert events(url, "document.move") == 1 and events(url, "case.remove") == 1
    assert case_identity.settle(settings, ids["later"]) is None  # a second run changes nothing


def test_a_new_number_is_taken_by_the_provisional_case(settings: Any) -> None:
    url = settings.db_url
    ids = seed(url, "（2014）扬邗刑初字第12号")
    done = case_identity.settle(settings, ids["later"])
    assert done is not None and done.action == "numbered" and done.case_id == ids["provisional"]
    with session_scope(url) as s:
        assert s.get(Case, ids["provisional"]).case_number == "（2014）扬邗刑初字第12号"  # type: ignore[union-attr]
    assert events(url, "case.number") == 1


def test_a_case_with_procedure_of_its_own_is_not_merged(settings: Any) -> None:
    url = settings.db_url
    ids = seed(url, NUMBER)
    with session_scope(url) as s:
        other = Agency(code="proc-1", name="扬州市邗江区人民检察院", kind="procuratorate")
        s.add(other)
        s.flush()
        s.add(CaseShare(case_id=ids["provisional"], agency_id=other.id))
    assert case_identity.settle(settings, ids["later"]) is None
    with session_scope(url) as s:
        assert s.get(Document, ids["later"]).case_id == ids["provisional"]  # type: ignore[union-attr]
        assert s.get(Case, ids["provisional"]).case_number is None  # type: ignore[union-attr]


def test_a_row_still_naming_the_provisional_case_stops_the_move(settings: Any) -> None:
    """A table added later may point at the case without a cascade: the move is undone as a
    whole (savepoint) and the stage goes on, the document where it was."""
    url = settings.db_url
    ids = seed(url, NUMBER)
    with session_scope(url) as s:  # a party row of the other document naming the case
        s.add(Party(document_id=ids["first"], case_id=ids["provisional"], role="victim",
                    name="某乙"))
    assert case_identity.settle(settings, ids["later"]) is None
    with session_scope(url) as s:
        assert s.get(Document, ids["later"]).case_id == ids["provisional"]  # type: ignore[union-attr]
        assert s.get(Case, ids["provisional"]) is not None
    assert events(url, "document.move") == 0


def test_an_unsure_number_does_not_join(settings: Any) -> None:
    ids = seed(settings.db_url, NUMBER, confidence=0.7)
    assert case_identity.settle(settings, ids["later"]) is None


def test_a_pool_from_before_is_repaired(settings: Any) -> None:
    """Two provisional cases of one judgment and a numbered one, as the pool held them before
    documents joined their cases: one case remains."""
    url = settings.db_url
    ids = seed(url, "(2013)扬邗刑初381号")
    with session_scope(url) as s:
        extra = Case(case_number=None, agency_id=ids["agency"])
        s.add(extra)
        s.flush()
        s.add(Document(case_id=extra.id, filename="c.txt", sha256="c" * 64, mime="text/plain",
                       size=10, fields={"case_number": "（2013）扬邗刑初第381号"}))
        s.flush()
        s.add(FieldValue(document_id=s.execute(select(Document.id).where(
            Document.case_id == extra.id)).scalar_one(), path="case_number",
            value="（2013）扬邗刑初第381号", confidence=0.95, extractor="rules"))
    done = case_identity.settle_existing(settings)
    assert [d.action for d in done] == ["joined", "joined"]
    with session_scope(url) as s:
        assert s.execute(select(Case.id)).scalars().all() == [ids["numbered"]]
    assert case_identity.settle_existing(settings) == []
