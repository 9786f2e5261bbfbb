"""Two-factor sign-in with time-based one-time codes (TOTP, RFC 6238) and recovery codes.

- Approvers and admins must have it (they can release messages to the whole city); authors may.
- The secret is stored as it is: a code app needs it in clear, so it cannot be hashed. Anyone
  who can read the database can read the ledger too; the secret only guards the web sign-in.
- A code is accepted once: the time step it belongs to is remembered, so a code seen over a
  shoulder (or replayed by a proxy) does not work a second time. One step of clock drift either
  way is tolerated.
- Ten recovery codes are made at enrolment and shown once; only their hashes are kept, each
  works once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime

import pyotp
from sqlalchemy import delete, select
from sqlmodel import Field, Session, SQLModel, col

from subscribers.models import utcnow

ISSUER = "Stadtbote"
REQUIRED_FOR = ("approver", "admin")
RECOVERY_CODES = 10
STEP = 30
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper


class StaffTotp(SQLModel, table=True):
    __tablename__ = "staff_totp"

    user_id: int = Field(primary_key=True, foreign_key="staff_user.id")
    secret: str = Field(max_length=64)
    confirmed_at: datetime | None = None  # None: enrolment started, not finished
    last_step: int = 0  # the time step of the last accepted code


class StaffRecoveryCode(SQLModel, table=True):
    __tablename__ = "staff_recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = None


def required(role: str) -> bool:
    return role in REQUIRED_FOR


def enrolment(session: Session, user_id: int) -> StaffTotp:
    """The user's TOTP row; a new, unconfirmed secret when there is none or it was never confirmed."""
    row = session.get(StaffTotp, user_id)
    if row is None:
        row = StaffTotp(user_id=user_id, secret=pyotp.random_base32())
        session.add(row)
        session.flush()
    return row


def is_enrolled(session: Session, user_id: int) -> bool:
    row = session.get(StaffTotp, user_id)
    return row is not None and row.confirmed_at is not None


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def check_code(session: Session, user_id: int, code: str, now: float | None = None) -> bool:
    """True for a fresh code of the user's secret (also during enrolment); remembers its step."""
    row = session.get(StaffTotp, user_id)
    code = _normalise(code)
    if row is None or not code.isdigit() or len(code) != 6:
        return False
    now = time.time() if now is None else now
    totp = pyotp.TOTP(row.secret)
    current = int(now // STEP)
    for step in (current - 1, current, current + 1):
        if step > row.last_step and hmac.compare_digest(totp.at(step * STEP), code):
            row.last_step = step
            return True
    return False


def confirm(session: Session, user_id: int) -> list[str]:
    """Finish enrolment (after a correct code) and return fresh recovery codes in clear text."""
    row = session.get(StaffTotp, user_id)
    assert row is not None
    row.confirmed_at = utcnow()
    return new_recovery_codes(session, user_id)


def _sha(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def new_recovery_codes(session: Session, user_id: int) -> list[str]:
    """Replace every recovery code of the user; the clear codes are visible only now."""
    session.execute(delete(StaffRecoveryCode).where(col(StaffRecoveryCode.user_id) == user_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(StaffRecoveryCode(user_id=user_id, code_hash=_sha(raw)))
    session.flush()
    return codes


def use_recovery_code(session: Session, user_id: int, code: str) -> bool:
    """True once per recovery code."""
    row = session.execute(
        select(StaffRecoveryCode).where(
            col(StaffRecoveryCode.user_id) == user_id,
            col(StaffRecoveryCode.code_hash) == _sha(code),
            col(StaffRecoveryCode.used_at).is_(None),
        )
    ).scalars().first()
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def recovery_codes_left(session: Session, user_id: int) -> int:
    rows = session.execute(
        select(col(StaffRecoveryCode.id)).where(
            col(StaffRecoveryCode.user_id) == user_id, col(StaffRecoveryCode.used_at).is_(None)
        )
    ).all()
    return len(rows)


def reset(session: Session, user_id: int) -> None:
    """Remove the second factor (an admin does this when a phone is lost); enrolment starts anew."""
    session.execute(delete(StaffRecoveryCode).where(col(StaffRecoveryCode.user_id) == user_id))
    row = session.get(StaffTotp, user_id)
    if row is not None:
        session.delete(row)
