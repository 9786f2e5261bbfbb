# ruff: noqa: F811 - the api fixture is imported from staff_samples
"""The editor's version tabs without JavaScript: write a Leichte-Sprache version, its own report and
audience, machine proposals, "geprüft" only by an approver, approval covering all versions, the
versions in the event, and adding a missing version after sending."""

from __future__ import annotations

import re

from staff_samples import HARD_TEXT, api, auth, csrf_of, draft, sign_in  # noqa: F401

from subscribers.db import session_scope
from subscribers.models import Subscriber
from subscribers.store import save_subscriber

LEICHT_TEXT = "Die Straße ist ab Montag zu.\nAutos fahren dann einen anderen Weg."


def readers(rt, rows):
    with session_scope(rt.db_url) as s:
        for language, profile in rows:
            sub = Subscriber(language=language, profile=profile)
            save_subscriber(s, sub, [("email", f"{language}.{profile}.{id(sub)}@example.org")], {("baustellen", "buer")})


def new_announcement(api, **fields) -> int:
    r = api.post("/v1/announcements", json=draft(**fields), headers=auth(api.tokens["anna"]))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def tab(api, ann_id, key="de-leicht"):
    return api.get(f"/staff/mitteilungen/{ann_id}?fassung={key}")


def post_tab(api, ann_id, token, key="de-leicht", **data):
    return api.post(f"/staff/mitteilungen/{ann_id}/fassung/{key}", data={"csrf_token": token, **data},
                    follow_redirects=False)  # fmt: skip


def test_every_tab_shows_its_audience_and_a_missing_version_says_what_they_get_instead(api):
    readers(api.rt, [("de", "leicht")] * 3 + [("de", "einfach"), ("en", "standard")])
    ann_id = new_announcement(api)
    sign_in(api, "anna")
    page = tab(api, ann_id).text
    assert "3 Personen lesen Leichte Sprache" in page and "1 Person liest Einfache Sprache" in page
    assert "1 Person liest Englisch" in page
    assert 'aria-current="page"' in page and "Fassung: Leichte Sprache" in page
    assert "Ohne diese Fassung bekommen diese Personen: Standard, mit einem Satz dazu." in page
    einfach = tab(api, ann_id, "de-einfach").text
    assert "Ohne diese Fassung bekommt diese Person: Standard, mit einem Satz dazu." in einfach  # one reader


def test_a_leicht_version_is_saved_checked_against_leicht_and_goes_into_the_event(api):
    ann_id = new_announcement(api)
    token = sign_in(api, "anna")
    r = post_tab(api, ann_id, token, title="Die Straße ist zu", text=HARD_TEXT, aktion="speichern")
    assert r.status_code == 303 and "fassung=de-leicht" in r.headers["location"]
    page = tab(api, ann_id).text
    assert "Ziel: Leichte Sprache" in page and "Noch schwer verständlich" in page  # its own report
    body = api.get(f"/v1/announcements/{ann_id}", headers=auth(api.tokens["anna"])).json()
    assert body["findings"] > 0  # the version's findings count for approval
    post_tab(api, ann_id, token, title="Die Straße ist zu", text=LEICHT_TEXT, aktion="speichern")
    from notify.announcements import to_event
    from subscribers.announcements import Announcement

    with session_scope(api.rt.db_url) as s:
        event = to_event(s.get(Announcement, ann_id), api.rt.catalogue)
    [version] = event.data.versions
    assert (version.language, version.profile, version.text, version.reviewed) == ("de", "leicht", LEICHT_TEXT, False)


def test_the_base_text_cannot_be_written_twice_as_a_version(api):
    ann_id = new_announcement(api)
    token = sign_in(api, "anna")
    r = post_tab(api, ann_id, token, key="de-standard", title="x", text="y", aktion="speichern")
    # the Standard tab is the base editor; a version for de/standard is refused by the domain
    assert r.status_code in (303, 400)
    from subscribers.announcements import Announcement

    with session_scope(api.rt.db_url) as s:
        assert s.get(Announcement, ann_id).version_list == []


def test_a_proposal_is_marked_as_machine_made_and_cannot_be_marked_reviewed(api):
    ann_id = new_announcement(api, text="Die Inanspruchnahme der Parkflächen ist seitens der Stadt nicht möglich.")
    token = sign_in(api, "anna")
    r = post_tab(api, ann_id, token, key="de-einfach", title="", text="", aktion="vorschlag")
    assert r.status_code == 200 and "maschineller Vorschlag – bitte prüfen" in r.text
    proposal = re.search(r'name="vorschlag" value="([0-9a-f]+)"', r.text).group(1)
    text = re.search(r'<textarea id="fv-text" name="text" rows="12">(.*?)</textarea>', r.text, re.S).group(1)
    assert "nicht" in text and "seitens" not in text
    import html

    saved = post_tab(api, ann_id, token, key="de-einfach", title="Parken", text=html.unescape(text),
                     vorschlag=proposal, aktion="speichern")  # fmt: skip
    assert saved.status_code == 303
    assert "maschineller Vorschlag – bitte prüfen" in tab(api, ann_id, "de-einfach").text
    approver = sign_in(api, "bernd")
    refused = post_tab(api, ann_id, approver, key="de-einfach", aktion="geprueft")
    assert refused.status_code == 409 and "maschineller Vorschlag" in refused.text


