# ruff: noqa: F811 - fixtures are imported from residents_testkit by name
"""The JSON API at the HTTP level: subscribe, double opt-in, manage, export, delete, errors."""

from __future__ import annotations

import pytest
from residents_testkit import (  # noqa: F401 - fixtures
    BASE,
    assert_problem,
    client,
    link_in,
    mails_to,
    rt,
    sink,
    sms_code,
    sms_to,
    subscribe_and_confirm,
    subscription,
    token_of,
)
from sqlalchemy import select

from subscribers.consent import AuditEntry, ConsentRecord
from subscribers.db import session_scope
from subscribers.models import ChannelAddress, Subscriber, Subscription
from subscribers.store import change_record


def test_subscribe_is_pending_until_the_email_link_is_confirmed(client, sink):
    r = client.post("/v1/subscriptions", json=subscription(email="Pending@Beispiel.de"))
    assert r.status_code == 202
    assert r.json()["status"] == "pending_confirmation"
    with session_scope(client.rt.db_url) as s:
        sub = s.execute(select(Subscriber)).scalars().one()
        assert sub.status == "pending" and sub.origin == "web"
        row = s.execute(select(ChannelAddress)).scalars().one()
        assert row.address == "pending@beispiel.de" and row.confirmed_at is None
        assert change_record(s, sub.id)["active"] is False
    mail = mails_to(sink, "pending@beispiel.de")[-1]
    assert mail["List-Unsubscribe"].startswith(f"<{BASE}/abmelden/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    confirm = link_in(mail, "/bestaetigen")
    r = client.post("/v1/subscriptions/confirm", json={"token": token_of(confirm)})
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    with session_scope(client.rt.db_url) as s:
        sub = s.execute(select(Subscriber)).scalars().one()
        assert sub.status == "active"
        assert s.execute(select(ChannelAddress)).scalars().one().confirmed_at is not None
        record = change_record(s, sub.id)
        assert record["active"] and record["channels"] == ["email"]
        assert record["subscriptions"] == [["baustellen", "buer"]]
        consent = s.execute(select(ConsentRecord)).scalars().one()
        assert consent.confirmed_channel == "email" and consent.text_version and consent.given_via == "api"
        actions = [e.action for e in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
        assert actions == ["subscribe-requested", "confirmed"]
    assert client.published == [sub.id]
    # confirming twice is harmless
    assert client.post("/v1/subscriptions/confirm", json={"token": token_of(confirm)}).status_code == 200


def test_known_address_gets_the_same_answer_and_a_manage_link(client, sink):
    subscribe_and_confirm(client, sink, "known@beispiel.de")
    first = client.post("/v1/subscriptions", json=subscription(email="new@beispiel.de"))
    again = client.post("/v1/subscriptions", json=subscription(email="known@beispiel.de", topics=["abfuhr"]))
    assert again.status_code == first.status_code == 202
    assert again.json() == first.json()
    mail = mails_to(sink, "known@beispiel.de")[-1]
    assert "schon" in mail["Subject"]
    assert link_in(mail, "/verwalten")
    with session_scope(client.rt.db_url) as s:  # nothing changed by a stranger
        topics = s.execute(select(Subscription.topic_id).join(ChannelAddress, ChannelAddress.subscriber_id == Subscription.subscriber_id)
                           .where(ChannelAddress.address == "known@beispiel.de")).scalars().all()  # fmt: skip
        assert topics == ["baustellen"]


def test_sms_code_confirms_the_phone(client, rt):
    body = subscription(email=None, phone="0170 1234567", channels=["sms"])
    assert client.post("/v1/subscriptions", json=body).status_code == 202
    code = sms_code(rt, "+491701234567")
    wrong = client.post(
        "/v1/subscriptions/confirm", json={"phone": "0170 1234567", "code": "000000" if code != "000000" else "111111"}
    )
    assert_problem(wrong, 400, "Code")
    r = client.post("/v1/subscriptions/confirm", json={"phone": "+49 170 1234567", "code": code})
    assert r.status_code == 200, r.text
    with session_scope(rt.db_url) as s:
        assert s.execute(select(ChannelAddress.confirmed_at)).scalar_one() is not None
    assert_problem(client.post("/v1/subscriptions/confirm", json={"phone": "0170 1234567", "code": code}), 400)


def test_sms_code_is_void_after_five_wrong_tries(client, rt):
    client.post("/v1/subscriptions", json=subscription(email=None, phone="015112345678", channels=["sms"]))
    code = sms_code(rt, "+4915112345678")
    wrong = "123456" if code != "123456" else "654321"
    for _ in range(5):
        assert (
            client.post("/v1/subscriptions/confirm", json={"phone": "015112345678", "code": wrong}).status_code == 400
        )
    assert client.post("/v1/subscriptions/confirm", json={"phone": "015112345678", "code": code}).status_code == 400


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"topics": []}, "topics", "mindestens ein Thema"),
        ({"topics": ["mond"]}, "topics", "kennen wir nicht"),
        ({"districts": ["atlantis"]}, "districts", "kennen wir nicht"),
        ({"districts": []}, "districts", "Ort"),
        ({"districts": [], "place": "4589"}, "place", "5 Ziffern"),
        ({"districts": [], "place": "10115"}, "place", "gehört nicht zu Gelsenkirchen"),
        ({"districts": [], "place": "Musterweg 1, Gelsenkirchen"}, "place", "keine Postleitzahl"),
        ({"channels": ["fax"]}, "channels", "gibt es nicht"),
        ({"email": "erika(at)beispiel"}, "email", "E-Mail-Adresse stimmt nicht"),
        ({"email": None}, "email", "E-Mail gewählt"),
        ({"channels": ["sms"], "phone": "0209 1690"}, "phone", "keine Handynummer"),
        ({"channels": ["sms"], "phone": "12"}, "phone", "Handynummer stimmt nicht"),
        ({"channels": ["letter"], "postal_address": "Nur eine Zeile"}, "postal_address", "2 bis 6 Zeilen"),
        (
            {"channels": ["letter"], "postal_address": "Erika | Weg 1 | 4589 Gelsenkirchen"},
            "postal_address",
            "Postleitzahl und Ort",
        ),
        (
            {"channels": ["letter"], "postal_address": "Erika | Weg 1 | 45000 Gelsenkirchen"},
            "postal_address",
            "gibt es in Gelsenkirchen nicht",
        ),
        ({"language": "xx"}, "language", "Sprache"),
        ({"profile": "kompliziert"}, "profile", "einfach"),
        ({"frequency": "hourly"}, "frequency", "daily"),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "quiet_start", "22:00"),
        ({"quiet_start": "22:00"}, "quiet_end", "Beginn und Ende"),
    ],
)
def test_validation_errors_name_the_field_in_german(client, body, field, words):
    r = client.post("/v1/subscriptions", json=subscription(**body))
    problem = assert_problem(r, 400)
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert field in messages, messages
    assert words in messages[field]


