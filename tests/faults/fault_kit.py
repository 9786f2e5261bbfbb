"""Fault runs on the real processes: ``notify broker``, ``notify smtp-sink``, ``notify worker``,
``notify web``, each started on free ports as an operator would (``notify.devstack``).

Residents are written straight into the database before the worker starts (the worker loads them
like any others at start); the event comes in over the web API with a real key; what counts is
what the SMTP server stored: every delivered message carries its delivery id
(``X-Stadtbote-Delivery``), so the Maildir says how many residents got the message (lost =
residents − distinct ids) and how many got it twice (files − distinct ids).

Sizes: reduced inside the normal suite; ``FAULTS_FULL=1`` (``make faults``) runs the issue's
full sizes. Each run prints one JSON line with its figures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select

from notify.devstack import DevStack
from subscribers.db import init_db, session_scope
from subscribers.keys import create_key
from subscribers.ledger import delivery_id
from subscribers.models import ChannelAddress, Delivery, Subscriber, Subscription, utcnow

FULL = os.environ.get("FAULTS_FULL") == "1"
DELIVERY_HEADER = re.compile(rb"^X-Stadtbote-Delivery: *([0-9a-f]+)", re.M)
OPEN = ("pending", "sending", "retry")


def size(reduced: int, full: int) -> int:
    return full if FULL else reduced


class FaultStack:
    """The four processes plus what a fault run needs: seeding, one event, counting, faults."""

    def __init__(self, data_dir: Path, residents: int, broker_storage: str | None = None,
                 broker_durable: Path | None = None, **env: str) -> None:  # fmt: skip
        self.residents = residents
        extra = {"NOTIFY_SECRET_KEY": "faults", "NOTIFY_BASE_URL": "https://stadtbote.test",
                 # short enough that the reduced runs stay fast; the defaults are 30 s and 10 s
                 "NOTIFY_LEASE_S": "6", "NOTIFY_KAFKA_SESSION_TIMEOUT_S": "6", **env}  # fmt: skip
        self.stack = DevStack.on_free_ports(data_dir, extra_env=extra, broker_storage=broker_storage,
                                            broker_durable=broker_durable)  # fmt: skip
        self.maildir = data_dir / "mail" / "new"
        self._seen: dict[str, str | None] = {}
        self.started_at = 0.0
        self.marks: dict[str, float] = {}
        self.expected: set[str] = set()  # the delivery ids of the current event
        self._fault_at: int | None = None  # distinct deliveries when the fault was injected

    @property
    def db_url(self) -> str:
        return f"sqlite:///{(self.stack.data_dir / 'stadtbote.db').resolve()}"

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FaultStack:
        try:
            self.stack.start_services()
            self.key = self._seed()
            self.stack.start_app()
            self.stack.wait_ready(180)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.stack.stop()

    def __enter__(self) -> FaultStack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _seed(self) -> str:
        init_db(self.db_url)
        now = utcnow()
        people = range(1, self.residents + 1)
        with session_scope(self.db_url) as s:
            s.execute(insert(Subscriber), [{"id": i, "public_id": f"f{i}", "status": "active", "language": "de",
                                            "profile": "standard", "frequency": "immediate", "origin": "import",
                                            "created_at": now, "updated_at": now} for i in people])  # fmt: skip
            s.execute(insert(ChannelAddress), [{"subscriber_id": i, "channel": "email", "address": f"r{i}@example.org",
                                                "priority": 0, "confirmed_at": now} for i in people])  # fmt: skip
            s.execute(insert(Subscription), [{"subscriber_id": i, "topic_id": "abfall", "district_id": "citywide",
                                              "created_at": now} for i in people])  # fmt: skip
            return create_key(s, "Fehlertest", ["events:write"])

    # -- the event -----------------------------------------------------------------------------
    def post_event(self, event_id: str, urgency: str = "normal", expect: int | None = 202) -> None:
        """One citywide event every resident gets; counting starts afresh for it (``expect=None``:
        only start counting, the event was posted already)."""
        self.expected = {delivery_id("/faults", event_id, sid, "email") for sid in range(1, self.residents + 1)}
        self.marks, self._fault_at = {}, None
        self.started_at = time.monotonic()
        if expect is not None:
            response = self.post_raw(event_id, urgency)
            assert response.status_code == expect, response.text

    def post_raw(self, event_id: str, urgency: str = "normal") -> httpx.Response:
        event = {"specversion": "1.0", "id": event_id, "source": "/faults", "type": "de.gelsenkirchen.abfall",
                 "data": {"title": "Müllabfuhr einen Tag später", "urgency": urgency,
                          "text": "Wegen des Feiertags kommt die Müllabfuhr einen Tag später. Bitte stellen Sie die Tonne am neuen Tag an die Straße.",
                          "topics": ["abfall"], "area": "citywide"}}  # fmt: skip
        return httpx.post(f"{self.stack.web_url}/v1/events", content=json.dumps(event), timeout=60,
                          headers={"authorization": f"Bearer {self.key}",
                                   "content-type": "application/cloudevents+json"})  # fmt: skip

    # -- counting ------------------------------------------------------------------------------
    def delivered(self) -> tuple[int, int]:
        """(messages in the Maildir, distinct deliveries among them)."""
        if self.maildir.exists():
            for path in self.maildir.iterdir():
                if path.name not in self._seen:
                    with path.open("rb") as fh:
                        found = DELIVERY_HEADER.search(fh.read(8192))
                    self._seen[path.name] = found.group(1).decode() if found else None
        ids = [d for d in self._seen.values() if d in self.expected]
        return len(ids), len(set(ids))

    def open_rows(self) -> int:
        with session_scope(self.db_url) as s:
            return (
                s.execute(
                    select(func.count()).where(Delivery.status.in_(OPEN), Delivery.id.in_(self.expected))
                ).scalar()
                or 0
            )

    def wait_for_share(self, share: float, timeout: float = 1800 if FULL else 300) -> None:
        deadline = time.monotonic() + timeout
        while self.delivered()[1] < share * self.residents:
            if time.monotonic() > deadline:
                raise AssertionError(f"not {share:.0%} delivered within {timeout:.0f} s: {self.delivered()}")
            time.sleep(0.05)
        self.mark(f"{share:.0%} delivered")

    def wait_done(self, timeout: float) -> dict:
        """Until every resident has the message and no ledger row is open; then a short grace
        period for late duplicates. Returns the figures."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.delivered()[1] >= self.residents and self.open_rows() == 0:
                break
            if self._fault_at is not None and "resumed" not in self.marks and self.delivered()[1] > self._fault_at:
                self.mark("resumed")  # the first new message after the fault
            time.sleep(0.25)
        seconds = time.monotonic() - self.started_at
        time.sleep(1.5)
        files, distinct = self.delivered()
        with session_scope(self.db_url) as s:
            statuses = dict(s.execute(select(Delivery.status, func.count()).where(Delivery.id.in_(self.expected))
                                      .group_by(Delivery.status)).all())  # fmt: skip
        return {"residents": self.residents, "lost": self.residents - distinct, "twice": files - distinct,
                "seconds": round(seconds, 1), "ledger": statuses, "marks": self.marks}  # fmt: skip

    # -- faults --------------------------------------------------------------------------------
    def mark(self, what: str) -> None:
        """Note when a step happened (seconds since the event), for the figures."""
        self.marks[what] = round(time.monotonic() - self.started_at, 1)

    def kill_worker(self) -> None:
        """``kill -9`` of the worker's process group: no shutdown code runs."""
        proc = self.stack.procs.pop("worker")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        self.mark("killed")
        self._fault_at = self.delivered()[1]

    def start_worker(self, name: str = "worker") -> None:
        self.stack.ready_file.unlink(missing_ok=True)
        self.stack._spawn(name, "worker")
        deadline = time.monotonic() + 180
        while not self.stack.ready_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.mark("worker ready")

    def stop_smtp(self) -> None:
        self.stack.stop_process("smtp")
        self.mark("SMTP stopped")

    def start_smtp(self) -> None:
        self.stack._spawn("smtp", "smtp-sink", "--port", str(self.stack.smtp_port))
        from notify.embedded.broker import wait_for_port

        wait_for_port(self.stack.host, self.stack.smtp_port, 30)
        self.mark("SMTP back")
        self._fault_at = self.delivered()[1]

    def stop_broker(self) -> None:
        self.stack.stop_process("broker")
        self.mark("broker stopped")

    def start_broker(self) -> None:
        from notify.embedded.broker import wait_for_port

        self.stack.start_broker()
        wait_for_port(self.stack.host, self.stack.kafka_port, 30)
        self.mark("broker back")
        self._fault_at = self.delivered()[1]

    def kill_tansu(self, timeout: float = 60) -> None:
        """``kill -9`` of the durable broker's Tansu process only (its object store keeps running);
        ``notify broker --durable`` starts it again on the same port. Returns once it is back."""
        from notify.embedded.broker import wait_for_port

        assert self.stack.broker_durable is not None
        pid_file = self.stack.broker_durable / "tansu.pid"
        pid = int(pid_file.read_text())
        os.kill(pid, signal.SIGKILL)
        self.mark("Tansu killed")
        self._fault_at = self.delivered()[1]
        deadline = time.monotonic() + timeout
        while not pid_file.exists() or int(pid_file.read_text() or pid) == pid:
            assert time.monotonic() < deadline, "Tansu was not started again"
            time.sleep(0.05)
        wait_for_port(self.stack.host, self.stack.kafka_port, 30)
        self.mark("broker back")

    def health(self) -> dict:
        return httpx.get(f"{self.stack.web_url}/healthz", timeout=5).json()


@contextmanager
def private_dir():
    """A data dir of its own: pytest's shared basetemp rotation (other sessions on this machine)
    must not remove the Maildir while a run counts it. ``FAULTS_KEEP=1`` keeps it (logs, ledger)."""
    path = Path(tempfile.mkdtemp(prefix="stadtbote-faults-"))
    yield path / "var"
    if os.environ.get("FAULTS_KEEP") != "1":
        shutil.rmtree(path, ignore_errors=True)


def report(name: str, figures: dict) -> None:
    print(json.dumps({"fault": name, "full": FULL, **figures}, ensure_ascii=False))
