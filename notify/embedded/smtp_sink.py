"""The embedded SMTP server: a real aiosmtpd server that keeps every message in a Maildir.

Development and tests send real SMTP to it. Recipients on the ``bounce.invalid`` domain are
refused with 550 (a permanent failure) and on ``later.invalid`` with 451 (transient), so the
fallback and retry paths can be exercised against a real server.

Storing a message must not hold up the other connections. ``mailbox.Maildir.add`` flushes every
file to disk (``fsync``) on the server's only event-loop thread, so all connections waited for one
disk flush after another: 2 ms each on a quiet disk, tens of ms on a busy shared one — that, not the
worker, made a 20,000-resident fan-out take 25 minutes (issue 13). Messages are now written in a
thread each, as a relay's parallel processes would, and not flushed one by one: this is a
development mailbox; a message it accepted survives the sink's own crash or stop (the page cache
keeps it), not a power cut. ``fsync=True`` flushes each file again (still off the event loop).
"""

from __future__ import annotations

import asyncio
import itertools
import mailbox
import os
import socket
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session


class MaildirHandler:
    def __init__(self, maildir: Path, fsync: bool = False):
        maildir.parent.mkdir(parents=True, exist_ok=True)
        self.root, self.fsync = maildir, fsync
        for sub in ("tmp", "new", "cur"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        self._host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
        self._counter = itertools.count(1)

    async def handle_EHLO(self, server: SMTPServer, session: Session, envelope: Envelope, hostname: str,
                          responses: list[str]) -> list[str]:  # fmt: skip
        """Say that commands may be pipelined (RFC 2920), as Postfix and most relays do: aiosmtpd
        reads commands one after another from its stream anyway."""
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

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
        data = content if isinstance(content, bytes) else (content or "").encode()
        try:
            await asyncio.to_thread(self.store, data)
        except OSError as exc:  # disk full or gone: the client keeps the message and retries
            return f"451 4.3.0 Could not store the message: {type(exc).__name__}"
        return "250 Message accepted for delivery"

    def store(self, data: bytes) -> Path:
        """Write one message the Maildir way: into ``tmp/`` under a unique name, then renamed into
        ``new/`` (a reader never sees half a file). Returns the path in ``new/``."""
        now = time.time()
        name = f"{int(now)}.M{int(now % 1 * 1e6)}P{os.getpid()}Q{next(self._counter)}.{self._host}"
        tmp, new = self.root / "tmp" / name, self.root / "new" / name
        with open(tmp, "xb") as fh:
            fh.write(data)
            if self.fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.rename(tmp, new)
        return new


def start_sink(maildir: Path, host: str = "127.0.0.1", port: int = 8025, fsync: bool = False) -> Controller:
    controller = Controller(
        MaildirHandler(maildir, fsync=fsync), hostname=host, port=port, decode_data=False,
        data_size_limit=10 * 1024 * 1024,
    )  # fmt: skip
    controller.start()
    return controller


def read_maildir(maildir: Path) -> list[mailbox.MaildirMessage]:
    if not maildir.exists():
        return []
    return list(mailbox.Maildir(str(maildir), create=False))
