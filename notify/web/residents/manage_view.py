"""What the manage and export pages show a person, in German: each subscription with its own
"abbestellen" link, what a save changed, and the data export as a readable page."""

from __future__ import annotations

from typing import Any

from notify.formatting import german_datetime
from topics.catalogue import CITYWIDE

CHANNELS = {"email": "E-Mail", "sms": "SMS", "push": "Push-Nachricht", "letter": "Brief"}
PROFILES = {"standard": "Normale Sprache", "einfach": "Einfache Sprache", "leicht": "Leichte Sprache"}
FREQUENCIES = {"immediate": "sofort", "daily": "einmal am Tag", "weekly": "einmal in der Woche"}
STATUS = {"active": "angemeldet", "pending": "noch nicht bestätigt", "unsubscribed": "abgemeldet"}
ACTIONS = {"subscribe-requested": "Anmeldung abgeschickt", "confirmed": "Anmeldung bestätigt",
           "preferences-changed": "Einstellungen geändert", "subscribe-repeat": "Noch einmal angemeldet",
           "topic-unsubscribed": "Ein Thema abbestellt", "unsubscribed": "Abgemeldet", "exported": "Daten angesehen",
           "manage-link-sent": "Link zu den Einstellungen geschickt", "confirmation-resent": "Bestätigung noch einmal geschickt",
           "registered-on-paper": "Auf Papier angemeldet", "address-moved": "Adresse von einer neueren Anmeldung bestätigt"}  # fmt: skip


def _area(rt, district: str) -> str:
    return f"ganz {rt.catalogue.city}" if district == CITYWIDE else rt.catalogue.districts[district].name \
        if district in rt.catalogue.districts else district  # fmt: skip


def _topic(rt, topic: str) -> str:
    return rt.catalogue.topics[topic].name if topic in rt.catalogue.topics else topic


def subscription_rows(rt, public_id: str, state: dict[str, Any]) -> list[dict[str, str]]:
    """One row per topic: its name, the places, and a link that cancels just this topic."""
    from notify.matched import link_value

    districts = state.get("districts") or []
    places = ", ".join(_area(rt, d) for d in districts)
    return [{"topic": _topic(rt, t), "places": places,
             "unsubscribe": rt.signer.url("unsubscribe", public_id, subs=link_value((t, d) for d in districts))}
            for t in state.get("topics") or []]  # fmt: skip


def changes_said(rt, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Plain sentences for what a save changed (empty: nothing changed)."""
    said: list[str] = []
    added = [t for t in after.get("topics", []) if t not in before.get("topics", [])]
    removed = [t for t in before.get("topics", []) if t not in after.get("topics", [])]
    if added:
        said.append("Neue Themen: " + ", ".join(_topic(rt, t) for t in added) + ".")
    if removed:
        said.append("Abbestellt: " + ", ".join(_topic(rt, t) for t in removed) + ".")
    if before.get("districts") != after.get("districts"):
        said.append("Orte jetzt: " + ", ".join(_area(rt, d) for d in after.get("districts", [])) + ".")
    if before.get("channels") != after.get("channels"):
        said.append("Wege jetzt: " + ", ".join(CHANNELS.get(c, c) for c in after.get("channels", [])) + ".")
    for key, label in (("email", "E-Mail-Adresse"), ("phone", "Handynummer"), ("postal_address", "Adresse für Briefe")):
        if after.get(key) and before.get(key) != after.get(key):
            said.append(f"Neue {label}: {str(after[key]).replace(' | ', ', ')}.")
    if before.get("frequency") != after.get("frequency"):
        said.append(f"Post kommt jetzt {FREQUENCIES.get(after.get('frequency') or '', '')}.")
    if before.get("profile") != after.get("profile"):
        said.append(f"Sprachstufe jetzt: {PROFILES.get(after.get('profile') or '', '')}.")
    if before.get("language") != after.get("language"):
        said.append(f"Sprache jetzt: {after.get('language')}.")
    if (before.get("quiet_start"), before.get("quiet_end")) != (after.get("quiet_start"), after.get("quiet_end")):
        said.append(f"Ruhezeit jetzt: {after['quiet_start']} bis {after['quiet_end']} Uhr."
                    if after.get("quiet_start") else "Keine Ruhezeit mehr.")  # fmt: skip
    return said


def _when(value: Any) -> str:
    if not value:
        return "–"
    from datetime import datetime

    try:
        return german_datetime(datetime.fromisoformat(str(value)))
    except (TypeError, ValueError):
        return str(value)


def export_sections(rt, data: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The export as (heading, [(label, value)]) for a person to read."""
    sub = data["subscriber"]
    person = [("Name", sub.get("name") or "–"), ("Stand", STATUS.get(sub.get("status"), sub.get("status") or "")),
              ("Sprache", sub.get("language") or "de"), ("Sprachstufe", PROFILES.get(sub.get("profile"), "")),
              ("Wie oft", FREQUENCIES.get(sub.get("frequency"), "")),
              ("Ruhezeit", f"{sub['quiet_start']} bis {sub['quiet_end']} Uhr" if sub.get("quiet_start") else "keine"),
              ("Angemeldet am", _when(sub.get("created_at"))), ("Zuletzt geändert", _when(sub.get("updated_at")))]  # fmt: skip
    addresses = [(CHANNELS.get(a["channel"], a["channel"]),
                  a["address"].replace("\n", ", ") + (" (bestätigt)" if a.get("confirmed_at") else " (nicht bestätigt)"))
                 for a in data["addresses"]]  # fmt: skip
    subs = [(_topic(rt, s["topic_id"]), _area(rt, s["district_id"])) for s in data["subscriptions"]]
    consents = [(f"Zustimmung vom {_when(c.get('given_at'))}",
                 f"Text {c.get('text_version')}, über {c.get('given_via')}; "
                 + (f"bestätigt am {_when(c.get('confirmed_at'))}" if c.get("confirmed_at") else "nicht bestätigt")
                 + (f"; zurückgezogen am {_when(c.get('withdrawn_at'))}" if c.get("withdrawn_at") else ""))
                for c in data["consents"]]  # fmt: skip
    trail = [(_when(e.get("at")), ACTIONS.get(e.get("action"), e.get("action") or "")) for e in data["audit"]]
    sent = [(_when(d.get("sent_at") or d.get("created_at")), f"{d.get('event_title')} – {CHANNELS.get(d.get('channel'), '')}")
            for d in data["deliveries"]]  # fmt: skip
    return [("Über Sie", person), ("Ihre Adressen", addresses), ("Ihre Themen und Orte", subs),
            ("Ihre Zustimmung", consents), ("Was Sie bekommen haben", sent), ("Was geschehen ist", trail)]  # fmt: skip
