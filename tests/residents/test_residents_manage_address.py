# ruff: noqa: F811 - fixtures are imported from residents_testkit by name
"""The manage page asks for the letter address in separate fields, as the sign-up steps do (issue 10)."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from residents_testkit import client, csrf, rt, sink, subscribe_and_confirm  # noqa: F401 - fixtures
from sqlalchemy import select

from subscribers.db import session_scope
from subscribers.models import ChannelAddress


def field_values(page: str) -> dict[str, str]:
    return {
        n: html.unescape(v)
        for n, v in re.findall(r'<input type="text" id="[^"]+" name="([^"]+)" value="([^"]*)"', page)
    }


def signed_up(client, sink) -> str:
    address = f"brief-{uuid.uuid4().hex[:8]}@beispiel.de"  # the sink is shared by both databases' runs
    return subscribe_and_confirm(client, sink, address, name="Erika Muster", channels=["email", "letter"],
                                 postal_address="Erika Muster | Musterweg 1 | 45894 Gelsenkirchen")  # fmt: skip


def manage_form(client, token: str, **fields) -> dict:
    page = client.get(f"/verwalten/{token}").text
    data = {"csrf_token": csrf(client, f"/verwalten/{token}"), "topics": ["baustellen"], "districts": ["buer"],
            "channels": ["email", "letter"], "language": "de", "profile": "standard", "frequency": "immediate",
            **{k: v for k, v in field_values(page).items() if k in ("name", "street", "address_extra", "postcode", "town")}}  # fmt: skip
    data.update(fields)
    return data


def letter_address(client) -> list[str]:
    with session_scope(client.rt.db_url) as s:
        return list(s.execute(select(ChannelAddress.address).where(ChannelAddress.channel == "letter")).scalars())


def test_manage_page_shows_the_address_in_separate_fields_without_separators(client, sink):
    token = signed_up(client, sink)
    page = client.get(f"/verwalten/{token}").text
    values = field_values(page)
    assert (values["name"], values["street"], values["postcode"], values["town"]) == (
        "Erika Muster", "Musterweg 1", "45894", "Gelsenkirchen")  # fmt: skip
    assert 'name="postal_address"' not in page
    assert "|" not in re.sub(r"<[^>]+>", "", page) and "senkrechten Strich" not in page


def test_saving_unchanged_fields_changes_nothing_and_a_new_street_is_saved(client, sink):
    token = signed_up(client, sink)
    r = client.post(f"/verwalten/{token}", data=manage_form(client, token))
    assert r.status_code == 200 and "Sie haben nichts geändert" in r.text, r.text
    r = client.post(f"/verwalten/{token}", data=manage_form(client, token, street="Hauptstraße 5"))
    assert r.status_code == 200
    assert "Neue Adresse für Briefe: Erika Muster, Hauptstraße 5, 45894 Gelsenkirchen." in r.text
    assert "Erika Muster\nHauptstraße 5\n45894 Gelsenkirchen" in letter_address(client)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"postcode": "4589"}, "postcode", "Eine Postleitzahl hat 5 Ziffern."),
        ({"street": ""}, "street", "Bitte schreiben Sie Straße und Hausnummer."),
        ({"town": ""}, "town", "Bitte schreiben Sie den Ort."),
        ({"street": "x" * 70}, "street", "Höchstens 60 Zeichen pro Zeile."),
    ],
)
def test_manage_address_errors_are_the_sign_up_flows_at_the_field(client, sink, fields, field, message):
    token = signed_up(client, sink)
    r = client.post(f"/verwalten/{token}", data=manage_form(client, token, **fields))
    assert r.status_code == 400
    assert re.search(rf'<a href="#{field}">[^<]*{re.escape(message)}', r.text), r.text
    assert f'id="{field}-error"' in r.text
    assert "Erika Muster\nMusterweg 1\n45894 Gelsenkirchen" in letter_address(client)  # nothing saved


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [({"postcode": "4589"}, "postcode", "Eine Postleitzahl hat 5 Ziffern."),
     ({"street": "x" * 70}, "street", "Höchstens 60 Zeichen pro Zeile.")],
)  # fmt: skip
def test_the_sign_up_flow_gives_the_same_address_messages(client, fields, field, message):
    from test_residents_flow import submit

    r = client.get("/abonnieren")
    r = submit(client, r.text, topics=["baustellen"])
    r = submit(client, r.text, place="45894")
    r = submit(client, r.text, channels=["letter"], frequency="immediate", quiet_start="", quiet_end="")
    answers = {"name": "Erika Muster", "street": "Musterweg 1", "postcode": "45894", "town": "Gelsenkirchen",
               "language": "de", "profile": "standard", **fields}  # fmt: skip
    r = submit(client, r.text, **answers)
    assert r.status_code == 400
    assert re.search(rf'<a href="#{field}">[^<]*{re.escape(message)}', r.text), r.text


def test_the_long_manage_page_starts_with_jump_links_to_each_part(client, sink):
    """At phone width the manage page is several screens long: its parts can be reached directly."""
    page = client.get(f"/verwalten/{signed_up(client, sink)}").text
    nav = page[page.index('class="page-parts"') : page.index("</nav>", page.index('class="page-parts"'))]
    targets = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', nav)
    assert [label for _, label in targets] == ["Themen ändern", "Für welchen Ort?", "Wie sollen wir Ihnen schreiben?",
                                               "Wie möchten Sie lesen?", "Ihr Code für Briefe", "Abmelden und Daten"]  # fmt: skip
    for anchor, _ in targets:
        assert page.count(f'id="{anchor}"') == 1, anchor
    assert page.index('class="page-parts"') < page.index('id="themen"')


def test_pages_with_a_residents_data_are_not_kept_by_browsers_or_proxies(client, sink):
    token = signed_up(client, sink)
    for path in (f"/verwalten/{token}", "/abonnieren", "/einstellungen"):
        assert client.get(path).headers.get("cache-control") == "no-store, private", path
