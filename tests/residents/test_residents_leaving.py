# ruff: noqa: F811 - fixtures are imported from residents_testkit by name
"""Leaving and data rights: one-click unsubscribe (RFC 8058), per-topic unsubscribe, bounces,
export, erasure without personal leftovers, and the purge of unconfirmed data."""

from __future__ import annotations

import json
from datetime import timedelta

from residents_testkit import (  # noqa: F401 - fixtures
    assert_problem,
    client,
    csrf,
    link_in,
    mails_to,
    rt,
    sink,
    subscribe_and_confirm,
    subscription,
    token_of,
)
from sqlalchemy import func, select

from subscribers.confirm_codes import ConfirmationCode
from subscribers.consent import AuditEntry, ConsentRecord, mark_bounced, purge_unconfirmed
from subscribers.db import session_scope
from subscribers.models import ChannelAddress, Delivery, DeliveryAttempt, EventRecord, Subscriber, Subscription, utcnow
from subscribers.store import change_record


def public_id(client, address: str) -> str:
    with session_scope(client.rt.db_url) as s:
        return s.execute(select(Subscriber.public_id).join(ChannelAddress, ChannelAddress.subscriber_id == Subscriber.id)
                         .where(ChannelAddress.address == address)).scalar_one()  # fmt: skip


def status_of(client, pid: str) -> str:
    with session_scope(client.rt.db_url) as s:
        return s.execute(select(Subscriber.status).where(Subscriber.public_id == pid)).scalar_one()


