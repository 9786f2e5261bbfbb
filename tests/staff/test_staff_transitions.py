# ruff: noqa: F811 - the api fixture is imported from staff_samples
"""Every state change in the editor saves the text on the screen first, or refuses and keeps it;
"Jetzt senden" asks "An N Personen senden?" first (issue 10, item 9). Without JavaScript: the
browser sends the editor's fields with the button because the button belongs to the editor form."""

from __future__ import annotations

import re

import pytest
from staff_samples import HARD_TEXT, add_residents, api, auth, csrf_of, draft, sign_in  # noqa: F401
from test_staff_pages import form

APPLIED = HARD_TEXT.replace("Inanspruchnahme", "Nutzung")


def new_draft(api, who="anna", **fields) -> int:
    return api.post("/v1/announcements", json=draft(**fields), headers=auth(api.tokens[who])).json()["id"]


def stored(api, ann_id) -> dict:
    return api.get(f"/v1/announcements/{ann_id}", headers=auth(api.tokens["anna"])).json()


def editor_fields(api, ann_id, **overrides) -> dict:
    """What the browser sends with a button that belongs to the editor form."""
    page = api.get(f"/staff/mitteilungen/{ann_id}").text
    return form(**{"title": stored(api, ann_id)["title"], "csrf_token": csrf_of(page), **overrides})


def test_the_action_buttons_belong_to_the_editor_form(api):
    ann_id = new_draft(api)
    sign_in(api, "anna")
    page = api.get(f"/staff/mitteilungen/{ann_id}").text
    for action in ("zur-freigabe", "senden"):
        button = re.search(rf'<button[^>]*value="{action}"[^>]*>', page).group(0)
        assert 'form="editor"' in button and f'formaction="/staff/mitteilungen/{ann_id}/aktion"' in button


@pytest.mark.parametrize(("action", "who", "status"), [("zur-freigabe", "anna", "review")])
def test_an_applied_suggestion_is_saved_before_the_state_changes(api, action, who, status):
    ann_id = new_draft(api, text=HARD_TEXT)
    sign_in(api, who)
    fields = editor_fields(api, ann_id, text=APPLIED, aktion=action)
    r = api.post(f"/staff/mitteilungen/{ann_id}/aktion", data=fields, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    after = stored(api, ann_id)
    assert after["status"] == status and "Nutzung" in after["text"] and "Inanspruchnahme" not in after["text"]


def test_a_text_that_cannot_be_saved_stops_the_step_and_stays_on_the_screen(api):
    ann_id = new_draft(api)
    sign_in(api, "anna")
    fields = editor_fields(
        api, ann_id, title="", text="Mein neuer Text, noch nicht gespeichert.", aktion="zur-freigabe"
    )
    r = api.post(f"/staff/mitteilungen/{ann_id}/aktion", data=fields)
    assert r.status_code == 400 and "Nichts weitergegeben" in r.text and 'href="#f-title"' in r.text
    assert "Mein neuer Text, noch nicht gespeichert." in r.text and 'data-unsaved="ja"' in r.text
    assert stored(api, ann_id)["status"] == "draft"


def test_an_approver_who_changed_the_text_keeps_the_change_when_four_eyes_refuse(api):
    ann_id = new_draft(api)
    sign_in(api, "bernd")
    fields = editor_fields(api, ann_id, text="Die Straße ist ab Dienstag gesperrt.", aktion="freigeben")
    r = api.post(f"/staff/mitteilungen/{ann_id}/aktion", data=fields)
    assert r.status_code in (403, 409) and ("Vier-Augen" in r.text or "andere Person" in r.text)
    assert stored(api, ann_id)["text"] == "Die Straße ist ab Dienstag gesperrt."


def test_send_asks_with_the_number_of_people_and_sends_only_what_was_confirmed(api):
    add_residents(api.rt.db_url, [([("email", f"p{n}@example.org")], [("baustellen", "buer")]) for n in range(5)])
    ann_id = new_draft(api)
    sign_in(api, "anna")
    r = api.post(f"/staff/mitteilungen/{ann_id}/aktion", data=editor_fields(api, ann_id, aktion="senden"))
    assert r.status_code == 200 and "An 5 Personen senden?" in r.text and "Ja, an 5 Personen senden" in r.text
    assert api.publisher.events() == [] and stored(api, ann_id)["status"] == "draft"
    stand = re.search(r'name="stand" value="(\d+)"', r.text).group(1)
    # Someone changes the text after the question: the old "yes" no longer sends.
    api.post(f"/staff/mitteilungen/{ann_id}", data=editor_fields(api, ann_id, text="Ganz neu.", aktion="speichern"))
    token = csrf_of(api.get(f"/staff/mitteilungen/{ann_id}").text)
    r = api.post(f"/staff/mitteilungen/{ann_id}/aktion",
                 data={"aktion": "senden", "bestaetigt": "ja", "stand": stand, "csrf_token": token})  # fmt: skip
    assert r.status_code == 409 and "inzwischen geändert" in r.text and api.publisher.events() == []
    page = api.get(f"/staff/mitteilungen/{ann_id}").text
    assert 'data-confirm="An 5 Personen senden?"' in page
