# ruff: noqa: F811 - fixtures are imported from residents_testkit by name
"""The analogue way in: paper registrations by staff (API, staff page, CLI), the letter, the code."""

from __future__ import annotations

import re

import pytest
from residents_testkit import assert_problem, client, csrf, rt, sink  # noqa: F401 - fixtures
from sqlalchemy import select
from typer.testing import CliRunner

from notify.cli import app as cli
from notify.settings import get_settings
from subscribers.confirm_codes import CODE_ALPHABET
from subscribers.consent import AuditEntry, ConsentRecord
from subscribers.db import session_scope
from subscribers.keys import create_key
from subscribers.models import ChannelAddress, Subscriber
from subscribers.store import change_record

PAPER = {"name": "Erika Muster", "postal_address": "Erika Muster | Musterweg 1 | 45894 Gelsenkirchen",
         "topics": ["abfuhr", "baustellen"], "districts": ["buer"], "consent_note": "Formular vom 3.3."}  # fmt: skip


@pytest.fixture
def keys(client):
    with session_scope(client.rt.db_url) as s:
        return {
            "write": create_key(s, "Bürgerbüro", ["subscribers:write"]),
            "read": create_key(s, "Lesen", ["subscribers:read"]),
        }


def test_paper_api_registers_active_at_once_and_writes_the_letter(client, keys):
    r = client.post("/v1/subscriptions/paper", json=PAPER, headers={"authorization": f"Bearer {keys['write']}"})
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    assert len(code) == 8 and set(code) <= set(CODE_ALPHABET)
    with session_scope(client.rt.db_url) as s:
        sub = s.execute(select(Subscriber)).scalars().one()
        assert sub.status == "active" and sub.origin == "staff" and sub.service_code == code
        assert change_record(s, sub.id)["channels"] == ["letter"]
        consent = s.execute(select(ConsentRecord)).scalars().one()
        assert consent.given_via == "paper" and consent.note == "Formular vom 3.3." and consent.confirmed_at
        assert "registered-on-paper" in {e.action for e in s.execute(select(AuditEntry)).scalars()}
        assert {e.actor for e in s.execute(select(AuditEntry)).scalars()} == {"staff"}
    letter = client.rt.settings.data_dir / "letters" / "confirmations" / r.json()["letter"]
    from pypdf import PdfReader

    text = PdfReader(letter).pages[0].extract_text()
    assert code in text and "Musterweg 1" in text
    assert sub.id in client.published


def test_the_confirmation_letter_goes_out_with_the_days_print_batch(client, keys):
    r = client.post("/v1/subscriptions/paper", json=PAPER, headers={"authorization": f"Bearer {keys['write']}"})
    code = r.json()["code"]
    from pypdf import PdfReader

    from notify.channels.letter_sender import close_batch

    files = close_batch(client.rt.settings.data_dir)
    assert files is not None, "the confirmation letter is not in today's batch"
    [entry] = files.entries
    assert entry.status == "ok" and entry.ref.startswith("bestaetigung-")
    assert code not in entry.ref  # the manifest goes to the print service: no codes in it
    assert code not in files.manifest_csv.read_text(encoding="utf-8")
    text = PdfReader(files.pdf).pages[0].extract_text()
    assert code in text and "Musterweg 1" in text


def test_a_new_code_replaces_the_letter_waiting_in_the_batch(client, keys):
    from notify.channels.letter_batch import LetterBatch
    from notify.web.residents import messages

    for code in ("AAAA2222", "BBBB3333"):
        messages.write_confirmation_letter(
            client.rt, ref="resident-1", name="Erika Muster", postal_address="Erika Muster\nMusterweg 1\n45894 Gelsenkirchen",
            code=code, manage_url="https://x.example/m", unsubscribe_url="https://x.example/u", language="de",
            profile="standard", paper=True,
        )  # fmt: skip
    [letter] = LetterBatch(client.rt.settings.data_dir).letters()
    assert "BBBB3333" in letter.html and "AAAA2222" not in letter.html


def test_paper_api_needs_the_right_key_and_a_consent_note(client, keys):
    assert_problem(client.post("/v1/subscriptions/paper", json=PAPER), 401)
    assert_problem(
        client.post("/v1/subscriptions/paper", json=PAPER, headers={"authorization": f"Bearer {keys['read']}"}), 403
    )
    body = {**PAPER, "consent_note": ""}
    problem = assert_problem(
        client.post("/v1/subscriptions/paper", json=body, headers={"authorization": f"Bearer {keys['write']}"}), 400
    )
    assert "consent_note" in {e["field"] for e in problem["errors"]}
    body = {**PAPER, "postal_address": ""}
    problem = assert_problem(
        client.post("/v1/subscriptions/paper", json=body, headers={"authorization": f"Bearer {keys['write']}"}), 400
    )
    assert "postal_address" in {e["field"] for e in problem["errors"]}


