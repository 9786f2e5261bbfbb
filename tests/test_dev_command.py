"""`notify dev` runs broker, SMTP sink, worker and web in the foreground and stops them all on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from notify.devstack import free_port
from notify.embedded.broker import port_in_use
from notify.settings import EMBEDDED_KAFKA_PORT, EMBEDDED_SMTP_PORT

pytestmark = pytest.mark.e2e


def test_notify_dev_starts_everything_and_sigint_stops_everything(tmp_path):
    if port_in_use("127.0.0.1", EMBEDDED_KAFKA_PORT) or port_in_use("127.0.0.1", EMBEDDED_SMTP_PORT):
        pytest.skip("the embedded default ports 9092/8025 are taken on this machine")
    web_port = free_port()
    env = {**os.environ, "NOTIFY_DATA_DIR": str(tmp_path), "PORT": str(web_port)}
    proc = subprocess.Popen([sys.executable, "-m", "notify", "dev"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{web_port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("notify dev did not come up")
        while not (tmp_path / "run" / "worker.ready").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        for port in (EMBEDDED_KAFKA_PORT, EMBEDDED_SMTP_PORT, web_port):
            assert port_in_use("127.0.0.1", port)
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "Alles beendet." in output
    for port in (EMBEDDED_KAFKA_PORT, EMBEDDED_SMTP_PORT, web_port):
        assert not port_in_use("127.0.0.1", port), f"port {port} still open after Ctrl-C"
    assert "Traceback" not in (tmp_path / "logs" / "worker.log").read_text(errors="replace")


def _processes_of(data_dir) -> list[int]:
    """Pids of processes started for this data directory (what a half-started stack leaves behind)."""
    mark = f"NOTIFY_DATA_DIR={data_dir}".encode()
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if mark in f.read().split(b"\0"):
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


@pytest.mark.parametrize("delay", [0.0, 0.1, 0.4, 1.5])
def test_ctrl_c_while_starting_still_stops_everything_cleanly(tmp_path, delay):
    """Ctrl-C at any moment of starting: exit code 0, ports free, no child left running. It once
    landed inside subprocess.Popen: a worker ran on, the signal was lost or the exit code was -2."""
    if port_in_use("127.0.0.1", EMBEDDED_KAFKA_PORT) or port_in_use("127.0.0.1", EMBEDDED_SMTP_PORT):
        pytest.skip("the embedded default ports 9092/8025 are taken on this machine")
    env = {**os.environ, "NOTIFY_DATA_DIR": str(tmp_path), "PORT": str(free_port())}
    proc = subprocess.Popen([sys.executable, "-m", "notify", "dev"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "logs" / "worker.log").exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # the worker is being started; the stack is not ready yet
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "Alles beendet." in output
    for port in (EMBEDDED_KAFKA_PORT, EMBEDDED_SMTP_PORT):
        assert not port_in_use("127.0.0.1", port), f"port {port} still open after Ctrl-C"
    left = _processes_of(tmp_path)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "processes of the stack still running after Ctrl-C"


def test_make_demo_runs_the_sample_city_and_says_where_to_look(tmp_path):
    """What `make demo` runs: residents imported, events sent, a table of who got what, e-mails,
    SMS and letters on disk, and the places to look printed (the README's first command)."""
    if port_in_use("127.0.0.1", EMBEDDED_KAFKA_PORT) or port_in_use("127.0.0.1", EMBEDDED_SMTP_PORT):
        pytest.skip("the embedded default ports 9092/8025 are taken on this machine")
    env = {**os.environ, "NOTIFY_DATA_DIR": str(tmp_path), "PORT": str(free_port()), "COLUMNS": "120"}
    done = subprocess.run([sys.executable, "-m", "notify", "dev", "--demo", "--exit"], env=env, capture_output=True,
                          text=True, timeout=600)  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    for said in ("Abonnements importiert: 12 neu", "Wer hat was bekommen?", "Alles beendet.", "/meldungen",
                 "Anmelden als Freigabe"):  # fmt: skip
        assert said in output, said
    assert len(list((tmp_path / "mail" / "new").iterdir())) >= 5
    sms = (tmp_path / "outbox" / "sms.jsonl").read_text(encoding="utf-8")
    assert "/m/" in sms and "nicht" in sms  # the warning's full text link; its instructions kept
    assert list((tmp_path / "letters").glob("*/letters-*.pdf"))
    assert "Traceback" not in (tmp_path / "logs" / "worker.log").read_text(errors="replace")
