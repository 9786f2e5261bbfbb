"""Apprise sending with a real network path: json:// to an aiohttp receiver on 127.0.0.1.

The receiver runs in the test's own event loop, so every successful send also proves that
sending does not block the loop (a blocking send would starve the receiver and time out).
"""

import asyncio
import json
import time

import pytest
from aiohttp import web

from notify.channels.apprise_out import AppriseChannel, AppriseSender, TokenBucket, outbox_path
from notify.channels.base import SendResult


class Receiver:
    """A stand-in SMS gateway: records each message, fails for chosen recipients."""

    def __init__(self, status_for=None, delay_s=0.0):
        self.status_for = status_for or {}
        self.delay_s = delay_s
        self.received = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def handle(self, request):
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay_s)
            to = request.match_info["to"]
            status = self.status_for.get(to, 200)
            if status == 200:
                self.received.append((to, await request.json()))
            return web.Response(status=status, text="{}")
        finally:
            self.in_flight -= 1


@pytest.fixture
async def gateway():
    async def start(receiver):
        app = web.Application()
        app.router.add_post("/sms/{to}", receiver.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        runners.append(runner)
        return f"json://127.0.0.1:{port}/sms/{{to}}"

    runners = []
    yield start
    for runner in runners:
        await runner.cleanup()


async def test_one_failing_recipient_is_recorded_as_failed_others_ok(gateway):
    receiver = Receiver(status_for={"+4915100000002": 500})
    sender = AppriseSender({"sms": await gateway(receiver)}, rate_per_s=100, burst=10)
    recipients = [f"+491510000000{i}" for i in range(1, 5)]

    results = await asyncio.gather(*(sender.send("sms", r, "", f"Hallo {r}") for r in recipients))

    by_recipient = dict(zip(recipients, results, strict=True))
    assert by_recipient["+4915100000002"].ok is False
    assert by_recipient["+4915100000002"].permanent is False  # 5xx: worth a retry
    assert "500" in by_recipient["+4915100000002"].error
    assert all(by_recipient[r].ok for r in recipients if r != "+4915100000002")
    got = {to: payload["message"] for to, payload in receiver.received}
    assert got == {r: f"Hallo {r}" for r in recipients if r != "+4915100000002"}


@pytest.mark.parametrize(
    ("status", "permanent", "outage"),
    [(400, True, False), (401, True, False), (404, True, False), (429, False, False),
     (500, False, True), (502, False, True), (503, False, True)],  # 5xx: the gateway is in trouble
)  # fmt: skip
async def test_failure_classification_by_http_status(gateway, status, permanent, outage):
    receiver = Receiver(status_for={"x": status})
    sender = AppriseSender({"sms": await gateway(receiver)})
    result = await sender.send("sms", "x", "", "Text")
    assert (result.ok, result.permanent, result.outage) == (False, permanent, outage)


async def test_unicode_reaches_the_gateway_unchanged(gateway):
    receiver = Receiver()
    sender = AppriseSender({"sms": await gateway(receiver)})
    text = "Şehir: yol kapalı 🚧 Zażółć Дорога"
    assert (await sender.send("sms", "+49151", "", text)).ok
    assert receiver.received[0][1]["message"] == text


async def test_connection_refused_is_a_temporary_failure_of_the_gateway_not_the_message():
    sender = AppriseSender({"sms": "json://127.0.0.1:9/sms/{to}"})
    result = await sender.send("sms", "+49151", "", "Text")
    assert result == SendResult(ok=False, permanent=False, outage=True, error=result.error)
    assert result.error


async def test_concurrency_is_bounded(gateway):
    receiver = Receiver(delay_s=0.1)
    sender = AppriseSender({"sms": await gateway(receiver)}, rate_per_s=1000, burst=100, concurrency=2)
    results = await asyncio.gather(*(sender.send("sms", f"n{i}", "", "x") for i in range(6)))
    assert all(r.ok for r in results)
    assert receiver.max_in_flight == 2


async def test_token_bucket_limits_the_rate():
    bucket = TokenBucket(rate_per_s=50, burst=2)
    start = time.monotonic()
    for _ in range(7):
        await bucket.acquire()
    # two from the burst, five more at 50/s take about 0.1 s
    assert 0.08 <= time.monotonic() - start < 0.5


async def test_rate_limit_is_per_provider_scheme():
    sender = AppriseSender({"sms": "outbox://sms/{to}", "push": "json://h/{to}"})
    assert sender.provider("sms") == "outbox" and sender.provider("push") == "json"


def test_provider_url_needs_recipient_placeholder():
    with pytest.raises(ValueError, match="to"):
        AppriseSender({"sms": "json://127.0.0.1/sms"})


async def test_outbox_writes_one_json_line_per_message(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path))
    sender = AppriseSender()  # defaults: outbox://sms/{to}, outbox://push/{to}
    assert (await sender.send("sms", "+49 151 2345678", "", "Straße gesperrt, yol kapalı 🚧")).ok
    assert (await sender.send("push", "device/abc:1", "Sperrung", "Die Hauptstraße ist zu.")).ok
    assert (await sender.send("push", "device/def", "Zweite", "Noch eine.")).ok

    sms = [json.loads(line) for line in outbox_path("sms").read_text().splitlines()]
    push = [json.loads(line) for line in (tmp_path / "outbox" / "push.jsonl").read_text().splitlines()]
    assert [(m["recipient"], m["body"]) for m in sms] == [("+49 151 2345678", "Straße gesperrt, yol kapalı 🚧")]
    assert [(m["recipient"], m["title"]) for m in push] == [
        ("device/abc:1", "Sperrung"),
        ("device/def", "Zweite"),
    ]
    assert all("timestamp" in m for m in sms + push)


@pytest.mark.parametrize(
    ("channel", "recipient", "error"),
    [("fax", "+49151", "no provider"), ("sms", "  ", "empty recipient")],
)
async def test_refused_before_sending(channel, recipient, error):
    result = await AppriseSender().send(channel, recipient, "", "x")
    assert not result.ok and result.permanent and error in result.error


def test_provider_urls_come_from_the_settings(monkeypatch):
    from notify.channels.registry import build_senders
    from notify.settings import Settings

    monkeypatch.setenv("NOTIFY_SMS_URL", "json://gw/sms/{to}")
    senders = build_senders(Settings())
    assert senders["sms"].sender.urls == {"sms": "json://gw/sms/{to}", "push": "outbox://push/{to}"}


@pytest.mark.parametrize("channel", ["sms", "push"])
async def test_apprise_channel_prepares_and_sends(tmp_path, monkeypatch, channel):
    from channel_samples import make_context

    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path))
    sender = AppriseChannel(channel, AppriseSender(), sms_budget=1)
    prepared = sender.prepare("d-1", make_context(text="Kurz. " * 80), "+49151", "de", "standard")
    assert "Sperrung der Hauptstraße" in prepared.readable
    assert (await sender.send(prepared)).ok
    line = json.loads(outbox_path(channel).read_text().splitlines()[0])
    assert line["recipient"] == "+49151"
    assert line["body"].endswith("https://www.gelsenkirchen.de/baustellen/hauptstrasse")
