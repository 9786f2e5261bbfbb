"""A few long-lived SMTP connections shared by all sends of a worker.

``pipelining=True`` (the worker's bulk sends) uses ``notify.channels.smtp_pipe``: two round trips
per message where the server allows command pipelining; otherwise aiosmtplib.
"""

from __future__ import annotations

import asyncio
import contextlib
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from typing import Any

import aiosmtplib

from notify.channels.base import SendResult
from notify.channels.mime import message_id_of
from notify.channels.smtp_pipe import PipelinedSmtp, SmtpReply


def wire_format(message: EmailMessage) -> tuple[str, list[str], bytes, list[str]]:
    """Envelope and bytes of ``message``; SMTPUTF8 only when an address needs it."""
    sender = parseaddr(str(message["From"]))[1]
    recipients = [address for _, address in getaddresses([str(v) for v in message.get_all("To", [])])]
    utf8 = not all(a.isascii() for a in [sender, *recipients])
    policy = message.policy.clone(utf8=True) if utf8 else message.policy
    return sender, recipients, message.as_bytes(policy=policy), (["SMTPUTF8"] if utf8 else [])


class SmtpPool:
    """A few long-lived SMTP connections shared by all sends; reconnects when one drops.

    Permanent failures (5xx) are reported as such so the caller can fall back to another channel;
    connection problems and 4xx are transient and worth a retry.
    """

    def __init__(self, host: str, port: int, size: int = 4, timeout: float = 30.0, pipelining: bool = False,
                 **tls: Any):  # fmt: skip
        self.host, self.port, self.timeout, self.tls = host, port, timeout, tls
        self.pipelining = pipelining and not tls  # the small client speaks plain SMTP only
        self._idle: asyncio.Queue[aiosmtplib.SMTP | PipelinedSmtp] = asyncio.Queue()
        self._size = size
        self._created = 0
        self._lock = asyncio.Lock()

    async def _acquire(self) -> aiosmtplib.SMTP | PipelinedSmtp:
        async with self._lock:
            if self._idle.empty() and self._created < self._size:
                self._created += 1
                if self.pipelining:
                    return PipelinedSmtp(self.host, self.port, timeout=self.timeout)
                return aiosmtplib.SMTP(hostname=self.host, port=self.port, timeout=self.timeout, **self.tls)
        return await self._idle.get()

    async def send(self, message: EmailMessage) -> SendResult:
        """Send a built message as *its own policy* writes it.

        aiosmtplib's ``send_message`` writes the message again with ``email.policy.SMTP`` (78
        characters a line), which RFC 2047-encodes any header it cannot fold at whitespace — a
        long ``List-Unsubscribe`` URL became ``=?utf-8?q?=3Chttps…``, which no mail provider reads.
        """
        sender, recipients, raw, options = wire_format(message)
        return await self._deliver(
            lambda client: client.sendmail(sender, recipients, raw, mail_options=options), message["Message-ID"]
        )

    async def _deliver(self, action, message_id: str | None) -> SendResult:
        client = await self._acquire()
        try:
            if not client.is_connected:
                await client.connect()
            await action(client)
            return SendResult(ok=True, message_id=message_id)
        except SmtpReply as exc:  # the pipelining client: the server said no
            if exc.stage not in ("RCPT", "address"):
                await self._reset(client)
            return SendResult(ok=False, permanent=exc.code >= 500, error=str(exc))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            return SendResult(ok=False, permanent=all(500 <= c < 600 for c in codes), error=str(exc))
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                await self._reset(client)
                return SendResult(ok=False, permanent=True, error=f"{exc.code} {exc.message}")
            await self._reset(client)
            return SendResult(ok=False, error=f"{exc.code} {exc.message}")
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError,
                OSError, TimeoutError) as exc:  # fmt: skip
            await self._reset(client)  # the relay is away or hangs: an outage, not this message
            return SendResult(ok=False, outage=True, error=f"{type(exc).__name__}: {exc}")
        except aiosmtplib.SMTPException as exc:
            await self._reset(client)
            return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")
        finally:
            self._idle.put_nowait(client)

    async def send_raw(self, sender: str, recipient: str, message: bytes) -> SendResult:
        options = [] if (sender + recipient).isascii() else ["SMTPUTF8"]
        return await self._deliver(
            lambda client: client.sendmail(sender, [recipient], message, mail_options=options), message_id_of(message)
        )

    async def _reset(self, client: aiosmtplib.SMTP | PipelinedSmtp) -> None:
        with contextlib.suppress(Exception):
            await client.quit()
        with contextlib.suppress(Exception):
            client.close()

    async def close(self) -> None:
        while not self._idle.empty():
            await self._reset(self._idle.get_nowait())
