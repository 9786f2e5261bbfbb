# ruff: noqa: F811 - the api fixture is imported from staff_samples
"""When a provider is away, staff see it at the top of every staff page and ``/healthz`` says
which channel — from what the workers wrote to ``channel_health``."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from staff_samples import api, sign_in  # noqa: F401

import plainlang
from notify.formatting import CITY_TZ
from subscribers import channel_health
from subscribers.db import session_scope
from subscribers.models import utcnow


def worker_saw(rt, channel: str, state: str, minutes_ago: float = 0, owner: str = "w1") -> None:
    since = utcnow() - timedelta(minutes=5)
    with session_scope(rt.db_url) as s:
        channel_health.write(s, owner, channel, state, since if state != "closed" else None, "Connection refused")
    if minutes_ago:
        with session_scope(rt.db_url) as s:
            row = s.get(channel_health.ChannelHealth, (channel, owner))
            row.updated_at = utcnow() - timedelta(minutes=minutes_ago)


@pytest.mark.parametrize(
    ("rows", "notices", "health"),
    [
        ([], [], {"email": "ok", "sms": "ok"}),
        ([("email", "open", 0)], ["E-Mail-Versand"], {"email": "disturbed", "sms": "ok"}),
        ([("sms", "half_open", 0)], ["SMS-Versand"], {"email": "ok", "sms": "disturbed"}),
        ([("email", "closed", 0)], [], {"email": "ok", "sms": "ok"}),  # back again
        ([("email", "open", 3)], [], {"email": "ok", "sms": "ok"}),  # a dead worker's old row no longer counts
    ],
)
def test_a_disturbed_channel_is_shown_to_staff_and_in_healthz(api, rows, notices, health):
    for channel, state, minutes_ago in rows:
        worker_saw(api.rt, channel, state, minutes_ago)
    sign_in(api, "anna")
    page = api.get("/staff").text
    shown = re.findall(r'<p class="notice channel-notice" role="status">([^<]*)</p>', page)
    assert [n.split(" ")[0] for n in shown] == notices
    body = api.get("/healthz").json()
    assert {c: body["channels"][c]["status"] for c in ("email", "sms")} == health
    assert body["status"] == ("degraded" if notices else "ok")
    for notice in shown:
        since = (utcnow() - timedelta(minutes=5)).astimezone(CITY_TZ)
        assert f"gestört seit {since:%H:%M}." in notice or f"gestört seit {since:%d.%m.} {since:%H:%M}." in notice
        assert plainlang.check(notice, "einfach").passed, notice


def test_people_signed_out_do_not_see_the_notice(api):
    worker_saw(api.rt, "email", "open")
    assert "gestört" not in api.get("/staff/anmelden").text
