"""The steps of the flow as plain functions, testable without a broker.

``ingest``  — validate, register once under (source, id), plain-language check of the event text.
``plan``    — the match index's audience → ledger rows, written before anything is sent.
The channel steps live in ``notify/dispatch.py``; the Faust agents in ``notify/worker.py`` only
call these and route errors.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from markupsafe import Markup, escape

from notify.corrections import with_original_recipients
from notify.events import CityEvent, parse_json_event
from notify.formatting import CITY_TZ
from notify.links import LinkSigner
from notify.publishing.links import event_links, personal_links
from notify.publishing.store import publish
from notify.settings import Settings
from notify.textformat import to_html, to_plain
from notify.versions import choose, direction, missing_note, note_language
from subscribers.db import session_scope
from subscribers.ledger import register_event, write_deliveries
from subscribers.models import EventRecord, utcnow
from subscribers.settings_code import grouped
from subscribers.store import Contact
from topics.catalogue import CITYWIDE, Catalogue, load_catalogue

if TYPE_CHECKING:
    import plainlang

_URL = re.compile(r"https?://\S+")
SETTINGS_PATH = "/einstellungen"  # code + postcode or mobile number → the settings (notify/web/residents/by_code.py)


@dataclass
class Runtime:
    """What every step needs, built once per process."""

    settings: Settings
    catalogue: Catalogue = field(init=False)

    def __post_init__(self) -> None:
        self.catalogue = load_catalogue(self.settings.city)

    @property
    def db_url(self) -> str:
        return self.settings.db_url

    @cached_property
    def signer(self) -> LinkSigner:
        return LinkSigner.from_secret(self.settings.resolved_secret_key(), self.settings.base_url)


@dataclass
class Ingested:
    event: CityEvent
    event_pk: int
    outcome: str  # "new" | "duplicate" | "expired" | "held" | "versions" (an update that added versions)
    released: list[tuple[str, int, str]] = field(default_factory=list)  # deliveries that waited for a version


def readable_text(text: str) -> str:
    """What a person reads of a text: links are not prose, so they do not count against it."""
    return _URL.sub("", text)


def checked_text(event: CityEvent) -> str:
    """The text the gate checks of a city event: its title and its text as people read them. The
    report's offsets point into this string (staff pages mark findings in it)."""
    return readable_text(f"{event.data.title}.\n\n{to_plain(event.data.text)}")


def check_event_text(event: CityEvent) -> plainlang.GateDecision:
    import plainlang  # spaCy: loaded in the worker's start-up thread, not at import (notify/worker_boot.py)

    return plainlang.gate(
        checked_text(event), profile="standard", topic=event.data.topics[0], channel=None, urgent=event.urgent
    )


def ingest(raw: bytes, rt: Runtime) -> Ingested:
    """Validate and register one raw record; raises ``InvalidEvent`` for the dead-letter topic."""
    event = parse_json_event(raw, rt.catalogue)
    with session_scope(rt.db_url) as session:
        registered = register_event(
            session,
            source=event.source,
            event_id=event.id,
            type=event.type,
            title=event.data.title,
            urgency=event.data.urgency,
            payload=event.to_json(),
        )
        record = registered.record
        if not registered.new and record.status != "received":
            from notify.version_waits import accept_update

            if (released := accept_update(session, record, event)) is not None:
                return Ingested(event, record.id, "versions", released)
            return Ingested(event, record.id, "duplicate")
        if event.expired():
            record.status = "expired"
            return Ingested(event, record.id, "expired")
        decision = check_event_text(event)
        record.amstad = decision.report.metrics.get("amstad")
        record.readability = json.dumps(decision.report.to_dict(), ensure_ascii=False)
        if decision.action == "hold" and not event.data.versions:
            # With versions, each reader's text is checked at delivery against its own profile:
            # the base must not hold back a Leichte-Sprache reader who never gets it.
            record.status = "held"
            return Ingested(event, record.id, "held")
        record.status = "accepted"  # a replay arriving from now on is a duplicate
        publish(session, record, event, rt.catalogue)  # the public archive, when the event is public
        return Ingested(event, record.id, "new")


def plan(rt: Runtime, event: CityEvent, event_pk: int, targets: dict[str, np.ndarray]) -> list[tuple[str, int, str]]:
    """Write the ledger rows for an event's audience; return the deliveries still to send."""
    with session_scope(rt.db_url) as session:
        record = session.get(EventRecord, event_pk)
        targets = with_original_recipients(session, event, targets)  # corrections follow the original
        pairs = [(int(sid), channel) for channel, ids in targets.items() for sid in ids.tolist()]
        pending = write_deliveries(session, record, pairs, urgent=event.urgent)
        record.status = "matched"
        record.deliveries = len(pairs)
        record.matched_at = utcnow()
    return pending


