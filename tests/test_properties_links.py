"""Signed links for any resident id and any extra field: they work, they are URL-safe, and a link
that was changed by even one character, or made up, is refused — never a server error."""

from __future__ import annotations

import base64
import binascii
import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from notify.links import InvalidLink, LinkSigner

BASE = "https://stadtbote.example"
SIGNER = LinkSigner.from_secret("current-key older-key", BASE)
PURPOSES = ["unsubscribe", "manage", "export", "delete", "confirm", "newsletter"]
URL_SAFE = frozenset(string.ascii_letters + string.digits + "_.-")

EXAMPLES = settings(max_examples=200, derandomize=True, deadline=None)

public_ids = st.text(max_size=60)  # any text: ASCII ids, umlauts, emoji, control characters
extra_fields = st.dictionaries(
    st.text(min_size=1, max_size=12).filter(lambda k: k not in {"s", "purpose", "public_id"}),
    st.text(max_size=30),
    max_size=3,
)
purposes = st.sampled_from(PURPOSES)


def decoded(token: str) -> tuple[bytes, str, bytes] | None:
    """What a token means: payload bytes, time stamp, signature bytes (None when not decodable)."""
    try:
        body, stamp, signature = token.split(".")
        return (
            base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)),
            stamp,
            base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
        )
    except (ValueError, binascii.Error):
        return None


@EXAMPLES
@given(purpose=purposes, public_id=public_ids, extra=extra_fields)
@example(purpose="manage", public_id="Jürgen 🚧", extra={"topic": "straßen/reinigung"})
def test_a_link_gives_back_its_payload_for_its_purpose(purpose, public_id, extra):
    token = SIGNER.token(purpose, public_id, **extra)
    assert SIGNER.verify(purpose, token) == {"s": public_id, **extra}
    assert set(token) <= URL_SAFE
    assert SIGNER.url(purpose, public_id, **extra).startswith(BASE + "/")
    other = next(p for p in PURPOSES if p != purpose)
    with pytest.raises(InvalidLink):
        SIGNER.verify(other, token)


@EXAMPLES
@given(
    purpose=purposes,
    public_id=public_ids,
    extra=extra_fields,
    data=st.data(),
)
def test_a_link_changed_in_one_character_is_refused(purpose, public_id, extra, data):
    token = SIGNER.token(purpose, public_id, **extra)
    position = data.draw(st.integers(0, len(token) - 1), label="position")
    replacement = data.draw(
        st.one_of(st.sampled_from(sorted(URL_SAFE | set("+/=~ %ä"))), st.characters()).filter(
            lambda c: c != token[position]
        ),
        label="replacement",
    )
    changed = token[:position] + replacement + token[position + 1 :]
    try:
        payload = SIGNER.verify(purpose, changed)
    except InvalidLink as refused:
        assert refused.reason == "invalid"
        return
    # A change may only verify if the token says the same and is spelled the same: never.
    raise AssertionError(f"a changed token was accepted: {token} -> {changed} gave {payload}")


@EXAMPLES
@given(
    garbage=st.one_of(
        st.text(max_size=200),
        st.lists(st.text(alphabet=sorted(URL_SAFE), max_size=40), min_size=1, max_size=5).map(".".join),
        st.binary(max_size=60).map(lambda raw: base64.urlsafe_b64encode(raw).decode().rstrip("=")),
    ),
    purpose=purposes,
)
@example(garbage="", purpose="manage")
@example(garbage="..", purpose="manage")
@example(garbage="e30." + "f" * 400 + "." + "A" * 24, purpose="manage")  # absurd time stamp
@example(garbage="ä.ö.ü", purpose="delete")
def test_made_up_links_are_refused_never_a_crash(garbage, purpose):
    with pytest.raises(InvalidLink) as refused:
        SIGNER.verify(purpose, garbage)
    assert refused.value.reason == "invalid"


@EXAMPLES
@given(purpose=purposes, public_id=public_ids, other_secret=st.text(min_size=1, max_size=20).filter(str.strip))
def test_a_link_signed_with_a_key_we_do_not_hold_is_refused(purpose, public_id, other_secret):
    foreign = LinkSigner.from_secret(other_secret, BASE)
    if set(foreign.secret_keys) & set(SIGNER.secret_keys):
        return
    with pytest.raises(InvalidLink):
        SIGNER.verify(purpose, foreign.token(purpose, public_id))


def test_plus_and_slash_are_not_read_as_minus_and_underscore():
    """The base64 decoder would read "+" as "-": the signer refuses, so a token has one spelling."""
    token = next(t for i in range(100) if "-" in (t := SIGNER.token("manage", f"id{i}")).rsplit(".", 1)[1])
    where = token.rindex("-")
    variant = token[:where] + "+" + token[where + 1 :]
    assert decoded(variant) == decoded(token)  # the same bytes …
    with pytest.raises(InvalidLink):  # … but not the same token
        SIGNER.verify("manage", variant)
