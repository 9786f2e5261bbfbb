"""The embedded stack for development, the demo, the tests and the benchmarks.

Four processes, each a plain ``notify`` command: broker (Tansu), SMTP sink, Faust worker, web API.
Their logs go to ``<data dir>/logs/``. ``stop()`` sends SIGINT, then SIGTERM, then SIGKILL, in the
reverse order of starting, so the worker can finish its batch before the broker goes away.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from notify.embedded.broker import BrokerUnavailable, port_in_use, wait_for_port


class StartInterrupted(Exception):
    """Ctrl-C (or SIGTERM) arrived while the stack was starting."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DevStack:
    data_dir: Path
    kafka_port: int = 9092
    smtp_port: int = 8025
    web_port: int = 8000
    host: str = "127.0.0.1"
    extra_env: dict[str, str] = field(default_factory=dict)
    broker_storage: str | None = None  # Tansu --storage-engine; None: memory
    broker_durable: Path | None = None  # notify broker --durable DIR: Tansu on our object store in DIR
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    # Set by a signal handler (``notify dev``): starting gives up between two steps and raises
    # StartInterrupted, so Ctrl-C never lands inside subprocess.Popen and leaves a child behind.
    interrupted: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def on_free_ports(cls, data_dir: Path, **kw) -> DevStack:
        return cls(data_dir, kafka_port=free_port(), smtp_port=free_port(), web_port=free_port(), **kw)

    # -- what the processes see ------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(
            NOTIFY_DATA_DIR=str(self.data_dir.resolve()),
            KAFKA_URL=f"kafka://{self.host}:{self.kafka_port}",
            SMTP_URL=f"smtp://{self.host}:{self.smtp_port}",
            PORT=str(self.web_port),
            NOTIFY_BASE_URL=env.get("NOTIFY_BASE_URL", f"http://localhost:{self.web_port}"),
            NOTIFY_READY_FILE=str(self.ready_file),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def ready_file(self) -> Path:
        return self.data_dir / "run" / "worker.ready"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    # -- lifecycle ---------------------------------------------------------------------------
    def _check_interrupted(self) -> None:
        if self.interrupted.is_set():
            raise StartInterrupted()

    def _wait_for_port(self, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not port_in_use(self.host, port):
            self._check_interrupted()
            if time.monotonic() > deadline:
                wait_for_port(self.host, port, 0.5)  # raises BrokerUnavailable with the address
            time.sleep(0.1)

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        self._check_interrupted()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        cmd = [sys.executable, "-m", "notify", *args]
        proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)  # fmt: skip
        self.procs[name] = proc
        return proc

    def start_services(self) -> None:
        """Broker and SMTP sink (what the worker and web need)."""
        for port, what in ((self.kafka_port, "broker"), (self.smtp_port, "SMTP"), (self.web_port, "web")):
            if port_in_use(self.host, port):
                raise BrokerUnavailable(f"Port {port} ({what}) ist schon belegt. Läuft noch ein anderer Stadtbote?")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.start_broker()
        self._spawn("smtp", "smtp-sink", "--port", str(self.smtp_port))
        self._wait_for_port(self.kafka_port, 30)
        self._wait_for_port(self.smtp_port, 30)

    def start_broker(self) -> None:
        storage = ("--storage", self.broker_storage) if self.broker_storage else ()
        if self.broker_durable:
            storage = ("--durable", str(self.broker_durable.resolve()))
        self._spawn("broker", "broker", "--port", str(self.kafka_port), *storage)

    def start_app(self, worker: bool = True, web: bool = True) -> None:
        self.ready_file.unlink(missing_ok=True)
        if worker:
            self._spawn("worker", "worker")
        if web:
            self._spawn("web", "web", "--port", str(self.web_port))

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        web_ok = "web" not in self.procs
        worker_ok = "worker" not in self.procs
        while time.monotonic() < deadline:
            self._check_interrupted()
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"{name} stopped with exit code {proc.returncode}:\n{tail}")
            if not web_ok:
                try:
                    web_ok = httpx.get(f"{self.web_url}/healthz", timeout=1).status_code == 200
                except httpx.HTTPError:
                    pass
            worker_ok = worker_ok or self.ready_file.exists()
            if web_ok and worker_ok:
                return
            time.sleep(0.2)
        raise TimeoutError(
            f"stack not ready after {timeout:.0f} s (web={web_ok}, worker={worker_ok}); logs in {self.log_dir}"
        )

    def start(self, timeout: float = 120.0) -> DevStack:
        try:
            self.start_services()
            self.start_app()
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop_process(self, name: str, timeout: float = 15.0) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def stop(self) -> None:
        for name in ("web", "worker", "smtp", "broker"):
            self.stop_process(name)

    def __enter__(self) -> DevStack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
