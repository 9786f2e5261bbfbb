"""The archive's links in channel templates: ``message_url`` (short link) and ``feedback_url``.

``message_url`` is ``<base>/m/<code>``; for a resident it is the code of the version they read,
so the link opens the message in that version — the code itself says nothing about the person
(everyone reading that version gets the same code). ``feedback_url`` is personal: a signed token
(purpose ``feedback``) lets one resident vote once per message, without storing who voted.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from notify.events import CityEvent
from notify.publishing.store import codes_for, version_key

FEEDBACK_PURPOSE = "feedback"


def event_links(rt: Any, event: CityEvent) -> dict[str, Any]:
    """The event's part (same for every resident): the standard short link, or None when the
    event is not in the archive (not public, or a preview before sending)."""
    found = codes_for(rt.db_url, event)
    if found is None:
        return {"message_url": None, "feedback_url": None, "published": None}
    message_id, code, codes = found
    base = rt.signer.base_url
    return {
        "message_url": f"{base}/m/{code}",
        "feedback_url": f"{base}/meldungen/{message_id}/verstaendlich",
        "published": {"id": message_id, "codes": codes},
    }


def personal_links(rt: Any, contact: Any, base: dict[str, Any], language: str | None = None,
                   profile: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The resident's part: the short link of their version and their own feedback link."""
    published = base.get("published")
    if not published:
        return {}
    key = version_key(language or contact.language, profile or contact.profile)
    url = rt.signer.base_url
    code = published["codes"].get(key)
    out: dict[str, Any] = {}
    if code:
        out["message_url"] = f"{url}/m/{code}"
    token = rt.signer.token(FEEDBACK_PURPOSE, contact.public_id, m=str(published["id"]), v=key if code else "")
    out["feedback_url"] = f"{url}/meldungen/{published['id']}/verstaendlich?p={token}"
    return out


def voter_hash(secret: str, public_id: str, message_id: int) -> str:
    """A keyed hash: the same resident and message always give the same value, nobody can turn
    it back into the resident."""
    key = secret.split()[0].encode()
    return hmac.new(key, f"voter\x1f{public_id}\x1f{message_id}".encode(), hashlib.sha256).hexdigest()[:40]
