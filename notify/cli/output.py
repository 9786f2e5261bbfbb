"""Console helpers: rich output on stdout, readable errors on stderr."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    errors.print(f"[bold red]Fehler:[/] {message}", highlight=False)
    raise typer.Exit(code)
