"""Templates: save an announcement under a name, start new drafts from it (API and pages)."""

from __future__ import annotations

import re

import pytest
from staff_samples import auth, draft, sign_in


def saved(api, **fields) -> tuple[int, dict]:
    h = auth(api.tokens["anna"])
    ann = api.post("/v1/announcements", json=draft(**fields), headers=h).json()
    r = api.post(f"/v1/announcements/{ann['id']}/template", json={"name": "Abfuhr nach Feiertag"}, headers=h)
    assert r.status_code == 201, r.text
    return ann["id"], r.json()


def test_a_draft_from_a_template_has_its_content_and_is_a_new_announcement(api):
    ann_id, template = saved(api, title="Müllabfuhr verschiebt sich", topics=["abfall"], area="citywide")
    h = auth(api.tokens["bernd"])
    listed = api.get("/v1/templates", params={"topic": "abfall"}, headers=h).json()["data"]
    assert [t["name"] for t in listed] == ["Abfuhr nach Feiertag"] and listed[0]["topic"] == "abfall"
    r = api.post(f"/v1/templates/{template['id']}/draft", headers=h)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["id"] != ann_id and new["status"] == "draft" and new["created_by"] == "bernd@stadt.example"
    assert (new["title"], new["topics"], new["area"]) == ("Müllabfuhr verschiebt sich", ["abfall"], "citywide")
    assert new["readability"]["findings"] is not None  # checked like any new draft
    assert api.get("/v1/templates", headers=h).json()["data"][0]["title"] == "Müllabfuhr verschiebt sich"


@pytest.mark.parametrize(("body", "status"), [({"name": ""}, 400), ({}, 400)])
def test_a_template_needs_a_name(api, body, status):
    h = auth(api.tokens["anna"])
    ann = api.post("/v1/announcements", json=draft(), headers=h).json()
    assert api.post(f"/v1/announcements/{ann['id']}/template", json=body, headers=h).status_code == status


def test_templates_need_sign_in(api):
    assert api.get("/v1/templates").status_code == 401
    assert api.post("/v1/templates/1/draft").status_code == 401
    assert api.get("/staff/vorlagen", follow_redirects=False).status_code == 303


def test_save_and_reuse_through_the_pages(api):
    ann = api.post("/v1/announcements", json=draft(title="Sperrung Hochstraße"), headers=auth(api.tokens["anna"])).json()
    token = sign_in(api, "anna")
    assert "Als Vorlage speichern" in api.get(f"/staff/mitteilungen/{ann['id']}").text
    r = api.post(f"/staff/mitteilungen/{ann['id']}/vorlage", data={"name": "Sperrung Standard", "csrf_token": token})
    assert r.status_code == 200 and "Die Vorlage ist gespeichert." in r.text and "Baustellen" in r.text
    template_id = re.search(r'data-template="(\d+)"', r.text).group(1)
    r = api.post(f"/staff/vorlagen/{template_id}/entwurf", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    editor = api.get(r.headers["location"])
    assert "Sperrung Hochstraße" in editor.text and f"Mitteilung {ann['id']}:" not in editor.text
    r = api.post(f"/staff/mitteilungen/{ann['id']}/vorlage", data={"name": "  ", "csrf_token": token})
    assert r.status_code == 400 and "Namen" in r.text
