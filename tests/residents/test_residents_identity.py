# ruff: noqa: F811 - fixtures are imported from residents_testkit by name
"""Who is who: every sign-up is its own resident; only a confirmed e-mail address or mobile
number identifies a resident, a postal address never does (issue 10, item 2).

Each case is a sequence of sign-ups by different people (A, B, C), some confirming in between.
After the sequence every confirmation link and code that was sent still works, and every
resident's export holds data of one person only.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from residents_testkit import (  # noqa: F401 - fixtures
    client,
    csrf,
    link_in,
    mails_to,
    rt,
    sink,
    sms_to,
    token_of,
)
from sqlalchemy import select

from subscribers.db import session_scope
from subscribers.gdpr import export_subscriber
from subscribers.models import Subscriber

EMAIL = {"a": "anna@beispiel.de", "b": "bert@beispiel.de"}
PHONE = {"a": "+491701234567", "b": "+491761234568"}
POSTAL = {"home": "Musterweg 1\n45894 Gelsenkirchen", "other": "Horster Straße 7\n45897 Gelsenkirchen"}
TOPICS = {"A": ["baustellen"], "B": ["abfuhr"], "C": ["parken"]}


def _body(person: str, email: str | None, phone: str | None, postal: str | None) -> dict:
    channels = [c for c, v in (("email", email), ("sms", phone), ("letter", postal)) if v]
    body = {"name": f"Person {person}", "topics": TOPICS[person], "districts": ["buer"], "channels": channels}
    if email:
        body["email"] = EMAIL[email]
    if phone:
        body["phone"] = PHONE[phone]
    if postal:
        body["postal_address"] = POSTAL[postal]
    return body


class Run:
    """Sign-ups through the API, remembering what each person typed and what was sent where."""

    def __init__(self, client, sink):
        self.client, self.sink = client, sink
        self.typed: dict[str, set[tuple[str, str]]] = {}
        self.links: list[str] = []  # confirmation links sent by e-mail
        self.codes: list[tuple[str, str]] = []  # (phone, code) sent by SMS
        # the SMTP sink lives for the whole session: count only what this run sends
        self.mails = {k: len(mails_to(sink, v)) for k, v in EMAIL.items()}
        self.sms = {k: len(sms_to(client.rt, v)) for k, v in PHONE.items()}

    def sign_up(self, person: str, email=None, phone=None, postal=None) -> None:
        body = _body(person, email, phone, postal)
        r = self.client.post("/v1/subscriptions", json=body)
        assert r.status_code == 202, r.text
        typed = self.typed.setdefault(person, set())
        typed.add(("name", body["name"]))
        for channel, field in (("email", "email"), ("sms", "phone"), ("letter", "postal_address")):
            if field in body:
                typed.add((channel, body[field]))
        if email:
            mails = mails_to(self.sink, EMAIL[email])
            assert len(mails) == self.mails.get(email, 0) + 1, f"no e-mail to {email} for {person}"
            self.mails[email] = len(mails)
            if "/bestaetigen/" in mails[-1].get_body(preferencelist=("plain",)).get_content():
                self.links.append(link_in(mails[-1], "/bestaetigen"))
        if phone:
            texts = sms_to(self.client.rt, PHONE[phone])
            assert len(texts) == self.sms.get(phone, 0) + 1, f"no SMS to {phone} for {person}"
            self.sms[phone] = len(texts)
            if found := re.search(r"\b(\d{6})\b", texts[-1]["body"]):
                self.codes.append((PHONE[phone], found.group(1)))

    def confirm_all(self) -> None:
        for link in self.links:
            r = self.client.post("/v1/subscriptions/confirm", json={"token": token_of(link)})
            assert r.status_code == 200, (link, r.text)
        for phone, code in self.codes:
            r = self.client.post("/v1/subscriptions/confirm", json={"code": code, "phone": phone})
            assert r.status_code == 200, (phone, r.text)
        self.links, self.codes = [], []

    def check_exports(self) -> None:
        """Every resident holds what one person typed, and nothing anybody else typed."""
        with session_scope(self.client.rt.db_url) as s:
            for sid in s.execute(select(Subscriber.id)).scalars().all():
                data = export_subscriber(s, sid)
                held = {("name", data["subscriber"]["name"])}
                held |= {(a["channel"], a["address"]) for a in data["addresses"]}
                owners = [p for p, typed in self.typed.items() if held <= typed]
                assert len(owners) == 1, f"resident {sid} holds {held}: typed by {self.typed}"
                topics = {t for c in data["consents"] for t in c["scope"]["topics"]}
                assert topics <= set(TOPICS[owners[0]]), (owners, topics)


CASES = {
    # the reported case: two people at one postal address, each with their own e-mail
    "same postal address, own e-mails": [("A", "a", None, "home"), ("B", "b", None, "home")],
    "same postal address, letters only": [("A", None, None, "home"), ("B", None, None, "home")],
    "same postal address after A confirmed": [("A", "a", None, "home"), "confirm", ("B", "b", None, "home")],
    "same e-mail twice before confirming": [("A", "a", None, None), ("B", "a", None, "other")],
    "same e-mail after A confirmed": [("A", "a", None, "home"), "confirm", ("B", "a", None, "other")],
    "same phone twice": [("A", None, "a", None), ("B", "b", "a", None)],
    "same phone after A confirmed": [("A", None, "a", None), "confirm", ("B", "b", "a", "home")],
    "mixture": [("A", "a", "a", "home"), ("B", "b", None, "home"), "confirm", ("C", "b", "a", "other")],
}


@pytest.mark.parametrize("steps", list(CASES.values()), ids=list(CASES))
def test_sign_up_sequences_never_mix_people(client, sink, steps, monkeypatch):
    monkeypatch.setenv("NOTIFY_RATE_SUBSCRIBE_ADDRESS", "1000/3600")
    run = Run(client, sink)
    for step in steps:
        if step == "confirm":
            run.confirm_all()
        else:
            run.sign_up(*step)
    run.confirm_all()
    run.check_exports()


def test_known_resident_signing_up_again_is_told_on_their_own_channel(client, sink, monkeypatch):
    run = Run(client, sink)
    run.sign_up("A", "a", None, "home")
    run.confirm_all()
    run.sign_up("B", "b", None, "home")  # B at A's address: B gets a confirmation, A nothing
    assert "bestätigen" in mails_to(sink, EMAIL["b"])[-1]["Subject"]
    assert len(mails_to(sink, EMAIL["a"])) == run.mails["a"]
    run.sign_up("A", "a", None, None)  # A again: a note with the manage link, on A's own address
    assert "schon" in mails_to(sink, EMAIL["a"])[-1]["Subject"]
    run.confirm_all()
    run.check_exports()


def test_the_page_says_an_email_was_sent_only_when_one_was(client, sink):
    """The reported page: B at A's postal address was told "Wir haben Ihnen eine E-Mail geschickt"."""
    run = Run(client, sink)
    run.sign_up("A", "a", None, "home")
    run.confirm_all()
    r = client.post("/v1/subscriptions", json=_body("B", "b", None, "home"))
    assert r.json()["confirm_by"] == ["email", "letter"] or "email" in r.json()["confirm_by"]
    assert mails_to(sink, EMAIL["b"]), "the API said an e-mail was sent"


