"""E-mail: build an RFC 5322 message from the templates, and send it over reused SMTP connections.

The message is multipart/alternative (plain text first, accessible HTML with ``lang``), headers are
RFC 2047-encoded by the standard library's SMTP policy — which also refuses any header value with a
line break, so text from an event can never inject a header. One-click unsubscribe follows RFC 8058.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

import aiosmtplib

from notify.channels.base import Prepared, SendResult
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
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = make_msgid(idstring=delivery_id[:16] if delivery_id else None, domain=domain)
    msg["Content-Language"] = language
    msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    if delivery_id:
        msg["X-Stadtbote-Delivery"] = delivery_id
    msg.set_content(rendered.text, subtype="plain", charset="utf-8")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return msg


def message_body(text: str) -> str:
    """The part of a plain-text mail above the signature delimiter ("-- "): the message itself.

    The footer below it is fixed template text, checked once for every template by the tests.
    """
    return text.split("\n-- \n", 1)[0]


class SmtpPool:
    """A few long-lived SMTP connections shared by all sends; reconnects when one drops.

    Permanent failures (5xx) are reported as such so the caller can fall back to another channel;
    connection problems and 4xx are transient and worth a retry.
    """

    def __init__(self, host: str, port: int, size: int = 4, timeout: float = 30.0, **tls: Any):
        self.host, self.port, self.timeout, self.tls = host, port, timeout, tls
        self._idle: asyncio.Queue[aiosmtplib.SMTP] = asyncio.Queue()
        self._size = size
        self._created = 0
        self._lock = asyncio.Lock()

    async def _acquire(self) -> aiosmtplib.SMTP:
        async with self._lock:
            if self._idle.empty() and self._created < self._size:
                self._created += 1
                return aiosmtplib.SMTP(hostname=self.host, port=self.port, timeout=self.timeout, **self.tls)
        return await self._idle.get()

    async def send(self, message: EmailMessage) -> SendResult:
        client = await self._acquire()
        try:
            if not client.is_connected:
                await client.connect()
            await client.send_message(message)
            return SendResult(ok=True, message_id=message["Message-ID"])
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            return SendResult(ok=False, permanent=all(500 <= c < 600 for c in codes), error=str(exc))
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                await self._reset(client)
                return SendResult(ok=False, permanent=True, error=f"{exc.code} {exc.message}")
            await self._reset(client)
            return SendResult(ok=False, error=f"{exc.code} {exc.message}")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self._reset(client)
            return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        finally:
            self._idle.put_nowait(client)

    async def _reset(self, client: aiosmtplib.SMTP) -> None:
        with contextlib.suppress(Exception):
            await client.quit()
        with contextlib.suppress(Exception):
            client.close()

    async def close(self) -> None:
        while not self._idle.empty():
            await self._reset(self._idle.get_nowait())


class EmailSender:
    """The e-mail channel: templates → RFC 5322 message → SMTP pool."""

    channel = "email"

    def __init__(self, pool: SmtpPool, mail_from: str):
        self.pool, self.mail_from = pool, mail_from

    def prepare(self, delivery_id: str, context: dict[str, Any], address: str, language: str, profile: str) -> Prepared:
        rendered = render_email(context["event"].template_name, context, language, profile)
        message = build_message(
            rendered,
            mail_from=self.mail_from,
            to=address,
            unsubscribe_url=context["unsubscribe_url"],
            language=language,
            delivery_id=delivery_id,
        )
        return Prepared(delivery_id, f"{rendered.subject}.\n\n{message_body(rendered.text)}", message)

    async def send(self, prepared: Prepared) -> SendResult:
        return await self.pool.send(prepared.payload)

    async def close(self) -> None:
        await self.pool.close()