def test_postcode_and_street_address_resolve_to_a_stadtteil(client, sink):
    r = client.post(
        "/v1/subscriptions",
        json=subscription(email="plz@beispiel.de", districts=[], place="Steeler Str. 5, 45884 Gelsenkirchen"),
    )
    assert r.status_code == 202
    with session_scope(client.rt.db_url) as s:
        assert s.execute(select(Subscription.district_id)).scalars().all() == ["rotthausen"]


def test_shared_postcode_asks_which_stadtteil(client):
    r = client.post("/v1/subscriptions", json=subscription(districts=[], place="45881"))
    problem = assert_problem(r, 400)
    assert {c["id"] for c in problem["choices"]} == {"bismarck", "schalke", "schalke-nord"}
    ok = client.post("/v1/subscriptions", json=subscription(districts=["schalke"], place="45881"))
    assert ok.status_code == 202


def test_bad_json_and_non_object(client):
    assert_problem(
        client.post("/v1/subscriptions", content=b"{nope", headers={"content-type": "application/json"}), 400, "JSON"
    )
    assert_problem(client.post("/v1/subscriptions", json=[1, 2]), 400, "JSON-Objekt")


def test_manage_read_change_and_reconfirm_new_address(client, sink):
    token = subscribe_and_confirm(client, sink, "manage@beispiel.de")
    state = client.get(f"/v1/subscriptions/{token}").json()
    assert state["topics"] == ["baustellen"] and state["email"] == "manage@beispiel.de"
    assert state["confirmed"] == {"email": True}
    r = client.patch(
        f"/v1/subscriptions/{token}",
        json={
            "topics": ["abfuhr", "verkehr"],
            "frequency": "weekly",
            "quiet_start": "22:00",
            "quiet_end": "6:30",
            "profile": "leicht",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["topics"] == ["abfuhr", "verkehr"] and body["frequency"] == "weekly"
    assert (body["quiet_start"], body["quiet_end"]) == ("22:00", "06:30")
    assert body["confirmed"] == {"email": True}
    r = client.patch(f"/v1/subscriptions/{token}", json={"email": "neu@beispiel.de"})
    assert r.json()["confirmed"] == {"email": False} and r.json()["confirm_by"] == ["email"]
    confirm = link_in(mails_to(sink, "neu@beispiel.de")[-1], "/bestaetigen")
    assert client.post("/v1/subscriptions/confirm", json={"token": token_of(confirm)}).status_code == 200
    assert client.get(f"/v1/subscriptions/{token}").json()["confirmed"] == {"email": True}
    assert_problem(client.patch(f"/v1/subscriptions/{token}", json={"topics": ["mond"]}), 400)


def test_old_confirm_link_stops_working_after_the_address_changed(client, sink):
    client.post("/v1/subscriptions", json=subscription(email="alt@beispiel.de"))
    old = token_of(link_in(mails_to(sink, "alt@beispiel.de")[-1], "/bestaetigen"))
    client.post(  # a second sign-up is its own resident: the first link keeps working
        "/v1/subscriptions", json=subscription(email="alt@beispiel.de", phone="01701112223", channels=["email", "sms"])
    )
    assert client.post("/v1/subscriptions/confirm", json={"token": old}).status_code == 200
    with session_scope(client.rt.db_url) as s:
        s.execute(Subscriber.__table__.delete().where(Subscriber.id != select(Subscriber.id).limit(1).scalar_subquery()))
    with session_scope(client.rt.db_url) as s:
        sub = s.execute(select(Subscriber)).scalars().one()
        s.execute(
            ChannelAddress.__table__.update()
            .where(ChannelAddress.channel == "email")
            .values(address="other@beispiel.de")
        )
    assert_problem(client.post("/v1/subscriptions/confirm", json={"token": old}), 404)
    assert sub


@pytest.mark.parametrize("path", ["/v1/subscriptions/{t}", "/v1/subscriptions/{t}/export"])
def test_bad_and_expired_tokens(client, path, monkeypatch):
    assert_problem(client.get(path.format(t="kaputt")), 404, "ungültig")
    from notify import links

    token = client.rt.signer.token("manage", "someone")
    monkeypatch.setitem(links.MAX_AGE, "manage", -1)
    monkeypatch.setitem(links.MAX_AGE, "export", -1)
    assert_problem(client.get(path.format(t=token)), 410, "abgelaufen")


def test_token_for_another_purpose_is_refused(client, sink):
    subscribe_and_confirm(client, sink, "zweck@beispiel.de")
    with session_scope(client.rt.db_url) as s:
        pid = s.execute(select(Subscriber.public_id)).scalar_one()
    unsubscribe_token = client.rt.signer.token("unsubscribe", pid)
    assert_problem(client.get(f"/v1/subscriptions/{unsubscribe_token}"), 404)
    assert_problem(client.delete(f"/v1/subscriptions/{unsubscribe_token}"), 404)


def test_key_rotation_keeps_old_links_working(client, sink):
    token = subscribe_and_confirm(client, sink, "rotation@beispiel.de")
    from notify.links import LinkSigner

    rotated = LinkSigner.from_secret("new-key resident-secret", BASE)
    client.rt.__dict__["signer"] = rotated
    assert client.get(f"/v1/subscriptions/{token}").status_code == 200
    assert rotated.token("manage", "x") != token


def test_openapi_documents_the_subscription_api(client):
    spec = client.get("/openapi.json").json()
    for path in (
        "/v1/subscriptions",
        "/v1/subscriptions/confirm",
        "/v1/subscriptions/{token}",
        "/v1/subscriptions/{token}/export",
        "/v1/subscriptions/paper",
    ):
        assert path in spec["paths"], path
    schema = spec["paths"]["/v1/subscriptions"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "topics" in schema["properties"]


@pytest.mark.parametrize(
    ("postal_address", "field"),
    [([{}], "postal_address"), ([1, 2], "postal_address"), ({"zeile": "x"}, "postal_address")],
)
def test_postal_address_of_the_wrong_type_is_a_400_not_a_500(client, postal_address, field):
    """Found by schemathesis: ``"postal_address": [{}]`` answered 500."""
    r = client.post("/v1/subscriptions", json=subscription(channels=["letter"], postal_address=postal_address))
    body = assert_problem(r, 400)
    assert field in {e["field"] for e in body["errors"]}
