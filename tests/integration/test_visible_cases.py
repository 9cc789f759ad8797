"""The lazily answered visible-case set of similar-case searches, on both databases."""

from __future__ import annotations

from sqlalchemy import update

from models.db import migrate, session_scope
from models.schema import Agency, Case, CaseShare, User
from models.visibility import VisibleCases, visible_case_ids
from similarity.vector_index import VectorIndex


def _pool(url: str) -> None:
    migrate(url)
    with session_scope(url) as s:
        s.add_all([Agency(id=1, code="court-a", name="甲法院"),
                   Agency(id=2, code="proc-b", name="乙检察院")])
        s.flush()
        s.add_all([Case(id=i, agency_id=1 if i <= 30 else 2, case_number=f"（2024）刑初{i}号")
                   for i in range(1, 41)])
        s.flush()
        s.add(CaseShare(case_id=35, agency_id=1))  # a case of agency 2 shared with agency 1


def test_agrees_with_the_full_set_and_follows_changes_at_once(db_url: str) -> None:
    _pool(db_url)
    lazy = VisibleCases(db_url, [1])
    user = User(name="judge", role="judge", agency_id=1)
    with session_scope(db_url) as s:
        full = visible_case_ids(s, user)
    assert set(lazy) == full == set(range(1, 31)) | {35}
    assert len(lazy) == 31
    assert 35 in lazy and 3 in lazy and 36 not in lazy and 999 not in lazy
    assert lazy.allowed_among([3, 35, 36, 999]) == {3, 35}
    assert lazy.allowed_among(list(range(1, 2001))) == full  # more keys than one query takes
    assert len(VisibleCases(db_url, [2])) == 10
    with session_scope(db_url) as s:  # a transfer takes effect on the next question
        s.execute(update(Case).where(Case.id == 3).values(agency_id=2))
    assert 3 not in lazy and len(lazy) == 30


def test_vector_search_asks_the_lazy_set_once_per_batch(db_url: str) -> None:
    import numpy as np

    _pool(db_url)
    rng = np.random.default_rng(0)
    index = VectorIndex(8)
    vectors = rng.normal(size=(40, 8)).astype(np.float32)
    for key in range(1, 41):
        index.upsert(key, vectors[key - 1])
    asked: list[int] = []

    class Counting(VisibleCases):
        def allowed_among(self, keys: object) -> set[int]:
            asked.append(1)
            return super().allowed_among(keys)  # type: ignore[arg-type]

    lazy = Counting(db_url, [1])
    got = index.search(vectors[35 - 1], 10, allowed=lazy, exclude={35})
    want = index.search(vectors[35 - 1], 10, allowed=set(range(1, 31)), exclude={35})
    assert got == want and len(got) == 10
    assert len(asked) <= 2
