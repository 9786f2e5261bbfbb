"""Signed, expiring links instead of accounts (manage, unsubscribe, export, delete, confirm).

A token binds a purpose and a subscriber's public id (plus a few short extra fields); it expires
after ``MAX_AGE[purpose]``. Keys rotate: ``NOTIFY_SECRET_KEY`` may hold several keys separated by
spaces, newest first — links signed with an older key keep working until it is removed.

Format: ``<payload>.<time>.<signature>`` — the payload is URL-safe base64 of compact JSON, the
time is the signing second in hex, the signature is the first 18 bytes (144 bits) of
HMAC-SHA256 over ``<payload>.<time>`` with a key derived for the purpose, so a token for one
purpose never works for another. Every e-mail carries three such links, so signing must be cheap:
a pre-keyed HMAC is copied per token (about 6 µs per link, where itsdangerous needed about 40 µs).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

DAY = 24 * 3600
MAX_AGE = {"unsubscribe": 400 * DAY, "manage": 90 * DAY, "export": 7 * DAY, "delete": 7 * DAY, "confirm": 3 * DAY,
           "resend": DAY}
DEFAULT_MAX_AGE = 30 * DAY
CLOCK_SKEW = 300  # seconds a token may come from the future (another server's clock)
SIGNATURE_BYTES = 18
TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
PATHS = {"unsubscribe": "/abmelden", "manage": "/verwalten", "export": "/export", "delete": "/loeschen"}


class InvalidLink(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "expired" | "invalid"


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class LinkSigner:
    secret_keys: tuple[str, ...]  # newest first
    base_url: str
    _macs: dict[str, tuple[Any, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_secret(cls, secret: str, base_url: str) -> LinkSigner:
        keys = tuple(secret.split())
        if not keys:
            raise ValueError("a link signer needs at least one secret key")
        return cls(keys, base_url.rstrip("/"))

    def _keyed(self, purpose: str) -> tuple[Any, ...]:
        """One pre-keyed HMAC per secret key for this purpose (newest first)."""
        macs = self._macs.get(purpose)
        if macs is None:
            label = f"stadtbote.link.{purpose}".encode()
            macs = tuple(
                hmac.new(hmac.new(key.encode(), label, hashlib.sha256).digest(), digestmod=hashlib.sha256)
                for key in self.secret_keys
            )
            self._macs[purpose] = macs
        return macs

    @staticmethod
    def _signature(mac: Any, message: bytes) -> bytes:
        mac = mac.copy()
        mac.update(message)
        return mac.digest()[:SIGNATURE_BYTES]

    def token(self, purpose: str, public_id: str, **extra: str) -> str:
        payload = json.dumps({"s": public_id, **extra}, separators=(",", ":"), ensure_ascii=False)
        signed = f"{_b64encode(payload.encode())}.{int(time.time()):x}"
        return f"{signed}.{_b64encode(self._signature(self._keyed(purpose)[0], signed.encode()))}"

    def verify(self, purpose: str, token: str) -> dict:
        """The token's payload (``{"s": public_id, …}``); raises ``InvalidLink`` otherwise.

        Only the URL-safe alphabet is accepted, so every token has exactly one spelling (the
        base64 decoder alone would also read "+" and "/" as "-" and "_").
        """
        if not token or not TOKEN_CHARACTERS.issuperset(token):
            raise InvalidLink("invalid")
        signed, _, signature = token.rpartition(".")
        body, _, stamp = signed.partition(".")
        try:
            given = _b64decode(signature)
            issued = int(stamp, 16)
        except (ValueError, binascii.Error):
            raise InvalidLink("invalid") from None
        message = signed.encode("ascii", "replace")
        if len(given) != SIGNATURE_BYTES or not any(
            hmac.compare_digest(self._signature(mac, message), given) for mac in self._keyed(purpose)
        ):
            raise InvalidLink("invalid")
        age = time.time() - issued
        if age < -CLOCK_SKEW:
            raise InvalidLink("invalid")
        if age > MAX_AGE.get(purpose, DEFAULT_MAX_AGE):
            raise InvalidLink("expired")
        try:
            payload = json.loads(_b64decode(body))
        except (ValueError, binascii.Error):
            raise InvalidLink("invalid") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("s"), str):
            raise InvalidLink("invalid")
        return payload

    def url(self, purpose: str, public_id: str, **extra: str) -> str:
        return f"{self.base_url}{PATHS.get(purpose, '/' + purpose)}/{self.token(purpose, public_id, **extra)}"
