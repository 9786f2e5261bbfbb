""""An mich senden": an announcement goes to the signed-in officer only, marked as a test.

The test is rendered exactly like a resident's message (same templates, the chosen language and
plain-language level, the matching version of the text when the announcement has one) but:

- it goes straight from the web process to the officer's own e-mail (and SMS, if their profile
  has a mobile number) — no Kafka, no matching, so no resident can receive it;
- it writes nothing to the event register or the delivery ledger, so the real send later is
  not taken for a replay and nobody is skipped;
- subject and first line start with "Test:", and the e-mail carries ``X-Stadtbote-Test: 1``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from notify import staff_mail
from notify.announcements import Refused, to_event
from notify.channels.apprise_out import AppriseSender
from notify.channels.email import build_message, render_email
from notify.channels.short_text import compose_sms
from notify.events import CityEvent
from notify.pipeline import Runtime, template_context
from subscribers import team
from subscribers.announcements import Announcement, audit
from subscribers.db import session_scope
from subscribers.models import utcnow
from subscribers.staff import Staff, StaffUser
from subscribers.store import Contact

PREFIX = "Test: "
NOTE = "Das ist ein Test. Nur Sie bekommen diese Nachricht. Die Bürgerinnen und Bürger bekommen sie erst nach dem Senden."
LANGUAGES = {"de": "Deutsch", "en": "Englisch", "tr": "Türkisch"}
PROFILES = ("standard", "einfach", "leicht")
CHANNELS = ("email", "sms")
LIMIT, WINDOW = 10, timedelta(minutes=10)


@dataclass
class TestOutcome:
    language: str
    profile: str
    version: str  # what text went out: "eigene Fassung" or the German base text
    sent: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"language": self.language, "profile": self.profile, "version": self.version, "sent": self.sent}


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def matching_version(event: CityEvent, language: str, profile: str) -> tuple[str, str] | None:
    """Title and text of the event's own version for this language and level, if it has one.

    ``data.versions`` comes with the versions work; events without it have only the base text.
    """
    for item in getattr(event.data, "versions", None) or []:
        if _field(item, "language") == language and (_field(item, "profile") or "standard") == profile:
            title, text = _field(item, "title"), _field(item, "text")
            if title and text:
                return str(title), str(text)
    return None


def test_event(event: CityEvent, language: str, profile: str) -> tuple[CityEvent, str]:
    """The event as the test shows it: the chosen version's text, marked as a test."""
    chosen = matching_version(event, language, profile)
    title, text = chosen or (event.data.title, event.data.text)
    label = "eigene Fassung" if chosen else ("Grundtext" if (language, profile) == ("de", "standard")
                                            else "Grundtext (keine eigene Fassung)")  # fmt: skip
    data = event.data.model_copy(update={"title": (PREFIX + title)[:200], "text": f"{NOTE}\n\n{text}"})
    return event.model_copy(update={"data": data, "id": f"TEST-{event.id}"}), label


def _recently(session: Session, email: str) -> int:
    return session.execute(
        select(func.count()).select_from(team.StaffAudit).where(
            col(team.StaffAudit.actor) == email, col(team.StaffAudit.action) == "test-send",
            col(team.StaffAudit.at) > utcnow() - WINDOW)
    ).scalar_one()  # fmt: skip


def _prepare(rt: Runtime, ann_id: int, staff: Staff, channels: list[str] | None, language: str,
             profile: str) -> tuple[CityEvent, str, dict[str, str]]:  # fmt: skip
    if language not in LANGUAGES:
        raise Refused(400, f"Die Sprache „{language}“ gibt es hier nicht. Möglich: {', '.join(LANGUAGES)}.")
    if profile not in PROFILES:
        raise Refused(400, f"Die Sprachstufe „{profile}“ gibt es nicht. Möglich: {', '.join(PROFILES)}.")
    if channels is not None and (not channels or any(c not in CHANNELS for c in channels)):
        raise Refused(400, "Tests gehen per E-Mail (email) oder SMS (sms).")
    with session_scope(rt.db_url) as session:
        ann = session.get(Announcement, ann_id)
        if ann is None:
            raise Refused(404, "Diese Mitteilung gibt es nicht.")
        if not staff.may("write"):
            raise Refused(403, "Ihre Rolle darf keine Tests senden.")
        user = session.get(StaffUser, staff.id)
        wanted = channels or (["email", "sms"] if user.phone else ["email"])
        if "sms" in wanted and not user.phone:
            raise Refused(409, "Für einen Test per SMS braucht Ihr Zugang eine Handynummer. Tragen Sie sie unter "
                               "„Mein Zugang“ ein.")  # fmt: skip
        if _recently(session, staff.email) >= LIMIT:
            raise Refused(429, "Sie haben in den letzten 10 Minuten schon 10 Tests gesendet. Bitte warten Sie kurz.")
        event, label = test_event(to_event(ann, rt.catalogue), language, profile)
        to = {"email": user.email, **({"sms": user.phone} if user.phone else {})}
        team.audit(session, staff.email, "test-send", f"announcement/{ann_id}",
                   f"{', '.join(wanted)}; {language}/{profile}")  # fmt: skip
        audit(session, ann, staff.email, "test", ann.status, ann.status,
              f"Test an {', '.join(to[c] for c in wanted)} ({LANGUAGES[language]}, {profile})")  # fmt: skip
    return event, label, {c: to[c] for c in wanted}


async def send_test(rt: Runtime, ann_id: int, staff: Staff, channels: list[str] | None = None,
                    language: str = "de", profile: str = "standard") -> TestOutcome:  # fmt: skip
    """Send the test; raises Refused for what is not allowed. Delivery problems are reported per channel."""
    event, label, targets = await asyncio.to_thread(_prepare, rt, ann_id, staff, channels, language, profile)
    contact = Contact(subscriber_id=0, public_id="test", name=staff.name, language=language, profile=profile,
                      addresses=targets)  # fmt: skip
    context = template_context(rt, event, contact, language)
    outcome = TestOutcome(language, profile, label)
    if "email" in targets:
        rendered = render_email(event.template_name, context, language, profile)
        message = build_message(rendered, mail_from=rt.settings.mail_from, to=targets["email"],
                                unsubscribe_url=context["unsubscribe_url"], language=language)  # fmt: skip
        message["X-Stadtbote-Test"] = "1"
        ok = await staff_mail.send_message(rt, message)
        outcome.sent.append({"channel": "email", "to": targets["email"], "ok": ok,
                             **({} if ok else {"error": "Die E-Mail ging nicht hinaus."})})  # fmt: skip
    if "sms" in targets:
        text = compose_sms(event.template_name, context, language, profile, rt.settings.sms_segment_budget)
        if not text.startswith(PREFIX):
            text = PREFIX + text
        result = await AppriseSender({"sms": rt.settings.sms_url}, concurrency=1).send("sms", targets["sms"], "", text)
        outcome.sent.append({"channel": "sms", "to": targets["sms"], "ok": result.ok,
                             **({} if result.ok else {"error": result.error})})  # fmt: skip
    return outcome
