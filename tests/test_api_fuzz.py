"""Schemathesis over ``/openapi.json``: no generated request may get a 500 (issue 10, item 12).

Every operation is reached as its caller would reach it: city-system operations with an API key
that holds every scope, staff operations with a signed-in staff session (cookie and CSRF header),
so the fuzzer gets past 401/403 to the code behind them. The broker is a recording fake and the
mail goes to the real SMTP sink; examples per operation are bounded to keep ``make test`` quick.
"""

from __future__ import annotations

import re
import socket
import time

import pyotp
import pytest
import schemathesis
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from notify.embedded.smtp_sink import start_sink
from notify.pipeline import Runtime
from notify.settings import Settings
from notify.web.app import create_app
from subscribers.db import session_scope
from subscribers.keys import SCOPES, create_key
from subscribers.staff import add_staff

BASE = "https://stadtbote.test"
PASSWORD = "ein-langes-testpasswort"
EXAMPLES = 8  # per operation, half valid and half invalid requests on average
# The plain-language check of a generated 20,000-character text takes a second or two.
FEWER = {"POST /v1/check": 4, "POST /v1/simplify": 4}
STAFF_PREFIXES = ("/v1/announcements", "/v1/audience", "/v1/deliveries", "/v1/staff", "/v1/templates")


class RecordingPublisher:
    async def send(self, topic: str, value: bytes, key: bytes | None = None) -> None:
        pass

    async def close(self) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory):
    data = tmp_path_factory.mktemp("fuzz")
    port = _free_port()
    sink = start_sink(data / "Maildir", port=port)
    rt = Runtime(Settings(data_dir=data / "var", database_url=f"sqlite:///{data}/fuzz.db", secret_key="fuzz-secret",
                          base_url=BASE, smtp_url=f"smtp://127.0.0.1:{port}", kafka_url="kafka://127.0.0.1:1"))  # fmt: skip
    app = create_app(rt)
    mp = pytest.MonkeyPatch()
    for name in ("SUBSCRIBE_IP", "SUBSCRIBE_ADDRESS", "CONFIRM_IP", "CONFIRM_ADDRESS", "LINK_IP"):
        mp.setenv(f"NOTIFY_RATE_{name}", "1000000/3600")
    mp.setenv("NOTIFY_DATA_DIR", str(data / "var"))
    with TestClient(app, base_url=BASE) as client:
        app.state.publisher = RecordingPublisher()
        with session_scope(rt.db_url) as session:
            staff, _ = add_staff(session, "fuzz@stadt.example", "admin")
            staff.password_hash = PasswordHasher().hash(PASSWORD)
            key = create_key(session, "Fuzzer", list(SCOPES))
        page = client.get("/staff/anmelden")
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)
        r = client.post("/staff/anmelden", data={"email": "fuzz@stadt.example", "password": PASSWORD,
                                                 "csrf_token": csrf, "weiter": "/staff"}, follow_redirects=False)  # fmt: skip
        assert r.status_code == 303, r.text
        if r.headers["location"].startswith("/staff/anmelden/code"):  # admins enrol a second factor first
            form = client.get(r.headers["location"])
            secret = re.search(r'id="totp-schluessel">([A-Z2-7 ]+)<', form.text).group(1).replace(" ", "")
            csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form.text).group(1)
            r = client.post("/staff/anmelden/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf,
                                                          "weiter": "/staff"}, follow_redirects=False)  # fmt: skip
            assert r.status_code in (200, 303), r.text
        staff_csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/staff").text).group(1)
        yield {"app": app, "key": key, "cookies": dict(client.cookies), "csrf": staff_csrf}
    mp.undo()
    sink.stop()


def _call(case, fuzz):
    if case.path.startswith(STAFF_PREFIXES):
        return case.call(headers={"x-csrf-token": fuzz["csrf"]}, cookies=fuzz["cookies"])
    return case.call(headers={"authorization": f"Bearer {fuzz['key']}"})


def test_no_generated_request_gets_a_server_error(fuzz):
    """Each operation of /openapi.json with up to EXAMPLES generated requests, valid and invalid (schemathesis' pytest
    plugin does not run on pytest 9, so the operations are walked here)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz["app"])
    failures: list[str] = []
    answered: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

        @settings(max_examples=FEWER.get(operation.label, EXAMPLES), derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=strategy, label=st.just(operation.label))
        def run(case, label):
            response = _call(case, fuzz)
            answered.setdefault(label, set()).add(response.status_code)
            try:
                case.validate_response(response, checks=[not_a_server_error])
            except Exception as exc:  # noqa: BLE001 - collected and reported below, all at once
                failures.append(f"{label}: {response.status_code} {response.text[:200]} ({type(exc).__name__})")
                raise

        started = time.perf_counter()
        try:
            run()
        except Exception:  # noqa: BLE001 - the failure is in the list
            pass
        print(f"{operation.label}: {time.perf_counter() - started:.1f} s, answers {sorted(answered.get(operation.label, []))}")
    assert not failures, "\n".join(failures)
    unanswered = [op.ok().label for op in schema.get_all_operations() if op.ok().label not in answered]
    assert not unanswered, f"never called: {unanswered}"
    refused = sorted(label for label, codes in answered.items() if codes <= {401, 403})
    assert not refused, f"only 401/403 for: {refused}"


def test_the_fuzzer_reaches_staff_operations(fuzz):
    """Signed in, a staff operation answers (not 401/403): the fuzz test above really reaches them."""
    with TestClient(fuzz["app"], base_url=BASE, cookies=fuzz["cookies"]) as client:
        assert client.get("/v1/announcements").status_code == 200
        key = {"authorization": f"Bearer {fuzz['key']}"}
        assert client.post("/v1/events", content=b"{}", headers={**key, "content-type": "application/cloudevents+json"}
                           ).status_code == 400  # fmt: skip
