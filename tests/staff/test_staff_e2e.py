"""The whole pipeline: the audience shown before sending is exactly who gets a message.

Real broker, SMTP sink, worker and web (the ``stack`` fixture); residents imported with the CLI;
a staff member created with ``notify staff add``; the announcement sent over the API.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections import Counter
from email import message_from_bytes, policy

import httpx
import pytest
from sqlalchemy import func, select

from notify.announcements import SOURCE
from subscribers.db import session_scope
from subscribers.models import Delivery, EventRecord

pytestmark = pytest.mark.e2e


def cli(stack, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "notify", *args], env=stack.env, capture_output=True, text=True,
                          input=stdin, timeout=120)  # fmt: skip


def db_url(stack) -> str:
    return f"sqlite:///{(stack.data_dir / 'stadtbote.db').resolve()}"


def settled(stack, event_id: str, timeout: float = 90) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(db_url(stack)) as s:
            record = (
                s.execute(select(EventRecord).where(EventRecord.source == SOURCE, EventRecord.event_id == event_id))
                .scalars()
                .first()
            )
            open_ = record and s.execute(select(Delivery.id).where(Delivery.event_pk == record.id,
                                                                   Delivery.status.in_(("pending", "sending", "retry")))).first()  # fmt: skip
        if record is not None and record.status == "matched" and not open_:
            return record.id
        time.sleep(0.25)
    raise AssertionError(f"{event_id} not delivered within {timeout} s")


def test_the_audience_count_matches_the_deliveries_that_happen(stack, tmp_path):
    tag = uuid.uuid4().hex[:6]
    # baeder is a topic no other e2e test uses: these residents are the whole audience
    people = {"ada": ("baeder", "resse"), "ben": ("freizeit", "ost"), "cai": ("baeder", "citywide"),
              "dan": ("baeder", "horst"), "eva": ("veranstaltungen", "resse"), "fin": ("baeder;freizeit", "resse;erle")}  # fmt: skip
    csv = tmp_path / "people.csv"
    csv.write_text("email,topics,districts,channels\n" + "".join(
        f"{n}.{tag}@example.org,{t},{d},email\n" for n, (t, d) in people.items()))  # fmt: skip
    assert cli(stack, "subscribers", "import", str(csv)).returncode == 0
    added = cli(stack, "staff", "add", f"presse.{tag}@stadt.example", "--role", "author")
    assert added.returncode == 0, added.stderr
    h = {"authorization": f"Bearer {added.stdout.strip().splitlines()[-1]}"}

    body = {"title": f"Freibad Resse öffnet {tag}", "text": "Das Freibad in Resse ist ab Samstag wieder offen.",
            "topics": ["baeder"], "area": ["resse"]}  # fmt: skip
    ann = httpx.post(f"{stack.web_url}/v1/announcements", json=body, headers=h, timeout=30).json()
    audience = httpx.get(f"{stack.web_url}/v1/audience", params={"topics": "baeder", "area": "resse"}, headers=h).json()
    expected = {f"{n}.{tag}@example.org" for n in ("ada", "ben", "cai", "fin")}  # freizeit ⊃ baeder, ost ⊃ resse
    assert audience["total"] == len(expected) and audience["by_channel"]["email"] == len(expected)

    deadline = time.monotonic() + 30  # the worker learns about new subscribers from the change stream
    sent = httpx.post(f"{stack.web_url}/v1/announcements/{ann['id']}/send", headers=h, timeout=30)
    assert sent.status_code == 200, sent.text
    event_pk = settled(stack, f"ANN-{ann['id']}")
    with session_scope(db_url(stack)) as s:
        by_channel = dict(s.execute(select(Delivery.channel, func.count()).where(Delivery.event_pk == event_pk)
                                    .group_by(Delivery.channel)).all())  # fmt: skip
    assert sum(by_channel.values()) == audience["total"]
    assert by_channel == {ch: n for ch, n in audience["by_channel"].items() if n}
    while time.monotonic() < deadline:
        mails = [
            message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in (stack.data_dir / "mail" / "new").glob("*")
        ]
        got = Counter(str(m["To"]) for m in mails if str(m["Subject"]) == body["title"])
        if len(got) >= len(expected):
            break
        time.sleep(0.25)
    assert got == Counter({a: 1 for a in expected})
    stats = httpx.get(f"{stack.web_url}/v1/announcements/{ann['id']}/deliveries", headers=h).json()
    assert stats["totals"]["delivered"] == audience["total"]
