"""Signed links: what a resident's link may and may not do."""

from __future__ import annotations

import time

import pytest

from notify import links
from notify.links import InvalidLink, LinkSigner

BASE = "https://stadtbote.example"


@pytest.fixture
def signer() -> LinkSigner:
    return LinkSigner.from_secret("current-key", BASE)


def test_a_link_carries_its_payload_and_works_for_its_purpose(signer):
    token = signer.token("unsubscribe", "abc123", topic="baustellen")
    assert signer.verify("unsubscribe", token) == {"s": "abc123", "topic": "baustellen"}
    assert signer.url("manage", "abc123").startswith(f"{BASE}/verwalten/")


def test_a_link_for_one_purpose_does_not_work_for_another(signer):
    token = signer.token("unsubscribe", "abc123")
    with pytest.raises(InvalidLink) as caught:
        signer.verify("delete", token)
    assert caught.value.reason == "invalid"


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature
    lambda t: "eyJzIjoib3RoZXIifQ" + t[t.index("."):],  # another resident's id, same signature
    lambda t: t.rsplit(".", 2)[0] + f".{int(time.time()) + 10:x}." + t.rsplit(".", 1)[1],  # newer time
    lambda t: "kaputt",
    lambda t: "",
    lambda t: "a.b.c",
    lambda t: "ä.ö.ü",
])  # fmt: skip
def test_a_changed_or_made_up_link_is_refused(signer, mangle):
    with pytest.raises(InvalidLink) as caught:
        signer.verify("manage", mangle(signer.token("manage", "abc123")))
    assert caught.value.reason == "invalid"


def test_a_link_expires(signer, monkeypatch):
    token = signer.token("export", "abc123")
    issued = time.time()
    monkeypatch.setattr(links.time, "time", lambda: issued + links.MAX_AGE["export"] + 60)
    with pytest.raises(InvalidLink) as caught:
        signer.verify("export", token)
    assert caught.value.reason == "expired"
    monkeypatch.setattr(links.time, "time", lambda: issued + links.MAX_AGE["export"] - 60)
    assert signer.verify("export", token)["s"] == "abc123"


def test_a_link_from_the_future_is_refused(signer, monkeypatch):
    now = time.time()
    monkeypatch.setattr(links.time, "time", lambda: now + 3600)
    token = signer.token("manage", "abc123")
    monkeypatch.setattr(links.time, "time", lambda: now)
    with pytest.raises(InvalidLink):
        signer.verify("manage", token)


def test_rotation_keeps_old_links_until_the_old_key_is_removed(signer):
    old = signer.token("manage", "abc123")
    rotated = LinkSigner.from_secret("new-key current-key", BASE)
    assert rotated.verify("manage", old)["s"] == "abc123"
    new = rotated.token("manage", "abc123")
    with pytest.raises(InvalidLink):  # the old signer does not know the new key
        signer.verify("manage", new)
    retired = LinkSigner.from_secret("new-key", BASE)
    assert retired.verify("manage", new)["s"] == "abc123"
    with pytest.raises(InvalidLink):
        retired.verify("manage", old)


def test_tokens_are_url_safe_and_short(signer):
    token = signer.token("unsubscribe", "r" * 22, topic="strassenreinigung")
    assert all(c.isalnum() or c in "-_." for c in token)
    assert len(token) < 120


def test_a_signer_needs_a_key():
    with pytest.raises(ValueError):
        LinkSigner.from_secret("  ", BASE)
