"""Staff accounts of the communications team: roles, passwords, session and API tokens.

- Passwords are hashed with argon2id (slow on purpose: people choose guessable passwords).
- Tokens look like ``st_<prefix>_<secret>``; the prefix finds the row, a SHA-256 hash of the
  secret proves it. The secret has 256 bits of entropy, so a fast hash is enough at rest.
- Revoking a person revokes every token they hold; a revoked person cannot sign in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast, overload

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlmodel import Field, Session, SQLModel, col

from subscribers.models import utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult

ROLES = ("author", "approver", "admin")
ROLE_NAMES = {"author": "Redaktion", "approver": "Freigabe", "admin": "Verwaltung"}
TOKEN_KINDS = ("session", "api")
SESSION_HOURS = 12

_hasher = PasswordHasher()


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=254)
    name: str | None = Field(default=None, max_length=200)
    role: str = Field(max_length=16)
    password_hash: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)  # for test SMS to oneself
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class StaffToken(SQLModel, table=True):
    __tablename__ = "staff_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    kind: str = Field(max_length=8)  # session | api
    prefix: str = Field(unique=True, index=True, max_length=16)
    token_hash: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class UnknownRole(ValueError):
    pass


@dataclass(frozen=True)
class Staff:
    """The signed-in person, detached from the session (safe to pass around)."""

    id: int
    email: str
    name: str | None
    role: str

    @property
    def label(self) -> str:
        return self.name or self.email

    def may(self, permission: str) -> bool:
        return permission in PERMISSIONS[self.role]


# Who may do what. "approve" is further limited by four eyes (never one's own text).
# "addresses": see residents' addresses in the delivery log (every look-up is audited).
PERMISSIONS = {
    "author": {"write", "send", "read"},
    "approver": {"write", "send", "read", "approve", "release", "addresses"},
    "admin": {"write", "send", "read", "approve", "release", "manage", "addresses"},
}


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: None) -> None: ...
def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything here is stored in UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def as_staff(user: StaffUser) -> Staff:
    assert user.id is not None  # a stored row
    return Staff(user.id, user.email, user.name, user.role)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> StaffUser | None:
    query = select(StaffUser).where(col(StaffUser.email) == normalise_email(email))
    return session.execute(query).scalars().first()


def add_staff(
    session: Session, email: str, role: str, password: str | None = None, name: str | None = None
) -> tuple[StaffUser, str]:
    """Create (or re-activate) a person and return them with a fresh API token in clear text.

    Adding an address that exists changes its role and password instead of failing, so the
    command can be used to restore a revoked colleague.
    """
    if role not in ROLES:
        raise UnknownRole(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    user = find_user(session, email)
    if user is None:
        user = StaffUser(email=normalise_email(email), role=role, name=name)
        session.add(user)
    user.role, user.revoked_at = role, None
    if name:
        user.name = name
    if password:
        user.password_hash = _hasher.hash(password)
    session.flush()
    return user, issue_token(session, user, "api")


def set_password(session: Session, user: StaffUser, password: str) -> None:
    user.password_hash = _hasher.hash(password)


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    """The person if the password is right and they are not revoked; None otherwise."""
    user = find_user(session, email)
    if user is None or user.revoked_at is not None or not user.password_hash:
        _hasher.hash(password)  # same cost either way: no timing hint that an address exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def issue_token(session: Session, user: StaffUser, kind: str, hours: float | None = None) -> str:
    """A new token in clear text — the only time it is visible. Sessions expire, API tokens not."""
    if kind not in TOKEN_KINDS:
        raise ValueError(kind)
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    if hours is None and kind == "session":
        hours = SESSION_HOURS
    expires = utcnow() + timedelta(hours=hours) if hours else None
    assert user.id is not None  # callers flush new users first
    session.add(StaffToken(user_id=user.id, kind=kind, prefix=prefix, token_hash=_sha(secret), expires_at=expires))
    session.flush()
    return f"st_{prefix}_{secret}"


def verify_token(session: Session, token: str, kind: str | None = None) -> Staff | None:
    """The person behind a live token (of ``kind``, when given); None for anything else."""
    try:
        marker, prefix, secret = token.split("_", 2)
    except ValueError:
        return None
    if marker != "st":
        return None
    row = session.execute(select(StaffToken).where(col(StaffToken.prefix) == prefix)).scalars().first()
    if row is None or row.revoked_at is not None or (kind is not None and row.kind != kind):
        return None
    if not hmac.compare_digest(row.token_hash, _sha(secret)):
        return None
    if row.expires_at is not None and _aware(row.expires_at) <= utcnow():
        return None
    user = session.get(StaffUser, row.user_id)
    if user is None or user.revoked_at is not None:
        return None
    row.last_used_at = utcnow()
    return as_staff(user)


def revoke_token(session: Session, token: str) -> bool:
    prefix = token.split("_", 2)[1] if token.count("_") >= 2 else token
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(StaffToken)
            .where(col(StaffToken.prefix) == prefix, col(StaffToken.revoked_at).is_(None))
            .values(revoked_at=utcnow())
        ),
    )
    return result.rowcount > 0


def revoke_staff(session: Session, email: str) -> bool:
    """Lock a person out at once: the account and every token they hold."""
    user = find_user(session, email)
    if user is None:
        return False
    now = utcnow()
    user.revoked_at = now
    session.execute(
        update(StaffToken)
        .where(col(StaffToken.user_id) == user.id, col(StaffToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return True


def list_staff(session: Session) -> list[StaffUser]:
    return list(session.execute(select(StaffUser).order_by(col(StaffUser.email))).scalars())
