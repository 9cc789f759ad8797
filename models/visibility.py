"""Who may see which case: the one rule every endpoint, page, search and similar-case list uses.

A user sees the cases of their agency and the cases shared with it (CaseShare, written by a
transfer or a business between agencies).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models.db import session_scope
from models.schema import Agency, Case, CaseShare, User


def visible_agency_ids(user: User) -> set[int]:
    """The agencies whose cases a user may see (their own; later issues add memberships)."""
    return {user.agency_id}


def _visible_to(agency_ids: Iterable[int]) -> Any:
    """The cases of these agencies and those shared with them (``where`` clause on Case)."""
    ids = sorted(set(agency_ids))
    shared = select(CaseShare.case_id).where(CaseShare.agency_id.in_(ids))
    return or_(Case.agency_id.in_(ids), Case.id.in_(shared))


def case_visible(s: Session, user: User, case_id: int) -> bool:
    found = s.execute(select(Case.id).where(Case.id == case_id,
                                            _visible_to(visible_agency_ids(user))))
    return found.first() is not None


def visible_case_ids(s: Session, user: User) -> set[int]:
    return set(s.execute(select(Case.id).where(_visible_to(visible_agency_ids(user)))).scalars())


class VisibleCases(Collection[int]):
    """The cases a user may see, asked of the database only as far as a search needs it.

    Similar-case search walks the best-scoring cases of the whole index and keeps the visible
    ones, so it needs membership for ~100 candidates (``allowed_among``, one query), not the set
    of every visible case: building that set costs 200-400 ms at 100,000 cases. Each question
    reads the current rows, so a transfer or a share takes effect at once.
    """

    def __init__(self, db_url: str, agency_ids: Iterable[int]) -> None:
        self._db_url = db_url
        self._agencies = sorted(set(agency_ids))

    def allowed_among(self, keys: Iterable[int]) -> set[int]:
        """Those of ``keys`` the user may see (an indexed query per 500 keys)."""
        wanted, found = list(keys), set[int]()
        with session_scope(self._db_url) as s:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                found.update(s.execute(select(Case.id).where(Case.id.in_(chunk),
                                                             _visible_to(self._agencies))).scalars())
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, int) and bool(self.allowed_among([key]))

    def __len__(self) -> int:
        with session_scope(self._db_url) as s:
            own = s.execute(select(func.count()).select_from(Case)
                            .where(Case.agency_id.in_(self._agencies))).scalar_one()
            shared = s.execute(
                select(func.count(func.distinct(CaseShare.case_id)))
                .join(Case, Case.id == CaseShare.case_id)
                .where(CaseShare.agency_id.in_(self._agencies),
                       Case.agency_id.not_in(self._agencies))).scalar_one()
        return int(own) + int(shared)

    def __iter__(self) -> Iterator[int]:
        with session_scope(self._db_url) as s:
            ids = list(s.execute(select(Case.id).where(_visible_to(self._agencies))).scalars())
        return iter(ids)


def visible_cases(db_url: str, user: User) -> VisibleCases:
    """The lazily answered set of cases ``user`` may see (for similar-case searches)."""
    return VisibleCases(db_url, visible_agency_ids(user))


def visible_agency_codes(s: Session, user: User) -> list[str]:
    ids = visible_agency_ids(user)
    return list(s.execute(select(Agency.code).where(Agency.id.in_(ids))).scalars())