def test_a_leichte_sprache_proposal_also_makes_the_title_plain_and_keeps_it_one_line(api):
    """The proposal changed only the text: the Leichte-Sprache tab kept the base's Amtsdeutsch title."""
    ann_id = new_announcement(api, title="Inanspruchnahme der Parkflächen nicht möglich",
                              text="Die Inanspruchnahme der Parkflächen ist seitens der Stadt nicht möglich.")  # fmt: skip
    token = sign_in(api, "anna")
    r = post_tab(api, ann_id, token, key="de-leicht", title="", text="", aktion="vorschlag")
    import html

    title = html.unescape(re.search(r'<input[^>]*name="title"[^>]*value="([^"]*)"', r.text).group(1))
    assert r.status_code == 200 and title == "Nutzung der Parkflächen nicht möglich"
    typed = post_tab(api, ann_id, token, key="de-leicht", title="Parken geht nicht", text="", aktion="vorschlag")
    assert 'value="Parken geht nicht"' in typed.text  # a title the officer wrote stays


def test_reviewed_is_set_only_by_an_approver_and_any_change_takes_it_back(api):
    ann_id = new_announcement(api)
    token = sign_in(api, "anna")
    post_tab(api, ann_id, token, title="Die Straße ist zu", text=LEICHT_TEXT, aktion="speichern")
    assert post_tab(api, ann_id, token, aktion="geprueft").status_code == 403  # an author may not
    approver = sign_in(api, "bernd")
    assert post_tab(api, ann_id, approver, aktion="geprueft").status_code == 303
    assert "von einer Prüfgruppe geprüft" in tab(api, ann_id).text
    token = sign_in(api, "anna")
    post_tab(api, ann_id, token, title="Die Straße ist zu", text=LEICHT_TEXT + "\nDas dauert 3 Wochen.", aktion="speichern")
    assert "(markiert von" not in tab(api, ann_id).text


def test_approval_covers_every_version_a_version_edit_takes_it_back(api):
    ann_id = new_announcement(api)
    approve = api.post(f"/v1/announcements/{ann_id}/approve", json={}, headers=auth(api.tokens["bernd"]))
    assert approve.status_code == 200, approve.text
    token = sign_in(api, "anna")
    post_tab(api, ann_id, token, title="Die Straße ist zu", text=LEICHT_TEXT, aktion="speichern")
    body = api.get(f"/v1/announcements/{ann_id}", headers=auth(api.tokens["anna"])).json()
    assert body["status"] == "draft" and not body.get("approved_by")


def test_each_tab_previews_its_own_version(api):
    ann_id = new_announcement(api, channels=["email", "sms", "push", "letter"])
    token = sign_in(api, "anna")
    post_tab(api, ann_id, token, title="Die Straße ist zu", text=LEICHT_TEXT, aktion="speichern")
    page = tab(api, ann_id).text
    assert "Die Straße ist ab Montag zu." in page.split('class="previews"')[1]  # the SMS / push preview
    mail = api.get(f"/staff/mitteilungen/{ann_id}/vorschau/email?fassung=de-leicht").text
    assert "Die Straße ist ab Montag zu." in mail
    base_mail = api.get(f"/staff/mitteilungen/{ann_id}/vorschau/email?fassung=de-standard").text
    assert "Die Straße ist ab Montag zu." not in base_mail
    png = api.get(f"/staff/mitteilungen/{ann_id}/vorschau/brief.png?fassung=de-leicht")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"


def test_a_missing_version_is_added_after_sending_and_the_event_goes_out_again(api):
    ann_id = new_announcement(api)
    sent = api.post(f"/v1/announcements/{ann_id}/send", json={}, headers=auth(api.tokens["bernd"]))
    assert sent.status_code in (200, 202), sent.text
    approver = sign_in(api, "bernd")
    assert "Fassung nachreichen" in tab(api, ann_id).text
    r = post_tab(api, ann_id, approver, title="Die Straße ist zu", text=LEICHT_TEXT, aktion="nachreichen")
    assert r.status_code == 303, r.text
    first, again = api.publisher.events()
    assert first["id"] == again["id"] and "versions" not in first["data"]
    assert again["data"]["versions"][0]["text"] == LEICHT_TEXT
    assert again["data"]["text"] == first["data"]["text"]  # nothing else changes: residents get nothing twice
    # it cannot be replaced afterwards
    twice = post_tab(api, ann_id, approver, title="Anders", text="Anders.", aktion="nachreichen")
    assert twice.status_code == 409


