# ruff: noqa: F811 - the api fixture is imported from staff_samples
"""Beginn and Ende in the staff editor: checked, carried into the event, shown in the city's calendar."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import icalendar
import pytest
from staff_samples import api, auth, sign_in  # noqa: F401
from test_staff_pages import form

from notify.pipeline import ingest
from notify.publishing import archive


def test_an_announcement_with_dates_reaches_the_calendar_feed(api):
    token = sign_in(api, "anna")
    r = api.post("/staff/mitteilungen/neu", follow_redirects=False, data=form(
        title="Der Bezirksbeirat Buer tagt", text="Der Bezirksbeirat tagt am Dienstag. Alle dürfen zuhören.",
        starts_at="2027-04-13T17:00", ends_at="2027-04-13T19:30", csrf_token=token))  # fmt: skip
    assert r.status_code == 303, r.text
    ann_id = int(r.headers["location"].split("/")[-1].split("?")[0])
    editor = api.get(f"/staff/mitteilungen/{ann_id}").text
    assert 'value="2027-04-13T17:00"' in editor and 'value="2027-04-13T19:30"' in editor  # city time, as typed
    shown = api.get(f"/v1/announcements/{ann_id}", headers=auth(api.tokens["anna"])).json()
    assert shown["starts_at"].startswith("2027-04-13T15:00") and shown["ends_at"].startswith("2027-04-13T17:30")

    assert api.post(f"/v1/announcements/{ann_id}/send", headers=auth(api.tokens["anna"])).status_code == 200
    [(_, value, _)] = [s for s in api.publisher.sent if s[0] == "city-events"]
    assert ingest(value, api.rt).outcome == "new"  # the worker's real ingest step: into the archive
    archive.forget_stamp()
    cal = icalendar.Calendar.from_ical(api.get("/meldungen/kalender.ics").content)
    [event] = cal.walk("VEVENT")
    assert str(event["summary"]) == "Der Bezirksbeirat Buer tagt"
    assert event.decoded("dtstart") == datetime(2027, 4, 13, 15, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2027, 4, 13, 17, 30, tzinfo=UTC)


@pytest.mark.parametrize(("starts", "ends", "message"), [
    ("2027-04-13T17:00", "2027-04-13T16:00", "Das Ende liegt vor dem Beginn"),
    ("", "2027-04-13T16:00", "Zu einem Ende gehört ein Beginn"),
    ("morgen", "", "Beginn"),
])  # fmt: skip
def test_wrong_times_are_refused_in_plain_german(api, starts, ends, message):
    token = sign_in(api, "anna")
    r = api.post("/staff/mitteilungen/neu", data=form(starts_at=starts, ends_at=ends, csrf_token=token))
    assert r.status_code == 400 and message in r.text
    assert 'aria-invalid="true"' in r.text
    assert api.get("/v1/announcements", headers=auth(api.tokens["anna"])).json()["items"] == []


def test_the_api_refuses_an_end_before_the_start(api):
    body = {"title": "Sitzung", "text": "Der Rat tagt.", "topics": ["baustellen"], "area": ["buer"],
            "starts_at": "2027-04-13T17:00:00+02:00", "ends_at": "2027-04-13T15:00:00+02:00"}  # fmt: skip
    r = api.post("/v1/announcements", json=body, headers=auth(api.tokens["anna"]))
    assert r.status_code == 400 and "Ende liegt vor dem Beginn" in r.text


HARD = ("Die Durchführung der Maßnahme erfolgt zwecks Gewährleistung der Verkehrssicherheit unter Berücksichtigung "
        "der einschlägigen Bestimmungen, wobei seitens der zuständigen Behörde eine entsprechende Inaugenscheinnahme "
        "vorgenommen wurde, deren Ergebnisse den Anliegern zur Kenntnisnahme übermittelt worden sind, sofern diese "
        "nicht bereits anderweitig in Kenntnis gesetzt worden waren.")  # fmt: skip


def test_an_announcement_held_at_ingest_is_released_into_the_archive(api):
    from subscribers.db import session_scope
    from subscribers.models import EventRecord

    ann = api.post("/v1/announcements", json={"title": "Satzung zur Abfallentsorgung", "text": HARD,
                                              "topics": ["baustellen"], "area": ["buer"]},
                   headers=auth(api.tokens["anna"])).json()  # fmt: skip
    assert api.post(f"/v1/announcements/{ann['id']}/send", headers=auth(api.tokens["anna"])).status_code == 200
    [(_, value, _)] = [s for s in api.publisher.sent if s[0] == "city-events"]
    held = ingest(value, api.rt)
    assert held.outcome == "held"
    archive.forget_stamp()
    assert "Satzung zur Abfallentsorgung" not in api.get("/meldungen").text

    token = sign_in(api, "bernd")  # an approver
    page = api.get(f"/staff/mitteilungen/{ann['id']}/zustellung").text
    assert "Die ganze Mitteilung ist angehalten" in page and "Ganze Mitteilung freigeben" in page
    r = api.post(f"/staff/mitteilungen/{ann['id']}/zustellung/freigeben", data={"auswahl": "alle", "csrf_token": token},
                 follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    [(topic, value, key)] = [s for s in api.publisher.sent if s[0] == "events-accepted"]  # on to matching
    assert json.loads(value)["event_pk"] == held.event_pk and key == held.event.key.encode()
    with session_scope(api.rt.db_url) as s:
        assert s.get(EventRecord, held.event_pk).status == "accepted"
    archive.forget_stamp()
    assert "Satzung zur Abfallentsorgung" in api.get("/meldungen").text
    assert "Satzung zur Abfallentsorgung" in api.get("/meldungen/feed.atom").text
    again = api.post(f"/v1/announcements/{ann['id']}/release", headers=auth(api.tokens["bernd"]))
    assert again.status_code == 409  # nothing held any more
