"""``notify subscribers import FILE.csv`` and ``notify subscribers export``."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from notify.cli.output import console, errors, fail
from notify.settings import get_settings

group = typer.Typer(help="Abonnentinnen und Abonnenten verwalten.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="subscribers")


@group.command("import")
def import_(file: Path = typer.Argument(..., help="CSV mit Kopfzeile email,topics,districts,channels …")) -> None:
    """Abonnements aus einer CSV-Datei übernehmen. Fehlerhafte Zeilen werden genannt und übersprungen."""
    from notify.subscriptions import ChangeStream
    from subscribers.db import init_db, session_scope
    from subscribers.importer import ImportFormatError, import_csv
    from topics.catalogue import load_catalogue

    settings = get_settings()
    try:
        total = _data_rows(file)
    except FileNotFoundError:
        fail(f"Datei nicht gefunden: {file}")
    catalogue = load_catalogue(settings.city)
    init_db(settings.db_url)
    stream = ChangeStream(settings)  # the workers hear of each chunk as soon as it is committed
    try:
        with (
            Progress(TextColumn("Import"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=errors,
                     transient=True) as bar,
            file.open(encoding="utf-8-sig", newline="") as lines,
        ):  # fmt: skip
            task = bar.add_task("rows", total=total)
            with session_scope(settings.db_url) as session:  # the file is read as it is written
                report = import_csv(session, lines, topics=catalogue.topics, districts=catalogue.districts,
                                    progress=lambda n: bar.advance(task, n), on_written=stream.submit)  # fmt: skip
    except ImportFormatError as exc:
        fail(str(exc))
    except UnicodeDecodeError:
        fail(f"{file} ist nicht in UTF-8 gespeichert.")
    finally:
        stream.close()
    for line, message in report.errors:
        errors.print(f"Zeile {line}: {message}", highlight=False)
    console.print(
        f"{report.created} neu, {report.updated} geändert, {report.unchanged} unverändert, "
        f"{len(report.errors)} Zeilen mit Fehlern (nicht übernommen)."
    )
    if stream.error is not None:
        errors.print(f"Hinweis: Die Worker konnten nicht benachrichtigt werden ({stream.error}). "
                     "Sie lesen die Änderungen beim nächsten Start.")  # fmt: skip
    if report.errors:
        raise typer.Exit(1)


def _data_rows(file: Path) -> int:
    """Rows below the header, counted without holding the file (for the progress bar)."""
    lines, last = 0, b"\n"
    with file.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return max(lines - 1 + (last != b"\n"), 0)


@group.command("export")
def export(output: Path = typer.Option(None, "--output", "-o", help="Standard: Ausgabe auf dem Bildschirm")) -> None:
    """Alle aktiven Abonnements als CSV ausgeben (gleiches Format wie der Import)."""
    from subscribers.db import init_db, session_scope
    from subscribers.export import export_rows

    settings = get_settings()
    init_db(settings.db_url)
    with session_scope(settings.db_url) as session:
        rows = export_rows(session)
    handle = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["email", "topics", "districts", "channels"])
    writer.writeheader()
    writer.writerows(rows)
    if output:
        handle.close()
        console.print(f"{len(rows)} Abonnements nach {output} geschrieben.")
