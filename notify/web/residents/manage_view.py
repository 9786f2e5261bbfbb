"""What the manage and export pages show a person: each subscription with its own "abbestellen"
link, what a save changed, and the data export as a readable page.

The sentences are German; ``t`` (``notify.web.residents.pages.t``) puts them in the page's language.
Topic and place names are the city pack's and stay German.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from notify.formatting import _as_local, german_datetime
from topics.catalogue import CITYWIDE

Translate = Callable[..., str]


def _german(text: str, /, **values: object) -> str:
    return text.format(**values) if values else text


CHANNELS = {"email": "E-Mail", "sms": "SMS", "push": "Push-Nachricht", "letter": "Brief"}
PROFILES = {"standard": "Normale Sprache", "einfach": "Einfache Sprache", "leicht": "Leichte Sprache"}
FREQUENCIES = {"immediate": "sofort", "daily": "einmal am Tag", "weekly": "einmal in der Woche"}
NEW_ADDRESS = {"email": "Neue E-Mail-Adresse: {value}.", "phone": "Neue Handynummer: {value}.",
               "postal_address": "Neue Adresse für Briefe: {value}."}  # fmt: skip
STATUS = {"active": "angemeldet", "pending": "noch nicht bestätigt", "unsubscribed": "abgemeldet"}
ACTIONS = {"subscribe-requested": "Anmeldung abgeschickt", "confirmed": "Anmeldung bestätigt",
           "preferences-changed": "Einstellungen geändert", "subscribe-repeat": "Noch einmal angemeldet",
           "topic-unsubscribed": "Ein Thema abbestellt", "unsubscribed": "Abgemeldet", "exported": "Daten angesehen",
           "manage-link-sent": "Link zu den Einstellungen geschickt", "confirmation-resent": "Bestätigung noch einmal geschickt",
           "registered-on-paper": "Auf Papier angemeldet", "address-moved": "Adresse von einer neueren Anmeldung bestätigt"}  # fmt: skip


def _area(rt, district: str, t: Translate = _german) -> str:
    return t("ganz {city}", city=rt.catalogue.city) if district == CITYWIDE else rt.catalogue.districts[district].name \
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


def changes_said(rt, before: dict[str, Any], after: dict[str, Any], t: Translate = _german) -> list[str]:
    """Plain sentences for what a save changed (empty: nothing changed)."""
    from notify.web.page_texts import NAMES
    from notify.web.residents.validation import LANGUAGES

    said: list[str] = []
    added = [x for x in after.get("topics", []) if x not in before.get("topics", [])]
    removed = [x for x in before.get("topics", []) if x not in after.get("topics", [])]
    if added:
        said.append(t("Neue Themen: {names}.", names=", ".join(_topic(rt, x) for x in added)))
    if removed:
        said.append(t("Abbestellt: {names}.", names=", ".join(_topic(rt, x) for x in removed)))
    if before.get("districts") != after.get("districts"):
        said.append(t("Orte jetzt: {names}.", names=", ".join(_area(rt, d, t) for d in after.get("districts", []))))
    if before.get("channels") != after.get("channels"):
        said.append(t("Wege jetzt: {names}.", names=", ".join(t(CHANNELS.get(c, c)) for c in after.get("channels", []))))
    for key, sentence in NEW_ADDRESS.items():
        if after.get(key) and before.get(key) != after.get(key):
            said.append(t(sentence, value=str(after[key]).replace(" | ", ", ")))
    if before.get("frequency") != after.get("frequency"):
        said.append(t("Post kommt jetzt {when}.", when=t(FREQUENCIES.get(after.get("frequency") or "", ""))))
    if before.get("profile") != after.get("profile"):
        said.append(t("Sprachstufe jetzt: {level}.", level=t(PROFILES.get(after.get("profile") or "", ""))))
    if before.get("language") != after.get("language"):
        code = after.get("language") or "de"
        said.append(t("Sprache jetzt: {language}.", language=NAMES.get(code) or LANGUAGES.get(code, code)))
    if (before.get("quiet_start"), before.get("quiet_end")) != (after.get("quiet_start"), after.get("quiet_end")):
        said.append(t("Ruhezeit jetzt: {start} bis {end} Uhr.", start=after["quiet_start"], end=after["quiet_end"])
                    if after.get("quiet_start") else t("Keine Ruhezeit mehr."))  # fmt: skip
    return said


def _when(value: Any, language: str = "de") -> str:
    """German: "12. März 2027 um 9:30 Uhr"; other languages: "2027-03-12 09:30" (no German month)."""
    if not value:
        return "–"
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return str(value)
    if language == "de":
        return german_datetime(moment)
    local = _as_local(moment)
    return f"{local:%Y-%m-%d %H:%M}"


def export_sections(rt, data: dict[str, Any], t: Translate = _german,
                    language: str = "de") -> list[tuple[str, list[tuple[str, str]]]]:  # fmt: skip
    """The export as (heading, [(label, value)]) for a person to read."""
    from notify.web.page_texts import NAMES
    from notify.web.residents.validation import LANGUAGES

    def when(value: Any) -> str:
        return _when(value, language)

    sub = data["subscriber"]
    code = sub.get("language") or "de"
    quiet = (t("{start} bis {end} Uhr", start=sub["quiet_start"], end=sub["quiet_end"]) if sub.get("quiet_start")
             else t("keine"))  # fmt: skip
    person = [(t("Name"), sub.get("name") or "–"), (t("Stand"), t(STATUS.get(sub.get("status"), sub.get("status") or ""))),
              (t("Sprache"), NAMES.get(code) or LANGUAGES.get(code, code)),
              (t("Sprachstufe"), t(PROFILES.get(sub.get("profile"), ""))),
              (t("Wie oft"), t(FREQUENCIES.get(sub.get("frequency"), ""))), (t("Ruhezeit"), quiet),
              (t("Angemeldet am"), when(sub.get("created_at"))), (t("Zuletzt geändert"), when(sub.get("updated_at")))]  # fmt: skip
    addresses = [(t(CHANNELS.get(a["channel"], a["channel"])),
                  a["address"].replace("\n", ", ") + " " + (t("(bestätigt)") if a.get("confirmed_at") else t("(nicht bestätigt)")))
                 for a in data["addresses"]]  # fmt: skip
    subs = [(_topic(rt, s["topic_id"]), _area(rt, s["district_id"], t)) for s in data["subscriptions"]]
    consents = [(t("Zustimmung vom {date}", date=when(c.get("given_at"))),
                 t("Text {version}, über {via}", version=c.get("text_version"), via=c.get("given_via")) + "; "
                 + (t("bestätigt am {date}", date=when(c.get("confirmed_at"))) if c.get("confirmed_at") else t("nicht bestätigt"))
                 + ("; " + t("zurückgezogen am {date}", date=when(c.get("withdrawn_at"))) if c.get("withdrawn_at") else ""))
                for c in data["consents"]]  # fmt: skip
    trail = [(when(e.get("at")), t(ACTIONS.get(e.get("action"), e.get("action") or ""))) for e in data["audit"]]
    sent = [(when(d.get("sent_at") or d.get("created_at")), f"{d.get('event_title')} – {t(CHANNELS.get(d.get('channel'), ''))}")
            for d in data["deliveries"]]  # fmt: skip
    return [(t("Über Sie"), person), (t("Ihre Adressen"), addresses), (t("Ihre Themen und Orte"), subs),
            (t("Ihre Zustimmung"), consents), (t("Was Sie bekommen haben"), sent), (t("Was geschehen ist"), trail)]  # fmt: skip
