"""The short personal code that opens a resident's settings: printed on letters, typed by hand.

Nobody types a 60-character signed link from paper. Instead a letter prints ``<base>/einstellungen``
and a code of 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 8/B),
grouped for reading aloud: ``K7MQ-4XTP``. The code alone opens nothing: the resident also types
the postcode of the address the letter went to, or the mobile number their SMS go to. It is the
same code staff print on the confirmation of a paper registration (``Subscriber.service_code``,
unique), so a resident has one code for letters, phone calls and the web. ``rotate`` gives a new
one (a lost letter); the old code stops working at once.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlmodel import Session, col

from subscribers.confirm_codes import CODE_ALPHABET, normalise_code
from subscribers.models import ChannelAddress, Subscriber

CODE_LENGTH = 8
CODE_CHANNELS = ("letter",)  # who reads the code on paper (and may type it with their SMS number)
_POSTCODE = re.compile(r"\b(\d{5})\b")


def grouped(code: str) -> str:
    """``K7MQ4XTP`` → ``K7MQ-4XTP``: two groups of four are read and typed without slips."""
    code = normalise_code(code)
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def plausible(code: str) -> bool:
    code = normalise_code(code)
    return len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)


def _fresh(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.execute(select(col(Subscriber.id)).where(col(Subscriber.service_code) == code)).first() is None:
            return code


def ensure_codes(session: Session, subscriber_ids: Iterable[int]) -> dict[int, str]:
    """The codes of these residents, giving one to each who has none yet.

    Written with ``WHERE service_code IS NULL`` and read back: when two workers print letters
    for the same resident at once, both print the code that won, never one that was overwritten.
    """
    ids = list(set(subscriber_ids))
    codes: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        rows = session.execute(select(col(Subscriber.id), col(Subscriber.service_code)).where(col(Subscriber.id).in_(ids[start : start + 900])))
        codes.update({sid: code for sid, code in rows if code})  # fmt: skip
    missing = [sid for sid in ids if sid not in codes]
    for sid in missing:
        session.execute(update(Subscriber).where(col(Subscriber.id) == sid, col(Subscriber.service_code).is_(None))
                        .values(service_code=_fresh(session)))  # fmt: skip
    if missing:
        session.flush()
        rows = session.execute(select(col(Subscriber.id), col(Subscriber.service_code)).where(col(Subscriber.id).in_(missing)))
        codes.update({sid: code for sid, code in rows if code})
    return codes


def rotate(session: Session, subscriber_id: int) -> str:
    """A new code for a resident (the old one is invalid from now on)."""
    code = _fresh(session)
    session.execute(update(Subscriber).where(col(Subscriber.id) == subscriber_id).values(service_code=code))
    return code


def postcode_of(postal_address: str) -> str | None:
    """The postcode of the last line that has one ("45894 Gelsenkirchen")."""
    found = _POSTCODE.findall(postal_address or "")
    return found[-1] if found else None


def find(session: Session, code: str, postcode: str | None = None, mobile: str | None = None) -> Subscriber | None:
    """The resident whose code this is *and* whose letter address has ``postcode`` or whose SMS
    number is ``mobile`` (E.164); None otherwise — the caller must not say which part was wrong."""
    if not plausible(code) or not (postcode or mobile):
        return None
    sub = session.execute(select(Subscriber).where(col(Subscriber.service_code) == normalise_code(code))).scalars().first()
    if sub is None:
        return None
    addresses = dict(session.execute(select(col(ChannelAddress.channel), col(ChannelAddress.address)).where(
        col(ChannelAddress.subscriber_id) == sub.id)).tuples().all())  # fmt: skip
    if postcode and "letter" in addresses and postcode_of(addresses["letter"]) == postcode:
        return sub
    if mobile and addresses.get("sms") == mobile:
        return sub
    return None
