"""Users, agencies and bearer tokens.

Tokens are random 256-bit strings shown once; only their SHA-256 is stored, and each expires.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit
from models.schema import Agency, ApiToken, Role, User


class AuthError(Exception):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


@functools.cache
def dummy_hash() -> str:
    """A hash no password matches, verified for unknown names so that a sign-in takes as long
    whether the name exists or not."""
    return hash_password(secrets.token_urlsafe(16))


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
    """A new bearer token, valid ``ttl_hours`` from now (renewed on use, see user_for_token)."""
    token = secrets.token_urlsafe(32)
    s.add(ApiToken(user_id=user.id, token_hash=hash_token(token),
                   expires_at=datetime.now(UTC) + timedelta(hours=ttl_hours)))
    s.flush()
    return token


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


#: renewals are written at most this often per token (a request does not cost a write)
RENEW_EVERY = timedelta(minutes=1)


def user_for_token(s: Session, token: str, *, renew_hours: int | None = None,
                   max_hours: int | None = None, touch: bool = True) -> User | None:
    """The active user of a valid token, or None (unknown, revoked or expired).

    With ``renew_hours`` the token is a session: each use moves its expiry to ``renew_hours``
    from now, but never past ``max_hours`` after it was issued (then the user signs in again).
    """
    row = s.execute(select(ApiToken).where(ApiToken.token_hash == hash_token(token))
                    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    now = datetime.now(UTC)
    if _aware(row.expires_at) < now:
        return None
    user = s.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if touch and renew_hours and (row.last_used_at is None
                                  or now - _aware(row.last_used_at) > RENEW_EVERY):
        row.last_used_at = now
        until = now + timedelta(hours=renew_hours)
        if max_hours:
            until = min(until, _aware(row.created_at) + timedelta(hours=max_hours))
        row.expires_at = max(_aware(row.expires_at), until)
    return user


def revoke_token(s: Session, token: str) -> bool:
    """End a session (sign-out); False when the token was unknown or already revoked."""
    row = s.execute(select(ApiToken).where(ApiToken.token_hash == hash_token(token))
                    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(UTC)
    audit.record(s, "logout", user_id=row.user_id, object_type="token", object_id=row.id)
    return True
