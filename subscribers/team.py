"""The team in the web: invitations, password reset links, roles, the staff audit log, throttling.

- An invitation or a reset is a single-use link (``/staff/einladung/<token>``,
  ``/staff/passwort/<token>``): a random secret whose SHA-256 is stored, valid 72 hours (invite)
  or 1 hour (reset). Using a reset link ends every session of the person.
- Every sign-in (good or bad), role change, invitation, revocation, reset and look-up of
  residents' addresses writes one row to ``staff_audit``.
- Sign-in throttling reads the same audit rows, so all web processes share it: at most
  ``THROTTLE_LIMIT`` failures for one address within ``THROTTLE_WINDOW`` since its last success.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Text, func, select, update
from sqlmodel import Field, Session, SQLModel, col

from subscribers.models import utcnow
from subscribers.staff import (
    ROLES,
    StaffToken,
    StaffUser,
    UnknownRole,
    _aware,
    find_user,
    normalise_email,
    set_password,
)

INVITE_HOURS = 72
RESET_HOURS = 1
THROTTLE_LIMIT = 5
THROTTLE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 12
LINK_KINDS = ("invite", "reset")


class StaffAudit(SQLModel, table=True):
    __tablename__ = "staff_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=254)  # who did it ("" for an unknown visitor)
    action: str = Field(max_length=32, index=True)
    subject: str | None = Field(default=None, max_length=254, index=True)  # whom or what it concerned
    detail: str | None = Field(default=None, sa_column=Column(Text))


class StaffLink(SQLModel, table=True):
    __tablename__ = "staff_link"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    kind: str = Field(max_length=8)  # invite | reset
    prefix: str = Field(unique=True, index=True, max_length=16)
    token_hash: str = Field(max_length=64)
    created_by: str = Field(max_length=254)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class Refused(ValueError):
    """What a person asked for is not allowed; the message is plain German for the page."""


ACTION_NAMES = {
    "sign-in": "Angemeldet", "sign-in-failed": "Anmeldung falsch", "second-factor-failed": "Code falsch",
    "recovery-code-used": "Ersatz-Code benutzt", "totp-enrolled": "Zweiten Faktor eingerichtet",
    "totp-reset": "Zweiten Faktor zurückgesetzt", "invite": "Eingeladen", "invite-accepted": "Einladung angenommen",
    "role-change": "Rolle geändert", "revoke": "Gesperrt", "reset-requested": "Neues Passwort angefordert",
    "password-reset": "Passwort neu gesetzt", "address-lookup": "Adressen angesehen", "test-send": "Test gesendet",
    "paper-registration": "Papierformular erfasst",
}  # fmt: skip


def audit(session: Session, actor: str, action: str, subject: str | None = None, detail: str | None = None) -> None:
    session.add(StaffAudit(actor=actor, action=action, subject=subject, detail=detail))


def recent_audit(session: Session, limit: int = 100) -> list[StaffAudit]:
    query = select(StaffAudit).order_by(col(StaffAudit.at).desc(), col(StaffAudit.id).desc()).limit(limit)
    return list(session.execute(query).scalars())


# -- throttling ------------------------------------------------------------------------------------
def sign_in_blocked(session: Session, email: str, now: datetime | None = None) -> bool:
    """Too many failures for this address lately (since its last good sign-in)?"""
    now = now or utcnow()
    email = normalise_email(email)
    last_ok = session.execute(
        select(func.max(StaffAudit.at)).where(col(StaffAudit.subject) == email, col(StaffAudit.action) == "sign-in")
    ).scalar()
    since = max(now - THROTTLE_WINDOW, _aware(last_ok)) if last_ok else now - THROTTLE_WINDOW
    failures = session.execute(
        select(func.count()).select_from(StaffAudit).where(
            col(StaffAudit.subject) == email,
            col(StaffAudit.action).in_(("sign-in-failed", "second-factor-failed")),
            col(StaffAudit.at) > since,
        )
    ).scalar_one()
    return failures >= THROTTLE_LIMIT


# -- links -----------------------------------------------------------------------------------------
def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_link(session: Session, user: StaffUser, kind: str, actor: str) -> str:
    """A fresh single-use token; earlier unused links of the same kind stop working."""
    assert kind in LINK_KINDS and user.id is not None
    now = utcnow()
    session.execute(
        update(StaffLink)
        .where(col(StaffLink.user_id) == user.id, col(StaffLink.kind) == kind, col(StaffLink.used_at).is_(None))
        .values(used_at=now)
    )
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    hours = INVITE_HOURS if kind == "invite" else RESET_HOURS
    session.add(StaffLink(user_id=user.id, kind=kind, prefix=prefix, token_hash=_sha(secret), created_by=actor,
                          expires_at=now + timedelta(hours=hours)))  # fmt: skip
    session.flush()
    return f"{prefix}.{secret}"


def open_link(session: Session, token: str, kind: str) -> tuple[StaffLink, StaffUser] | None:
    """The link and its person if the token is live; None for anything else."""
    prefix, _, secret = token.partition(".")
    row = session.execute(select(StaffLink).where(col(StaffLink.prefix) == prefix)).scalars().first()
    if row is None or row.kind != kind or row.used_at is not None or _aware(row.expires_at) <= utcnow():
        return None
    if not hmac.compare_digest(row.token_hash, _sha(secret)):
        return None
    user = session.get(StaffUser, row.user_id)
    if user is None or (user.revoked_at is not None and kind == "reset"):
        return None
    return row, user


def check_password(password: str, again: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Refused(f"Das Passwort ist zu kurz. Bitte mindestens {MIN_PASSWORD} Zeichen.")
    if password != again:
        raise Refused("Die beiden Passwörter sind nicht gleich.")


def use_link(session: Session, token: str, kind: str, password: str, again: str,
             name: str | None = None) -> StaffUser:  # fmt: skip
    """Set the password through an invitation or reset link; the link is used up."""
    found = open_link(session, token, kind)
    if found is None:
        raise Refused("Dieser Link gilt nicht mehr. Bitte fordern Sie einen neuen an.")
    check_password(password, again)
    link, user = found
    link.used_at = utcnow()
    set_password(session, user, password)
    if name:
        user.name = name[:200]
    if kind == "invite":
        user.revoked_at = None
        audit(session, user.email, "invite-accepted", user.email)
    else:
        end_sessions(session, user)
        audit(session, user.email, "password-reset", user.email)
    return user


def end_sessions(session: Session, user: StaffUser) -> None:
    session.execute(
        update(StaffToken)
        .where(col(StaffToken.user_id) == user.id, col(StaffToken.kind) == "session",
               col(StaffToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )  # fmt: skip


# -- the team --------------------------------------------------------------------------------------
def invite(session: Session, email: str, role: str, actor: str, name: str | None = None) -> tuple[StaffUser, str]:
    """A new colleague (no password yet) and the token of their invitation link."""
    if role not in ROLES:
        raise UnknownRole(role)
    email = normalise_email(email)
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise Refused("Bitte eine gültige E-Mail-Adresse angeben.")
    user = find_user(session, email)
    if user is not None and user.revoked_at is None and user.password_hash:
        raise Refused(f"{email} hat schon einen Zugang.")
    if user is None:
        user = StaffUser(email=email, role=role, name=(name or None))
        session.add(user)
        session.flush()
    user.role = role
    if name:
        user.name = name[:200]
    token = issue_link(session, user, "invite", actor)
    audit(session, actor, "invite", email, f"Rolle: {role}")
    return user, token


def set_role(session: Session, user: StaffUser, role: str, actor: str) -> bool:
    if role not in ROLES:
        raise UnknownRole(role)
    if user.role == role:
        return False
    if user.role == "admin" and role != "admin" and admins_left(session, user) == 0:
        raise Refused("Es muss immer eine Person mit der Rolle Verwaltung geben.")
    before, user.role = user.role, role
    end_sessions(session, user)  # the new role (and maybe its second factor) applies at the next sign-in
    audit(session, actor, "role-change", user.email, f"{before} → {role}")
    return True


def admins_left(session: Session, without: StaffUser) -> int:
    rows = session.execute(
        select(col(StaffUser.id)).where(col(StaffUser.role) == "admin", col(StaffUser.revoked_at).is_(None),
                                   col(StaffUser.id) != without.id)
    ).all()  # fmt: skip
    return len(rows)


def revoke(session: Session, user: StaffUser, actor: str) -> None:
    from subscribers.staff import revoke_staff

    if user.role == "admin" and admins_left(session, user) == 0:
        raise Refused("Es muss immer eine Person mit der Rolle Verwaltung geben.")
    revoke_staff(session, user.email)
    session.execute(  # a pending invitation must not bring the person back
        update(StaffLink).where(col(StaffLink.user_id) == user.id, col(StaffLink.used_at).is_(None)).values(used_at=utcnow())
    )
    audit(session, actor, "revoke", user.email)


def members(session: Session) -> list[dict[str, Any]]:
    from subscribers.totp import StaffTotp

    users = list(session.execute(select(StaffUser).order_by(col(StaffUser.email))).scalars())
    enrolled = {row.user_id for row in session.execute(select(StaffTotp)).scalars() if row.confirmed_at}
    pending = {r[0] for r in session.execute(
        select(col(StaffLink.user_id)).where(col(StaffLink.kind) == "invite", col(StaffLink.used_at).is_(None),
                                        col(StaffLink.expires_at) > utcnow()))}  # fmt: skip
    out = []
    for u in users:
        state = "gesperrt" if u.revoked_at else ("eingeladen" if u.id in pending and not u.password_hash else "aktiv")
        out.append({"user": u, "state": state, "totp": u.id in enrolled})
    return out
