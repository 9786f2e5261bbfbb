"""``notify events send FILE.json``: put events straight onto the ``city-events`` topic."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer

from notify.cli.output import console, errors, fail
from notify.settings import get_settings

group = typer.Typer(help="Ereignisse senden.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="events")


@group.command("send")
def send(
    files: list[Path] = typer.Argument(..., help="CloudEvent-Dateien (ein Objekt oder eine Liste je Datei)"),
) -> None:
    """Ereignisse prüfen und auf Kafka legen. Ungültige werden mit Grund genannt und nicht gesendet."""
    from notify.events import InvalidEvent, parse_event
    from notify.kafka import CITY_EVENTS, BrokerDown, Publisher
    from topics.catalogue import load_catalogue

    settings = get_settings()
    catalogue = load_catalogue(settings.city)
    good, bad = [], 0
    for file in files:
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            fail(f"Datei nicht gefunden: {file}")
        except ValueError as exc:
            fail(f"{file}: kein gültiges JSON ({exc}).")
        for n, item in enumerate(doc if isinstance(doc, list) else [doc], start=1):
            try:
                good.append(parse_event(item, catalogue))
            except InvalidEvent as exc:
                bad += 1
                details = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
                errors.print(f"{file} Nr. {n}: {exc.detail} {details}", highlight=False)

    async def publish() -> None:
        publisher = Publisher(settings.kafka_bootstrap, settings.partitions)
        try:
            for event in good:
                await publisher.send(CITY_EVENTS, event.to_json().encode(), key=event.key.encode())
        finally:
            await publisher.close()

    if good:
        try:
            asyncio.run(publish())
        except BrokerDown as exc:
            fail(str(exc), 1)
    console.print(f"{len(good)} Ereignisse gesendet, {bad} ungültig.")
    if bad:
        raise typer.Exit(1)
