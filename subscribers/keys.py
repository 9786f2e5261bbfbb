"""Scoped API keys for other city systems. Only a SHA-256 hash is kept at rest.

A key looks like ``sb_<prefix>_<secret>``: the prefix finds the row, the hash proves the secret.
The secret has 256 bits of entropy, so a fast hash is enough (no password stretching needed).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlmodel import Session, col

from subscribers.models import ApiKey, utcnow

SCOPES = {
    "events:write": "Ereignisse senden",
    "subscribers:read": "Abonnentinnen und Abonnenten lesen",
    "subscribers:write": "Abonnentinnen und Abonnenten ändern",
}


class UnknownScope(ValueError):
    pass


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, name: str, scopes: list[str]) -> str:
    """Store a new key and return it in clear text — the only time it is ever visible."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise UnknownScope(f"unknown scope(s) {unknown or scopes}; known: {', '.join(SCOPES)}")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    session.add(ApiKey(name=name, prefix=prefix, key_hash=_hash(secret), scopes=" ".join(scopes)))
    session.flush()
    return f"sb_{prefix}_{secret}"


def verify_key(session: Session, token: str, scope: str | None = None) -> ApiKey | None:
    """The key row if ``token`` is a live key (carrying ``scope``, when given); None otherwise."""
    try:
        marker, prefix, secret = token.split("_", 2)
    except ValueError:
        return None
    if marker != "sb":
        return None
    key = session.execute(select(ApiKey).where(col(ApiKey.prefix) == prefix)).scalars().first()
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.key_hash, _hash(secret)):
        return None
    if scope is not None and not has_scope(key, scope):
        return None
    key.last_used_at = utcnow()
    return key


def revoke_key(session: Session, prefix: str) -> bool:
    key = session.execute(select(ApiKey).where(col(ApiKey.prefix) == prefix)).scalars().first()
    if key is None:
        return False
    key.revoked_at = utcnow()
    return True


def has_scope(key: ApiKey, scope: str) -> bool:
    return scope in key.scopes.split()
