"""Shared helpers for the staff tests: people, residents, a fake publisher, an API client.

Fixtures here are imported by the test modules (``from staff_samples import ...``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from notify.web.app import create_app
from subscribers.db import session_scope
from subscribers.keys import create_key
from subscribers.models import Subscriber
from subscribers.staff import add_staff
from subscribers.store import save_subscriber

PASSWORD = "richtig-langes-passwort"
PLAIN_TEXT = "Die Straße ist ab Montag gesperrt. Bitte fahren Sie über die Umleitung."
HARD_TEXT = ("Gemäß der Satzung wird die Inanspruchnahme der Abfallentsorgungseinrichtungen unter "
             "Berücksichtigung der Vorschriften seitens der Verwaltung geregelt.")  # fmt: skip


@dataclass
class FakePublisher:
    """Records what would go to Kafka; ``fail`` makes it behave like a broker that is down."""

    sent: list[tuple[str, bytes, bytes | None]] = field(default_factory=list)
    fail: bool = False

    async def send(self, topic: str, value: bytes, key: bytes | None = None) -> None:
        from notify.kafka import BrokerDown

        if self.fail:
            raise BrokerDown("test: broker down")
        self.sent.append((topic, value, key))

    def events(self) -> list[dict]:
        return [json.loads(v) for t, v, _ in self.sent if t == "city-events"]

    async def close(self) -> None:
        pass


@cache
def password_hash() -> str:
    return PasswordHasher().hash(PASSWORD)  # argon2 is slow on purpose: hash once per test run


def add_people(db_url: str) -> dict[str, str]:
    """Four colleagues and a city system; returns their bearer tokens by name."""
    tokens = {}
    with session_scope(db_url) as session:
        for name, role in (("anna", "author"), ("bernd", "approver"), ("clara", "approver"), ("admin", "admin")):
            user, tokens[name] = add_staff(session, f"{name}@stadt.example", role)
            user.password_hash = password_hash()
        tokens["system"] = create_key(session, "Tiefbau", ["events:write"])
        tokens["reader"] = create_key(session, "Statistik", ["subscribers:read"])
    return tokens


def add_residents(db_url: str, rows: list[tuple[list[tuple[str, str]], list[tuple[str, str]]]],
                  confirmed: bool = True, status: str = "active") -> list[int]:  # fmt: skip
    """Residents as (addresses in preference order, subscriptions)."""
    ids = []
    with session_scope(db_url) as session:
        for addresses, subscriptions in rows:
            sub = Subscriber(status=status)
            save_subscriber(session, sub, addresses, subscriptions, confirmed=confirmed)
            ids.append(sub.id)
    return ids


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def draft(**overrides) -> dict:
    body = {"title": "Sperrung in Buer", "text": PLAIN_TEXT, "topics": ["baustellen"], "area": ["buer"]}
    body.update(overrides)
    return body


@pytest.fixture
def api(runtime):
    """A client on the real app (SQLite, and PostgreSQL when configured) with a fake publisher."""
    app = create_app(runtime)
    with TestClient(app, base_url="https://stadtbote.test") as client:
        app.state.publisher = FakePublisher()
        client.publisher = app.state.publisher
        client.tokens = add_people(runtime.db_url)
        client.rt = runtime
        yield client


def csrf_of(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([0-9a-f]+)"', html).group(1)


def totp_code(db_url: str, email: str, secret: str | None = None) -> str:
    """A code the app would show now that the server has not seen yet (codes work once)."""
    import time

    import pyotp

    from subscribers.staff import find_user
    from subscribers.totp import STEP, StaffTotp

    with session_scope(db_url) as session:
        row = session.get(StaffTotp, find_user(session, email).id)
        secret, last = (secret or row.secret), (row.last_step if row else 0)
    step = max(int(time.time() // STEP), last + 1)
    assert step <= int(time.time() // STEP) + 1, "more than two codes within 30 s: wait for the next step"
    return pyotp.TOTP(secret).at(step * STEP)


def sign_in(client, who: str, email: str | None = None) -> str:
    """Sign in through the form; returns a CSRF token for later forms.

    Authors need only the password. Approvers and admins also enter a code: the first time the
    helper enrols them (reading the secret off the page, as a person's app would), later it
    computes the code from the stored secret.
    """
    email = email or f"{who}@stadt.example"
    page = client.get("/staff/anmelden")
    r = client.post("/staff/anmelden", data={"email": email, "password": PASSWORD,
                                             "csrf_token": csrf_of(page.text), "weiter": "/staff"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text
    if r.headers["location"].startswith("/staff/anmelden/code"):
        form = client.get(r.headers["location"])
        secret = totp_secret_on(form.text)
        r = client.post("/staff/anmelden/code", data={"code": totp_code(client.rt.db_url, email, secret),
                                                      "csrf_token": csrf_of(form.text), "weiter": "/staff"},
                        follow_redirects=False)  # fmt: skip
        assert r.status_code in (200, 303), r.text
    return csrf_of(client.get("/staff").text)


def totp_secret_on(html: str) -> str | None:
    """The key shown on the enrolment page (None when the person is enrolled already)."""
    import re

    found = re.search(r'id="totp-schluessel">([A-Z2-7 ]+)<', html)
    return found.group(1).replace(" ", "") if found else None


def add_deliveries(db_url: str, event_id: str, rows: list[tuple[int, str, str]]) -> list[str]:
    """Ledger rows for an announcement's event, as the worker would write them: (subscriber, channel, status)."""
    from notify.announcements import SOURCE
    from subscribers.ledger import delivery_id, register_event
    from subscribers.models import Delivery

    report = {"profile": "einfach", "level": "schwer", "index": 4.0, "passed": False, "metrics": {},
              "findings": [{"rule": "amtsdeutsch", "start": 0, "end": 5, "excerpt": "Gemäß",
                            "message": "Amtsdeutsch", "suggestion": "Schreiben Sie einfacher: „nach“."}]}  # fmt: skip
    ids = []
    with session_scope(db_url) as session:
        record = register_event(session, source=SOURCE, event_id=event_id, type="de.gelsenkirchen.announcement",
                                title="t", urgency="normal", payload="{}").record  # fmt: skip
        record.status = "matched"
        for sid, channel, status in rows:
            did = delivery_id(SOURCE, event_id, sid, channel)
            session.add(Delivery(id=did, event_pk=record.id, subscriber_id=sid, channel=channel, status=status,
                                 readability=json.dumps(report) if status == "held" else None,
                                 last_error="Der Text ist nicht in Einfache Sprache." if status == "held" else None))  # fmt: skip
            ids.append(did)
    return ids


@pytest.fixture(scope="session")
def sink(tmp_path_factory):
    """The real SMTP sink (aiosmtpd writing a Maildir) on a free port."""
    from notify.devstack import free_port
    from notify.embedded.smtp_sink import start_sink

    maildir = tmp_path_factory.mktemp("staff-mail") / "Maildir"
    port = free_port()
    controller = start_sink(maildir, port=port)
    controller.maildir_path, controller.smtp_port = maildir, port
    yield controller
    controller.stop()


def mails_to(sink, address: str) -> list:
    """Every message the sink holds for ``address`` (parsed)."""
    from email import message_from_bytes, policy

    out = []
    for folder in ("new", "cur"):
        for p in sorted((sink.maildir_path / folder).glob("*")) if (sink.maildir_path / folder).exists() else []:
            msg = message_from_bytes(p.read_bytes(), policy=policy.default)
            if address.lower() in str(msg["To"]).lower():
                out.append(msg)
    return out


@pytest.fixture
def mail_api(tmp_path, db_url, sink, monkeypatch):
    """Like ``api``, but e-mail goes to the real SMTP sink and SMS to the data dir's outbox."""
    from notify.pipeline import Runtime
    from notify.settings import Settings

    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path / "var"))
    settings = Settings(data_dir=tmp_path / "var", database_url=db_url, secret_key="test-secret",
                        base_url="https://stadtbote.test", smtp_url=f"smtp://127.0.0.1:{sink.smtp_port}")  # fmt: skip
    rt = Runtime(settings)
    app = create_app(rt)
    with TestClient(app, base_url="https://stadtbote.test") as client:
        app.state.publisher = FakePublisher()
        client.publisher, client.rt, client.sink = app.state.publisher, rt, sink
        client.tokens = add_people(rt.db_url)
        yield client
