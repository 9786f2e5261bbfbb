"""``notify staff add EMAIL --role author|approver|admin [--password-stdin]``, ``revoke``, ``list``."""

from __future__ import annotations

import sys

import typer

from notify.cli.output import console, fail
from notify.settings import get_settings

group = typer.Typer(help="Konten für das Presseteam (Mitteilungen schreiben, freigeben, senden).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="staff")


@group.command("add")
def add(
    email: str = typer.Argument(..., help="E-Mail-Adresse der Person"),
    role: str = typer.Option(..., "--role", help="author (Redaktion), approver (Freigabe) oder admin (Verwaltung)"),
    name: str | None = typer.Option(None, "--name", help="Name, wie er im Verlauf erscheint"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Passwort für die Web-Anmeldung von stdin lesen"
    ),
) -> None:
    """Person anlegen (oder Rolle ändern). Ihr API-Token steht allein in der letzten Zeile."""
    from subscribers.db import init_db, session_scope
    from subscribers.staff import ROLE_NAMES, UnknownRole, add_staff

    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if len(password) < 12:
            fail("Das Passwort ist zu kurz. Bitte mindestens 12 Zeichen.")
    if "@" not in email:
        fail(f"„{email}“ ist keine E-Mail-Adresse.")
    settings = get_settings()
    init_db(settings.db_url)
    try:
        with session_scope(settings.db_url) as session:
            user, token = add_staff(session, email, role, password=password, name=name)
            shown = f"{user.email} ({ROLE_NAMES[user.role]})"
    except UnknownRole:
        fail(f"Unbekannte Rolle „{role}“. Erlaubt sind: author, approver, admin.")
    login = "mit Passwort für die Web-Anmeldung" if password else "ohne Passwort (nur API)"
    console.print(f"Angelegt: {shown}, {login}. API-Token, nur dieses eine Mal sichtbar:", highlight=False)
    print(token)


@group.command("revoke")
def revoke(email: str = typer.Argument(..., help="E-Mail-Adresse der Person")) -> None:
    """Zugang sofort sperren: Anmeldung, alle Sitzungen und API-Tokens."""
    from subscribers.db import init_db, session_scope
    from subscribers.staff import revoke_staff

    settings = get_settings()
    init_db(settings.db_url)
    with session_scope(settings.db_url) as session:
        if not revoke_staff(session, email):
            fail(f"Keine Person mit der Adresse {email}.")
    console.print(f"Gesperrt: {email}. Alle Sitzungen und Tokens gelten nicht mehr.", highlight=False)


@group.command("list")
def list_() -> None:
    """Alle Personen mit Rolle und Zustand."""
    from subscribers.db import init_db, session_scope
    from subscribers.staff import ROLE_NAMES, list_staff

    settings = get_settings()
    init_db(settings.db_url)
    with session_scope(settings.db_url) as session:
        for user in list_staff(session):
            state = "gesperrt" if user.revoked_at else "aktiv"
            console.print(f"{user.email}\t{ROLE_NAMES[user.role]}\t{state}", highlight=False)
