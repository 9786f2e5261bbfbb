"""``notify check``: the plain-language checker on the command line.

Exit codes: 0 when every input reaches the profile, 1 when any does not,
2 for usage errors (unknown profile or format, missing file) — with a short
message on stderr and no traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    import plainlang

RULE_STYLES = {
    "long_sentence": "on grey23",
    "passive": "bold magenta",
    "nominal_style": "bold yellow",
    "amtsdeutsch": "bold red",
    "konjunktiv": "bold cyan",
}
DEFAULT_STYLE = "bold underline"


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    path = Path(name)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _usage_error(f"Datei nicht gefunden / file not found: {name}") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as error:
        raise _usage_error(f"Datei nicht lesbar / cannot read file: {name} ({error.__class__.__name__})") from None


def _usage_error(message: str) -> typer.Exit:
    typer.echo(f"Fehler: {message}", err=True)
    return typer.Exit(code=2)


def _render(console: Console, name: str, text: str, report: plainlang.Report) -> None:
    verdict = "[green]bestanden[/green]" if report.passed else "[red]nicht bestanden[/red]"
    console.rule(f"[bold]{name}[/bold]")
    console.print(
        f"Profil: {report.profile} · erreicht: [bold]{report.level}[/bold] · "
        f"Index: {report.index}/20 · Amstad: {report.metrics['amstad']:.0f} · {verdict}"
    )
    highlighted = Text(text)
    for finding in report.findings:
        if finding.rule != "long_sentence":
            highlighted.stylize(RULE_STYLES.get(finding.rule, DEFAULT_STYLE), finding.start, finding.end)
        else:
            highlighted.stylize(RULE_STYLES["long_sentence"], finding.start, finding.end)
    console.print(highlighted)
    for finding in report.findings:
        line = text.count("\n", 0, finding.start) + 1
        column = finding.start - (text.rfind("\n", 0, finding.start) + 1) + 1
        console.print(
            f"  {line}:{column} [bold]{finding.rule}[/bold] „{finding.excerpt}“ – "
            f"{finding.message}\n"
            f"      → {finding.suggestion}",
            highlight=False,
        )
    if not report.findings:
        console.print("  Keine Hinweise.")


def register(app: typer.Typer) -> None:
    """Add the ``check`` command to the ``notify`` CLI."""

    @app.command("check")
    def check_command(
        files: list[str] = typer.Argument(..., help="Textdateien; „-“ liest von der Standardeingabe."),
        profile: str = typer.Option("einfach", "--profile", "-p", help="leicht, einfach oder standard"),
        format: str = typer.Option("text", "--format", "-f", help="text oder json"),
    ) -> None:
        """Prüft Texte auf Leichte Sprache, Einfache Sprache oder Standard."""
        import plainlang  # loaded here: spaCy would slow down every other command's start

        if profile not in plainlang.PROFILES:
            raise _usage_error(f"Unbekanntes Profil „{profile}“. Erlaubt: {', '.join(plainlang.PROFILES)}.")
        if format not in ("text", "json"):
            raise _usage_error(f"Unbekanntes Format „{format}“. Erlaubt: text, json.")
        texts = [(name, _read(name)) for name in files]
        reports = [plainlang.check(text, profile=profile) for _, text in texts]
        if format == "json":
            data = [r.to_dict() for r in reports]
            typer.echo(json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2))
        else:
            console = Console()
            for (name, text), report in zip(texts, reports, strict=True):
                _render(console, "stdin" if name == "-" else name, text, report)
        raise typer.Exit(code=0 if all(r.passed for r in reports) else 1)
