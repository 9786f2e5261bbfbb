""""An mich senden": only the signed-in officer gets the message, marked as a test; nothing else moves."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select
from staff_samples import add_residents, auth, draft, mails_to, sign_in

from subscribers.db import session_scope
from subscribers.models import Delivery, EventRecord


def new_draft(client, who: str = "anna", **fields) -> int:
    r = client.post("/v1/announcements", json=draft(**fields), headers=auth(client.tokens[who]))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def ledger_size(db_url: str) -> tuple[int, int]:
    with session_scope(db_url) as s:
        return (s.execute(select(func.count()).select_from(Delivery)).scalar_one(),
                s.execute(select(func.count()).select_from(EventRecord)).scalar_one())  # fmt: skip


def test_a_test_reaches_only_the_officer_and_touches_no_resident_and_no_ledger(mail_api):
    add_residents(mail_api.rt.db_url, [([("email", f"r{i}@example.org")], [("baustellen", "buer")]) for i in range(3)])
    title = f"Sperrung in Buer {uuid.uuid4().hex[:6]}"
    ann = new_draft(mail_api, title=title)
    r = mail_api.post(f"/v1/announcements/{ann}/test", json={}, headers=auth(mail_api.tokens["anna"]))
    assert r.status_code == 200, r.text
    assert r.json()["sent"] == [{"channel": "email", "to": "anna@stadt.example", "ok": True}]
    got = [m for m in mails_to(mail_api.sink, "anna@stadt.example") if title in str(m["Subject"])]
    assert len(got) == 1 and str(got[0]["Subject"]) == f"Test: {title}" and got[0]["X-Stadtbote-Test"] == "1"
    body = got[0].get_body(("plain",)).get_content()
    assert "Nur Sie bekommen diese Nachricht" in body
    assert not any(mails_to(mail_api.sink, f"r{i}@example.org") for i in range(3))
    assert ledger_size(mail_api.rt.db_url) == (0, 0) and mail_api.publisher.sent == []
    # the real send afterwards is not mistaken for a replay
    assert mail_api.post(f"/v1/announcements/{ann}/send", headers=auth(mail_api.tokens["anna"])).status_code == 200
    assert [e["id"] for e in mail_api.publisher.events()] == [f"ANN-{ann}"]
    history = mail_api.get(f"/v1/announcements/{ann}/audit", headers=auth(mail_api.tokens["anna"])).json()["items"]
    assert [h["action"] for h in history] == ["create", "test", "claim", "sent"]


@pytest.mark.parametrize(("language", "profile", "content_language"), [
    ("de", "leicht", "de"), ("en", "standard", "en"), ("tr", "standard", "tr"),
])  # fmt: skip
def test_the_test_comes_in_the_chosen_version(mail_api, language, profile, content_language):
    title = f"Freibad {uuid.uuid4().hex[:6]}"
    ann = new_draft(mail_api, title=title)
    r = mail_api.post(f"/v1/announcements/{ann}/test", json={"language": language, "profile": profile},
                      headers=auth(mail_api.tokens["anna"]))  # fmt: skip
    assert r.status_code == 200 and r.json()["profile"] == profile
    got = [m for m in mails_to(mail_api.sink, "anna@stadt.example") if title in str(m["Subject"])]
    assert len(got) == 1 and got[0]["Content-Language"] == content_language


def test_sms_goes_to_the_number_in_the_officers_profile_only(mail_api, tmp_path):
    h = auth(mail_api.tokens["anna"])
    ann = new_draft(mail_api)
    r = mail_api.post(f"/v1/announcements/{ann}/test", json={"channels": ["sms"]}, headers=h)
    assert r.status_code == 409 and "Handynummer" in r.json()["detail"]
    token = sign_in(mail_api, "anna")
    r = mail_api.post("/staff/profil", data={"name": "Anna", "phone": "0151 2345 6789", "csrf_token": token})
    assert r.status_code == 200 and 'value="+4915123456789"' in r.text
    r = mail_api.post(f"/v1/announcements/{ann}/test", json={"channels": ["sms"]}, headers=h)
    assert r.status_code == 200, r.text
    lines = [json.loads(x) for x in (tmp_path / "var" / "outbox" / "sms.jsonl").read_text().splitlines()]
    assert [x["recipient"] for x in lines] == ["+4915123456789"] and lines[0]["body"].startswith("Test: ")


def test_the_editor_form_sends_a_test_and_says_to_whom(mail_api):
    ann = new_draft(mail_api, title="Formular-Test")
    token = sign_in(mail_api, "anna")
    editor = mail_api.get(f"/staff/mitteilungen/{ann}")
    assert "An mich senden" in editor.text
    r = mail_api.post(f"/staff/mitteilungen/{ann}/test", data={"fassung": "de/einfach", "kanal": "email", "csrf_token": token})
    assert r.status_code == 200 and "an anna@stadt.example: gesendet" in r.text
    r = mail_api.post(f"/staff/mitteilungen/{ann}/test", data={"fassung": "xx/standard", "kanal": "email", "csrf_token": token})
    assert r.status_code == 400 and "Die Sprache „xx“ gibt es hier nicht" in r.text


def test_without_sign_in_no_test_is_sent(mail_api):
    ann = new_draft(mail_api)
    assert mail_api.post(f"/v1/announcements/{ann}/test", json={}).status_code == 401
