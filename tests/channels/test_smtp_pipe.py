"""The worker's SMTP client with command pipelining, against real SMTP servers: the embedded sink
(which advertises PIPELINING, like Postfix) and a plain aiosmtpd server that does not."""

from __future__ import annotations

import asyncio

from aiosmtpd.controller import Controller

from notify.channels.smtp_pool import SmtpPool
from notify.devstack import free_port
from notify.embedded.smtp_sink import MaildirHandler, read_maildir, start_sink

MESSAGE = b"From: a@stadt.example\r\nTo: {to}\r\nSubject: Test\r\n\r\nHallo.\n.Punkt am Zeilenanfang.\r\nEnde"


def _send_all(port: int, recipients: list[str]) -> list:
    async def run() -> list:
        pool = SmtpPool("127.0.0.1", port, size=2, pipelining=True)
        try:
            return [await pool.send_raw("a@stadt.example", to, MESSAGE.replace(b"{to}", to.encode()))
                    for to in recipients]  # fmt: skip
        finally:
            await pool.close()

    return asyncio.run(run())


def _outcome(result) -> str:
    return "sent" if result.ok else ("permanent" if result.permanent else "outage" if result.outage else "transient")


def test_pipelined_sends_arrive_whole_and_refusals_keep_the_connection_usable(tmp_path):
    port = free_port()
    controller = start_sink(tmp_path / "mail", port=port)
    try:
        results = _send_all(port, ["r1@example.org", "x@bounce.invalid", "r2@example.org", "y@later.invalid",
                                   "r3@example.org", "bad\r\nRSET@example.org", "r4@example.org"])  # fmt: skip
    finally:
        controller.stop()
    assert [_outcome(r) for r in results] == ["sent", "permanent", "sent", "transient", "sent", "permanent", "sent"]
    messages = read_maildir(tmp_path / "mail")
    assert sorted(m["To"] for m in messages) == ["r1@example.org", "r2@example.org", "r3@example.org", "r4@example.org"]
    body = messages[0].get_payload()
    assert body.splitlines() == ["Hallo.", ".Punkt am Zeilenanfang.", "Ende"]  # dot-stuffing undone by the server


def test_a_server_without_pipelining_gets_one_command_at_a_time(tmp_path):
    class NoPipelining(MaildirHandler):
        handle_EHLO = None  # aiosmtpd's own EHLO answer: no PIPELINING

    port = free_port()
    controller = Controller(NoPipelining(tmp_path / "mail"), hostname="127.0.0.1", port=port, decode_data=False)
    controller.start()
    try:
        results = _send_all(port, ["r1@example.org", "x@bounce.invalid", "r2@example.org"])
    finally:
        controller.stop()
    assert [_outcome(r) for r in results] == ["sent", "permanent", "sent"]
    assert len(read_maildir(tmp_path / "mail")) == 2


def test_a_server_that_is_away_is_an_outage_and_the_pool_reconnects_when_it_is_back(tmp_path):
    port = free_port()

    async def run() -> list:
        pool = SmtpPool("127.0.0.1", port, size=1, pipelining=True)
        away = await pool.send_raw("a@stadt.example", "r1@example.org", MESSAGE)
        controller = start_sink(tmp_path / "mail", port=port)
        try:
            back = await pool.send_raw("a@stadt.example", "r1@example.org", MESSAGE)
            controller.stop()  # goes away while the connection is open
            gone = await pool.send_raw("a@stadt.example", "r2@example.org", MESSAGE)
        finally:
            await pool.close()
        return [away, back, gone]

    away, back, gone = asyncio.run(run())
    assert away.outage and back.ok and gone.outage, (away, back, gone)
    assert len(read_maildir(tmp_path / "mail")) == 1


def test_a_relay_that_refuses_the_session_is_an_outage_not_a_bad_address(tmp_path):
    class Refusing(MaildirHandler):
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            return ["554 5.7.1 Not now"]

    port = free_port()
    controller = Controller(Refusing(tmp_path / "mail"), hostname="127.0.0.1", port=port, decode_data=False)
    controller.start()
    try:
        (result,) = _send_all(port, ["r1@example.org"])
    finally:
        controller.stop()
    assert result.outage and not result.permanent, result
