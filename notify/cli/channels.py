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
        text: str = typer.Argument(..., help='The SMS text; "-" reads it from standard input.'),
    ) -> None:
        """Show how an SMS text is encoded and how many parts (segments) it costs.

        Prints JSON: {"encoding": "gsm7"|"ucs2", "characters": n, "segments": n}.
        "characters" counts what the network counts: septets for GSM-7 (€ counts two),
        UTF-16 units for UCS-2 (an emoji counts two).
        """
        if text == "-":
            text = sys.stdin.read().rstrip("\n")
        typer.echo(json.dumps(sms_info(text).as_dict(), ensure_ascii=False))
