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

from notify.channels.gsm import fit_sms, normalise_for_sms
from notify.render import candidate_names, file_environment

# Lock screens cut longer text; the numbers are what iOS and Android show without expanding.
# Source: Apple HIG "Notifications" and Android "Notifications" guide (as of 2024), rounded down.
PUSH_TITLE_MAX = 65
PUSH_BODY_MAX = 240
ELLIPSIS = "…"

# Default SMS budget per message; a deployment sets its own (a part costs money).
DEFAULT_SMS_SEGMENTS = 2


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
) -> str:
    """The SMS text for template family ``name``, within ``budget_segments`` parts, link kept."""
    template = _template("sms", name, language, profile)
    message = normalise_for_sms(_block(template, "message", context))
    link = normalise_for_sms(_block(template, "link", context))
    return fit_sms(message, budget_segments, keep=f"\n{link}" if link else "")


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
    template = _template("push", name, language, profile)
    return PushMessage(
        title=shorten(_block(template, "title", context), PUSH_TITLE_MAX),
        body=shorten(_block(template, "body", context), PUSH_BODY_MAX),
        link=context.get("link") or context.get("message_url"),  # the full text, never the settings page
    )
