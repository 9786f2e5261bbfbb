# ruff: noqa: F811 - the api fixture is imported from staff_samples
"""The announcements API: every transition, every permission, the audit log, publishing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from staff_samples import HARD_TEXT, add_residents, api, auth, draft  # noqa: F401 - api is a fixture

from notify.announcements import SOURCE, publish_due

PROBLEM = "application/problem+json"


def create(api, who="anna", **overrides) -> dict:
    r = api.post("/v1/announcements", json=draft(**overrides), headers=auth(api.tokens[who]))
    assert r.status_code == 201, r.text
    return r.json()


def act(api, ann_id: int, action: str, who: str, body: dict | None = None):
    return api.post(f"/v1/announcements/{ann_id}/{action}", json=body, headers=auth(api.tokens[who]))


def audit_rows(api, ann_id: int) -> list[tuple]:
    items = api.get(f"/v1/announcements/{ann_id}/audit", headers=auth(api.tokens["admin"])).json()["items"]
    return [(i["actor"].split("@")[0], i["action"], i["from"], i["to"]) for i in items]


def test_create_returns_id_and_the_readability_report_with_findings(api):
    r = api.post("/v1/announcements", json=draft(text=HARD_TEXT), headers=auth(api.tokens["anna"]))
    assert r.status_code == 201
    body = r.json()
    assert r.headers["location"] == f"/v1/announcements/{body['id']}"
    assert body["status"] == "draft" and body["created_by"] == "anna@stadt.example"
    findings = body["readability"]["findings"]
    assert findings and {"rule", "start", "end", "excerpt", "message", "suggestion", "replacement"} <= set(findings[0])
    gemaess = next(f for f in findings if f["excerpt"] == "Gemäß")
    assert gemaess["replacement"] == "nach"  # one click in the UI
    assert HARD_TEXT[gemaess["start"] : gemaess["end"]] == "Gemäß"
    got = api.get(f"/v1/announcements/{body['id']}", headers=auth(api.tokens["bernd"])).json()
    assert got["title"] == "Sperrung in Buer" and got["audience"]["total"] == 0


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (draft(topics=["raumfahrt"]), "raumfahrt"),
        (draft(area=["atlantis"]), "atlantis"),
        (draft(title="Zwei\nZeilen"), "title"),
        (draft(topics=[]), "topics"),
        ({"title": "Ohne Text", "topics": ["baustellen"]}, "text"),
    ],
)
def test_bad_drafts_are_refused_with_a_clear_problem(api, body, fragment):
    r = api.post("/v1/announcements", json=body, headers=auth(api.tokens["anna"]))
    assert r.status_code == 400 and r.headers["content-type"] == PROBLEM
    assert fragment in r.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v1/announcements"),
        ("post", "/v1/announcements"),
        ("get", "/v1/announcements/1"),
        ("patch", "/v1/announcements/1"),
        ("post", "/v1/announcements/1/approve"),
        ("post", "/v1/announcements/1/send"),
        ("post", "/v1/announcements/1/cancel"),
        ("post", "/v1/announcements/1/correction"),
        ("get", "/v1/announcements/1/audit"),
        ("get", "/v1/announcements/1/deliveries"),
        ("get", "/v1/audience?topics=baustellen&area=buer"),
    ],
)
def test_no_session_no_token_no_access(api, method, path):
    r = api.request(method.upper(), path, json=draft() if method != "get" else None)
    assert r.status_code == 401 and r.headers["content-type"] == PROBLEM
    assert r.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/v1/announcements"),
        ("post", "/v1/announcements"),
        ("get", "/v1/announcements/1"),
        ("post", "/v1/announcements/1/send"),
        ("get", "/v1/announcements/1/deliveries"),
        ("get", "/v1/audience?topics=baustellen&area=buer"),
    ],
)
def test_a_city_systems_events_write_key_cannot_read_subscribers_or_announcements(api, method, path):
    r = api.request(method.upper(), path, json=draft() if method != "get" else None, headers=auth(api.tokens["system"]))
    assert r.status_code in (401, 403) and r.headers["content-type"] == PROBLEM


def test_a_key_with_subscribers_read_may_count_the_audience_but_not_touch_announcements(api):
    assert api.get("/v1/audience?topics=baustellen", headers=auth(api.tokens["reader"])).status_code == 200
    assert api.get("/v1/announcements", headers=auth(api.tokens["reader"])).status_code == 403


@pytest.mark.parametrize("token", ["st_nope_nope", "sb_nope_nope", "garbage"])
def test_unknown_tokens_get_401(api, token):
    assert api.get("/v1/announcements", headers=auth(token)).status_code == 401


def test_the_author_can_never_approve_their_own_announcement(api):
    own = create(api, "bernd")  # an approver writing
    r = act(api, own["id"], "approve", "bernd")
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM and "Vier-Augen" in r.json()["detail"]
    other = create(api, "anna")
    assert act(api, other["id"], "approve", "anna").status_code == 403  # authors never approve
    assert act(api, other["id"], "approve", "clara").status_code == 200


def test_whoever_changed_the_text_last_cannot_approve_it_either(api):
    ann = create(api, "anna")
    r = api.patch(f"/v1/announcements/{ann['id']}", json={"text": "Die Straße ist ab Dienstag gesperrt."},
                  headers=auth(api.tokens["bernd"]))  # fmt: skip
    assert r.status_code == 200
    assert act(api, ann["id"], "approve", "bernd").status_code == 403
    assert act(api, ann["id"], "approve", "clara").status_code == 200


def test_approving_a_text_with_findings_needs_an_explicit_override_which_is_recorded(api):
    ann = create(api, text=HARD_TEXT)
    r = act(api, ann["id"], "approve", "bernd")
    assert r.status_code == 409 and "Hinweise" in r.json()["detail"] and r.json()["findings"] > 0
    r = act(api, ann["id"], "approve", "bernd", {"override_findings": True, "note": "Rechtstext, bewusst"})
    assert r.status_code == 200
    assert r.json()["override_findings"] is True and r.json()["approved"] is True
    [entry] = [i for i in api.get(f"/v1/announcements/{ann['id']}/audit", headers=auth(api.tokens["anna"])).json()["items"]
               if i["action"] == "approve"]  # fmt: skip
    assert "trotz" in entry["note"].lower() and "bewusst" in entry["note"]


def test_urgent_announcements_need_approval_before_sending(api):
    ann = create(api, urgency="urgent", topics=["unwetter"], area="citywide")
    r = act(api, ann["id"], "send", "anna")
    assert r.status_code == 409 and "dringend" in r.json()["detail"] and "frei" in r.json()["detail"]
    assert api.publisher.sent == []
    assert act(api, ann["id"], "approve", "bernd").status_code == 200
    r = act(api, ann["id"], "send", "anna")
    assert r.status_code == 200 and r.json()["status"] == "sent" and r.json()["event_id"] == f"ANN-{ann['id']}"
    [event] = api.publisher.events()
    assert event["source"] == SOURCE and event["id"] == f"ANN-{ann['id']}"
    assert event["type"] == "de.gelsenkirchen.announcement" and event["data"]["urgency"] == "urgent"
    assert event["data"]["area"] == "citywide" and event["data"]["topics"] == ["unwetter"]
    topic, _, key = api.publisher.sent[0]
    assert topic == "city-events" and key == f"{SOURCE}\x1fANN-{ann['id']}".encode()


def test_audiences_above_the_threshold_need_approval_below_it_the_author_sends(api, monkeypatch):
    add_residents(api.rt.db_url, [([("email", f"p{i}@example.org")], [("baustellen", "buer")]) for i in range(3)])
    ann = create(api)
    monkeypatch.setenv("NOTIFY_APPROVAL_THRESHOLD", "2")
    r = act(api, ann["id"], "send", "anna")
    assert r.status_code == 409 and "3 Personen" in r.json()["detail"] and r.json()["audience"]["total"] == 3
    monkeypatch.setenv("NOTIFY_APPROVAL_THRESHOLD", "3")
    r = act(api, ann["id"], "send", "anna")
    assert r.status_code == 200 and r.json()["audience_total"] == 3
    assert act(api, ann["id"], "send", "anna").status_code == 409  # never twice
    assert len(api.publisher.events()) == 1


def test_editing_an_approved_announcement_resets_the_approval(api):
    ann = create(api, urgency="urgent")
    assert act(api, ann["id"], "approve", "bernd").json()["approved"] is True
    r = api.patch(f"/v1/announcements/{ann['id']}", json={"title": "Sperrung in Buer verlängert"},
                  headers=auth(api.tokens["anna"]))  # fmt: skip
    body = r.json()
    assert r.status_code == 200 and body["status"] == "draft" and body["approved"] is False and body["version"] == 2
    assert act(api, ann["id"], "send", "anna").status_code == 409
    assert ("anna", "edit", "approved", "draft") in audit_rows(api, ann["id"])


def test_an_unchanged_patch_changes_nothing(api):
    ann = create(api, urgency="urgent")
    act(api, ann["id"], "approve", "bernd")
    r = api.patch(f"/v1/announcements/{ann['id']}", json={"title": ann["title"]}, headers=auth(api.tokens["anna"]))
    assert r.json()["approved"] is True and r.json()["version"] == 1


def test_review_flow_and_the_full_audit_log(api):
    ann = create(api, urgency="urgent")
    assert act(api, ann["id"], "submit", "anna", {"note": "Bitte bis 12 Uhr"}).json()["status"] == "review"
    assert act(api, ann["id"], "submit", "anna").status_code == 409  # already in review
    r = act(api, ann["id"], "send", "anna")
    assert r.status_code == 409
    assert act(api, ann["id"], "approve", "bernd").status_code == 200
    assert act(api, ann["id"], "send", "anna").status_code == 200
    assert audit_rows(api, ann["id"]) == [
        ("anna", "create", None, "draft"),
        ("anna", "submit", "draft", "review"),
        ("bernd", "approve", "review", "approved"),
        ("anna", "claim", "approved", "sending"),
        ("anna", "sent", "sending", "sent"),
    ]
    assert (
        api.patch(f"/v1/announcements/{ann['id']}", json={"title": "x"}, headers=auth(api.tokens["anna"])).status_code
        == 409
    )
    assert act(api, ann["id"], "cancel", "anna").status_code == 409
    assert act(api, ann["id"], "approve", "clara").status_code == 409


def test_cancelled_announcements_never_go_out(api):
    ann = create(api)
    r = act(api, ann["id"], "cancel", "anna", {"note": "doppelt"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert act(api, ann["id"], "send", "anna").status_code == 409
    assert act(api, ann["id"], "approve", "bernd").status_code == 409
    assert api.publisher.sent == []
    assert ("anna", "cancel", "draft", "cancelled") in audit_rows(api, ann["id"])


def test_a_correction_references_the_earlier_event_and_says_so_in_the_title(api):
    ann = create(api)
    assert act(api, ann["id"], "correction", "anna").status_code == 409  # only sent ones
    act(api, ann["id"], "send", "anna")
    r = act(api, ann["id"], "correction", "anna")
    assert r.status_code == 201
    fix = r.json()
    assert fix["corrects"] == ann["id"] and fix["status"] == "draft" and fix["id"] != ann["id"]
    api.patch(f"/v1/announcements/{fix['id']}", json={"text": "Die Straße ist erst ab Dienstag gesperrt."},
              headers=auth(api.tokens["anna"]))  # fmt: skip
    assert act(api, fix["id"], "send", "anna").status_code == 200
    first, second = api.publisher.events()
    assert second["id"] == f"ANN-{fix['id']}" != first["id"]
    assert second["corrects"] == first["id"]
    assert second["data"]["title"] == "Korrektur: Sperrung in Buer"
    assert ("anna", "correction", "sent", "sent") in audit_rows(api, ann["id"])


def test_a_broker_that_is_down_gives_503_and_the_announcement_can_be_sent_later(api):
    ann = create(api)
    api.publisher.fail = True
    r = act(api, ann["id"], "send", "anna")
    assert r.status_code == 503 and r.headers["retry-after"]
    got = api.get(f"/v1/announcements/{ann['id']}", headers=auth(api.tokens["anna"])).json()
    assert got["status"] == "draft"
    api.publisher.fail = False
    assert act(api, ann["id"], "send", "anna").json()["status"] == "sent"
    assert [a for _, a, f, t in audit_rows(api, ann["id"])] == ["create", "claim", "unclaim", "claim", "sent"]


async def test_scheduled_announcements_go_out_once_at_their_time_and_cancelled_ones_never(api):
    at = datetime.now(UTC) + timedelta(hours=2)
    plan = create(api, schedule_at=at.isoformat())
    dropped = create(api, schedule_at=at.isoformat(), title="Wird zurückgezogen")
    for ann in (plan, dropped):
        r = act(api, ann["id"], "send", "anna")
        assert r.status_code == 200 and r.json()["result"] == "scheduled" and r.json()["status"] == "scheduled"
    act(api, dropped["id"], "cancel", "anna")
    assert api.publisher.sent == []
    assert await publish_due(api.rt, api.publisher, now=at - timedelta(minutes=1)) == 0
    assert await publish_due(api.rt, api.publisher, now=at + timedelta(seconds=1)) == 1
    assert await publish_due(api.rt, api.publisher, now=at + timedelta(minutes=1)) == 0  # never twice
    assert [e["id"] for e in api.publisher.events()] == [f"ANN-{plan['id']}"]
    got = api.get(f"/v1/announcements/{plan['id']}", headers=auth(api.tokens["anna"])).json()
    assert got["status"] == "sent" and got["sent_by"] == "zeitplan"


async def test_a_scheduled_announcement_whose_audience_grew_past_the_threshold_waits_for_approval(api, monkeypatch):
    at = datetime.now(UTC) + timedelta(hours=1)
    ann = create(api, schedule_at=at.isoformat())
    act(api, ann["id"], "send", "anna")
    add_residents(api.rt.db_url, [([("email", f"q{i}@example.org")], [("baustellen", "buer")]) for i in range(2)])
    monkeypatch.setenv("NOTIFY_APPROVAL_THRESHOLD", "1")
    assert await publish_due(api.rt, api.publisher, now=at + timedelta(seconds=1)) == 0
    got = api.get(f"/v1/announcements/{ann['id']}", headers=auth(api.tokens["anna"])).json()
    assert got["status"] == "review" and api.publisher.sent == []


async def test_publish_due_keeps_a_scheduled_announcement_when_the_broker_is_down(api):
    at = datetime.now(UTC) + timedelta(minutes=30)
    ann = create(api, schedule_at=at.isoformat())
    act(api, ann["id"], "send", "anna")
    api.publisher.fail = True
    assert await publish_due(api.rt, api.publisher, now=at + timedelta(seconds=1)) == 0
    api.publisher.fail = False
    assert await publish_due(api.rt, api.publisher, now=at + timedelta(seconds=2)) == 1


def test_previews_of_every_channel(api):
    ann = create(api, link="https://www.gelsenkirchen.de/baustellen")
    h = auth(api.tokens["anna"])
    email = api.get(f"/v1/announcements/{ann['id']}/preview/email", headers=h).json()
    assert "Sperrung in Buer" in email["subject"] and '<html lang="de">' in email["html"]
    sms = api.get(f"/v1/announcements/{ann['id']}/preview/sms", headers=h).json()
    assert sms["encoding"] in ("gsm7", "ucs2") and sms["segments"] >= 1 and "gelsenkirchen.de" in sms["text"]
    push = api.get(f"/v1/announcements/{ann['id']}/preview/push", headers=h).json()
    assert push["title"] and len(push["title"]) <= 65
    pdf = api.get(f"/v1/announcements/{ann['id']}/preview/letter", headers=h)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert api.get(f"/v1/announcements/{ann['id']}/preview/fax", headers=h).status_code == 404


def test_list_filters_by_status(api):
    a, b = create(api), create(api, title="Zweite")
    act(api, b["id"], "cancel", "anna")
    items = api.get("/v1/announcements?status=cancelled", headers=auth(api.tokens["anna"])).json()["items"]
    assert [i["id"] for i in items] == [b["id"]]
    assert {i["id"] for i in api.get("/v1/announcements", headers=auth(api.tokens["anna"])).json()["items"]} == {
        a["id"],
        b["id"],
    }


def test_event_json_is_valid_for_the_pipeline(api):
    from notify.events import parse_json_event

    ann = create(api, channels=["email", "letter"], link="https://example.org/x")
    act(api, ann["id"], "send", "anna")
    raw = api.publisher.sent[0][1]
    event = parse_json_event(raw, api.rt.catalogue)
    assert event.data.link is not None and json.loads(raw)["channels"] == "email letter"
