"""CLI commands for the channel pieces: ``notify sms-info TEXT``."""

from __future__ import annotations

import json
import sys

import typer

from notify.channels.gsm import sms_info


def register(app: typer.Typer) -> None:
    """Add the channel commands to the ``notify`` app."""

    @app.command("sms-info")
    def sms_info_command(
        text: str = typer.Argument(..., help='Der SMS-Text; "-" liest ihn von der Standardeingabe.'),
    ) -> None:
        """Zeigt, wie eine SMS kodiert wird und wie viele Teile sie kostet.

        Gibt JSON aus: {"encoding": "gsm7"|"ucs2", "characters": n, "segments": n}.
        "characters" zählt wie das Netz: bei GSM-7 Septette (€ zählt doppelt),
        bei UCS-2 UTF-16-Einheiten (ein Emoji zählt doppelt).
        """
        if text == "-":
            text = sys.stdin.read().rstrip("\n")
        typer.echo(json.dumps(sms_info(text).as_dict(), ensure_ascii=False))
