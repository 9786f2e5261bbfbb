"""Short messages from templates: the SMS within its segment budget, the push within its limits.

Both are written for their channel (``templates/sms/``, ``templates/push/``), never cut out of an
email. Each template has named blocks so the code can shorten the text and still keep the link:

- SMS: ``{% block message %}`` (may be shortened) and ``{% block link %}`` (always kept).
- Push: ``{% block title %}`` and ``{% block body %}``; the deep link travels beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Template

from notify.channels.gsm import normalise_for_sms, sms_info
from notify.channels.sentence_fit import Fitted, fit_sentences, fit_sms_sentences
from notify.render import candidate_names, file_environment

# Lock screens cut longer text; the numbers are what iOS and Android show without expanding.
# Source: Apple HIG "Notifications" and Android "Notifications" guide (as of 2024), rounded down.
PUSH_TITLE_MAX = 65
PUSH_BODY_MAX = 240
ELLIPSIS = "…"

# Default SMS budget per message; a deployment sets its own (a part costs money).
DEFAULT_SMS_SEGMENTS = 2
# A warning may use up to this many parts, so its instructions are never dropped.
DEFAULT_SMS_URGENT_SEGMENTS = 4


def shorten(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """``text`` if it fits ``limit`` characters, else cut at the last word boundary plus "…".

    A single word longer than the limit is cut hard, since there is no boundary to use.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = limit - len(ellipsis)
    head = text[: room + 1]
    cut = head.rfind(" ")
    head = head[:cut] if cut > 0 else text[:room]
    return head.rstrip(" ,;:.-") + ellipsis


def _template(channel: str, name: str, language: str, profile: str) -> Template:
    return file_environment().select_template(candidate_names(channel, name, "txt", language, profile))


def _block(template: Template, block: str, context: dict[str, Any]) -> str:
    render = template.blocks[block]
    return "".join(render(template.new_context(context))).strip()


def compose_sms(
    name: str,
    context: dict[str, Any],
    language: str = "de",
    profile: str = "standard",
    budget_segments: int = DEFAULT_SMS_SEGMENTS,
    urgent_segments: int = DEFAULT_SMS_URGENT_SEGMENTS,
) -> str:
    """The SMS text for template family ``name``, within ``budget_segments`` parts, link kept."""
    return fit_sms_for(name, context, language, profile, budget_segments, urgent_segments).text


def fit_sms_for(
    name: str,
    context: dict[str, Any],
    language: str = "de",
    profile: str = "standard",
    budget_segments: int = DEFAULT_SMS_SEGMENTS,
    urgent_segments: int = DEFAULT_SMS_URGENT_SEGMENTS,
) -> Fitted:
    """``compose_sms`` with what was left out: whole sentences dropped from the end (see
    ``sentence_fit``); a warning may use up to ``urgent_segments`` parts to keep them all."""
    template = _template("sms", name, language, profile)
    message = normalise_for_sms(_block(template, "message", context))
    link = normalise_for_sms(_block(template, "link", context))
    body = normalise_for_sms(str(context.get("text") or "")).split("\n", 1)[0][:40]
    body_start = message.rfind(body) if body else -1
    event = context.get("event")
    return fit_sms_sentences(
        message, budget_segments, keep=f"\n{link}" if link else "", urgent=bool(event is not None and event.urgent),
        urgent_segments=urgent_segments, body_start=max(body_start, 0),
    )  # fmt: skip


@dataclass(frozen=True)
class PushMessage:
    """A push notification; ``link`` opens the full text in the app or browser."""

    title: str
    body: str
    link: str | None

    def body_with_link(self) -> str:
        """Body as handed to Apprise, which has no common field for a link across services."""
        return f"{self.body}\n{self.link}" if self.link else self.body


def compose_push(name: str, context: dict[str, Any], language: str = "de", profile: str = "standard") -> PushMessage:
    """The push for template family ``name``: title ≤ 65 and body ≤ 240 characters."""
    return fit_push_for(name, context, language, profile)[0]


def fit_push_for(
    name: str, context: dict[str, Any], language: str = "de", profile: str = "standard"
) -> tuple[PushMessage, Fitted]:
    """The push and what its body left out: whole sentences only, like the SMS. Only when not
    even the first sentence fits is it cut at a word ("…"); the preview tells staff so."""
    template = _template("push", name, language, profile)
    body = " ".join(_block(template, "body", context).split())
    fitted = fit_sentences(body, lambda text: len(text) <= PUSH_BODY_MAX, limit=PUSH_BODY_MAX)
    # Never a link to the resident's settings as "the full text": the event's own page, or none.
    link = context.get("link") or context.get("message_url")
    push = PushMessage(
        title=shorten(_block(template, "title", context), PUSH_TITLE_MAX),
        body=fitted.text if fitted.kept else shorten(body, PUSH_BODY_MAX),
        link=link,
    )
    return push, fitted


def shortening_notes(fitted: Fitted, channel: str = "sms", budget: int | None = None) -> list[str]:
    """What staff must know before sending: whole sentences left out, or a first sentence too long."""
    unit = ("Teil" if fitted.limit == 1 else "Teile") if channel == "sms" else "Zeichen"
    notes = []
    if not fitted.first_sentence_fits:
        # The push cuts that sentence at a word ("…"); the SMS leaves it out.
        what = "Er wird in der Nachricht abgeschnitten (…)." if channel == "push" else "Er fehlt in der Nachricht."
        notes.append(f"Achtung: Schon der erste Satz passt nicht in {fitted.limit} {unit}. "
                     f"{what} Bitte kürzen Sie den ersten Satz.")  # fmt: skip
    elif fitted.dropped:
        count = "Der letzte Satz fehlt" if fitted.dropped == 1 else f"Die letzten {fitted.dropped} Sätze fehlen"
        notes.append(f"{count} in der Nachricht. Sie passen nicht in {fitted.limit} {unit}.")
    if channel == "sms" and budget is not None and (used := sms_info(fitted.text).segments) > budget:
        notes.append(f"Diese Warnung hat {used} Teile. Eine Warnung darf bis zu {fitted.limit} Teile haben, "
                     f"damit alle Anweisungen darin bleiben (sonst höchstens {budget}).")  # fmt: skip
    return notes
