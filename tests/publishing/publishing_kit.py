"""Events as other city systems send them, put through the real ingest step into the archive."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi.testclient import TestClient

from notify.pipeline import Ingested, Runtime, ingest
from notify.web.app import create_app
from subscribers.db import init_db

COUNCIL = {
    "title": "Der Rat tagt am Donnerstag",
    "text": "Der Rat der Stadt tagt am Donnerstag im Hans-Sachs-Haus. Alle dürfen zuhören.",
    "topics": ["ratssitzungen"],
    "area": "citywide",
    "starts_at": "2027-03-11T17:00:00+01:00",
    "ends_at": "2027-03-11T20:00:00+01:00",
}
ROADWORKS = {
    "title": "Die Hauptstraße in Buer ist gesperrt",
    "text": "Die Hauptstraße ist ab Montag gesperrt. Die Busse fahren eine Umleitung.",
    "topics": ["baustellen"],
    "area": ["buer"],
}


def envelope(data: dict[str, Any], *, event_id: str | None = None, source: str = "/tests/ris",
             type_: str = "de.gelsenkirchen.ratssitzung", **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {"specversion": "1.0", "id": event_id or uuid.uuid4().hex[:12], "source": source, "type": type_,
            "data": data, **extra}  # fmt: skip


def put(rt: Runtime, data: dict[str, Any], **kw: Any) -> Ingested:
    return ingest(json.dumps(envelope(data, **kw)).encode(), rt)


def client(rt: Runtime) -> TestClient:
    init_db(rt.db_url)
    return TestClient(create_app(rt), base_url=rt.settings.base_url)  # https: the CSRF cookie is secure
