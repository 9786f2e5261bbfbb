"""``notify staff add`` / ``revoke`` / ``list`` through the real command line."""

from __future__ import annotations

import subprocess
import sys

import httpx  # noqa: F401
from fastapi.testclient import TestClient

from notify.pipeline import Runtime
from notify.settings import Settings
from notify.web.app import create_app


def run(tmp_path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(NOTIFY_DATA_DIR=str(tmp_path), NOTIFY_SECRET_KEY="cli-secret")
    return subprocess.run([sys.executable, "-m", "notify", "staff", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_add_prints_the_token_alone_on_the_last_line_and_revoke_locks_the_person_out(tmp_path):
    added = run(tmp_path, "add", "Pia@Stadt.example", "--role", "approver", "--password-stdin",
                stdin="ein-gutes-langes-passwort\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    assert token.startswith("st_") and " " not in token
    settings = Settings(data_dir=tmp_path, secret_key="cli-secret", base_url="https://stadtbote.test")
    app = create_app(Runtime(settings))
    with TestClient(app, base_url="https://stadtbote.test") as client:
        assert client.get("/v1/announcements", headers={"authorization": f"Bearer {token}"}).status_code == 200
        listed = run(tmp_path, "list")
        assert "pia@stadt.example" in listed.stdout and "aktiv" in listed.stdout
        revoked = run(tmp_path, "revoke", "pia@stadt.example")
        assert revoked.returncode == 0, revoked.stderr
        assert client.get("/v1/announcements", headers={"authorization": f"Bearer {token}"}).status_code == 401
    assert "gesperrt" in run(tmp_path, "list").stdout


def test_clear_errors_for_bad_input(tmp_path):
    bad_role = run(tmp_path, "add", "x@stadt.example", "--role", "chef")
    assert bad_role.returncode != 0 and "author, approver, admin" in bad_role.stderr
    short = run(tmp_path, "add", "x@stadt.example", "--role", "author", "--password-stdin", stdin="kurz\n")
    assert short.returncode != 0 and "zu kurz" in short.stderr
    unknown = run(tmp_path, "revoke", "niemand@stadt.example")
    assert unknown.returncode != 0 and "Keine Person" in unknown.stderr


def test_tokens_and_passwords_are_hashed_at_rest(tmp_path):
    added = run(
        tmp_path, "add", "rolf@stadt.example", "--role", "author", "--password-stdin", stdin="noch-ein-passwort-123\n"
    )
    token = added.stdout.strip().splitlines()[-1]
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("stadtbote.db*"))
    assert token.split("_", 2)[2].encode() not in raw and b"noch-ein-passwort-123" not in raw
    assert b"$argon2id$" in raw
