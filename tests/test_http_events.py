"""POST /v1/events and friends at the HTTP level: auth, validation, RFC 9457 errors, both CloudEvents modes."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from notify.pipeline import Runtime
from notify.settings import Settings
from notify.web.app import create_app
from subscribers.db import session_scope
from subscribers.keys import create_key, revoke_key

STRUCTURED = {"content-type": "application/cloudevents+json"}


def event(**data_overrides):
    data = {"title": "Sperrung der Horster Straße", "text": "Die Straße ist ab Montag gesperrt.",
            "topics": ["baustellen"], "area": ["buer"]}  # fmt: skip
    data.update(data_overrides)
    return {
        "specversion": "1.0",
        "id": "BAU-1",
        "source": "/tiefbau",
        "type": "de.gelsenkirchen.baustelle",
        "data": data,
    }


@pytest.fixture
def client(tmp_path, stack):
    url = f"sqlite:///{tmp_path / 'api.db'}"
    settings = Settings(data_dir=tmp_path, database_url=url, kafka_url=f"kafka://127.0.0.1:{stack.kafka_port}",
                        secret_key="k")  # fmt: skip
    rt = Runtime(settings)
    with TestClient(create_app(rt)) as c:
        with session_scope(url) as s:
            c.headers["authorization"] = f"Bearer {create_key(s, 'Tiefbau', ['events:write'])}"
            c.read_key = create_key(s, "Lesen", ["subscribers:read"])
        c.db_url = url
        yield c


def assert_problem(response, status: int, detail_contains: str = ""):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"]
    assert detail_contains in body["detail"]
    return body


def test_structured_event_is_accepted_with_202(client):
    r = client.post("/v1/events", content=json.dumps(event()), headers=STRUCTURED)
    assert r.status_code == 202
    assert r.json() == {"id": "BAU-1", "source": "/tiefbau", "status": "accepted"}


def test_binary_mode_event_is_accepted_with_202(client):
    headers = {"ce-specversion": "1.0", "ce-id": "BAU-2", "ce-source": "/tiefbau",
               "ce-type": "de.gelsenkirchen.baustelle", "content-type": "application/json"}  # fmt: skip
    r = client.post("/v1/events", content=json.dumps(event()["data"]), headers=headers)
    assert r.status_code == 202
    assert r.json()["id"] == "BAU-2"


@pytest.mark.parametrize(
    ("mutate", "detail"),
    [
        (lambda e: e["data"].update(topics=["raumfahrt"]), "raumfahrt"),
        (lambda e: e["data"].update(area=["atlantis"]), "atlantis"),
        (lambda e: e["data"].update(area=[]), "data.area"),
        (lambda e: e["data"].pop("title"), "data.title"),
        (lambda e: e["data"].update(title="Zeile 1\r\nBcc: x@evil.example"), "data.title"),
        (lambda e: e["data"].update(urgency="sofort"), "data.urgency"),
        (lambda e: e["data"].update(valid_until="2027-01-01T10:00:00"), "data.valid_until"),
        (lambda e: e["data"].update(link="javascript:alert(1)"), "data.link"),
        (lambda e: e.update(specversion="0.3"), "1.0"),
        (lambda e: e.pop("source"), "source"),
        (lambda e: e["data"].update(extra="x"), "data.extra"),
    ],
)
def test_invalid_events_get_400_problem_json_saying_what_is_wrong(client, mutate, detail):
    e = event()
    mutate(e)
    body = assert_problem(client.post("/v1/events", content=json.dumps(e), headers=STRUCTURED), 400)
    assert detail in body["detail"] + json.dumps(body.get("errors", []))


def test_malformed_json_gets_400(client):
    assert_problem(client.post("/v1/events", content=b"{not json", headers=STRUCTURED), 400, "JSON")


def test_wrong_content_type_gets_415(client):
    assert_problem(client.post("/v1/events", content=json.dumps(event()), headers={"content-type": "text/plain"}), 415)


def test_without_a_key_401(client):
    r = client.post("/v1/events", content=json.dumps(event()), headers={**STRUCTURED, "authorization": ""})
    assert_problem(r, 401)
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_with_a_wrong_key_401(client):
    assert_problem(client.post("/v1/events", content=json.dumps(event()),
                               headers={**STRUCTURED, "authorization": "Bearer sb_dead_beef"}), 401)  # fmt: skip


def test_a_revoked_key_401(client):
    token = client.headers["authorization"].split()[1]
    with session_scope(client.db_url) as s:
        revoke_key(s, token.split("_")[1])
    assert_problem(client.post("/v1/events", content=json.dumps(event()), headers=STRUCTURED), 401)


def test_a_key_without_the_scope_403(client):
    r = client.post("/v1/events", content=json.dumps(event()),
                    headers={**STRUCTURED, "authorization": f"Bearer {client.read_key}"})  # fmt: skip
    assert_problem(r, 403, "events:write")


def test_catalogue_and_health(client):
    health = client.get("/healthz").json()
    assert health["status"] == "ok"
    assert {name: state["status"] for name, state in health["channels"].items()} == {
        "email": "ok", "sms": "ok", "push": "ok", "letter": "ok"}
    doc = client.get("/v1/catalogue").json()
    assert {"id": "buer", "name": "Buer", "parent": "nord", "postcodes": ["45894", "45897"]} in doc["districts"]
    assert {"id": "verkehr", "name": "Verkehr & Baustellen", "parent": None} in doc["topics"]


def test_unknown_path_is_a_problem_too(client):
    assert_problem(client.get("/v1/nothing"), 404)


def test_openapi_is_published(client):
    spec = client.get("/openapi.json").json()
    assert "/v1/events" in spec["paths"] and "/v1/catalogue" in spec["paths"]
