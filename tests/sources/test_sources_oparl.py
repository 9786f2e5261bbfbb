"""OParl: a real export on loopback, read through the real HTTP client (pagination, tombstones,
404 organizations), with one meeting moved into the future."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from oparl_server import OParlServer
from source_samples import OPARL_DIR

from notify.formatting import CITY_TZ, german_date
from notify.sources.alerts import context_for
from notify.sources.oparl import Client, Outcome, Reader, read_server

NOW = datetime.now(CITY_TZ).replace(microsecond=0)


@pytest.fixture
def server():
    with OParlServer(OPARL_DIR) as s:
        yield s


@pytest.fixture(scope="module")
def ctx():
    return context_for("gelsenkirchen")


def future(server, days: int = 10, hour: int = 18) -> dict:
    """The real Gemeinderat (7. Sitzung, 19 August 2021: public and closed agenda parts), moved
    ``days`` into the future."""
    meeting = server.docs["/body/1/meeting?page=15"]["data"][-1]
    assert meeting["name"] == "Gemeinderat (7. Sitzung)"
    start = (NOW + timedelta(days=days)).replace(hour=hour, minute=0, second=0)
    meeting["start"], meeting["end"] = start.isoformat(), (start + timedelta(hours=2)).isoformat()
    return meeting


def test_the_stored_pages_have_what_the_test_relies_on(server):
    meetings = server.meetings()
    assert len(meetings) == 67 and sum(1 for m in meetings if m.get("deleted")) >= 7  # 25 + 25 + 17
    assert all("type" not in m for m in meetings if m.get("deleted"))


def test_first_import_archives_the_past_and_publishes_only_the_future_meeting(server, ctx):
    moved = future(server)
    state: dict = {}
    out = read_server(server.url, ctx, state)
    [event] = out.events
    tombstones = sum(1 for m in server.meetings() if m.get("deleted"))
    assert out.tombstones == tombstones and out.archived == 67 - tombstones - 1
    assert any("page=11" in r for r in server.requests) and any("page=15" in r for r in server.requests)
    assert event.id == moved["id"] and event.data.starts_at.isoformat() == moved["start"]
    assert event.data.ends_at.isoformat() == moved["end"] and event.data.valid_until == event.data.ends_at
    assert event.data.topics == ["ratssitzungen"] and event.data.area == "citywide"
    assert str(event.data.link).startswith("https://sdnetrim.kdvz-frechen.de/rim4220/tops/")
    assert event.data.title.startswith(moved["name"].strip() + " am ")
    assert "Ort: " in event.data.text and "**Öffentliche Tagesordnung**" in event.data.text
    public = [a["name"] for a in moved["agendaItem"]]
    cut = next(i for i, name in enumerate(public) if name.startswith("Nichtöffentliche"))
    assert public[1].strip()[:30] in event.data.text
    assert all(name.strip() not in event.data.text.split("**Öffentliche Tagesordnung**")[1]
               for name in public[cut + 1:] if name.strip() not in {p.strip() for p in public[:cut]})  # fmt: skip


def test_a_later_run_asks_only_for_changes_and_sends_nothing_twice(server, ctx):
    future(server)
    state: dict = {}
    assert len(read_server(server.url, ctx, state).events) == 1
    server.requests.clear()
    again = read_server(server.url, ctx, state)
    assert again.events == [] and again.unchanged == 1
    meeting_requests = [r for r in server.requests if "/meeting" in r]
    assert "modified_since=" in meeting_requests[0]  # the spec's filter; this server ignores it


def test_moved_then_cancelled_then_deleted_each_correct_the_original(server, ctx):
    meeting = future(server)
    state: dict = {}
    [first] = read_server(server.url, ctx, state).events
    meeting["start"] = (NOW + timedelta(days=12)).replace(hour=17, minute=0, second=0).isoformat()
    [moved] = read_server(server.url, ctx, state).events
    assert moved.id == f"{first.id}#v1" and moved.model_extra["corrects"] == first.id
    assert moved.data.title.startswith("Geändert: ") and "correction" not in moved.model_extra
    meeting["cancelled"] = True
    [cancelled] = read_server(server.url, ctx, state).events
    assert cancelled.model_extra["correction"] == "cancel" and cancelled.data.title.startswith("Abgesagt: ")
    assert cancelled.model_extra["references"].split() == [first.id, moved.id]
    assert read_server(server.url, ctx, state).events == []  # cancelled once is enough


def test_a_tombstone_of_an_announced_meeting_cancels_it(server, ctx):
    meeting = future(server)
    state: dict = {}
    [first] = read_server(server.url, ctx, state).events
    meeting.clear()
    meeting.update({"id": first.id, "deleted": True, "modified": NOW.isoformat()})
    [gone] = read_server(server.url, ctx, state).events
    assert gone.model_extra["correction"] == "cancel" and gone.model_extra["corrects"] == first.id


def test_a_bezirksvertretung_goes_to_its_stadtbezirk_also_when_its_organization_answers_404(server, ctx):
    meeting = future(server)
    for org in server.organizations():
        if org["id"].endswith("/1-8"):  # the council's organization, renamed for this test
            org["name"] = "Bezirksvertretung Gelsenkirchen-Nord\xa0"
    [event] = read_server(server.url, ctx, {}).events
    assert event.data.topics == ["bezirksvertretungen"] and event.data.area == ["nord"]

    server.missing.add("1-8")  # now the organization answers 404: the meeting's name decides
    meeting["name"] = "Bezirksvertretung Gelsenkirchen-West (3. Sitzung)\xa0\xa0"
    [event] = read_server(server.url, ctx, {}).events
    assert event.data.area == ["west"] and event.data.title.startswith("Bezirksvertretung Gelsenkirchen-West (3. Sitzung) am")


def test_oddities_end_before_start_and_mixed_type_uris(server, ctx):
    meeting = future(server)
    meeting["type"] = "https://schema.oparl.org/1.1/Meeting"
    meeting["end"] = (NOW + timedelta(days=9)).isoformat()  # before the start
    [event] = read_server(server.url, ctx, {}).events
    assert event.data.ends_at is None and event.data.valid_until == event.data.starts_at


def test_of_several_bodies_only_the_one_with_our_ags_is_read_even_without_its_leading_zero(server, ctx):
    future(server)
    bodies = server.docs["/body"]["data"]
    ours = dict(bodies[0], id=bodies[0]["id"] + "-ge", ags="5513000", meeting=bodies[0]["meeting"] + "?page=15")
    bodies.append(ours)
    out = read_server(server.url, ctx, {})
    assert [e.source for e in out.events] == [ours["id"]]
    assert not any(r.endswith("/body/1/meeting") for r in server.requests)  # Hürtgenwald's own list: not read


@pytest.mark.parametrize(("name", "hosts"), [
    ("wuppertal_somacos_meeting.json", ["http://oparl.wuppertal.de"]),  # its organizations answer 404
    ("karlsruhe_meeting_10022_reserialized.json", ["https://web1.karlsruhe.de"]),  # OParl 1.1
    ("oparl11_spec_example_Meeting-01.json", ["https://oparl.example.org"]),
])  # fmt: skip
def test_single_real_meetings_of_other_servers_become_messages_when_in_the_future(server, ctx, name, hosts):
    raw = (OPARL_DIR / name).read_text(encoding="utf-8")
    for host in hosts:  # every link points at the loopback server, which answers 404 for them
        raw = raw.replace(host, server.base)
    meeting = json.loads(raw)
    start = (NOW + timedelta(days=3)).replace(hour=17, minute=0, second=0)
    meeting["start"], meeting["end"] = start.isoformat(), (start + timedelta(hours=2)).isoformat()
    reader = Reader(ctx, Client(), {}, now=NOW)
    out = Outcome()
    reader.meeting(f"{server.base}/body", meeting, out)
    [event] = out.events
    assert event.data.starts_at == start and event.data.topics == ["ratssitzungen"]
    assert event.data.title.endswith(f" am {german_date(start)}")