def test_staff_page_uses_the_staff_session_not_an_api_key(client, keys):
    url = "/mitarbeit/papierformular"
    r = client.get(url, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/staff/anmelden")
    from subscribers.staff import add_staff

    with session_scope(client.rt.db_url) as s:
        add_staff(s, "anna@stadt.example", "author", password="ein-langes-passwort")
    login = client.get("/staff/anmelden")
    r = client.post("/staff/anmelden", data={"email": "anna@stadt.example", "password": "ein-langes-passwort",
                                             "csrf_token": csrf(client, "/staff/anmelden")}, follow_redirects=False)  # fmt: skip
    assert login.status_code == 200 and r.status_code == 303
    form = client.get(url)
    assert form.status_code == 200 and "API-Schlüssel" not in form.text and "anna@stadt.example" in form.text
    data = {**PAPER, "csrf_token": csrf(client, url), "language": "de", "profile": "leicht", "frequency": "weekly",
            "email": "papier@beispiel.de"}  # fmt: skip
    r = client.post(url, data=data)
    assert r.status_code == 200, r.text
    code = re.search(r'class="code">([A-Z0-9]{8})<', r.text).group(1)
    with session_scope(client.rt.db_url) as s:
        sub = s.execute(select(Subscriber)).scalars().one()
        assert sub.service_code == code and sub.profile == "leicht"
        confirmed = dict(s.execute(select(ChannelAddress.channel, ChannelAddress.confirmed_at)).all())
        assert set(confirmed) == {"letter", "email"} and all(confirmed.values())
        from subscribers.team import StaffAudit

        who = s.execute(select(StaffAudit.actor).where(StaffAudit.action == "paper-registration")).scalars().all()
        assert who == ["anna@stadt.example"]


@pytest.fixture
def cli_env(rt, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", rt.db_url)
    monkeypatch.setenv("NOTIFY_DATA_DIR", str(rt.settings.data_dir))
    monkeypatch.setenv("NOTIFY_SECRET_KEY", "resident-secret")
    monkeypatch.setenv("KAFKA_URL", "kafka://127.0.0.1:1")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_add_then_code_then_cancel(cli_env, rt):
    r = cli_env.invoke(cli, ["subscribers", "add", "--name", "Otto Normal", "--postal-address",
                             "Otto Normal | Hauptstr. 2 | 45894 Gelsenkirchen", "--topics", "abfuhr,sperrmuell",
                             "--districts", "buer", "--consent-note", "Formular vom 3.3."])  # fmt: skip
    assert r.exit_code == 0, r.output
    code = re.search(r"Code: ([A-Z0-9]{8})", r.output).group(1)
    assert list((rt.settings.data_dir / "letters" / "confirmations").glob("*.pdf"))
    shown = cli_env.invoke(cli, ["subscribers", "code", code.lower()])
    assert shown.exit_code == 0 and "Otto Normal" in shown.output and "abfuhr" in shown.output
    cancelled = cli_env.invoke(cli, ["subscribers", "code", code, "--cancel"])
    assert cancelled.exit_code == 0 and "Abgemeldet" in cancelled.output
    with session_scope(rt.db_url) as s:
        assert s.execute(select(Subscriber.status)).scalar_one() == "unsubscribed"
    assert cli_env.invoke(cli, ["subscribers", "code", "ZZZZZZZZ"]).exit_code == 2


def test_cli_add_refuses_bad_input(cli_env):
    r = cli_env.invoke(cli, ["subscribers", "add", "--name", "X", "--postal-address", "nur eine Zeile", "--topics", "mond",
                             "--districts", "buer", "--consent-note", "Formular"])  # fmt: skip
    assert r.exit_code == 2
    assert "topics" in r.output and "postal_address" in r.output


def test_cli_purge(cli_env, client):
    client.post("/v1/subscriptions", json={"email": "purge@beispiel.de", "topics": ["abfuhr"], "districts": ["buer"]})
    r = cli_env.invoke(cli, ["subscribers", "purge"])
    assert r.exit_code == 0 and "0 Einträge" in r.output


def test_cli_gives_a_new_code_and_the_old_one_finds_nobody(cli_env, rt):
    r = cli_env.invoke(cli, ["subscribers", "add", "--name", "Otto Normal", "--postal-address",
                             "Otto Normal | Hauptstr. 2 | 45894 Gelsenkirchen", "--topics", "abfuhr",
                             "--districts", "buer", "--consent-note", "Anruf vom 3.3."])  # fmt: skip
    old = re.search(r"Code: ([A-Z0-9]{8})", r.output).group(1)
    renewed = cli_env.invoke(cli, ["subscribers", "code", old, "--new"])
    assert renewed.exit_code == 0 and "Der alte Code gilt ab jetzt nicht mehr." in renewed.output
    new = re.search(r"Neuer Code: ([A-Z0-9]{4})-([A-Z0-9]{4})", renewed.output).group(1, 2)
    assert cli_env.invoke(cli, ["subscribers", "code", old]).exit_code == 2
    again = cli_env.invoke(cli, ["subscribers", "code", "-".join(new)])
    assert again.exit_code == 0 and "Otto Normal" in again.output
