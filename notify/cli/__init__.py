"""``notify`` — the command line (ARCHITECTURE.md, "CLI").

Messages for people are German; errors are one readable line on stderr with a non-zero exit code.
"""

from __future__ import annotations

import importlib
import logging

import typer

app = typer.Typer(
    name="notify",
    help="Stadtbote: gezielte Nachrichten der Stadt in verständlicher Sprache.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Each module adds its commands with register(app); later capabilities plug in the same way.
COMMAND_MODULES = (
    "notify.cli.services",
    "notify.cli.subscribers",
    "notify.cli.residents",
    "notify.cli.keys",
    "notify.cli.events",
    "notify.cli.check",
    "notify.cli.simplify",
    "notify.cli.channels",
    "notify.cli.preview",
    "notify.cli.letters",
    "notify.cli.staff",
    "notify.cli.sources",
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(app)


_register_all()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
