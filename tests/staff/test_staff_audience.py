"""The audience dashboard: subscribers over time by topic/Stadtteil/channel/language/level, confirmed
or not, who left, bounces, channel health, what waits, city-system events beside announcements."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from staff_samples import add_deliveries, add_residents, sign_in

from notify import audience_stats as stats
from subscribers.consent import audit
from subscribers.db import session_scope
from subscribers.ledger import register_event
from subscribers.models import Delivery, Subscriber, utcnow


def residents(api) -> list[int]:
    ids = add_residents(api.rt.db_url, [
        ([("email", "a@example.org")], [("baustellen", "buer"), ("abfuhr", "buer")]),
        ([("sms", "+4915112345678")], [("baustellen", "hassel")]),
        ([("email", "c@example.org"), ("letter", "C\nStr. 1\n45894 Gelsenkirchen")], [("abfuhr", "citywide")]),
    ])  # fmt: skip
    add_residents(api.rt.db_url, [([("email", "p@example.org")], [("baustellen", "buer")])], confirmed=False, status="pending")
    with session_scope(api.rt.db_url) as s:
        sub = s.get(Subscriber, ids[2])
        sub.status = "unsubscribed"
        audit(s, ids[2], "unsubscribed", "resident", "alles")
        audit(s, ids[1], "address-removed", "system", "channel=sms; reason=hard-bounce")
    return ids


@pytest.mark.parametrize(("dimension", "today"), [
    ("topic", {"baustellen": 2, "abfuhr": 1}), ("district", {"buer": 2, "hassel": 1, "citywide": 0}),
    ("channel", {"email": 1, "sms": 1, "letter": 0}), ("language", {"de": 2}), ("profile", {"standard": 2}),
])  # fmt: skip
def test_subscribers_over_time_count_who_is_subscribed_now_and_who_was(api, dimension, today):
    residents(api)
    with session_scope(api.rt.db_url) as s:
        series = stats.subscribers_over_time(s, dimension, {}, now=utcnow() + timedelta(seconds=1))
    assert {k: v[-1] for k, v in series.lines.items()} == today
    assert all(max(v) >= v[-1] for v in series.lines.values())  # the one who left counted before


def test_the_page_shows_the_audience_with_tables_beside_the_chart(api):
    ids = residents(api)
    add_deliveries(api.rt.db_url, "ANN-1", [(ids[0], "email", "sent"), (ids[1], "sms", "failed"), (ids[0], "letter", "held")])
    with session_scope(api.rt.db_url) as s:
        register_event(s, source="/gelsenkirchen/tiefbau", event_id="BAU-1", type="de.gelsenkirchen.baustelle",
                       title="Sperrung", urgency="normal", payload="{}")  # fmt: skip
        s.query(Delivery).filter(Delivery.status == "failed").update({"last_error": "Gateway 30007"})
    sign_in(api, "anna")
    r = api.get("/staff/auswertung/publikum", params={"nach": "district"})
    assert r.status_code == 200 and '<svg class="chart"' in r.text and 'id="publikum-tabelle"' in r.text
    status = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td></tr>', r.text.split('id="je-status"')[1].split("</table>")[0]))
    assert status == {"Bestätigt": "2", "Nicht bestätigt": "1", "Abgemeldet": "1"}
    assert "abgemeldet: <strong>1</strong>" in r.text and "beschwert hat: <strong>1</strong> (SMS 1)" in r.text
    assert "Gateway 30007" in r.text and "Angehalten, weil der Text zu schwer ist: <strong>1</strong>" in r.text
    day = re.search(r'data-label="Presseteam">(\d+)</td><td data-label="Fachverfahren">(\d+)</td><td data-label="Zustellungen">(\d+)', r.text)
    assert day.groups() == ("1", "1", "3")
    assert api.get("/staff/ereignisse").text.count("ansehen<span") == 2
