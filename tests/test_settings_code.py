"""The short personal code on letters: printed instead of the long link, and code + postcode (or
mobile number) opens the resident's settings; wrong entries are refused without saying which part."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from test_dispatch import dispatch, resident, rt, send_event, sink  # noqa: F401 - fixtures
from test_letter_day import pdf_pages_text

import plainlang
from notify.channels.letter_sender import close_batch
from notify.web.app import create_app
from subscribers import settings_code
from subscribers.confirm_codes import CODE_ALPHABET
from subscribers.db import session_scope
from subscribers.models import Subscriber

ERIKA = [("letter", "Erika Musterfrau\nHorster Straße 12\n45897 Gelsenkirchen"), ("sms", "+491701234567")]
CODE = re.compile(r"Ihr persönlicher Code:\s*([A-Z0-9]{4}-[A-Z0-9]{4})")


def csrf(client: TestClient, path: str = "/einstellungen") -> str:
    return re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get(path).text).group(1)


def try_code(client: TestClient, code: str, who: str):
    return client.post("/einstellungen", data={"code": code, "wer": who, "csrf_token": csrf(client)},
                       follow_redirects=False)  # fmt: skip


@pytest.fixture
async def printed(rt, sink):  # noqa: F811
    """Erika's letter went through the real dispatcher and the day's print batch."""
    sid = resident(rt, ERIKA, name="Erika Musterfrau")
    outcomes = await dispatch(rt, send_event(rt))
    assert {o.status for o in outcomes} >= {"sent"}, [o.error for o in outcomes]
    files = close_batch(rt.settings.data_dir, force=True, db_url=rt.db_url)
    text = "".join(pdf_pages_text(files.pdf))
    client = TestClient(create_app(rt), base_url="https://stadtbote.test")
    return sid, text, client


async def test_the_letter_prints_the_short_page_and_code_and_no_long_link(printed):
    sid, text, _ = printed
    flat = " ".join(text.split())
    [code] = CODE.findall(flat)
    assert set(code.replace("-", "")) <= set(CODE_ALPHABET)
    assert "stadtbote.test/einstellungen" in flat
    assert "/verwalten/" not in flat and not re.search(r"[A-Za-z0-9_-]{40,}", flat)  # no token to type
    with session_scope(printed[2].app.state.rt.db_url) as s:
        assert settings_code.grouped(s.get(Subscriber, sid).service_code) == code


@pytest.mark.parametrize("who", ["45897", "0170 1234567", "+49 170 1234567"])
async def test_code_and_postcode_or_mobile_open_the_settings(printed, who):
    _, text, client = printed
    code = CODE.findall(" ".join(text.split()))[0]
    r = try_code(client, code.lower().replace("-", " "), who)  # typed loosely
    assert r.status_code == 303 and r.headers["location"].startswith("/verwalten/")
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "Erika" in page.text


@pytest.mark.parametrize(("code", "who"), [
    ("right", "45894"),  # another postcode
    ("right", "0170 7654321"),  # another number
    ("ACDE-FGHJ", "45897"),  # a code that is not hers
    ("right", "Gelsenkirchen"),
])  # fmt: skip
async def test_wrong_entries_are_refused_without_saying_which_part(printed, code, who):
    _, text, client = printed
    if code == "right":
        code = CODE.findall(" ".join(text.split()))[0]
    r = try_code(client, code, who)
    assert r.status_code == 400 and "location" not in r.headers
    assert "Bitte prüfen Sie den Code und die Postleitzahl oder Handynummer" in r.text


async def test_guessing_is_rate_limited(printed, monkeypatch):
    _, text, client = printed
    code = CODE.findall(" ".join(text.split()))[0]
    for n in range(5):  # five wrong tries on one code
        assert try_code(client, code, f"4580{n}").status_code == 400
    r = try_code(client, code, "45897")  # now even the right answer waits
    assert r.status_code == 429 and "Zu viele Versuche" in r.text and int(r.headers["retry-after"]) > 0
    monkeypatch.setenv("NOTIFY_RATE_SETTINGS_CODE_IP", "3/3600")
    other = TestClient(create_app(client.app.state.rt), base_url="https://stadtbote.test")
    for n in range(3):  # many codes from one address
        assert try_code(other, f"ACDE-FGH{n + 2}", "45897").status_code == 400
    assert try_code(other, "ACDE-FGHK", "45897").status_code == 429


def test_a_rotated_code_replaces_the_old_one(runtime):
    from subscribers.db import init_db
    from subscribers.store import save_subscriber

    init_db(runtime.db_url)
    with session_scope(runtime.db_url) as s:
        sub = Subscriber()
        save_subscriber(s, sub, ERIKA[:1], {("baustellen", "buer")})
        first = settings_code.ensure_codes(s, [sub.id])[sub.id]
        assert settings_code.ensure_codes(s, [sub.id]) == {sub.id: first}  # stable until rotated
        second = settings_code.rotate(s, sub.id)
        assert second != first
        assert settings_code.find(s, first, postcode="45897") is None
        assert settings_code.find(s, second, postcode="45897").id == sub.id


async def test_a_resident_makes_a_new_code_on_their_settings_page_and_the_old_one_stops_working(printed):
    sid, text, client = printed
    old = CODE.findall(" ".join(text.split()))[0]
    manage = try_code(client, old, "45897").headers["location"]
    page = client.get(manage).text
    assert "Ihr Code für Briefe" in page and f'action="{manage}/neuer-code"' in page
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)
    assert client.post(f"{manage}/neuer-code", data={"csrf_token": "falsch"}).status_code == 403
    done = client.post(f"{manage}/neuer-code", data={"csrf_token": token})
    assert done.status_code == 200 and "Der alte Code gilt ab jetzt nicht mehr." in done.text
    [new] = re.findall(r'<strong class="code" lang="de">([A-Z0-9]{4}-[A-Z0-9]{4})</strong>', done.text)
    assert new != old and "https://stadtbote.test/einstellungen" in done.text
    words = html.unescape(re.sub(r"<[^>]+>", "\n", done.text.split("<main", 1)[1].split("</main>", 1)[0]))
    assert plainlang.check(words, "einfach").passed  # our own words, plain
    assert try_code(client, old, "45897").status_code == 400  # the lost letter opens nothing any more
    again = try_code(client, new, "45897").headers["location"]
    # the same resident's settings; the link is signed anew, so its time part may be a second later
    assert again.rsplit("/", 1)[0] == manage.rsplit("/", 1)[0]
    assert again.rsplit("/", 1)[1].split(".")[0] == manage.rsplit("/", 1)[1].split(".")[0]
    with session_scope(client.app.state.rt.db_url) as s:
        from subscribers.consent import AuditEntry

        assert settings_code.grouped(s.get(Subscriber, sid).service_code) == new
        actions = [a.action for a in s.query(AuditEntry).filter(AuditEntry.subscriber_ref == sid)]
        assert "settings-code-renewed" in actions
    assert client.post("/verwalten/kaputt/neuer-code", data={"csrf_token": token}).status_code == 404
