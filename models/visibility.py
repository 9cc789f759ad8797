"""Who may see and change which case: the one rule every endpoint, page, search, similar-case
list and business between agencies uses.

A user sees the cases of their agency and the cases shared with it (CaseShare, written by a
transfer or a business between agencies, until revoked). The owning agency may change its case;
a share is read-only unless the business that created it granted ``write``.

A 政法委 user (role ``oversight``, of an agency of kind ``oversight``) stands for every agency
of its own agency's region (``Agency.region``, compared exactly): it sees what those agencies see, for reading only — it
never owns or writes a case, so every change (corrections, transfers, businesses, clocks) is
refused to it as to any reader. An oversight user whose agency has no region sees its own agency
alone. The statistics of ``analytics/`` are scoped by the same agencies and the same case rule.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models.db import session_scope
from models.schema import Agency, Case, CaseShare, Role, User


class Access(enum.StrEnum):
    READ = "read"
    WRITE = "write"
    OWNER = "owner"


def visible_agency_ids(user: User, s: Session | None = None) -> set[int]:
    """The agencies whose cases (and figures) a user may see: their own; for a 政法委 user
    (``oversight``) every agency of its agency's region, read through ``s``."""
    if user.role != Role.oversight:
        return {user.agency_id}
    if s is None:
        raise ValueError("an oversight user's agencies are read from the database: pass a session")
    own = s.execute(select(Agency.region, Agency.kind).where(Agency.id == user.agency_id)).first()
    if own is None or not own.region or own.kind != "oversight":
        # only a 政法委 agency stands for its region: an oversight user an admin of a police
        # agency created sees that agency alone, never its neighbours
        return {user.agency_id}
    region = own.region
    return {user.agency_id, *s.execute(select(Agency.id).where(Agency.region == region)).scalars()}


def read_only(user: User) -> bool:
    """A user who may read what their agencies see but never change it (政法委 oversight)."""
    return user.role == Role.oversight


def cases_visible_to(agency_ids: Iterable[int]) -> Any:
    """The ``where`` clause on Case of the cases these agencies see (for queries that join it)."""
    return _visible_to(agency_ids)


def _visible_to(agency_ids: Iterable[int]) -> Any:
    """The cases of these agencies and those shared with them (``where`` clause on Case)."""
    ids = sorted(set(agency_ids))
    shared = select(CaseShare.case_id).where(CaseShare.agency_id.in_(ids),
                                             CaseShare.revoked_at.is_(None))
    return or_(Case.agency_id.in_(ids), Case.id.in_(shared))


def case_access(s: Session, user: User, case_id: int) -> Access | None:
    """What ``user`` may do with a case: OWNER (their agency's case), WRITE or READ (shared with
    their agency, as the share says), None (they may not see it)."""
    case = s.get(Case, case_id)
    if case is None:
        return None
    ids = visible_agency_ids(user, s)
    if case.agency_id in ids:
        return Access.READ if read_only(user) else Access.OWNER
    grants = set(s.execute(select(CaseShare.access).where(
        CaseShare.case_id == case_id, CaseShare.agency_id.in_(sorted(ids)),
        CaseShare.revoked_at.is_(None))).scalars())
    if not grants:
        return None
    return Access.WRITE if Access.WRITE in grants and not read_only(user) else Access.READ


class NotFound(LookupError):
    """It does not exist or the caller may not see it (a 404: the two are not told apart)."""


class Denied(PermissionError):
    """The caller sees it but may not do this (a 403); the message is Chinese."""


def case_for(s: Session, user: User, case_id: int, *, write: bool = False,
             read_only_reason: str = "本机关对该案件只有阅读权限") -> tuple[Case, Access]:
    """The case and what ``user`` may do with it, or NotFound; with ``write``, Denied when the
    case is only shared with their agency for reading (``read_only_reason`` says what for)."""
    access = case_access(s, user, case_id)
    if access is None:
        raise NotFound(f"案件 {case_id} 不存在")
    if write and access is Access.READ:
        raise Denied(read_only_reason)
    case = s.get(Case, case_id)
    assert case is not None
    return case, access


def case_visible(s: Session, user: User, case_id: int) -> bool:
    found = s.execute(select(Case.id).where(Case.id == case_id,
                                            _visible_to(visible_agency_ids(user, s))))
    return found.first() is not None


def visible_case_ids(s: Session, user: User) -> set[int]:
    return set(s.execute(select(Case.id).where(_visible_to(visible_agency_ids(user, s)))).scalars())


#: How long a VisibleCases.size_hint count is reused (seconds), per database and agencies
SIZE_HINT_S = 60.0
_size_hints: dict[tuple[str, tuple[int, ...]], tuple[int, float]] = {}


K = TypeVar("K")
V = TypeVar("V")


def kept_for(store: dict[K, tuple[V, float]], key: K, seconds: float,
             compute: Callable[[], V]) -> V:
    """``compute()``, kept in ``store`` under ``key`` for ``seconds`` (per process): a figure
    about a user's visible cases (their count, their terms' summary) that may lag a transfer
    or a share by that long."""
    hit = store.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[1] < seconds:
        return hit[0]
    value = compute()
    store[key] = (value, now)
    return value


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

    @property
    def db_url(self) -> str:
        return self._db_url

    @property
    def agency_ids(self) -> tuple[int, ...]:
        """The agencies whose cases (and those shared with them) are visible, sorted."""
        return tuple(self._agencies)

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

    def size_hint(self) -> int:
        """About how many cases the user sees, for a search to choose how to walk the index
        (``VectorIndex.search``: scoring every row or only the allowed ones; both exact).
        ``len`` counts the rows, 10-20 ms at 100,000 cases; the count is kept per process
        for SIZE_HINT_S seconds per database and agencies: a transfer or a share since then
        changes which way is faster, never which cases are found (``allowed_among`` reads the
        rows; the two ways' cosines may differ in float32's last bit)."""
        return kept_for(_size_hints, (self._db_url, tuple(self._agencies)), SIZE_HINT_S,
                        lambda: len(self))

    def __len__(self) -> int:
        with session_scope(self._db_url) as s:
            own = s.execute(select(func.count()).select_from(Case)
                            .where(Case.agency_id.in_(self._agencies))).scalar_one()
            shared = s.execute(
                select(func.count(func.distinct(CaseShare.case_id)))
                .join(Case, Case.id == CaseShare.case_id)
                .where(CaseShare.agency_id.in_(self._agencies), CaseShare.revoked_at.is_(None),
                       Case.agency_id.not_in(self._agencies))).scalar_one()
        return int(own) + int(shared)

    def __iter__(self) -> Iterator[int]:
        with session_scope(self._db_url) as s:
            ids = list(s.execute(select(Case.id).where(_visible_to(self._agencies))).scalars())
        return iter(ids)


def visible_cases(db_url: str, user: User) -> VisibleCases:
    """The lazily answered set of cases ``user`` may see (for similar-case searches)."""
    if user.role != Role.oversight:
        return VisibleCases(db_url, visible_agency_ids(user))
    with session_scope(db_url) as s:
        return VisibleCases(db_url, visible_agency_ids(user, s))


def visible_agency_codes(s: Session, user: User) -> list[str]:
    ids = visible_agency_ids(user, s)
    return list(s.execute(select(Agency.code).where(Agency.id.in_(ids))).scalars())
