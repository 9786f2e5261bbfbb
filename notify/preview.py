"""Render any channel for a sample resident — what ``notify preview`` shows and staff check."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from notify.channels.email import build_message, message_body, render_email
from notify.channels.gsm import sms_info
from notify.channels.letter import render_letter_pdf
from notify.channels.short_text import fit_push_for, fit_sms_for, shortening_notes
from notify.events import CityEvent
from notify.pipeline import Runtime, readable_text, template_context
from subscribers.store import Contact

SAMPLE = Contact(
    subscriber_id=0,
    public_id="vorschau",
    name="Erika Musterfrau",
    language="de",
    profile="standard",
    addresses={
        "email": "erika.musterfrau@example.org",
        "sms": "+4915112345678",
        "push": "vorschau",
        "letter": "Erika Musterfrau\nHorster Straße 12\n45897 Gelsenkirchen",
    },
    service_code="K7MQ4XTP",  # an example: previews show where a resident's code is printed
)


@dataclass
class Preview:
    channel: str
    content: bytes  # RFC 5322 message, JSON, or PDF
    media_type: str
    readable: str  # the text a resident reads, for the plain-language check
    notes: list[str] = field(default_factory=list)  # what staff must know before sending


def render_preview(
    rt: Runtime, event: CityEvent, channel: str, language: str = "de", profile: str = "standard"
) -> Preview:
    contact = Contact(**{**SAMPLE.__dict__, "language": language, "profile": profile})
    context = template_context(rt, event, contact, language)
    name = event.template_name
    if channel == "email":
        rendered = render_email(name, context, language, profile)
        message = build_message(rendered, mail_from=rt.settings.mail_from, to=contact.addresses["email"],
                                unsubscribe_url=context["unsubscribe_url"], language=language)  # fmt: skip
        return Preview(
            channel, message.as_bytes(), "message/rfc822", f"{rendered.subject}.\n\n{message_body(rendered.text)}"
        )
    if channel == "sms":
        budget = rt.settings.sms_segment_budget
        fitted = fit_sms_for(name, context, language, profile, budget, rt.settings.sms_urgent_segments)
        text, notes = fitted.text, shortening_notes(fitted, "sms", budget)
        doc = {"to": contact.addresses["sms"], "text": text, **sms_info(text).as_dict(), "notes": notes}
        return Preview(channel, _json(doc), "application/json", readable_text(text), notes)
    if channel == "push":
        push, fitted = fit_push_for(name, context, language, profile)
        notes = shortening_notes(fitted, "push")
        doc = {"title": push.title, "body": push.body, "link": push.link, "notes": notes}
        return Preview(channel, _json(doc), "application/json", f"{push.title}\n{push.body}", notes)
    if channel == "letter":
        context["recipient"]["postal_address"] = contact.addresses["letter"].splitlines()
        pdf = render_letter_pdf(context, name=name, language=language, profile=profile)
        return Preview(channel, pdf, "application/pdf", f"{context['title']}.\n\n{context['text']}")
    raise ValueError(f"unknown channel {channel!r}")


def _json(doc: dict) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode()
