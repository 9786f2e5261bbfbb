"""Confirmation codes: short codes sent by SMS, push or letter to confirm a channel, stored only
as an HMAC (table ``confirmation_code``). An SMS code counts only with its phone number and dies
after five wrong tries; letter and push codes are long enough to stand alone."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Field, Session, SQLModel, col

from subscribers.models import ChannelAddress, utcnow

# Letters that cannot be mixed up when read aloud or written by hand: no 0/O, 1/I/L, 5/S, 8/B.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXYZ234679"
SMS_CODE_DIGITS = 6
CODE_MAX_ATTEMPTS = 5
# A letter takes days there and back: its code (and the pending sign-up) lives longer.
LETTER_CODE_DAYS = 14


def unconfirmed_hours() -> float:
    """How long unconfirmed data is kept (``NOTIFY_UNCONFIRMED_HOURS``, default 72)."""
    return float(os.environ.get("NOTIFY_UNCONFIRMED_HOURS", "72"))


class ConfirmationCode(SQLModel, table=True):
    __tablename__ = "confirmation_code"

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True, ondelete="CASCADE")
    channel: str = Field(max_length=8)
    code_hash: str = Field(index=True, max_length=64)
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


def _code_hash(pepper: str, code: str) -> str:
    return hmac.new(pepper.encode(), code.strip().upper().encode(), hashlib.sha256).hexdigest()


def new_code(channel: str) -> str:
    """Six digits for SMS (typed next to the phone number); eight letters otherwise (typed alone)."""
    if channel == "sms":
        return "".join(secrets.choice("0123456789") for _ in range(SMS_CODE_DIGITS))
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def code_hours(channel: str) -> float:
    return LETTER_CODE_DAYS * 24 if channel == "letter" else unconfirmed_hours()


def issue_code(session: Session, subscriber_id: int, channel: str, pepper: str, hours: float | None = None) -> str:
    """A fresh code for ``channel``; earlier codes of this subscriber and channel stop working."""
    session.execute(
        delete(ConfirmationCode).where(
            col(ConfirmationCode.subscriber_id) == subscriber_id, col(ConfirmationCode.channel) == channel
        )
    )
    code = new_code(channel)
    session.add(ConfirmationCode(
        subscriber_id=subscriber_id, channel=channel, code_hash=_code_hash(pepper, code),
        expires_at=utcnow() + timedelta(hours=hours if hours is not None else code_hours(channel)),
    ))  # fmt: skip
    session.flush()
    return code


def verify_code(session: Session, code: str, pepper: str, *, phone: str | None = None) -> tuple[int, str] | None:
    """``(subscriber_id, channel)`` if the code is right, else None.

    SMS codes are short, so they only count together with the phone number, and every wrong try
    counts against the codes of that number; after five wrong tries they are void. Letter and
    push codes are long enough to stand alone.
    """
    code = normalise_code(code)
    if not code:
        return None
    now = utcnow()
    if phone is not None:
        rows = (
            session.execute(
                select(ConfirmationCode)
                .join(ChannelAddress, col(ChannelAddress.subscriber_id) == col(ConfirmationCode.subscriber_id))
                .where(
                    col(ConfirmationCode.channel) == "sms",
                    col(ChannelAddress.channel) == "sms",
                    col(ChannelAddress.address) == phone,
                )
            )
            .scalars()
            .all()
        )
    else:
        rows = (
            session.execute(
                select(ConfirmationCode).where(
                    col(ConfirmationCode.code_hash) == _code_hash(pepper, code), col(ConfirmationCode.channel) != "sms"
                )
            )
            .scalars()
            .all()
        )
    wanted = _code_hash(pepper, code)
    for row in rows:
        if row.attempts >= CODE_MAX_ATTEMPTS or _aware(row.expires_at) < now:
            continue
        if hmac.compare_digest(row.code_hash, wanted):
            session.delete(row)
            return row.subscriber_id, row.channel
        row.attempts += 1
    return None


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
