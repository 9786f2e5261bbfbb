"""The embedded SMTP server: a real aiosmtpd server that keeps every message in a Maildir.

Development and tests send real SMTP to it. Recipients on the ``bounce.invalid`` domain are
refused with 550 (a permanent failure) and on ``later.invalid`` with 451 (transient), so the
fallback and retry paths can be exercised against a real server.
"""

from __future__ import annotations

import mailbox
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session


class MaildirHandler:
    def __init__(self, maildir: Path):
        maildir.parent.mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(str(maildir), create=True)
        for sub in ("tmp", "new", "cur"):  # create=True skips these when the folder already exists
            (maildir / sub).mkdir(parents=True, exist_ok=True)

    async def handle_RCPT(self, server: SMTPServer, session: Session, envelope: Envelope, address: str, options):
        domain = address.rsplit("@", 1)[-1].lower()
        if domain == "bounce.invalid":
            return "550 5.1.1 Mailbox does not exist"
        if domain == "later.invalid":
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope):
        content = envelope.original_content or envelope.content
        self.maildir.add(content if isinstance(content, bytes) else content.encode())
        return "250 Message accepted for delivery"


def start_sink(maildir: Path, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    controller = Controller(
        MaildirHandler(maildir), hostname=host, port=port, decode_data=False, data_size_limit=10 * 1024 * 1024
    )
    controller.start()
    return controller


def read_maildir(maildir: Path) -> list[mailbox.MaildirMessage]:
    if not maildir.exists():
        return []
    return list(mailbox.Maildir(str(maildir), create=False))
