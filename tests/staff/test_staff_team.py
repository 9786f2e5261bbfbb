"""The team in the web: invitations by e-mail link, roles, revocation, password reset, two-factor
sign-in with recovery codes, throttling shared by every web process, and the audit of it all."""

from __future__ import annotations

import re
import uuid

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select
from staff_samples import PASSWORD, FakePublisher, csrf_of, mails_to, sign_in, totp_code, totp_secret_on

from notify.web.app import create_app
from subscribers.db import session_scope
from subscribers.team import StaffAudit


def link_in(mail, path: str) -> str:
    body = mail.get_body(("plain",)).get_content()
    return re.search(rf"https://stadtbote\.test(/staff/{path}/[A-Za-z0-9._-]+)", body).group(1)


def invite(client, email: str, role: str) -> str:
    token = sign_in(client, "admin")
    r = client.post("/staff/team/einladen", data={"email": email, "role": role, "name": "Neu", "csrf_token": token})
    assert r.status_code == 200 and f"Die Einladung an {email} ist unterwegs." in r.text, r.text
    (mail,) = mails_to(client.sink, email)
    client.post("/staff/abmelden", data={"csrf_token": csrf_of(client.get("/staff").text)})
    return link_in(mail, "einladung")


def accept(client, url: str, password: str = PASSWORD):
    form = client.get(url)
    assert form.status_code == 200
    return client.post(url, data={"name": "Dana Neu", "password": password, "password_again": password,
                                  "csrf_token": csrf_of(form.text)}, follow_redirects=False)  # fmt: skip


def test_an_invited_author_sets_a_password_and_is_signed_in(mail_api):
    email = f"dana.{uuid.uuid4().hex[:6]}@stadt.example"
    url = invite(mail_api, email, "author")
    r = accept(mail_api, url)
    assert r.status_code == 303 and r.headers["location"] == "/staff"
    assert "Dana Neu (Redaktion)" in mail_api.get("/staff").text
    assert mail_api.get(url).status_code == 410  # the link works once


def test_an_invited_approver_must_set_up_the_second_factor_and_gets_recovery_codes(mail_api):
    email = f"erik.{uuid.uuid4().hex[:6]}@stadt.example"
    r = accept(mail_api, invite(mail_api, email, "approver"))
    assert r.headers["location"].startswith("/staff/anmelden/code")
    assert mail_api.get("/staff", follow_redirects=False).status_code == 303  # no session before the code
    page = mail_api.get(r.headers["location"])
    secret = totp_secret_on(page.text)
    assert secret and 'src="data:image/svg+xml' in page.text
    bad = mail_api.post("/staff/anmelden/code", data={"code": "000000", "csrf_token": csrf_of(page.text)})
    assert bad.status_code == 400 and "Der Code stimmt nicht" in bad.text
    done = mail_api.post("/staff/anmelden/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_of(page.text)})
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.text)
    assert done.status_code == 200 and len(codes) == 10
    assert mail_api.get("/staff").status_code == 200
    # next time: password, then a recovery code instead of the app; each code works once
    for attempt, expected in ((codes[0], 303), (codes[0], 400)):
        mail_api.cookies.clear()
        login = mail_api.get("/staff/anmelden")
        r = mail_api.post("/staff/anmelden", data={"email": email, "password": PASSWORD, "csrf_token": csrf_of(login.text)},
                          follow_redirects=False)  # fmt: skip
        form = mail_api.get(r.headers["location"])
        assert "Ersatz-Code" in form.text and totp_secret_on(form.text) is None
        r = mail_api.post("/staff/anmelden/code", data={"code": attempt, "csrf_token": csrf_of(form.text)},
                          follow_redirects=False)  # fmt: skip
        assert r.status_code == expected


def test_a_code_is_accepted_only_once(api):
    sign_in(api, "bernd")
    api.cookies.clear()
    login = api.get("/staff/anmelden")
    r = api.post("/staff/anmelden", data={"email": "bernd@stadt.example", "password": PASSWORD,
                                          "csrf_token": csrf_of(login.text)}, follow_redirects=False)  # fmt: skip
    form = api.get(r.headers["location"])
    code = totp_code(api.rt.db_url, "bernd@stadt.example")
    assert api.post("/staff/anmelden/code", data={"code": code, "csrf_token": csrf_of(form.text)},
                    follow_redirects=False).status_code == 303  # fmt: skip
    api.cookies.clear()
    login = api.get("/staff/anmelden")
    r = api.post("/staff/anmelden", data={"email": "bernd@stadt.example", "password": PASSWORD,
                                          "csrf_token": csrf_of(login.text)}, follow_redirects=False)  # fmt: skip
    form = api.get(r.headers["location"])
    assert api.post("/staff/anmelden/code", data={"code": code, "csrf_token": csrf_of(form.text)}).status_code == 400


