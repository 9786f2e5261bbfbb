"""E-mail: build an RFC 5322 message from the templates, and send it over reused SMTP connections.

The message is multipart/alternative (plain text first, accessible HTML with ``lang``), headers are
RFC 2047-encoded by the standard library's SMTP policy — which also refuses any header value with a
line break, so text from an event can never inject a header. One-click unsubscribe follows RFC 8058.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from html import escape
from typing import Any

from notify.channels.base import Prepared, SendResult
from notify.channels.dkim_signing import DkimSigner
from notify.channels.mime import encode_from, encode_subject, fast_path_ok, message_bytes
from notify.channels.smtp_pool import SmtpPool
from notify.render import render_part

# Long header lines are folded, never RFC 2047-encoded: List-Unsubscribe must stay a plain <URL>.
MAIL_POLICY = SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(name: str, context: dict[str, Any], language: str, profile: str) -> RenderedEmail:
    return RenderedEmail(
        subject=" ".join(render_part("email", name, "subject", context, language, profile).split()),
        text=render_part("email", name, "txt", context, language, profile) + "\n",
        html=render_part("email", name, "html", context, language, profile) + "\n",
    )


def build_message(
    rendered: RenderedEmail,
    *,
    mail_from: str,
    to: str,
    unsubscribe_url: str,
    language: str,
    delivery_id: str | None = None,
    date=None,
) -> EmailMessage:
    from datetime import UTC, datetime

    display, address = parseaddr(mail_from)
    domain = address.rsplit("@", 1)[-1] if "@" in address else "localhost"
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = Address(display_name=display, addr_spec=address) if display else address
    msg["To"] = to
    if "=?" in rendered.subject:
        # Written as it is (SMTPUTF8 writes headers raw), mail programs would decode a title that
        # looks like an RFC 2047 encoded word; stored pre-encoded, it is shown as staff wrote it.
        msg.set_raw("Subject", encode_subject(rendered.subject))
    else:
        msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = make_msgid(idstring=delivery_id[:16] if delivery_id else None, domain=domain)
    msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    if delivery_id:
        msg["X-Stadtbote-Delivery"] = delivery_id
    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    msg["Content-Language"] = language  # after set_content, which clears Content-* headers
    return msg


def message_body(text: str) -> str:
    """The part of a plain-text mail above the signature delimiter ("-- "): the message itself.

    The footer below it is fixed template text, checked once for every template by the tests.
    """
    return text.split("\n-- \n", 1)[0]


class EmailSender:
    """The e-mail channel: templates → message bytes → SMTP pool.

    The templates are rendered once per event × language × profile with placeholder links; each
    resident's own manage and unsubscribe links are put in afterwards. The plain-language gate
    reads the same text a resident reads.
    """

    channel = "email"
    # Personal links: put in per resident. The feedback link carries the resident's own signed
    # token (one vote each); it was cached with the first reader's token and went to everyone.
    LINKS = ("manage_url", "unsubscribe_topic_url", "unsubscribe_url", "feedback_url")
    # The footer names the resident's own matched subscriptions: put in per resident, like the links.
    SUBSCRIBED, SUBSCRIBED_MARK = "subscribed", "SUBSCRIBED-PLACEHOLDER-5f1c"

    def __init__(self, pool: SmtpPool, mail_from: str, dkim: DkimSigner | None = None):
        self.pool, self.mail_from, self.dkim = pool, mail_from, dkim
        self.from_header = encode_from(mail_from)
        self.envelope_from = parseaddr(mail_from)[1]
        self.domain = self.envelope_from.rsplit("@", 1)[-1] if "@" in self.envelope_from else "localhost"
        self._variants: OrderedDict[tuple, tuple[RenderedEmail, str]] = OrderedDict()

    def _variant(self, context: dict[str, Any], language: str, profile: str) -> tuple[RenderedEmail, str]:
        event = context["event"]
        links = tuple(name for name in self.LINKS if context.get(name))
        key = (event.source, event.id, language, profile, links)
        if key not in self._variants:
            placeholders = {name: f"https://link.invalid/{name}" for name in links}
            placeholders[self.SUBSCRIBED] = self.SUBSCRIBED_MARK
            rendered = render_email(event.template_name, {**context, **placeholders}, language, profile)
            self._variants[key] = (rendered, encode_subject(rendered.subject))
            if len(self._variants) > 512:
                self._variants.popitem(last=False)
        return self._variants[key]

    def prepare(self, delivery_id: str, context: dict[str, Any], address: str, language: str, profile: str) -> Prepared:
        rendered, subject_header = self._variant(context, language, profile)
        text, html = rendered.text, rendered.html
        for name in self.LINKS:
            if context.get(name):
                text = text.replace(f"https://link.invalid/{name}", context[name])
                html = html.replace(f"https://link.invalid/{name}", str(escape(context[name])))
        subscribed = context.get(self.SUBSCRIBED, "")
        text = text.replace(self.SUBSCRIBED_MARK, subscribed)
        html = html.replace(self.SUBSCRIBED_MARK, escape(subscribed))
        readable = f"{rendered.subject}.\n\n{message_body(text)}"
        if fast_path_ok(address):
            raw = message_bytes(from_header=self.from_header, to=address, subject_header=subject_header,
                                text=text, html=html, language=language, unsubscribe_url=context["unsubscribe_url"],
                                delivery_id=delivery_id, domain=self.domain, dkim=self.dkim)  # fmt: skip
            return Prepared(delivery_id, readable, (address, raw))
        message = build_message(RenderedEmail(rendered.subject, text, html), mail_from=self.mail_from, to=address,
                                unsubscribe_url=context["unsubscribe_url"], language=language,
                                delivery_id=delivery_id)  # fmt: skip
        return Prepared(delivery_id, readable, (address, message))

    async def send(self, prepared: Prepared) -> SendResult:
        address, payload = prepared.payload
        if isinstance(payload, bytes):
            return await self.pool.send_raw(self.envelope_from, address, payload)
        return await self.pool.send(payload)

    async def close(self) -> None:
        await self.pool.close()