# -- what templates get -------------------------------------------------------------------------
def names(catalogue: Catalogue, event: CityEvent) -> tuple[str, str]:
    topics = ", ".join(catalogue.topics[t].name for t in event.data.topics)
    area = (
        f"ganz {catalogue.city}"
        if event.data.area == CITYWIDE
        else ", ".join(catalogue.districts[d].name for d in event.data.area)
    )
    return topics, area


def event_context(rt: Runtime, event: CityEvent, language: str, profile: str = "standard") -> dict[str, Any]:
    """The part of a template's context that is the same for every reader of an event in
    ``language`` at ``profile``: the version they read (notify/versions.py), with one sentence
    above it when it is not their own."""
    topics, area = names(rt.catalogue, event)
    version = choose(event, language, profile)
    note = missing_note(version, rt.catalogue.sender.get("phone") or "")
    body = f"{note}\n\n{version.text}" if note else version.text
    # The frame is in the template's language, the text in the version's, the note in the reader's:
    # each part says which (lang, dir), so a screen reader speaks each in its own voice.
    note_lang = note_language(version) if note else version.language
    return {
        "event": event,
        "version": version,
        "title": version.title,
        "text": to_plain(body),
        "text_html": _marked(note, note_lang) + _marked(version.text, version.language, own=False),
        "note": note,
        "note_lang": note_lang,
        "note_dir": direction(note_lang),
        "body_text": to_plain(version.text),
        "text_lang": version.language,
        "text_dir": direction(version.language),
        "link": str(event.data.link) if event.data.link else None,
        "topics": topics,
        "area": area,
        "city": rt.catalogue.city,
        "language": language,
        "sender": rt.catalogue.sender,
        "today": datetime.now(CITY_TZ).date(),
        **event_links(rt, event),  # message_url (short link), feedback_url
    }


def _marked(text: str, language: str, own: bool = True) -> Markup:
    """E-mail HTML of ``text``; ``own``: in its own ``<div lang dir>`` (the text's language is
    set around the heading and text by the template)."""
    if not text:
        return Markup("")
    html = to_html(text)
    return Markup(f'<div lang="{escape(language)}" dir="{direction(language)}">{html}</div>') if own else html


def _read_version(base: dict[str, Any], language: str, profile: str) -> tuple[str, str]:
    version = base.get("version")
    return (version.language, version.profile) if version is not None else (language, profile)


def template_context(
    rt: Runtime,
    event: CityEvent,
    contact: Contact,
    language: str,
    base: dict[str, Any] | None = None,
    matched: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """Everything a channel template gets: the event's part (``base``, reusable) and the resident's.

    ``matched``: the resident's own subscriptions that this event matched (``notify.matched``);
    None for a sample resident (previews), who ordered exactly what the event is about.
    """
    from notify.matched import describe, link_value

    postal = contact.addresses.get("letter", "")
    if matched is None:
        area = event.data.area
        matched = [(t, d) for t in event.data.topics for d in ([CITYWIDE] if area == CITYWIDE else area)]
    base = base or event_context(rt, event, language, contact.profile)
    manage_url = rt.signer.url("manage", contact.public_id)
    # One-click "not this any more", next to "nothing any more": it names the resident's own
    # subscriptions that brought this message, never the event's first topic. (None matched —
    # changed since the match: the settings page, where they choose.)
    topic_url = rt.signer.url("unsubscribe", contact.public_id, subs=link_value(matched)) if matched else manage_url
    return {
        **base,
        "manage_url": manage_url,
        "unsubscribe_url": rt.signer.url("unsubscribe", contact.public_id),
        "unsubscribe_topic_url": topic_url,
        "subscribed": describe(rt.catalogue, matched, language),  # the footer: "Parken in Buer"
        "recipient": {"name": contact.name or "", "postal_address": postal.splitlines()},
        # The short link and feedback link of the version this resident reads (their own, or the
        # nearest one sent in its place: a Turkish Einfache-Sprache reader may read de/einfach).
        **personal_links(rt, contact, base, *_read_version(base, language, contact.profile)),
        # One letter a day per resident (letter_batch), under an opaque key, never the public id.
        "resident_key": hashlib.sha256(f"resident:{contact.public_id}".encode()).hexdigest()[:20],
        # Letters print the short settings page and the resident's code, not the long link.
        "settings_url": f"{rt.signer.base_url}{SETTINGS_PATH}",
        "settings_code": grouped(contact.service_code) if contact.service_code else None,
        # Only a postal address: the letter offers a phone number for warnings.
        "letter_only": set(contact.addresses) == {"letter"},
    }
