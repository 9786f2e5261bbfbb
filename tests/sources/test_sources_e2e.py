"""City systems on the real stack: CAP over HTTP (warning → update → all-clear to the same
residents, in order), a warning for elsewhere, broken XML; OParl through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from email import message_from_bytes, policy

import httpx
import pytest
from icalendar import Calendar
from oparl_server import OParlServer
from source_samples import BERCHTESGADEN, OPARL_DIR, gelsenkirchen_warning
from sqlalchemy import select

from notify.formatting import CITY_TZ
from subscribers.db import session_scope
from subscribers.models import Delivery, EventRecord

pytestmark = pytest.mark.e2e
DWD = "opendata@dwd.de"


def cli(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "notify", *args], env=stack.env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def db_url(stack) -> str:
    return f"sqlite:///{(stack.data_dir / 'stadtbote.db').resolve()}"


def mails_to(stack, address: str) -> list:
    """Their e-mails in the order the SMTP server stored them (Date has only whole seconds)."""
    paths = sorted((stack.data_dir / "mail" / "new").glob("*"), key=lambda p: p.stat().st_mtime_ns)
    found = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in paths]
    return [m for m in found if str(m["To"]) == address]


def settled(stack, source: str, event_id: str, timeout: float = 90) -> EventRecord:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(db_url(stack)) as s:
            record = s.execute(select(EventRecord).where(EventRecord.source == source,
                                                         EventRecord.event_id == event_id)).scalars().first()  # fmt: skip
            busy = record is not None and s.execute(select(Delivery.id).where(
                Delivery.event_pk == record.id, Delivery.status.in_(("pending", "sending", "retry")))).first()  # fmt: skip
            if record is not None and record.status in ("matched", "expired") and not busy:
                s.expunge(record)
                return record
        time.sleep(0.25)
    raise AssertionError(f"{event_id} not settled within {timeout} s")


@pytest.fixture(scope="module")
def people(stack, tmp_path_factory):
    tag = uuid.uuid4().hex[:6]
    rows = ["email,topics,districts,channels,language",
            f"wetter.{tag}@example.org,unwetter,buer,email,de",
            f"weather.{tag}@example.org,warnungen,citywide,email,en",
            f"rat.{tag}@example.org,ratssitzungen,citywide,email,de",
            f"bau.{tag}@example.org,baustellen,citywide,email,de"]  # fmt: skip
    csv = tmp_path_factory.mktemp("sources") / "people.csv"
    csv.write_text("\n".join(rows) + "\n")
    assert cli(stack, "subscribers", "import", str(csv)).returncode == 0
    key = cli(stack, "keys", "create", "--name", "DWD", "--scope", "events:write").stdout.strip().splitlines()[-1]
    return {"tag": tag, "key": key, "de": f"wetter.{tag}@example.org", "en": f"weather.{tag}@example.org",
            "rat": f"rat.{tag}@example.org", "bau": f"bau.{tag}@example.org"}  # fmt: skip


def post_cap(stack, key: str, body: bytes, content_type: str = "application/cap+xml") -> httpx.Response:
    return httpx.post(f"{stack.web_url}/v1/cap", content=body, timeout=30,
                      headers={"authorization": f"Bearer {key}", "content-type": content_type})  # fmt: skip


def test_warning_update_and_all_clear_reach_the_same_residents_in_order(stack, people):
    tag = people["tag"]
    alert_id = f"2.49.0.0.276.0.DWD.PVW.TEST.{tag}.Alert"
    steps = [("Alert", None), ("Update", f"{DWD},{alert_id},2023-06-23T11:14:00+02:00"),
             ("Cancel", f"{DWD},2.49.0.0.276.0.DWD.PVW.TEST.{tag}.Update,2023-06-23T12:00:00+02:00 "
                        f"{DWD},{alert_id},2023-06-23T11:14:00+02:00")]  # fmt: skip
    for msg_type, refs in steps:
        r = post_cap(stack, people["key"], gelsenkirchen_warning(tag, msg_type, refs))
        assert r.status_code == 202, r.text
        assert r.json() == {"events": [f"2.49.0.0.276.0.DWD.PVW.TEST.{tag}.{msg_type}"], "ignored": []}
        settled(stack, DWD, r.json()["events"][0])

    # Each reads their own language's version (issue 11): the English reader the English <info>.
    for who, (update, all_clear) in {"de": ("Aktualisiert: ", "Entwarnung: "), "en": ("Update: ", "All clear: ")}.items():
        subjects = [str(m["Subject"]) for m in mails_to(stack, people[who])]
        assert len(subjects) == 3, subjects
        assert tag in subjects[0] and update in subjects[1] and all_clear in subjects[2], subjects
    assert mails_to(stack, people["bau"]) == [] and mails_to(stack, people["rat"]) == []
    [first] = mails_to(stack, people["de"])[:1]
    body = first.get_body(("plain",)).get_content()
    assert "Das sollen Sie jetzt tun" in body and "Verkehrsbehinderungen" in body
    with session_scope(db_url(stack)) as s:
        payload = json.loads(s.execute(select(EventRecord.payload).where(EventRecord.event_id == alert_id)).scalar_one())
    assert {v["language"]: v["title"] for v in payload["data"]["versions"]}["en"] == f"Official WARNING of HEAVY RAIN {tag}"


def test_an_english_reader_reads_the_warning_from_the_english_info(stack, people):
    tag = people["tag"]
    r = post_cap(stack, people["key"], gelsenkirchen_warning(f"{tag}en"))
    settled(stack, DWD, r.json()["events"][0])
    [mail] = [m for m in mails_to(stack, people["en"]) if f"{tag}en" in str(m["Subject"])]
    assert "Official WARNING of HEAVY RAIN" in str(mail["Subject"])
    assert "What you should do now" in mail.get_body(("plain",)).get_content()


def test_a_real_warning_for_berchtesgaden_is_accepted_and_reaches_nobody(stack, people):
    before = len(list((stack.data_dir / "mail" / "new").glob("*")))
    r = post_cap(stack, people["key"], BERCHTESGADEN.read_bytes(), "application/xml")
    assert r.status_code == 202
    [ignored] = r.json()["ignored"]
    assert r.json()["events"] == [] and "gilt nicht für Gelsenkirchen" in ignored["reason"]
    time.sleep(2)
    assert len(list((stack.data_dir / "mail" / "new").glob("*"))) == before


@pytest.mark.parametrize(("body", "content_type", "status", "says"), [
    (b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>", "application/cap+xml", 400, "fehlerhaft"),
    (b"<html><body>Hallo</body></html>", "application/xml", 400, "kein CAP-Dokument"),
    (b'{"alert": 1}', "application/json", 415, "CAP 1.2"),
])  # fmt: skip
def test_broken_or_foreign_documents_get_a_german_problem(stack, people, body, content_type, status, says):
    r = post_cap(stack, people["key"], body, content_type)
    assert r.status_code == status and r.headers["content-type"].startswith("application/problem+json")
    assert says in r.json()["detail"]


def test_cap_needs_a_key_with_the_write_scope(stack):
    r = httpx.post(f"{stack.web_url}/v1/cap", content=BERCHTESGADEN.read_bytes(),
                   headers={"content-type": "application/cap+xml"})  # fmt: skip
    assert r.status_code == 401


def test_oparl_once_publishes_exactly_the_future_meeting_and_notifies_its_subscribers(stack, people):
    with OParlServer(OPARL_DIR) as server:
        meeting = server.docs["/body/1/meeting?page=15"]["data"][-1]
        start = (datetime.now(CITY_TZ) + timedelta(days=14)).replace(hour=18, minute=0, second=0, microsecond=0)
        meeting["start"], meeting["end"] = start.isoformat(), (start + timedelta(hours=3)).isoformat()
        meeting["name"] = f"Gemeinderat (7. Sitzung) {people['tag']}"
        result = cli(stack, "sources", "oparl", server.url, "--once")
        assert result.returncode == 0, result.stderr
        assert result.stdout.count("gesendet: ") == 1 and f"gesendet: {meeting['id']}" in result.stdout
        assert "vergangene archiviert" in result.stdout
        again = cli(stack, "sources", "oparl", server.url, "--once")
        assert "0 gesendet" in again.stdout
    record = settled(stack, f"{server.base}/body/1", meeting["id"])
    assert record.status == "matched"
    [mail] = mails_to(stack, people["rat"])
    assert people["tag"] in str(mail["Subject"])
    assert "Öffentliche Tagesordnung" in mail.get_body(("plain",)).get_content()
    with session_scope(db_url(stack)) as s:
        from_oparl = s.execute(select(EventRecord.event_id).where(EventRecord.source == f"{server.base}/body/1")).all()
    assert [r[0] for r in from_oparl] == [meeting["id"]]  # the past meetings: no event at all
    # Published: the open-data API and the calendar feed have exactly this meeting, with its start.
    wait_until = time.monotonic() + 30
    while True:
        data = httpx.get(f"{stack.web_url}/v1/messages", params={"topic": "ratssitzungen"}, timeout=30).json()["data"]
        ours = [m for m in data if people["tag"] in m["title"]]
        if ours or time.monotonic() > wait_until:
            break
        time.sleep(0.5)
    [message] = ours
    assert datetime.fromisoformat(message["starts_at"]) == start
    assert not [m for m in data if "Gemeinderat" in m["title"] and m is not message]  # no past meeting published
    calendar = Calendar.from_ical(httpx.get(f"{stack.web_url}/meldungen/kalender.ics", timeout=30).content)
    [entry] = [e for e in calendar.walk("VEVENT") if meeting["name"] in str(e["SUMMARY"])]  # warnings carry the tag too
    assert entry.decoded("DTSTART") == start


def test_an_event_whose_geometry_lies_outside_the_city_reaches_nobody(stack, people):
    tag = people["tag"]
    base = {"specversion": "1.0", "source": f"/e2e/geo/{tag}", "type": "de.gelsenkirchen.warnung"}
    data = {"title": f"Sturm {tag}", "text": "Bitte bleiben Sie zu Hause.", "topics": ["unwetter"], "area": "citywide"}
    far = {**base, "id": "far", "data": {**data, "geometry": {"type": "Point", "coordinates": [12.99, 47.63]}}}
    near = {**base, "id": "near", "data": {**data, "geometry": {"type": "Point", "coordinates": [7.05, 51.58]}}}
    for event in (far, near):
        r = httpx.post(f"{stack.web_url}/v1/events", content=json.dumps(event), timeout=30,
                       headers={"authorization": f"Bearer {people['key']}",
                                "content-type": "application/cloudevents+json"})  # fmt: skip
        assert r.status_code == 202, r.text
    assert settled(stack, base["source"], "far").deliveries == 0
    assert settled(stack, base["source"], "near").deliveries == 2  # the weather subscribers (de, en)
