"""Versions end to end, as residents see them: the real broker, worker, SMTP server and web API.

Four residents (German standard, Einfache, Leichte Sprache, English) on one topic; one event with
three versions; each gets exactly their version's text and nobody another's. And a participation
event (policy ``wait_for_version``) whose Leichte-Sprache version comes later: the worker releases
the waiting resident when it arrives.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from email import message_from_bytes, policy

import httpx
import pytest
from sqlalchemy import select

from subscribers.db import session_scope
from subscribers.models import Delivery, EventRecord

pytestmark = pytest.mark.e2e

TEXTS = {
    "de/standard": "Die Schadstoffsammlung am Samstag findet auf dem Parkplatz an der Horster Straße statt.",
    "de/einfach": "Am Samstag sammeln wir Gift-Müll. Bringen Sie ihn zum Parkplatz an der Horster Straße.",
    "de/leicht": "Am Samstag holen wir Gift-Müll ab.\nBringen Sie den Müll zum Parkplatz.\nDer Parkplatz ist an der Horster Straße.",
    "en/standard": "The hazardous waste collection on Saturday takes place in the car park on Horster Strasse.",
}  # fmt: skip


def cli(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "notify", *args], env=stack.env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def db_url(stack) -> str:
    return f"sqlite:///{(stack.data_dir / 'stadtbote.db').resolve()}"


def inbox(stack, tag: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in sorted((stack.data_dir / "mail" / "new").glob("*")):
        m = message_from_bytes(p.read_bytes(), policy=policy.default)
        if tag in str(m["To"]):
            body = m.get_body(("plain",)).get_content().replace("\r\n", "\n")
            out.setdefault(str(m["To"]).split(".")[0], []).append(f"{m['Subject']}\n{body}")
    return out


def ledger(stack, source: str, event_id: str) -> list[tuple[str, str | None]]:
    with session_scope(db_url(stack)) as s:
        pk = s.execute(select(EventRecord.id).where(EventRecord.source == source, EventRecord.event_id == event_id)).scalar()
        return sorted(s.execute(select(Delivery.status, Delivery.version).where(Delivery.event_pk == pk)).all())


def wait_for(check, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.25)
    raise AssertionError(f"not reached within {timeout} s")


@pytest.fixture(scope="module")
def people(stack, tmp_path_factory):
    tag = uuid.uuid4().hex[:6]
    rows = ["email,topics,districts,channels,language,profile",
            f"std.{tag}@example.org,schadstoffe;beteiligungsverfahren,hassel,email,de,standard",
            f"einfach.{tag}@example.org,schadstoffe,hassel,email,de,einfach",
            f"leicht.{tag}@example.org,schadstoffe;beteiligungsverfahren,hassel,email,de,leicht",
            f"en.{tag}@example.org,schadstoffe,hassel,email,en,standard"]  # fmt: skip
    csv = tmp_path_factory.mktemp("versions") / "people.csv"
    csv.write_text("\n".join(rows) + "\n")
    result = cli(stack, "subscribers", "import", str(csv))
    assert result.returncode == 0, result.stderr
    key = cli(stack, "keys", "create", "--name", "Umweltamt", "--scope", "events:write")
    return {"tag": tag, "key": key.stdout.strip().splitlines()[-1]}


def post(stack, key, event) -> httpx.Response:
    return httpx.post(f"{stack.web_url}/v1/events", content=json.dumps(event), timeout=30,
                      headers={"authorization": f"Bearer {key}", "content-type": "application/cloudevents+json"})  # fmt: skip


def version(key: str, title: str) -> dict:
    language, profile = key.split("/")
    return {"language": language, "profile": profile, "title": title, "text": TEXTS[key]}


def test_four_readers_each_get_exactly_their_version(stack, people):
    tag, key = people["tag"], people["key"]
    event = {"specversion": "1.0", "id": f"SCH-{tag}", "source": f"/e2e/umwelt/{tag}", "type": "de.gelsenkirchen.abfall",
             "data": {"title": f"Schadstoffsammlung {tag}", "text": TEXTS["de/standard"], "topics": ["schadstoffe"],
                      "area": ["hassel"],
                      "versions": [version("de/einfach", f"Gift-Müll am Samstag {tag}"),
                                   version("de/leicht", f"Wir holen Gift-Müll ab {tag}"),
                                   version("en/standard", f"Hazardous waste collection {tag}")]}}  # fmt: skip
    bad = {**event, "id": f"SCH-{tag}-bad", "data": {**event["data"], "versions": [version("de/leicht", "a"), version("de/leicht", "b")]}}  # fmt: skip
    refused = post(stack, key, bad)
    assert refused.status_code == 400 and "data.versions.1" in refused.text
    assert post(stack, key, event).status_code == 202
    got = wait_for(lambda: (box := inbox(stack, tag)) and len(box) == 4 and box)
    time.sleep(1)  # nothing more may arrive
    got = inbox(stack, tag)
    wanted = {"std": "de/standard", "einfach": "de/einfach", "leicht": "de/leicht", "en": "en/standard"}
    for person, version_key in wanted.items():
        [mail] = got[person]  # exactly one message each
        flat = " ".join(mail.split())
        assert " ".join(TEXTS[version_key].split()) in flat, (person, mail)
        others = [k for k in TEXTS if k != version_key]
        assert not any(" ".join(TEXTS[k].split()) in flat for k in others), (person, mail)
    assert "Hazardous waste collection" in got["en"][0].splitlines()[0]  # the subject is theirs too
    assert ledger(stack, f"/e2e/umwelt/{tag}", f"SCH-{tag}") == sorted(("sent", v) for v in wanted.values())


def test_a_participation_event_waits_for_leichte_sprache_and_goes_out_when_it_arrives(stack, people):
    tag, key = people["tag"], people["key"]
    source, event_id = f"/e2e/beteiligung/{tag}", f"BET-{tag}"
    event = {"specversion": "1.0", "id": event_id, "source": source, "type": "de.gelsenkirchen.beteiligung",
             "data": {"title": f"Ihre Ideen für den Spielplatz {tag}", "text": "Der Spielplatz in Hassel wird neu gebaut. Sagen Sie uns Ihre Meinung.",
                      "topics": ["beteiligungsverfahren"], "area": ["hassel"]}}  # fmt: skip
    assert post(stack, key, event).status_code == 202
    wait_for(lambda: ledger(stack, source, event_id) == [("sent", "de/standard"), ("waiting", "de/leicht")])
    assert "leicht" not in inbox(stack, tag) or not any(f"Spielplatz {tag}" in m for m in inbox(stack, tag)["leicht"])

    leicht = {"language": "de", "profile": "leicht", "title": f"Ein neuer Spielplatz {tag}",
              "text": "In Hassel bauen wir einen neuen Spielplatz.\nWie soll er sein?\nSagen Sie es uns."}  # fmt: skip
    update = {**event, "data": {**event["data"], "versions": [leicht]}}
    assert post(stack, key, update).status_code == 202
    wait_for(lambda: ledger(stack, source, event_id) == [("sent", "de/leicht"), ("sent", "de/standard")])
    mails = [m for m in inbox(stack, tag)["leicht"] if f"Spielplatz {tag}" in m]
    assert len(mails) == 1 and "Wie soll er sein?" in mails[0] and "noch nicht" not in mails[0]
    assert len([m for m in inbox(stack, tag)["std"] if f"Spielplatz {tag}" in m]) == 1  # nobody got it twice
