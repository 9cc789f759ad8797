"""Users, agencies and bearer tokens.

Tokens are random 256-bit strings shown once; only their SHA-256 is stored, and each expires.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import audit
from models.db import session_scope
from models.schema import Agency, ApiToken, Case, CaseShare, Role, User


class AuthError(Exception):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Constant-time argon2 check; a user without a password cannot sign in with one."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    if not stored:
        return False
    try:
        return bool(PasswordHasher().verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def get_or_create_agency(s: Session, code: str, name: str | None = None,
                         kind: str = "other") -> Agency:
    agency = s.execute(select(Agency).where(Agency.code == code)).scalar_one_or_none()
    if agency is None:
        agency = Agency(code=code, name=name or code, kind=kind)
        s.add(agency)
        s.flush()
    return agency


def add_user(s: Session, name: str, role: str, agency_code: str,
             password: str | None = None) -> User:
    if role not in Role.__members__:
        raise AuthError(f"unknown role {role!r}; use one of {', '.join(Role.__members__)}")
    if s.execute(select(User).where(User.name == name)).scalar_one_or_none() is not None:
        raise AuthError(f"user {name!r} exists already")
    agency = get_or_create_agency(s, agency_code)
    user = User(name=name, role=role, agency_id=agency.id,
                password_hash=hash_password(password) if password else None)
    s.add(user)
    s.flush()
    audit.record(s, "user.create", object_type="user", object_id=user.id,
                 detail={"name": name, "role": role, "agency": agency_code})
    return user


def issue_token(s: Session, user: User, ttl_hours: int) -> str:
    token = secrets.token_urlsafe(32)
    s.add(ApiToken(user_id=user.id, token_hash=hash_token(token),
                   expires_at=datetime.now(UTC) + timedelta(hours=ttl_hours)))
    s.flush()
    return token


def user_for_token(s: Session, token: str) -> User | None:
    row = s.execute(select(ApiToken).where(ApiToken.token_hash == hash_token(token))
                    ).scalar_one_or_none()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires < datetime.now(UTC):
        return None
    user = s.get(User, row.user_id)
    return user if user is not None and user.active else None


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
