"""A small SMTP client for the worker's bulk sends, with command pipelining (RFC 2920).

With ``PIPELINING`` advertised, MAIL, RCPT and DATA go out in one write and the message in a
second one: two round trips per message instead of four. On a busy shared machine every round
trip waits for both processes to be scheduled; measured in a 6,000-resident fan-out at load 8.5,
one SMTP transaction took 32–40 ms of a 45 ms send cycle (issue 13). aiosmtplib cannot pipeline:
it reads exactly one reply per write. Servers without ``PIPELINING`` get the commands one by one.

Failures raise ``SmtpReply`` (the server said no: code and stage) or ``OSError``/``TimeoutError``
(the server is away or hangs); ``notify.channels.smtp_pool`` turns them into send results.
"""

from __future__ import annotations

import asyncio
import re
import socket

from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings

_UNSAFE = re.compile(r"[\x00-\x20\x7f<>]")  # no controls, spaces or brackets inside <address>


class SmtpReply(Exception):
    """The server refused: ``code`` (e.g. 550, 451), its text, and which step (MAIL/RCPT/DATA)."""

    def __init__(self, code: int, message: str, stage: str) -> None:
        super().__init__(f"{code} {message}")
        self.code, self.message, self.stage = code, message, stage


class PipelinedSmtp:
    """One connection. ``sendmail`` for one message at a time (the pool hands a connection to one
    sender at a time)."""

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.extensions: set[str] = set()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @property
    def is_connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def connect(self) -> None:
        """Open the session. A relay that will not talk to us (421/554 at the greeting or EHLO) is
        an outage of the channel, not a fault of the message: ``ConnectionError``."""
        async with asyncio.timeout(self.timeout):
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            try:
                await self._expect(220, "connect")
                self._writer.write(f"EHLO {socket.getfqdn() or 'localhost'}\r\n".encode())
                text = await self._expect(250, "EHLO")
            except SmtpReply as exc:
                self.close()
                raise ConnectionError(f"the SMTP server refused the session: {exc}") from exc
        self.extensions = {line.split(" ", 1)[0].upper() for line in text.splitlines()[1:] if line}

    async def sendmail(self, sender: str, recipients: list[str], message: bytes, mail_options: list[str]) -> None:
        """Send one message; returns once the server accepted it (250 after the final dot)."""
        for address in (sender, *recipients):
            if _UNSAFE.search(address):
                raise SmtpReply(501, f"unusable address {address!r}", "address")
        utf8 = any(o.upper() == "SMTPUTF8" for o in mail_options)
        if utf8 and "SMTPUTF8" not in self.extensions:
            raise SmtpReply(555, "the server does not take SMTPUTF8 addresses", "MAIL")
        data = normalize_message_line_endings(message)
        options = ([f"SIZE={len(data)}"] if "SIZE" in self.extensions else []) + list(mail_options)
        encoding = "utf-8" if utf8 else "ascii"
        commands = [" ".join([f"MAIL FROM:<{sender}>", *options])] + [f"RCPT TO:<{r}>" for r in recipients] + ["DATA"]
        wire = [f"{c}\r\n".encode(encoding) for c in commands]
        async with asyncio.timeout(self.timeout):
            replies = await self._commands(wire)
            (mail, _), rcpts, (data_code, data_text) = replies[0], replies[1:-1], replies[-1]
            accepted = [code for code, _ in rcpts if code in (250, 251)]
            if data_code == 354 and (mail != 250 or not accepted):
                # A server that says 354 although nobody is left (RFC 2920 warns of them): send an
                # empty message's end, then forget the transaction.
                assert self._writer is not None
                self._writer.write(b".\r\n")
                await self._reply()
                data_code = 503
            if data_code != 354:
                await self._rset()
                if mail != 250:
                    raise SmtpReply(mail, replies[0][1], "MAIL")
                if not accepted:
                    code, text = rcpts[0]
                    raise SmtpReply(code, text, "RCPT")
                raise SmtpReply(data_code, data_text, "DATA")
            assert self._writer is not None
            self._writer.write(PERIOD_REGEX.sub(b"..", data) + b".\r\n")
            await self._expect(250, "DATA")

    async def _commands(self, wire: list[bytes]) -> list[tuple[int, str]]:
        assert self._writer is not None
        if "PIPELINING" in self.extensions:
            self._writer.write(b"".join(wire))
            return [await self._reply() for _ in wire]
        replies = []
        for number, command in enumerate(wire):
            self._writer.write(command)
            replies.append(await self._reply())
            if number == 0 and replies[0][0] != 250:  # MAIL refused: no RCPT, no DATA
                return replies + [(503, "MAIL refused")] * (len(wire) - 1)
        return replies

    async def _reply(self) -> tuple[int, str]:
        assert self._reader is not None
        lines = []
        while True:
            line = await self._reader.readline()
            if not line.endswith(b"\n"):
                raise ConnectionResetError("the SMTP server closed the connection")
            try:
                code = int(line[:3])
            except ValueError:
                raise ConnectionResetError(f"not an SMTP reply: {line[:80]!r}") from None
            lines.append(line[4:].strip().decode("utf-8", "replace"))
            if line[3:4] != b"-":
                return code, "\n".join(lines)

    async def _expect(self, code: int, stage: str) -> str:
        got, text = await self._reply()
        if got != code:
            raise SmtpReply(got, text, stage)
        return text

    async def _rset(self) -> None:
        assert self._writer is not None
        self._writer.write(b"RSET\r\n")
        await self._reply()

    async def quit(self) -> None:
        if self.is_connected:
            assert self._writer is not None
            self._writer.write(b"QUIT\r\n")
            async with asyncio.timeout(5):
                await self._reply()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
