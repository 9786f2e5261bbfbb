"""Optional DKIM signing (dkimpy) when a key is configured: NOTIFY_DKIM_SELECTOR, NOTIFY_DKIM_DOMAIN,
NOTIFY_DKIM_KEY_FILE (PEM). Mail providers trust signed bulk mail far more than unsigned."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dkim

SIGNED_HEADERS = [b"From", b"To", b"Subject", b"Date", b"Message-ID", b"List-Unsubscribe", b"List-Unsubscribe-Post"]


@dataclass(frozen=True)
class DkimSigner:
    selector: str
    domain: str
    private_key: bytes

    @classmethod
    def from_files(cls, selector: str | None, domain: str | None, key_file: str | None) -> DkimSigner | None:
        if not (selector and domain and key_file):
            return None
        return cls(selector, domain, Path(key_file).read_bytes())

    def sign(self, message: bytes) -> bytes:
        """The DKIM-Signature header (with CRLF) to put in front of ``message``."""
        return dkim.sign(message, self.selector.encode(), self.domain.encode(), self.private_key,
                         include_headers=SIGNED_HEADERS, linesep=b"\r\n")  # fmt: skip
