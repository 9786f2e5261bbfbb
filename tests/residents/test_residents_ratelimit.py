# ruff: noqa: F811 - fixtures are imported from residents_testkit by name
"""Rate limits: per client IP and per address, answered with 429 and Retry-After."""

from __future__ import annotations

from residents_testkit import assert_problem, client, csrf, rt, sink, subscription  # noqa: F401 - fixtures

from notify.web.residents.ratelimit import RateLimiter


def test_sliding_window_with_a_clock(monkeypatch):
    now = [1000.0]
    limiter = RateLimiter(clock=lambda: now[0])
    monkeypatch.setenv("NOTIFY_RATE_SUBSCRIBE_ADDRESS", "2/60")
    assert limiter.hit("subscribe_address", "a@b.de") == 0
    assert limiter.hit("subscribe_address", "A@B.de") == 0
    assert limiter.hit("subscribe_address", "a@b.de") == 60
    assert limiter.hit("subscribe_address", "c@b.de") == 0
    now[0] += 61
    assert limiter.hit("subscribe_address", "a@b.de") == 0


def test_per_address_limit_on_the_api(client, monkeypatch):
    monkeypatch.setenv("NOTIFY_RATE_SUBSCRIBE_ADDRESS", "2/3600")
    for _ in range(2):
        assert client.post("/v1/subscriptions", json=subscription(email="viel@beispiel.de")).status_code == 202
    r = client.post("/v1/subscriptions", json=subscription(email="viel@beispiel.de"))
    assert_problem(r, 429, "Minuten")
    assert int(r.headers["retry-after"]) > 0
    assert client.post("/v1/subscriptions", json=subscription(email="anders@beispiel.de")).status_code == 202


def test_per_ip_limit_and_the_german_page(client, monkeypatch):
    monkeypatch.setenv("NOTIFY_RATE_SUBSCRIBE_IP", "1/3600")
    assert client.post("/v1/subscriptions", json=subscription(email="eins@beispiel.de")).status_code == 202
    assert_problem(client.post("/v1/subscriptions", json=subscription(email="zwei@beispiel.de")), 429)
    data = {"csrf_token": csrf(client, "/abonnieren"), "topics": "abfuhr", "districts": "buer", "channels": "email",
            "email": "drei@beispiel.de", "consent": "yes"}  # fmt: skip
    page = client.post("/abonnieren", data=data)
    assert page.status_code == 429 and "Zu viele Versuche" in page.text and page.headers["retry-after"]
    assert page.headers["content-type"].startswith("text/html")


def test_confirm_attempts_are_limited(client, monkeypatch):
    monkeypatch.setenv("NOTIFY_RATE_CONFIRM_IP", "3/3600")
    for _ in range(3):
        assert client.post("/v1/subscriptions/confirm", json={"code": "ABCDEFGH"}).status_code == 400
    assert_problem(client.post("/v1/subscriptions/confirm", json={"code": "ABCDEFGH"}), 429)
    page = client.post("/bestaetigen", data={"csrf_token": csrf(client, "/bestaetigen"), "code": "ABCDEFGH"})
    assert page.status_code == 429