PEOPLE = st.sampled_from(["A", "B", "C"])
SIGN_UP = st.tuples(PEOPLE, st.sampled_from([None, "a", "b"]), st.sampled_from([None, "a", "b"]),
                    st.sampled_from([None, "home", "other"])).filter(lambda s: any(s[1:]))  # fmt: skip
STEPS = st.lists(st.one_of(SIGN_UP, st.just("confirm")), min_size=1, max_size=4)


@settings(max_examples=8, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sign_up_sequence_never_mixes_people(client, sink, steps, monkeypatch):
    monkeypatch.setenv("NOTIFY_RATE_SUBSCRIBE_ADDRESS", "100000/3600")
    monkeypatch.setenv("NOTIFY_RATE_SUBSCRIBE_IP", "100000/3600")
    monkeypatch.setenv("NOTIFY_RATE_CONFIRM_IP", "100000/3600")
    monkeypatch.setenv("NOTIFY_RATE_CONFIRM_ADDRESS", "100000/3600")
    from sqlmodel import SQLModel

    with session_scope(client.rt.db_url) as s:  # a fresh city for each sequence
        for table in reversed(SQLModel.metadata.sorted_tables):
            s.execute(table.delete())
    run = Run(client, sink)
    for step in steps:
        if step == "confirm":
            run.confirm_all()
        else:
            run.sign_up(*step)
    run.confirm_all()
    run.check_exports()
