"""``notify simplify``: the simplification assistant on the command line.

Prints the proposal (text) or, with ``--format json``, per input
``{"profile", "text", "changes": [...], "report": {...}}`` (several inputs: a JSON array, like
``notify check``). The report is the checker's verdict on the proposal. Exit codes: 0, or 2
for usage errors (unknown profile or format, missing file). Long words in Leichte Sprache are
split with the city pack's ``plain_language.compound_separator`` (``NOTIFY_CITY``).
"""

from __future__ import annotations

import json
import os
from typing import Any

import typer

from notify.cli.check import _read, _usage_error
from notify.formatting import german_decimal

PROFILES = ("einfach", "leicht")


def city_separator() -> str | None:
    try:
        from topics.catalogue import load_catalogue

        return load_catalogue(os.environ.get("NOTIFY_CITY", "gelsenkirchen")).plain_language.get("compound_separator")
    except Exception:  # a broken city pack must not stop a text proposal; the profile default applies
        return None


def proposal(text: str, profile: str, separator: str | None) -> dict[str, Any]:
    """The JSON shape shared by the CLI and ``POST /v1/simplify``."""
    import plainlang  # loaded here: spaCy would slow down every other command's start

    result = plainlang.simplify(text, profile, compound_separator=separator)
    report = plainlang.check(result.text, profile=profile)
    return {"profile": profile, **result.as_dict(), "report": report.to_dict()}


def register(app: typer.Typer) -> None:
    @app.command("simplify")
    def simplify_command(
        files: list[str] = typer.Argument(..., help="Textdateien; „-“ liest von der Standardeingabe."),
        profile: str = typer.Option("einfach", "--profile", "-p", help="einfach oder leicht"),
        format: str = typer.Option("text", "--format", "-f", help="text oder json"),
    ) -> None:
        """Macht einen Vorschlag in Einfacher oder Leichter Sprache (maschineller Vorschlag – bitte prüfen)."""
        if profile not in PROFILES:
            raise _usage_error(f"Unbekanntes Profil „{profile}“. Erlaubt: {', '.join(PROFILES)}.")
        if format not in ("text", "json"):
            raise _usage_error(f"Unbekanntes Format „{format}“. Erlaubt: text, json.")
        texts = [(name, _read(name)) for name in files]
        separator = city_separator()
        results = [proposal(text, profile, separator) for _, text in texts]
        if format == "json":
            typer.echo(json.dumps(results[0] if len(results) == 1 else results, ensure_ascii=False, indent=2))
            return
        for (name, _), result in zip(texts, results, strict=True):
            if len(texts) > 1:
                typer.echo(f"== {'stdin' if name == '-' else name}")
            typer.echo(result["text"])
            report = result["report"]
            typer.echo(
                f"\nMaschineller Vorschlag – bitte prüfen. {_changes(len(result['changes']))}. "
                f"Ergebnis: Stufe „{report['level']}“, Index {german_decimal(report['index'])} von 20"
                + ("." if report["passed"] else f" – „{profile}“ noch nicht erreicht ({_findings(len(report['findings']))})."),
                err=True,
            )


def _changes(n: int) -> str:
    return "1 Änderung" if n == 1 else f"{n} Änderungen"  # "keine" reads oddly next to the index: "0 Änderungen"


def _findings(n: int) -> str:
    return "1 Hinweis" if n == 1 else f"{n} Hinweise"
