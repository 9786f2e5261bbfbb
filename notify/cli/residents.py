"""``notify subscribers add`` (paper form), ``notify subscribers code CODE``, ``notify subscribers purge``."""

from __future__ import annotations

import asyncio

import typer

from notify.cli.output import console, errors, fail
from notify.cli.subscribers import group
from notify.settings import get_settings


def register(app: typer.Typer) -> None:
    """The commands join the ``subscribers`` group, which ``notify.cli.subscribers`` registers."""


def _runtime():
    from notify.pipeline import Runtime
    from subscribers.db import init_db

    settings = get_settings()
    init_db(settings.db_url)
    return Runtime(settings)


def _publish(settings, ids: list[int]) -> None:
    from notify.kafka import BrokerDown
    from notify.subscriptions import publish_changes

    try:
        asyncio.run(asyncio.wait_for(publish_changes(settings, ids), 20))
    except (BrokerDown, TimeoutError, OSError) as exc:
        errors.print(f"Hinweis: Die Worker konnten nicht benachrichtigt werden ({exc}). "
                     "Sie lesen die Änderung beim nächsten Start.", highlight=False)  # fmt: skip


@group.command("add")
def add(
    name: str = typer.Option(..., "--name", help="Name für die Anrede im Brief"),
    postal_address: str = typer.Option(
        ..., "--postal-address", help='Zeilen mit "|", z. B. "Erika Muster | Musterweg 1 | 45894 Gelsenkirchen"'
    ),
    topics: str = typer.Option(..., "--topics", help="Themen-IDs, mit Komma getrennt"),
    districts: str = typer.Option(
        "", "--districts", help='Stadtteile/Stadtbezirke oder "citywide", mit Komma getrennt'
    ),
    place: str = typer.Option("", "--place", help="oder: Postleitzahl/Adresse, ergibt den Stadtteil"),
    consent_note: str = typer.Option(
        ..., "--consent-note", help='Wo die Einwilligung steht, z. B. "Formular vom 3.3."'
    ),
    email: str = typer.Option("", "--email"),
    phone: str = typer.Option("", "--phone"),
    language: str = typer.Option("de", "--language"),
    profile: str = typer.Option("standard", "--profile", help="standard, einfach oder leicht"),
    frequency: str = typer.Option("immediate", "--frequency", help="immediate, daily oder weekly"),
) -> None:
    """Eine Anmeldung vom Papierformular erfassen. Sie gilt sofort; die Person bekommt einen Brief mit Code."""
    from notify.web.residents.paper import parse_paper, register_paper
    from notify.web.residents.validation import InvalidInput

    rt = _runtime()
    data = {"name": name, "postal_address": postal_address, "topics": topics, "districts": districts, "place": place,
            "consent_note": consent_note, "email": email, "phone": phone, "language": language, "profile": profile,
            "frequency": frequency}  # fmt: skip
    try:
        inp, note = parse_paper(data, rt)
    except InvalidInput as exc:
        for field, message in exc.errors.items():
            errors.print(f"{field}: {message}", highlight=False)
        fail("Die Anmeldung wurde nicht gespeichert.")
    result = register_paper(rt, inp, note, actor="staff")
    console.print(f"{'Neu angemeldet' if result.created else 'Anmeldung aktualisiert'}. Code: [bold]{result.code}[/]")
    console.print(f"Brief: {result.letter}", highlight=False)
    _publish(rt.settings, [result.subscriber_id])


@group.command("code")
def code(
    service_code: str = typer.Argument(..., metavar="CODE", help="Code aus dem Bestätigungsbrief"),
    cancel: bool = typer.Option(False, "--cancel", help="Alle Nachrichten abbestellen"),
    erase: bool = typer.Option(False, "--erase", help="Alle Daten der Person löschen"),
    new: bool = typer.Option(False, "--new", help="Einen neuen Code geben (Brief verloren); der alte gilt nicht mehr"),
) -> None:
    """Eine Person über ihren Code finden (Anruf, Brief); mit --cancel abmelden, mit --erase löschen,
    mit --new einen neuen Code geben."""
    from notify.web.residents.paper import find_by_code
    from notify.web.residents.service import state_of
    from subscribers import confirm_codes, consent
    from subscribers.db import session_scope
    from subscribers.gdpr import erase_subscriber

    rt = _runtime()
    with session_scope(rt.db_url) as session:
        sub = find_by_code(session, service_code)
        if sub is None:
            fail(f"Kein Abonnement mit dem Code {confirm_codes.normalise_code(service_code)}.")
        state = state_of(session, sub)
        sid = sub.id
        console.print(f"[bold]{sub.name or '(ohne Name)'}[/] – Status: {sub.status}", highlight=False)
        for field in ("postal_address", "email", "phone", "push"):
            if state.get(field):
                console.print(f"  {field}: {state[field]}", highlight=False)
        console.print(f"  Themen: {', '.join(state['topics']) or '–'}", highlight=False)
        console.print(f"  Orte: {', '.join(state['districts']) or '–'}", highlight=False)
        console.print(f"  Sprache: {sub.language}, {sub.profile}; Häufigkeit: {sub.frequency}", highlight=False)
        if erase:
            erase_subscriber(session, sid, actor="staff", reason="request by phone or letter")
            console.print("Alle Daten sind gelöscht.")
        elif new:
            from subscribers.settings_code import grouped, rotate

            fresh = rotate(session, sid)
            consent.audit(session, sid, "settings-code-renewed", "staff", "new code by phone or letter")
            console.print(f"Neuer Code: {grouped(fresh)}. Der alte Code gilt ab jetzt nicht mehr.", highlight=False)
        elif cancel:
            if consent.unsubscribe_all(session, sub, actor="staff", reason="request by phone or letter"):
                console.print("Abgemeldet. Die Person bekommt keine Nachrichten mehr.")
            else:
                console.print("Die Person war schon abgemeldet.")
    if cancel or erase:
        _publish(rt.settings, [sid])


@group.command("purge")
def purge() -> None:
    """Unbestätigte Anmeldungen (nach NOTIFY_UNCONFIRMED_HOURS, Standard 72 h) und alte Abmeldungen löschen."""
    from subscribers.consent import purge_unconfirmed
    from subscribers.db import session_scope

    rt = _runtime()
    with session_scope(rt.db_url) as session:
        removed = purge_unconfirmed(session)
    console.print(f"{removed} Einträge gelöscht.")
