"""An event the plain-language gate held at ingest reaches the archive, and its readers, once a
person releases it — and not before (real ingest, real dispatcher, real SMTP sink)."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

import pytest
from publishing_kit import client, envelope
from sqlalchemy import select

from notify.channels.registry import build_senders
from notify.devstack import free_port
from notify.dispatch import Dispatcher
from notify.embedded.smtp_sink import start_sink
from notify.held_events import NotHeld, release_event
from notify.pipeline import Runtime, ingest, plan
from notify.publishing import archive
from notify.settings import Settings
from subscribers.announcements import ReleasedEvent
from subscribers.db import init_db, session_scope
from subscribers.models import Delivery, EventRecord, Subscriber
from subscribers.store import iter_snapshot, save_subscriber
from topics.matcher import MatchIndex

HARD = ("Die Durchführung der Maßnahme erfolgt zwecks Gewährleistung der Verkehrssicherheit unter Berücksichtigung "
        "der einschlägigen Bestimmungen, wobei seitens der zuständigen Behörde eine entsprechende Inaugenscheinnahme "
        "vorgenommen wurde, deren Ergebnisse den Anliegern zur Kenntnisnahme übermittelt worden sind, sofern diese "
        "nicht bereits anderweitig in Kenntnis gesetzt worden waren.")  # fmt: skip
HELD = {"title": "Maßnahme an der Horster Straße", "text": HARD, "topics": ["baustellen"], "area": ["buer"]}


@pytest.fixture
def rt(tmp_path):
    port = free_port()
    controller = start_sink(tmp_path / "mail", port=port)
    url = f"sqlite:///{tmp_path / 'd.db'}"
    init_db(url)
    settings = Settings(data_dir=tmp_path / "var", database_url=url, smtp_url=f"smtp://127.0.0.1:{port}",
                        secret_key="k", base_url="https://stadtbote.test")  # fmt: skip
    runtime = Runtime(settings)
    runtime.maildir = tmp_path / "mail"
    yield runtime
    controller.stop()


def titles(web) -> str:
    archive.forget_stamp()
    return web.get("/meldungen").text + web.get("/meldungen/feed.atom").text


async def test_a_held_event_is_archived_and_sent_only_after_its_release(rt):
    with session_scope(rt.db_url) as s:
        save_subscriber(s, Subscriber(profile="einfach"), [("email", "anna@example.org")], {("baustellen", "buer")})
    result = ingest(json.dumps(envelope(HELD, source="/tiefbau", type_="de.gelsenkirchen.baustelle")).encode(), rt)
    assert result.outcome == "held"
    web = client(rt)
    assert "Horster Straße" not in titles(web)  # held: not public

    with session_scope(rt.db_url) as s:
        record = s.get(EventRecord, result.event_pk)
        event = release_event(s, record, "bernd@stadt.example", rt.catalogue)
        assert record.status == "accepted" and s.get(ReleasedEvent, record.id).released_by == "bernd@stadt.example"
    assert titles(web).count("Maßnahme an der Horster Straße") >= 2  # the list and the Atom feed

    index = MatchIndex(rt.catalogue)  # what the match agent does with the released event
    with session_scope(rt.db_url) as s:
        for row in iter_snapshot(s):
            index.apply(row)
    pending = plan(rt, event, result.event_pk, index.deliveries(event.data.topics, event.data.area))
    dispatcher = Dispatcher(rt, build_senders(rt.settings))
    try:
        await dispatcher.run_batch([p[0] for p in pending])
    finally:
        await dispatcher.close()
    with session_scope(rt.db_url) as s:
        assert [d.status for d in s.execute(select(Delivery)).scalars()] == ["sent"]
    [mail] = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in (rt.maildir / "new").glob("*")]
    assert mail["To"] == "anna@example.org" and "Horster Straße" in mail["Subject"]

    with session_scope(rt.db_url) as s, pytest.raises(NotHeld):  # released once, not twice
        release_event(s, s.get(EventRecord, result.event_pk), "bernd@stadt.example", rt.catalogue)