def test_admins_change_roles_and_revoke_and_every_change_is_audited(api):
    token = sign_in(api, "admin")
    team = api.get("/staff/team").text
    anna_id = re.search(r'action="/staff/team/(\d+)/rolle"[^<]*<input[^>]*>\s*<label for="role-\d+">Rolle von anna@', team).group(1)
    r = api.post(f"/staff/team/{anna_id}/rolle", data={"role": "approver", "csrf_token": token})
    assert "anna@stadt.example hat jetzt die Rolle Freigabe." in r.text
    r = api.post(f"/staff/team/{anna_id}/sperren", data={"csrf_token": token})
    assert "anna@stadt.example ist gesperrt" in r.text
    assert api.get("/v1/announcements", headers={"authorization": f"Bearer {api.tokens['anna']}"}).status_code == 401
    with session_scope(api.rt.db_url) as s:
        rows = [(a.actor, a.action, a.subject) for a in s.execute(select(StaffAudit).order_by(StaffAudit.id)).scalars()]
    assert ("admin@stadt.example", "role-change", "anna@stadt.example") in rows
    assert ("admin@stadt.example", "revoke", "anna@stadt.example") in rows
    assert ("admin@stadt.example", "sign-in", "admin@stadt.example") in rows


def test_the_last_admin_cannot_be_demoted_and_authors_cannot_manage(api):
    token = sign_in(api, "admin")
    admin_id = re.search(r'action="/staff/team/(\d+)/rolle"[^<]*<input[^>]*>\s*<label for="role-\d+">Rolle von admin@', api.get("/staff/team").text).group(1)
    r = api.post(f"/staff/team/{admin_id}/rolle", data={"role": "author", "csrf_token": token})
    assert r.status_code == 400 and "Verwaltung geben" in r.text
    api.cookies.clear()
    token = sign_in(api, "anna")
    assert api.get("/staff/team").status_code == 403
    assert api.post("/staff/team/einladen", data={"email": "x@stadt.example", "role": "admin", "csrf_token": token}).status_code == 403


def test_password_reset_by_e_mail_link_ends_old_sessions(mail_api):
    old = TestClient(mail_api.app, base_url="https://stadtbote.test")
    old.rt = mail_api.rt
    sign_in(old, "anna")
    form = mail_api.get("/staff/passwort-vergessen")
    r = mail_api.post("/staff/passwort-vergessen", data={"email": "anna@stadt.example", "csrf_token": csrf_of(form.text)})
    assert "ist jetzt eine E-Mail" in r.text
    r = mail_api.post("/staff/passwort-vergessen", data={"email": "niemand@stadt.example", "csrf_token": csrf_of(form.text)})
    assert "ist jetzt eine E-Mail" in r.text and not mails_to(mail_api.sink, "niemand@stadt.example")  # same answer
    url = link_in(mails_to(mail_api.sink, "anna@stadt.example")[-1], "passwort")
    page = mail_api.get(url)
    short = mail_api.post(url, data={"password": "kurz", "password_again": "kurz", "csrf_token": csrf_of(page.text)})
    assert short.status_code == 400 and "zu kurz" in short.text
    new = "ein-ganz-neues-passwort"
    r = mail_api.post(url, data={"password": new, "password_again": new, "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.headers["location"] == "/staff/anmelden?neu=1"
    assert old.get("/staff", follow_redirects=False).status_code == 303  # the old session ended
    login = mail_api.get("/staff/anmelden")
    r = mail_api.post("/staff/anmelden", data={"email": "anna@stadt.example", "password": new, "csrf_token": csrf_of(login.text)},
                      follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/staff"


def test_throttling_is_shared_by_every_web_process(api):
    other_app = create_app(api.rt)  # a second web process on the same database
    with TestClient(other_app, base_url="https://stadtbote.test") as other:
        other_app.state.publisher = FakePublisher()
        for client in (api, other, api, other, api):
            page = client.get("/staff/anmelden")
            r = client.post("/staff/anmelden", data={"email": "clara@stadt.example", "password": "falsch",
                                                     "csrf_token": csrf_of(page.text)})  # fmt: skip
            assert r.status_code == 400
        page = other.get("/staff/anmelden")
        r = other.post("/staff/anmelden", data={"email": "clara@stadt.example", "password": PASSWORD,
                                                "csrf_token": csrf_of(page.text)})  # fmt: skip
        assert r.status_code == 429 and "15 Minuten" in r.text


def test_the_login_page_no_longer_points_to_the_command_line(api):
    page = api.get("/staff/anmelden").text
    assert "notify staff" not in page and "Passwort vergessen?" in page and "Einladung" in page


def test_revoking_an_invited_person_voids_their_invitation(mail_api):
    email = f"olaf.{uuid.uuid4().hex[:6]}@stadt.example"
    url = invite(mail_api, email, "author")
    token = sign_in(mail_api, "admin")
    team = mail_api.get("/staff/team").text
    user_id = re.search(rf'action="/staff/team/(\d+)/rolle"[^<]*<input[^>]*>\s*<label for="role-\d+">Rolle von {re.escape(email)}', team).group(1)
    assert "ist gesperrt" in mail_api.post(f"/staff/team/{user_id}/sperren", data={"csrf_token": token}).text
    mail_api.cookies.clear()
    assert mail_api.get(url).status_code == 410
