"""The embedded SMTP server (``notify smtp-sink``): what it stores, and that storing one message
never holds up the other connections (issue 13: a fan-out of 20,000 took 25 minutes because every
message waited for the disk flush of the one before it)."""

from __future__ import annotations

import asyncio
import os
import threading

import aiosmtplib
import pytest

from notify.devstack import free_port
from notify.embedded.smtp_sink import read_maildir, start_sink

MESSAGE = b"From: a@stadt.example\r\nTo: {to}\r\nSubject: Test\r\n\r\nHallo.\r\n.Punkt am Zeilenanfang.\r\n"


def _message(to: str) -> bytes:
    return MESSAGE.replace(b"{to}", to.encode())


def test_messages_land_in_new_whole_and_unstuffed(tmp_path):
    port = free_port()
    controller = start_sink(tmp_path / "mail", port=port)
    try:

        async def send() -> None:
            async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as client:
                for i in range(3):
                    await client.sendmail("a@stadt.example", [f"r{i}@example.org"], _message(f"r{i}@example.org"))
                with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
                    await client.sendmail("a@stadt.example", ["x@bounce.invalid"], _message("x@bounce.invalid"))

        asyncio.run(send())
    finally:
        controller.stop()
    assert not os.listdir(tmp_path / "mail" / "tmp")  # nothing half-written left behind
    stored = sorted(m["To"] for m in read_maildir(tmp_path / "mail"))
    assert stored == ["r0@example.org", "r1@example.org", "r2@example.org"]
    body = read_maildir(tmp_path / "mail")[0].get_payload()
    assert ".Punkt am Zeilenanfang." in body and "..Punkt" not in body


def test_a_slow_disk_write_does_not_hold_up_the_other_connections(tmp_path, monkeypatch):
    """The first message's disk flush hangs until the second message has been accepted: the second
    one, on another connection, must get its 250 meanwhile (before the fix it waited behind the
    flush, and the first flush gave up waiting after 10 s)."""
    second_accepted = threading.Event()
    order: list[str] = []
    real_fsync = os.fsync
    calls = 0

    def slow_fsync(fd: int) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            second_accepted.wait(10)  # a disk that takes its time
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    port = free_port()
    controller = start_sink(tmp_path / "mail", port=port, fsync=True)
    try:

        async def send(to: str, delay: float) -> None:
            await asyncio.sleep(delay)
            async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30) as client:
                await client.sendmail("a@stadt.example", [to], _message(to))
            order.append(to)
            if to.startswith("second"):
                second_accepted.set()

        async def both() -> None:
            await asyncio.gather(send("first@example.org", 0), send("second@example.org", 0.5))

        asyncio.run(both())
    finally:
        controller.stop()
    assert order == ["second@example.org", "first@example.org"], order
    assert len(read_maildir(tmp_path / "mail")) == 2
