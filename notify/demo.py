"""``notify dev --demo``: seed the sample city, send realistic events, show who got what."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from notify.channels.letter_sender import close_batch
from notify.devstack import DevStack
from notify.settings import get_settings
from notify.subscriptions import publish_changes
from subscribers.db import init_db, session_scope
from subscribers.delivery_status import status_label
from subscribers.importer import import_csv
from subscribers.keys import create_key
from subscribers.models import ChannelAddress, Delivery, EventRecord, Subscriber
from subscribers.staff import add_staff
from topics.catalogue import load_catalogue

DEMO_DIR = Path(__file__).resolve().parent / "demo_data"
OPEN = ("pending", "sending", "retry")
STATUS_DE = {
    "sent": "übergeben", "held": "zurückgehalten", "failed": "fehlgeschlagen", "dead": "aufgegeben",
    "pending": "wartet", "sending": "wird gesendet", "retry": "neuer Versuch", "skipped": "übersprungen",
    "waiting": "wartet auf Fassung",
}  # fmt: skip


def demo_events(stamp: str) -> list[dict]:
    events = []
    for path in sorted((DEMO_DIR / "events").glob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        event["id"] = f"{event['id']}-{stamp}"  # a fresh id per run, so every demo run sends
        events.append(event)
    return events


def _seed(console: Console) -> str:
    settings = get_settings()
    catalogue = load_catalogue(settings.city)
    init_db(settings.db_url)
    with session_scope(settings.db_url) as session:
        report = import_csv(
            session, (DEMO_DIR / "subscribers.csv").read_text(encoding="utf-8"),
            topics=catalogue.topics, districts=catalogue.districts,
        )  # fmt: skip
        key = create_key(session, "Demo", ["events:write"])
    console.print(
        f"[bold]1. Abonnements importiert:[/] {report.created} neu, {report.updated} geändert, "
        f"{report.unchanged} unverändert."
    )
    for line, message in report.errors:
        console.print(f"   Zeile {line} wurde nicht übernommen: {message}", highlight=False)
    with session_scope(settings.db_url) as session:
        all_ids = list(session.execute(select(Subscriber.id)).scalars())
    asyncio.run(publish_changes(settings, all_ids))
    return key


def _staff_logins() -> list[tuple[str, str, str]]:
    """Two colleagues for the staff pages (four eyes), with fresh passwords for this run."""
    settings = get_settings()
    logins = []
    with session_scope(settings.db_url) as session:
        for email, role, label in (("redaktion@demo.stadtbote.example", "author", "Redaktion"),
                                   ("freigabe@demo.stadtbote.example", "approver", "Freigabe")):  # fmt: skip
            password = secrets.token_urlsafe(9)
            add_staff(session, email, role, password=password, name=label)
            logins.append((label, email, password))
    return logins


def _post(client: httpx.Client, event: dict) -> httpx.Response:
    return client.post(
        "/v1/events", content=json.dumps(event), headers={"content-type": "application/cloudevents+json"}
    )


def _wait_until_settled(keys: list[tuple[str, str]], timeout: float = 120.0) -> bool:
    settings = get_settings()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(settings.db_url) as session:
            records = [
                session.execute(
                    select(EventRecord).where(EventRecord.source == source, EventRecord.event_id == event_id)
                )
                .scalars()
                .first()
                for source, event_id in keys
            ]
            done = all(r is not None and r.status in ("matched", "held", "expired") for r in records)
            pks = [r.id for r in records if r is not None]
            still_open = session.execute(
                select(Delivery.id).where(Delivery.event_pk.in_(pks), Delivery.status.in_(OPEN)).limit(1)
            ).first()
        if done and still_open is None:
            return True
        time.sleep(0.5)
    return False


def _report(console: Console, keys: list[tuple[str, str]]) -> None:
    settings = get_settings()
    table = Table(title="Wer hat was bekommen?", show_lines=True)
    # The same 0–20 index the staff pages show (20 = very easy), not a second scale.
    for column in ("Nachricht", "Verständlich (0–20)", "Empfänger", "Kanal", "Fassung", "Status"):
        table.add_column(column)
    with session_scope(settings.db_url) as session:
        for source, event_id in keys:
            record = (
                session.execute(
                    select(EventRecord).where(EventRecord.source == source, EventRecord.event_id == event_id)
                )
                .scalars()
                .one()
            )
            rows = session.execute(
                select(Delivery, Subscriber.name, ChannelAddress.address)
                .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
                .outerjoin(
                    ChannelAddress,
                    (ChannelAddress.subscriber_id == Delivery.subscriber_id)
                    & (ChannelAddress.channel == Delivery.channel),
                )  # fmt: skip
                .where(Delivery.event_pk == record.id)
                .order_by(Subscriber.name)
            ).all()
            index = json.loads(record.readability).get("index") if record.readability else None
            amstad = f"{index:.0f}" if isinstance(index, int | float) else "–"
            if not rows:
                table.add_row(record.title, amstad, "niemand", "", "", STATUS_DE.get(record.status, record.status))
            for i, (delivery, name, address) in enumerate(rows):
                where = (address or "").split("\n")[0] if delivery.channel != "letter" else "Brief an " + (name or "")
                table.add_row(record.title if i == 0 else "", amstad if i == 0 else "", f"{name}\n{where}",
                              delivery.channel, delivery.version or "", status_label(delivery.channel, delivery.status))  # fmt: skip
    console.print(table)


def run_demo(stack: DevStack, console: Console) -> None:
    key = _seed(console)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    events = demo_events(stamp)
    keys = [(e["source"], e["id"]) for e in events]
    with httpx.Client(base_url=stack.web_url, headers={"authorization": f"Bearer {key}"}, timeout=30) as client:
        console.print(f"[bold]2. {len(events)} Ereignisse über POST /v1/events gesendet:[/]")
        for event in events:
            response = _post(client, event)
            console.print(f"   {response.status_code} {event['data']['title']}", highlight=False)
        replay = _post(client, events[0])
        console.print(f"[bold]3. Dasselbe Ereignis noch einmal gesendet[/] ({replay.status_code}) – "
                      "es darf niemand eine zweite Nachricht bekommen.")  # fmt: skip
        bad = dict(events[0], id=f"bad-{stamp}", data=dict(events[0]["data"], area=["atlantis"]))
        refused = _post(client, bad)
        console.print(f"[bold]4. Ein fehlerhaftes Ereignis wird abgelehnt[/] ({refused.status_code}): "
                      f"{refused.json().get('detail')}", highlight=False)  # fmt: skip
    with console.status("Warte, bis alle Nachrichten verschickt sind …"):
        settled = _wait_until_settled(keys)
    if not settled:
        console.print("[yellow]Nach zwei Minuten war noch nicht alles verschickt. Der Stand bis jetzt:[/]")
    settings = get_settings()
    # The day's letters go to the print service now: one letter per resident, and the ledger says so.
    letters = close_batch(settings.data_dir, force=True, db_url=settings.db_url)
    _report(console, keys)
    console.print("[bold]Wo Sie nachsehen können:[/]")
    console.print(f"  E-Mails (Maildir, eine Datei je E-Mail): {settings.mail_dir / 'new'}")
    console.print(f"  SMS und Push (JSON-Zeilen): {settings.data_dir / 'outbox'}")
    if letters is not None:
        console.print(f"  Briefe für den Druckdienst: {letters.pdf} und {letters.manifest_csv.name}")
    console.print(f"  Seiten für Bürgerinnen und Bürger: {stack.web_url}/abonnieren")
    console.print(f"  Alle Meldungen der Stadt (öffentlich, mit Feeds): {stack.web_url}/meldungen")
    console.print(f"  Seiten für die Redaktion: {stack.web_url}/staff")
    for label, email, password in _staff_logins():
        duty = {"Redaktion": "schreibt Mitteilungen", "Freigabe": "prüft und gibt frei"}.get(label, "")
        console.print(f"    Anmelden als {label} ({duty}): {email} / {password}", highlight=False)
    console.print(f"  Web-API: {stack.web_url}/docs  ·  Katalog: {stack.web_url}/v1/catalogue")
