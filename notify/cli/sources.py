"""``notify sources cap|nina|oparl``: warnings and council data from other systems, onto Kafka."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path

import typer

from notify.cli.output import console, errors, fail
from notify.settings import get_settings

group = typer.Typer(help="Meldungen anderer Systeme übernehmen (CAP, NINA, OParl).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="sources")


def _publisher():
    from notify.kafka import Publisher

    settings = get_settings()
    return Publisher(settings.kafka_bootstrap, settings.partitions)


def _report(result: dict) -> None:
    for event_id in result.get("events", []):
        console.print(f"gesendet: {event_id}", highlight=False, soft_wrap=True)
    for item in result.get("ignored", []):
        console.print(f"nicht gesendet: {item['identifier']} – {item['reason']}", highlight=False, soft_wrap=True)


@group.command("cap")
def cap(files: list[Path] = typer.Argument(..., help="CAP-1.2-Dateien (XML)")) -> None:
    """CAP-Warnungen lesen und senden. Warnungen für andere Orte werden mit Grund übergangen."""
    from notify.kafka import BrokerDown
    from notify.sources.alerts import context_for
    from notify.sources.cap import InvalidCap, convert_cap
    from notify.sources.publish import publish_events, split

    ctx = context_for(get_settings().city, get_settings().db_url)
    converted, refused = [], 0
    for file in files:
        try:
            converted.append(convert_cap(file.read_bytes(), ctx))
        except FileNotFoundError:
            fail(f"Datei nicht gefunden: {file}")
        except InvalidCap as exc:
            refused += 1
            errors.print(f"{file}: {exc}", highlight=False, soft_wrap=True)
    events, ignored = split(converted, "cap")

    async def publish() -> list[str]:
        publisher = _publisher()
        try:
            return await publish_events(publisher, events)
        finally:
            await publisher.close()

    try:
        ids = asyncio.run(publish()) if events else []
    except BrokerDown as exc:
        fail(str(exc), 1)
    _report({"events": ids, "ignored": ignored})
    console.print(f"{len(ids)} gesendet, {len(ignored)} nicht für uns, {refused} abgelehnt.", highlight=False, soft_wrap=True)
    if refused:
        raise typer.Exit(1)


@group.command("nina")
def nina_cmd(where: str = typer.Argument(..., help="Adresse eines NINA-Feeds (JSON) oder eine Datei")) -> None:
    """Einen NINA-Feed einmal lesen. Schon gesehene Meldungen (Kennung und Zeit) werden übersprungen."""
    from notify.kafka import BrokerDown
    from notify.sources.runner import run_nina

    if not where.startswith(("http://", "https://")) and not Path(where).is_file():
        fail(f"Datei nicht gefunden: {where}")

    async def go() -> dict:
        publisher = _publisher()
        try:
            return await run_nina(get_settings(), where, publisher)
        finally:
            await publisher.close()

    try:
        result = asyncio.run(go())
    except BrokerDown as exc:
        fail(str(exc), 1)
    except Exception as exc:  # network errors: one readable line
        fail(f"{where}: {type(exc).__name__}: {exc}", 1)
    _report(result)
    if result["not_modified"]:
        console.print("Keine Änderung seit dem letzten Abruf.")
    console.print(f"{len(result['events'])} gesendet, {len(result['ignored'])} nicht für uns, "
                  f"{result['seen_before']} schon gesehen.", highlight=False)  # fmt: skip


@group.command("oparl")
def oparl_cmd(
    url: str = typer.Argument(..., help="Adresse des OParl-Systems (oder eines Body)"),
    once: bool = typer.Option(False, "--once", help="Nur einmal lesen, dann beenden"),
    since: str | None = typer.Option(None, "--since", help="Nur Sitzungen, die seit diesem Tag geändert wurden (JJJJ-MM-TT)"),
) -> None:
    """Sitzungen aus dem Ratsinformationssystem lesen: künftige werden Nachrichten, vergangene nur archiviert."""
    from notify.formatting import CITY_TZ
    from notify.kafka import BrokerDown
    from notify.sources.oparl import OParlError
    from notify.sources.runner import run_oparl

    since_at = None
    if since:
        try:
            since_at = datetime.fromisoformat(since)
        except ValueError:
            fail(f"--since: kein Datum ({since}); bitte JJJJ-MM-TT.")
        since_at = since_at if since_at.tzinfo else since_at.replace(tzinfo=CITY_TZ)
    settings = get_settings()

    async def go(since_at: datetime | None) -> dict:
        publisher = _publisher()
        try:
            return await run_oparl(settings, url, publisher, since=since_at)
        finally:
            await publisher.close()

    while True:
        try:
            result = asyncio.run(go(since_at))
        except (BrokerDown, OParlError) as exc:
            fail(str(exc), 1)
        _report(result)
        console.print(f"{len(result['events'])} gesendet, {result['archived']} vergangene archiviert, "
                      f"{result['unchanged']} unverändert, {result['tombstones']} gelöscht.", highlight=False)  # fmt: skip
        for reason in result["skipped"]:
            errors.print(f"übergangen: {reason}", highlight=False, soft_wrap=True)
        if once:
            return
        since_at = None
        time.sleep(settings.oparl_every_s)
