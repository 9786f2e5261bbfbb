# ruff: noqa: F811 - the api fixture is imported from staff_samples
"""The dashboard lists messages from other city systems with their plain-language report; one the
gate held at ingest is read and released there by an approver."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from staff_samples import api, csrf_of, sign_in  # noqa: F401

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources"))
from source_samples import gelsenkirchen_warning  # noqa: E402

from notify.pipeline import ingest  # noqa: E402
from notify.sources.alerts import context_for  # noqa: E402
from notify.sources.cap import convert_cap  # noqa: E402


def test_the_dashboard_lists_warnings_from_other_systems_with_their_report(api):
    event = convert_cap(gelsenkirchen_warning("dash"), context_for("gelsenkirchen")).event
    assert ingest(event.to_json().encode(), api.rt).outcome == "new"  # warnings are never held
    sign_in(api, "anna")
    page = api.get("/staff").text
    section = page.split("Nachrichten aus anderen Systemen", 1)[1]
    assert "Amtliche WARNUNG vor STARKREGEN dash" in section and "opendata@dwd.de" in section
    assert "Index " in section and "Hinweise" in section and "dringend" in section


HARD = ("Die Durchführung der Maßnahme erfolgt zwecks Gewährleistung der Verkehrssicherheit unter Berücksichtigung "
        "der einschlägigen Bestimmungen, wobei seitens der zuständigen Behörde eine entsprechende Inaugenscheinnahme "
        "vorgenommen wurde, deren Ergebnisse den Anliegern zur Kenntnisnahme übermittelt worden sind, sofern diese "
        "nicht bereits anderweitig in Kenntnis gesetzt worden waren.")  # fmt: skip


def held_event(api) -> int:
    body = {"specversion": "1.0", "id": "tb-held-1", "source": "/tiefbau", "type": "de.gelsenkirchen.baustelle",
            "data": {"title": "Maßnahme an der Horster Straße", "text": HARD, "topics": ["baustellen"],
                     "area": ["buer"]}}  # fmt: skip
    result = ingest(json.dumps(body).encode(), api.rt)
    assert result.outcome == "held"
    return result.event_pk


def test_an_approver_reads_a_held_city_system_message_and_releases_it_once(api):
    from notify.kafka import EVENTS_ACCEPTED
    from notify.publishing import archive

    pk = held_event(api)
    sign_in(api, "bernd")
    section = api.get("/staff").text.split("Nachrichten aus anderen Systemen", 1)[1]
    assert "angehalten" in section and f'href="/staff/nachrichten/{pk}#angehalten"' in section
    page = api.get(f"/staff/nachrichten/{pk}")
    assert page.status_code == 200 and "Diese Nachricht ist angehalten" in page.text
    assert "Inaugenscheinnahme" in page.text and "<mark" in page.text  # the text with the checker's marks
    archive.forget_stamp()
    assert "Horster Straße" not in api.get("/meldungen").text  # held: not public

    done = api.post(f"/staff/nachrichten/{pk}/freigeben", data={"csrf_token": csrf_of(page.text)},
                    follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == f"/staff/nachrichten/{pk}?freigegeben=1"
    after = api.get(done.headers["location"]).text
    assert "Freigegeben. Die Nachricht geht jetzt an alle" in after and "Nachricht freigeben</button>" not in after
    assert "Freigegeben von bernd@stadt.example" in after
    [(_, value, _)] = [s for s in api.publisher.sent if s[0] == EVENTS_ACCEPTED]
    assert json.loads(value)["event_pk"] == pk  # handed to matching: the residents get it now
    archive.forget_stamp()
    assert "Maßnahme an der Horster Straße" in api.get("/meldungen").text

    again = api.post(f"/staff/nachrichten/{pk}/freigeben", data={"csrf_token": csrf_of(after)})
    assert again.status_code == 409 and "nicht angehalten" in again.text
    assert len([s for s in api.publisher.sent if s[0] == EVENTS_ACCEPTED]) == 1


def test_an_author_sees_the_held_message_but_cannot_release_it(api):
    pk = held_event(api)
    token = sign_in(api, "anna")
    page = api.get(f"/staff/nachrichten/{pk}").text
    assert "Freigeben dürfen nur Freigabe und Verwaltung." in page and "Nachricht freigeben</button>" not in page
    refused = api.post(f"/staff/nachrichten/{pk}/freigeben", data={"csrf_token": token})
    assert refused.status_code == 403 and "Diese Nachricht ist angehalten" in refused.text
    assert api.publisher.sent == []
    assert api.post(f"/staff/nachrichten/{pk}/freigeben", data={"csrf_token": "falsch"}).status_code in (400, 403)
    assert api.get("/staff/nachrichten/99999").status_code == 404


def test_the_held_messages_marks_sit_on_the_words_the_report_names(api):
    """The gate checks "title.\\n\\ntext": the marks were off by the title's length ("erf[olgt zwecks …")."""
    import html
    import re

    pk = held_event(api)
    sign_in(api, "bernd")
    page = api.get(f"/staff/nachrichten/{pk}").text
    marked = re.findall(r'<mark data-finding="\d+" title="([^"]*)">([^<]*)</mark>', page)
    assert marked
    pieces = [html.unescape(piece) for _, piece in marked]
    for word in ("Durchführung", "zwecks", "Berücksichtigung", "seitens"):  # Amtsdeutsch, nominal style
        assert word in pieces, (word, pieces[:8])
