"""German error pages on page routes, German problem+json on the API (issue 10, item 10)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from notify.web.app import create_app

BASE = "https://stadtbote.test"


@pytest.fixture
def web(runtime):
    app = create_app(runtime)

    @app.get("/kaputt", include_in_schema=False)
    async def broken():
        raise RuntimeError("a bug")

    @app.get("/v1/kaputt", include_in_schema=False)
    async def broken_api():
        raise RuntimeError("a bug")

    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "status", "heading"),
    [
        ("GET", "/abonieren", 404, "Diese Seite gibt es nicht"),
        ("GET", "/verwalten/x/y/z", 404, "Diese Seite gibt es nicht"),
        ("PUT", "/abonnieren", 405, "Das geht so nicht"),
        ("DELETE", "/datenschutz", 405, "Das geht so nicht"),
        ("GET", "/kaputt", 500, "Da ist etwas schiefgegangen"),
    ],
)
def test_page_routes_get_a_german_html_page_in_the_site_layout(web, method, path, status, heading):
    r = web.request(method, path)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert heading in r.text and 'class="site-header"' in r.text and '<html lang="de"' in r.text
    for english in ("Not Found", "Method Not Allowed", "Internal Server Error", '"detail"'):
        assert english not in r.text


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/v1/gibtsnicht", 404), ("PUT", "/v1/catalogue", 405), ("GET", "/v1/kaputt", 500)],
)
def test_the_api_keeps_problem_json_in_german(web, method, path, status):
    r = web.request(method, path)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["detail"] not in ("Not Found", "Method Not Allowed", "Internal Server Error")


def test_api_validation_messages_are_german(web):
    r = web.get("/v1/audience", params={"topics": "baustellen", "area": "buer", "limit": "abc"})
    # whatever the operation checks, no pydantic English reaches the caller
    assert "Input should" not in r.text and "Field required" not in r.text
