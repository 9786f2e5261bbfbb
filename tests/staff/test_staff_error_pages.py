# ruff: noqa: F811 - the api fixture is imported from staff_samples
"""Staff see German errors: HTML pages on /staff/…, a German message at the field, German problem+json."""

from __future__ import annotations

import re

from staff_samples import api, auth, draft, sign_in  # noqa: F401 - api is a fixture


def test_a_mistyped_announcement_address_is_a_german_404_page(api):
    sign_in(api, "anna")
    r = api.get("/staff/mitteilungen/abc")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Diese Seite gibt es nicht" in r.text and "int_parsing" not in r.text and "Input should" not in r.text


def test_an_empty_headline_gets_a_german_error_at_the_field(api):
    csrf = sign_in(api, "anna")
    r = api.post("/staff/mitteilungen/neu", data={"csrf_token": csrf, "title": "", "text": "Die Straße ist zu.",
                                                  "topics": "baustellen", "area_mode": "districts",
                                                  "districts": "buer", "aktion": "speichern"})  # fmt: skip
    assert r.status_code == 400
    assert "Input should" not in r.text
    field_error = re.search(r'<p class="error-message" id="f-title-error">(.*?)</p>', r.text)
    assert field_error and "Bitte ausfüllen" in field_error.group(1)
    assert 'aria-describedby="f-title-error"' in r.text


def test_api_validation_errors_are_german(api):
    r = api.post("/v1/announcements", json=draft(title=5, urgency="sofort"), headers=auth(api.tokens["anna"]))
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert "Input should" not in r.text and "valid string" not in r.text
    messages = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert messages, r.text
