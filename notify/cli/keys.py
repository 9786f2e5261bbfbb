"""``notify keys create --name N --scope events:write`` and ``notify keys revoke PREFIX``."""

from __future__ import annotations

import typer

from notify.cli.output import console, fail
from notify.settings import get_settings

group = typer.Typer(help="API-Schlüssel für andere Fachverfahren der Stadt.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="keys")


@group.command("create")
def create(
    name: str = typer.Option(..., "--name", help="Wofür der Schlüssel ist, z. B. Baustellenkataster"),
    scope: list[str] = typer.Option(["events:write"], "--scope", help="Recht; mehrfach angeben für mehrere"),
) -> None:
    """Neuen Schlüssel anlegen. Er steht allein in der letzten Zeile und wird nur dieses eine Mal gezeigt."""
    from subscribers.db import init_db, session_scope
    from subscribers.keys import UnknownScope, create_key

    settings = get_settings()
    init_db(settings.db_url)
    try:
        with session_scope(settings.db_url) as session:
            key = create_key(session, name, scope)
    except UnknownScope as exc:
        fail(str(exc))
    console.print(
        f"Schlüssel „{name}“ angelegt (Rechte: {', '.join(scope)}). Bitte sicher aufbewahren:", highlight=False
    )
    print(key)


@group.command("revoke")
def revoke(prefix: str = typer.Argument(..., help="Der Teil nach sb_ bis zum nächsten _")) -> None:
    """Einen Schlüssel sofort sperren."""
    from subscribers.db import init_db, session_scope
    from subscribers.keys import revoke_key

    settings = get_settings()
    init_db(settings.db_url)
    with session_scope(settings.db_url) as session:
        if not revoke_key(session, prefix):
            fail(f"Kein Schlüssel mit dem Anfang {prefix}.")
    console.print("Schlüssel gesperrt.")