def test_get_never_unsubscribes_but_one_click_post_does(client, sink):
    subscribe_and_confirm(client, sink, "klick@beispiel.de")
    pid = public_id(client, "klick@beispiel.de")
    url = client.rt.signer.url("unsubscribe", pid).removeprefix("https://stadtbote.test")
    page = client.get(url)
    assert page.status_code == 200 and "Ja, abmelden" in page.text
    assert status_of(client, pid) == "active"
    r = client.post(
        url, content=b"List-Unsubscribe=One-Click", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 200
    assert status_of(client, pid) == "unsubscribed"
    with session_scope(client.rt.db_url) as s:
        sid = s.execute(select(Subscriber.id).where(Subscriber.public_id == pid)).scalar_one()
        assert change_record(s, sid)["active"] is False
        assert s.execute(select(ConsentRecord.withdrawn_at)).scalar_one() is not None
    assert sid in client.published
    # a second click is harmless
    assert client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200


def test_page_button_needs_csrf_and_then_unsubscribes(client, sink):
    subscribe_and_confirm(client, sink, "knopf@beispiel.de")
    pid = public_id(client, "knopf@beispiel.de")
    url = client.rt.signer.url("unsubscribe", pid).removeprefix("https://stadtbote.test")
    assert client.post(url, data={}).status_code == 403
    assert status_of(client, pid) == "active"
    r = client.post(url, data={"csrf_token": csrf(client, url)})
    assert r.status_code == 200 and "Sie sind abgemeldet" in r.text
    assert status_of(client, pid) == "unsubscribed"


def test_one_click_with_a_broken_token(client):
    r = client.post("/abmelden/kaputt", data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 404


def test_per_topic_unsubscribe_keeps_the_other_topics(client, sink):
    subscribe_and_confirm(client, sink, "thema@beispiel.de", topics=["verkehr", "abfuhr"], districts=["buer", "horst"])
    pid = public_id(client, "thema@beispiel.de")
    url = client.rt.signer.url("unsubscribe", pid, topic="baustellen").removeprefix("https://stadtbote.test")
    assert "Baustellen" in client.get(url).text
    assert client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with session_scope(client.rt.db_url) as s:
        topics = set(s.execute(select(Subscription.topic_id)).scalars())
    assert topics == {"abfuhr", "bus-bahn", "parken", "rad-fuss"}
    assert status_of(client, pid) == "active"
    # the last topic gone = unsubscribed
    for topic in ["abfuhr", "bus-bahn", "parken", "rad-fuss"]:
        u = client.rt.signer.url("unsubscribe", pid, topic=topic).removeprefix("https://stadtbote.test")
        client.post(u, data={"List-Unsubscribe": "One-Click"})
    assert status_of(client, pid) == "unsubscribed"


def test_the_page_after_the_last_topic_does_not_promise_other_topics(client, sink):
    subscribe_and_confirm(client, sink, "letztes@beispiel.de", topics=["abfuhr", "parken"], districts=["buer"])
    pid = public_id(client, "letztes@beispiel.de")
    said = []
    for topic in ("abfuhr", "parken"):
        url = client.rt.signer.url("unsubscribe", pid, subs=f"{topic}:buer").removeprefix("https://stadtbote.test")
        said.append(client.post(url, data={"csrf_token": csrf(client, url)}).text)
    assert "Zu Ihren anderen Themen bekommen Sie weiter Nachrichten" in said[0]
    assert "Zu Ihren anderen Themen" not in said[1] and "keine Nachrichten mehr" in said[1]
    assert status_of(client, pid) == "unsubscribed"


def test_resubscribing_after_unsubscribe_needs_a_new_confirmation(client, sink):
    subscribe_and_confirm(client, sink, "zurueck@beispiel.de")
    pid = public_id(client, "zurueck@beispiel.de")
    client.post(f"/abmelden/{client.rt.signer.token('unsubscribe', pid)}", data={"List-Unsubscribe": "One-Click"})
    assert client.post("/v1/subscriptions", json=subscription(email="zurueck@beispiel.de")).status_code == 202
    # a new sign-up is a new resident: the old record stays unsubscribed until its retention ends
    assert status_of(client, pid) == "unsubscribed"
    mail = mails_to(sink, "zurueck@beispiel.de")[-1]
    assert "bestätigen" in mail["Subject"]
    r = client.post("/v1/subscriptions/confirm", json={"token": token_of(link_in(mail, "/bestaetigen"))})
    assert r.status_code == 200  # the address moved to the new resident
    assert status_of(client, public_id(client, "zurueck@beispiel.de")) == "active"


def _delivery(s, sid: int, error: str | None = None) -> None:
    event = EventRecord(source="/tiefbau", event_id=f"E-{sid}", type="t", title="Sperrung", payload="{}")
    s.add(event)
    s.flush()
    s.add(
        Delivery(
            id=f"d-{sid}", event_pk=event.id, subscriber_id=sid, channel="email", status="failed", last_error=error
        )
    )
    s.flush()
    s.add(DeliveryAttempt(delivery_id=f"d-{sid}", attempt=1, outcome="failed", error=error))


def test_export_holds_everything_about_the_person(client, sink):
    token = subscribe_and_confirm(client, sink, "export@beispiel.de")
    with session_scope(client.rt.db_url) as s:
        sid = s.execute(select(Subscriber.id)).scalar_one()
        _delivery(s, sid)
    r = client.get(f"/v1/subscriptions/{token}/export")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = r.json()
    assert data["addresses"][0]["address"] == "export@beispiel.de"
    assert data["subscriptions"][0]["topic_id"] == "baustellen"
    assert data["consents"][0]["confirmed_channel"] == "email"
    assert [e["action"] for e in data["audit"]][:2] == ["subscribe-requested", "confirmed"]
    assert data["deliveries"][0]["event_title"] == "Sperrung"
    assert [a["outcome"] for a in data["deliveries"][0]["failed_attempts"]] == ["failed"]
    # the page link works too (export token)
    pid = public_id(client, "export@beispiel.de")
    token = client.rt.signer.token("export", pid)
    page = client.get(f"/export/{token}?format=json")
    assert page.status_code == 200 and page.json()["subscriber"]["public_id"] == pid
    readable = client.get(f"/export/{token}")  # a page for a person: German labels, no JSON keys
    assert readable.headers["content-type"].startswith("text/html")
    for label in ("Ihre Adressen", "export@beispiel.de (bestätigt)", "Baustellen und Straßensperrungen",
                  "Anmeldung bestätigt", "Sperrung – E-Mail"):  # fmt: skip
        assert label in readable.text, label
    assert "topic_id" not in readable.text and f'href="/export/{token}?format=json"' in readable.text


def test_erasure_leaves_no_personal_data(client, sink):
    token = subscribe_and_confirm(client, sink, "weg@beispiel.de", phone="01701234567", channels=["email", "sms"],
                                  postal_address="Erika Muster | Musterweg 1 | 45894 Gelsenkirchen")  # fmt: skip
    with session_scope(client.rt.db_url) as s:
        sid = s.execute(select(Subscriber.id)).scalar_one()
        _delivery(s, sid, error="550 <weg@beispiel.de> unknown")
    r = client.delete(f"/v1/subscriptions/{token}")
    assert r.status_code == 204
    with session_scope(client.rt.db_url) as s:
        for table in (Subscriber, ChannelAddress, Subscription, ConsentRecord, ConfirmationCode):
            assert s.execute(select(func.count()).select_from(table)).scalar_one() == 0, table
        delivery = s.execute(select(Delivery)).scalars().one()
        assert delivery.subscriber_id < 0 and delivery.last_error is None
        [attempt] = s.execute(select(DeliveryAttempt)).scalars()  # the history stays, without the answer
        assert attempt.delivery_id == delivery.id and attempt.error is None
        refs = set(s.execute(select(AuditEntry.subscriber_ref)).scalars())
        assert refs == {delivery.subscriber_id}
        trail = " ".join(e.detail for e in s.execute(select(AuditEntry)).scalars())
        assert "weg@" not in trail and "170" not in trail and "Muster" not in trail
    assert_problem(client.get(f"/v1/subscriptions/{token}"), 404)
    assert_problem(client.delete(f"/v1/subscriptions/{token}"), 404)


def test_delete_page_asks_first_then_erases(client, sink):
    subscribe_and_confirm(client, sink, "seite@beispiel.de")
    pid = public_id(client, "seite@beispiel.de")
    url = f"/loeschen/{client.rt.signer.token('delete', pid)}"
    assert "Ja, alles löschen" in client.get(url).text
    with session_scope(client.rt.db_url) as s:
        assert s.execute(select(func.count()).select_from(Subscriber)).scalar_one() == 1
    r = client.post(url, data={"csrf_token": csrf(client, url)})
    assert r.status_code == 200 and "gelöscht" in r.text
    with session_scope(client.rt.db_url) as s:
        assert s.execute(select(func.count()).select_from(Subscriber)).scalar_one() == 0
    assert client.get(url).status_code == 404


def test_hard_bounce_removes_the_address_and_unsubscribes(client, sink):
    subscribe_and_confirm(client, sink, "bounce@beispiel.de")
    subscribe_and_confirm(client, sink, "zwei@beispiel.de", phone="01709876543", channels=["email", "sms"])
    client.post("/v1/subscriptions/confirm", json={"phone": "01709876543", "code": "x"})
    with session_scope(client.rt.db_url) as s:
        changed = mark_bounced(s, "email", "bounce@beispiel.de", "550 5.1.1 <bounce@beispiel.de> does not exist")
        assert len(changed) == 1
        assert s.get(Subscriber, changed[0]).status == "unsubscribed"
        detail = s.execute(select(AuditEntry.detail).where(AuditEntry.action == "address-removed")).scalar_one()
        assert "bounce@" not in detail and "hard-bounce" in detail
        # a complaint on one channel leaves the other confirmed channel working
        s.execute(
            ChannelAddress.__table__.update().where(ChannelAddress.channel == "sms").values(confirmed_at=utcnow())
        )
        changed = mark_bounced(s, "email", "zwei@beispiel.de", "complaint (abuse report)")
        sub = s.get(Subscriber, changed[0])
        assert sub.status == "active"
        assert change_record(s, sub.id)["channels"] == ["sms"]
        assert mark_bounced(s, "email", "niemand@beispiel.de", "550") == []


def test_purge_removes_unconfirmed_after_72_hours(client, sink, monkeypatch):
    client.post("/v1/subscriptions", json=subscription(email="vergessen@beispiel.de"))
    subscribe_and_confirm(client, sink, "bleibt@beispiel.de")
    with session_scope(client.rt.db_url) as s:
        assert purge_unconfirmed(s) == 0
        assert purge_unconfirmed(s, now=utcnow() + timedelta(hours=73)) == 1
        left = s.execute(select(ChannelAddress.address)).scalars().all()
    assert left == ["bleibt@beispiel.de"]
    monkeypatch.setenv("NOTIFY_UNCONFIRMED_HOURS", "1")
    client.post("/v1/subscriptions", json=subscription(email="kurz@beispiel.de"))
    with session_scope(client.rt.db_url) as s:
        assert purge_unconfirmed(s, now=utcnow() + timedelta(hours=2)) == 1


def test_purge_erases_unsubscribed_after_30_days(client, sink):
    subscribe_and_confirm(client, sink, "alt@beispiel.de")
    pid = public_id(client, "alt@beispiel.de")
    client.post(f"/abmelden/{client.rt.signer.token('unsubscribe', pid)}", data={"List-Unsubscribe": "One-Click"})
    with session_scope(client.rt.db_url) as s:
        assert purge_unconfirmed(s, now=utcnow() + timedelta(days=2)) == 0
        assert purge_unconfirmed(s, now=utcnow() + timedelta(days=31)) == 1
        assert s.execute(select(func.count()).select_from(Subscriber)).scalar_one() == 0


def test_export_json_is_serialisable(client, sink):
    token = subscribe_and_confirm(client, sink, "json@beispiel.de")
    assert json.dumps(client.get(f"/v1/subscriptions/{token}/export").json())
