"""``notify letters close [--day YYYY-MM-DD]``: write the print batch (PDF + manifest) now."""

from __future__ import annotations

from datetime import date

import typer

from notify.cli.output import console, fail
from notify.settings import get_settings

group = typer.Typer(help="Briefe für den Druck- und Versanddienst.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="letters")


@group.command("close")
def close(day: str = typer.Option(None, "--day", help="Tag als JJJJ-MM-TT; Standard: heute")) -> None:
    """Den Tagesstapel schreiben: ein PDF zum Drucken und eine Liste (CSV und JSON) mit Porto."""
    from notify.channels.letter_sender import close_batch

    try:
        which = date.fromisoformat(day) if day else None
    except ValueError:
        fail(f"„{day}“ ist kein Datum im Format JJJJ-MM-TT.")
    settings = get_settings()
    files = close_batch(settings.data_dir, which, force=True, db_url=settings.db_url)
    if files is None:
        console.print("Für diesen Tag gibt es keine Briefe.")
        return
    console.print(f"{len(files.entries)} Briefe · PDF: {files.pdf} · Liste: {files.manifest_csv}")