def test_the_dashboard_and_the_delivery_view_show_who_waits_for_which_version(api):
    from sqlalchemy import update
    from staff_samples import add_deliveries

    from subscribers.models import Delivery

    ann_id = new_announcement(api)
    assert api.post(f"/v1/announcements/{ann_id}/send", json={}, headers=auth(api.tokens["bernd"])).status_code in (200, 202)
    ids = add_deliveries(api.rt.db_url, f"ANN-{ann_id}", [(1, "email", "sent"), (2, "email", "pending"),
                                                           (3, "letter", "pending"), (4, "email", "pending")])  # fmt: skip
    with session_scope(api.rt.db_url) as s:
        s.execute(update(Delivery).where(Delivery.id == ids[0]).values(version="de/standard"))
        s.execute(update(Delivery).where(Delivery.id.in_(ids[1:3])).values(status="waiting", version="de/leicht"))
        s.execute(update(Delivery).where(Delivery.id == ids[3]).values(status="sent", version="de/einfach"))
    sign_in(api, "anna")
    overview = api.get("/staff").text
    assert "wartet auf Leichte Sprache: 2 Personen" in overview
    assert f'href="/staff/mitteilungen/{ann_id}?fassung=de-leicht#fassung"' in overview
    view = api.get(f"/staff/mitteilungen/{ann_id}/zustellung").text
    table = view.split('id="je-fassung"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?) <span.*?</th><td>(\d+)</td><td>(\d+)</td>", table)
    assert rows == [("Einfache Sprache", "1", "0"), ("Leichte Sprache", "0", "2"), ("Standard", "1", "0")]
    assert "wartet auf Leichte Sprache: 2 Personen" in view


def test_the_api_writes_a_version_refuses_a_bad_one_and_only_an_approver_marks_it_reviewed(api):
    ann_id = new_announcement(api)
    url = f"/v1/announcements/{ann_id}/versions"
    ok = api.put(f"{url}/de/leicht", json={"title": "Die Straße ist zu", "text": LEICHT_TEXT}, headers=auth(api.tokens["anna"]))
    assert ok.status_code == 200 and ok.json()["versions"][0]["text"] == LEICHT_TEXT
    for path, body, status in [
        (f"{url}/de/standard", {"title": "x", "text": "y"}, 400),  # the base
        (f"{url}/de/sehr-leicht", {"title": "x", "text": "y"}, 400),
        (f"{url}/Deutsch/leicht", {"title": "x", "text": "y"}, 400),
        (f"{url}/en/standard", {"title": "", "text": "Only a text."}, 400),
        (f"{url}/en/standard", {"title": "x", "text": "y", "reviewed": True}, 400),  # reviewed is not written here
    ]:
        r = api.put(path, json=body, headers=auth(api.tokens["anna"]))
        assert r.status_code == status, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert api.post(f"{url}/de/leicht/reviewed", json={"reviewed": True}, headers=auth(api.tokens["anna"])).status_code == 403
    r = api.post(f"{url}/de/leicht/reviewed", json={"reviewed": True}, headers=auth(api.tokens["bernd"]))
    assert r.status_code == 200 and r.json()["versions"][0]["reviewed"] is True


def test_a_suggestion_is_taken_over_in_a_version_tab_without_javascript(api):
    ann_id = new_announcement(api)
    token = sign_in(api, "anna")
    text = "Seitens der Stadt ist die Straße zu."
    checked = post_tab(api, ann_id, token, title="Die Straße ist zu", text=text, aktion="pruefen")
    assert checked.status_code == 200 and "Ziel: Leichte Sprache" in checked.text
    number = re.search(r'name="aktion" value="anwenden:(\d+)"[^>]*data-excerpt="Seitens"', checked.text).group(1)
    r = post_tab(api, ann_id, token, title="Die Straße ist zu", text=text, aktion=f"anwenden:{number}")
    assert r.status_code == 200 and "Übernommen: „von“" in r.text
    assert '<textarea id="fv-text" name="text" rows="12">von der Stadt ist die Straße zu.</textarea>' in r.text


def test_the_version_tabs_count_every_reader_once():
    """An English reader of Einfache Sprache was counted under no tab: 3 Personen, tabs adding to 2."""
    from notify.web.staff.version_pages import _by_tab

    tabs = _by_tab({("de", "einfach"): 1, ("de", "leicht"): 1, ("en", "einfach"): 1, ("ar", "leicht"): 2})
    assert sum(tabs.values()) == 5
    assert tabs[("en", "standard")] == 1 and tabs[("de", "leicht")] == 3


def test_the_history_names_a_version_in_words(api):
    """The history said "version Entwurf Fassung de/leicht geändert." (an English key, a code)."""
    ann_id = new_announcement(api)
    token = sign_in(api, "anna")
    post_tab(api, ann_id, token, title="Die Straße ist zu", text=LEICHT_TEXT, aktion="speichern")
    page = api.get(f"/staff/mitteilungen/{ann_id}").text
    assert "Fassung bearbeitet" in page and "Fassung „Leichte Sprache“ geändert." in page
    assert "de/leicht" not in page.split('id="verlauf-h"')[1]
