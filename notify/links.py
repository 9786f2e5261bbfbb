"""Signed, expiring links instead of accounts (manage, unsubscribe, export, delete).

A token binds a purpose and a subscriber's public id; it expires after ``max_age``. Keys rotate:
``NOTIFY_SECRET_KEY`` may hold several keys separated by spaces, newest first — links signed with
an older key keep working until it is removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

DAY = 24 * 3600
MAX_AGE = {"unsubscribe": 400 * DAY, "manage": 90 * DAY, "export": 7 * DAY, "delete": 7 * DAY, "confirm": 3 * DAY}


@lru_cache(maxsize=64)
def _serializer(secret_keys: tuple[str, ...], purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(list(reversed(secret_keys)), salt=f"stadtbote.{purpose}")


class InvalidLink(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "expired" | "invalid"


@dataclass(frozen=True)
class LinkSigner:
    secret_keys: tuple[str, ...]
    base_url: str

    @classmethod
    def from_secret(cls, secret: str, base_url: str) -> LinkSigner:
        return cls(tuple(secret.split()), base_url.rstrip("/"))

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return _serializer(self.secret_keys, purpose)

    def token(self, purpose: str, public_id: str, **extra: str) -> str:
        return self._serializer(purpose).dumps({"s": public_id, **extra})

    def verify(self, purpose: str, token: str) -> dict:
        try:
            return self._serializer(purpose).loads(token, max_age=MAX_AGE.get(purpose, 30 * DAY))
        except SignatureExpired:
            raise InvalidLink("expired") from None
        except BadSignature:
            raise InvalidLink("invalid") from None

    def url(self, purpose: str, public_id: str, **extra: str) -> str:
        paths = {"unsubscribe": "/abmelden", "manage": "/verwalten", "export": "/export", "delete": "/loeschen"}
        return f"{self.base_url}{paths.get(purpose, '/' + purpose)}/{self.token(purpose, public_id, **extra)}"
