"""``notify preview --channel … --event FILE.json``: see a message before anyone receives it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from notify.cli.output import errors, fail
from notify.settings import get_settings

CHANNELS = ("email", "sms", "push", "letter")


def register(app: typer.Typer) -> None:
    app.command()(preview)


def preview(
    channel: str = typer.Option(..., "--channel", "-c", help="email, sms, push oder letter"),
    event_file: Path = typer.Option(..., "--event", "-e", help="CloudEvent als JSON-Datei"),
    language: str = typer.Option("de", "--language", "-l"),
    profile: str = typer.Option("standard", "--profile", "-p", help="standard, einfach oder leicht"),
    output: Path = typer.Option(None, "--output", "-o", help="Datei; Standard: Bildschirm (Brief: vorschau.pdf)"),
) -> None:
    """Eine Nachricht so zeigen, wie eine Beispiel-Empfängerin sie bekommt."""
    import plainlang
    from notify.events import InvalidEvent, parse_event
    from notify.pipeline import Runtime
    from notify.preview import render_preview

    if channel not in CHANNELS:
        fail(f"Unbekannter Kanal „{channel}“. Möglich: {', '.join(CHANNELS)}.")
    if profile not in plainlang.PROFILES:
        fail(f"Unbekanntes Sprachprofil „{profile}“. Möglich: {', '.join(plainlang.PROFILES)}.")
    rt = Runtime(get_settings())
    try:
        event = parse_event(json.loads(event_file.read_text(encoding="utf-8")), rt.catalogue)
    except FileNotFoundError:
        fail(f"Datei nicht gefunden: {event_file}")
    except ValueError as exc:
        detail = exc.detail if isinstance(exc, InvalidEvent) else f"kein gültiges JSON ({exc})"
        fail(f"{event_file}: {detail}")
    result = render_preview(rt, event, channel, language, profile)
    report = plainlang.check(result.readable, profile)
    verdict = "besteht" if report.passed else "besteht nicht"
    errors.print(f"Lesbarkeit: {report.index:.1f} von 20, Stufe {report.level} – {verdict} das Profil {profile}, "
                 f"{len(report.findings)} Hinweise.", highlight=False)  # fmt: skip
    for note in result.notes:
        errors.print(note, highlight=False)
    if channel == "letter" and output is None:
        output = Path("vorschau.pdf")
    if output is not None:
        output.write_bytes(result.content)
        errors.print(f"Gespeichert: {output}")
    else:
        sys.stdout.buffer.write(result.content)
