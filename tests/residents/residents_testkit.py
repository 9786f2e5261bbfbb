"""Shared fixtures and helpers for the residents' tests (imported by name, not through conftest)."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
import re
import socket
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from notify.embedded.smtp_sink import start_sink
from notify.pipeline import Runtime
from notify.settings import Settings
from notify.web.app import create_app

BASE = "https://stadtbote.test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def sink(tmp_path_factory):
    maildir = tmp_path_factory.mktemp("mail") / "Maildir"
    port = free_port()
    controller = start_sink(maildir, port=port)
    controller.maildir_path = maildir
    controller.smtp_port = port
    yield controller
    controller.stop()


def make_runtime(data_dir: Path, db_url: str, smtp_port: int, **overrides) -> Runtime:
    values = {
        "data_dir": data_dir,
        "database_url": db_url,
        "secret_key": "resident-secret",
        "base_url": BASE,
        "smtp_url": f"smtp://127.0.0.1:{smtp_port}",
        "kafka_url": "kafka://127.0.0.1:1",
        **overrides,
    }
    settings = Settings(**values)
    return Runtime(settings)


@pytest.fixture
def rt(tmp_path, db_url, sink, monkeypatch) -> Runtime:
    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path / "var"))
    return make_runtime(tmp_path / "var", db_url, sink.smtp_port)


@pytest.fixture
def client(rt):
    app = create_app(rt)
    published: list[int] = []

    async def record(ids):
        published.extend(ids)

    app.state.resident_publish = record
    with TestClient(app, base_url=BASE) as c:
        c.rt = rt
        c.published = published
        yield c


def mails_to(sink, address: str) -> list[email.message.EmailMessage]:
    """Messages to ``address``, oldest first (Maildir keys start with the delivery time)."""
    out = []
    box = mailbox.Maildir(str(sink.maildir_path), create=False)
    keys = sorted(box.keys(), key=_key_time)
    for key in keys:
        # The bytes as received: ``MaildirMessage.as_bytes()`` would fold long headers again.
        with box.get_file(key) as fh:
            parsed = email.message_from_bytes(fh.read(), policy=email.policy.default)
        if address.lower() in str(parsed["To"]).lower():
            out.append(parsed)
    return out


def _key_time(key: str) -> tuple[int, int, int]:
    match = re.match(r"(\d+)\.M(\d+)P\d+Q(\d+)", key)
    return tuple(int(x) for x in match.groups()) if match else (0, 0, 0)


def text_of(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def link_in(msg, path: str) -> str:
    match = re.search(rf"https?://[^/\s]+{path}/[A-Za-z0-9_.\-]+", text_of(msg))
    assert match, text_of(msg)
    return match.group(0)


def sms_to(rt: Runtime, phone: str) -> list[dict]:
    path = rt.settings.data_dir / "outbox" / "sms.jsonl"
    if not path.exists():
        return []
    return [m for m in map(json.loads, path.read_text().splitlines()) if m["recipient"] == phone]


def sms_code(rt: Runtime, phone: str) -> str:
    return re.search(r"\b(\d{6})\b", sms_to(rt, phone)[-1]["body"]).group(1)


def csrf(client, path: str) -> str:
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)


def subscription(**overrides) -> dict:
    body = {"email": "erika@beispiel.de", "topics": ["baustellen"], "districts": ["buer"], "channels": ["email"]}
    body.update(overrides)
    return body


def assert_problem(response, status: int, contains: str = "") -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"]
    assert contains in body["detail"], body
    return body


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def subscribe_and_confirm(client, sink, address="erika@beispiel.de", **overrides) -> str:
    r = client.post("/v1/subscriptions", json=subscription(email=address, **overrides))
    assert r.status_code == 202, r.text
    confirm = link_in(mails_to(sink, address)[-1], "/bestaetigen")
    r = client.post("/v1/subscriptions/confirm", json={"token": token_of(confirm)})
    assert r.status_code == 200, r.text
    return token_of(r.json()["manage_url"])
