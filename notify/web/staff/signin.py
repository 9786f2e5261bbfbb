"""Signing in: password, then (for approvers and admins, or whoever set it up) a one-time code;
first sign-in from an invitation; password reset by e-mail link; signing out.

Between password and code the browser holds only a short signed cookie (10 minutes, bound to
the password hash), never a session. Throttling and the audit trail live in the database
(``subscribers.team``), so every web process sees the same failures.
"""

from __future__ import annotations

import hashlib
import time
from urllib.parse import quote

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlmodel import Session, col

from notify import staff_mail
from notify.links import InvalidLink
from notify.pipeline import Runtime
from notify.web.deps import get_runtime
from notify.web.pages import check_csrf
from notify.web.staff.auth import SESSION_COOKIE, cookie_settings
from notify.web.staff.pages import page, safe_next, see_other
from subscribers import team, totp
from subscribers.db import session_scope
from subscribers.staff import SESSION_HOURS, StaffUser, authenticate, find_user, issue_token, revoke_token

router = APIRouter(include_in_schema=False)
PENDING_COOKIE = "sb_staff_2fa"
PENDING_SECONDS = 600
LOGIN = "staff/login.html.j2"
CODE = "staff/second_factor.html.j2"
TOO_MANY = "Zu viele falsche Versuche. Bitte warten Sie 15 Minuten."


# -- the pending second factor -------------------------------------------------------------------
def _fingerprint(user: StaffUser) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def pending_token(rt: Runtime, user: StaffUser) -> str:
    return rt.signer.token("staff-2fa", str(user.id), t=str(int(time.time())), h=_fingerprint(user))


def pending_user(request: Request, session: Session) -> StaffUser | None:
    token = request.cookies.get(PENDING_COOKIE)
    if not token:
        return None
    try:
        payload = request.app.state.rt.signer.verify("staff-2fa", token)
    except InvalidLink:
        return None
    if time.time() - int(payload.get("t", "0")) > PENDING_SECONDS:
        return None
    user = session.get(StaffUser, int(payload["s"]))
    if user is None or user.revoked_at is not None or payload.get("h") != _fingerprint(user):
        return None
    return user


def needs_second_factor(session: Session, user: StaffUser) -> bool:
    assert user.id is not None
    return totp.required(user.role) or totp.is_enrolled(session, user.id)


def signed_in(request: Request, response: Response, token: str) -> Response:
    settings = cookie_settings(request)
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600, **settings)
    response.delete_cookie(PENDING_COOKIE, **settings)
    return response


def to_second_factor(request: Request, token: str, next_url: str) -> Response:
    response = see_other(f"/staff/anmelden/code?weiter={quote(next_url, safe='/')}")
    response.set_cookie(PENDING_COOKIE, token, max_age=PENDING_SECONDS, **cookie_settings(request))
    return response


# -- password ------------------------------------------------------------------------------------
@router.get("/staff/anmelden")
def sign_in_form(request: Request, weiter: str | None = None, neu: int = 0) -> HTMLResponse:
    notice = {1: "Ihr neues Passwort ist gespeichert. Bitte melden Sie sich an."}.get(neu)
    return page(request, LOGIN, None, next_url=safe_next(weiter), error=None, email="", notice=notice)


@router.post("/staff/anmelden")
async def sign_in(request: Request, rt: Runtime = Depends(get_runtime)) -> Response:
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    email, password = str(form.get("email", "")).strip().lower(), str(form.get("password", ""))
    next_url = safe_next(form.get("weiter"))

    def work():
        with session_scope(rt.db_url) as session:
            if team.sign_in_blocked(session, email):
                return "blocked", None
            user = authenticate(session, email, password)
            if user is None:
                team.audit(session, "", "sign-in-failed", email[:254])
                return "wrong", None
            if needs_second_factor(session, user):
                return "code", pending_token(rt, user)
            team.audit(session, user.email, "sign-in", user.email, "Passwort")
            return "ok", issue_token(session, user, "session")

    outcome, token = await run_in_threadpool(work)
    if outcome == "blocked":
        return page(request, LOGIN, None, 429, next_url=next_url, email=email, error=TOO_MANY, notice=None)
    if outcome == "wrong":
        return page(request, LOGIN, None, 400, next_url=next_url, email=email, notice=None,
                    error="Die E-Mail-Adresse oder das Passwort stimmt nicht.")  # fmt: skip
    if outcome == "code":
        return to_second_factor(request, token, next_url)
    return signed_in(request, see_other(next_url), token)


# -- second factor -------------------------------------------------------------------------------
def _code_page(request: Request, session: Session, user: StaffUser, next_url: str, status: int = 200,
               error: str | None = None) -> HTMLResponse:  # fmt: skip
    assert user.id is not None
    enrolled = totp.is_enrolled(session, user.id)
    ctx: dict = {"enrolled": enrolled, "next_url": next_url, "error": error, "secret": None, "qr": None,
                 "recovery_codes": None}  # fmt: skip
    if not enrolled:
        row = totp.enrolment(session, user.id)
        uri = totp.provisioning_uri(row.secret, user.email)
        ctx["secret"] = " ".join(row.secret[i : i + 4] for i in range(0, len(row.secret), 4))
        ctx["qr"] = segno.make(uri, error="m").svg_data_uri(scale=4, border=2)
    return page(request, CODE, None, status, **ctx)


@router.get("/staff/anmelden/code")
def second_factor_form(request: Request, weiter: str | None = None, rt: Runtime = Depends(get_runtime)) -> Response:
    with session_scope(rt.db_url) as session:
        user = pending_user(request, session)
        if user is None:
            return see_other("/staff/anmelden")
        return _code_page(request, session, user, safe_next(weiter))


@router.post("/staff/anmelden/code")
async def second_factor(request: Request, rt: Runtime = Depends(get_runtime)) -> Response:
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    code, next_url = str(form.get("code", "")).strip(), safe_next(form.get("weiter"))

    def work():
        with session_scope(rt.db_url) as session:
            user = pending_user(request, session)
            if user is None:
                return see_other("/staff/anmelden")
            assert user.id is not None
            if team.sign_in_blocked(session, user.email):
                return _code_page(request, session, user, next_url, 429, TOO_MANY)
            enrolled = totp.is_enrolled(session, user.id)
            how = None
            if totp.check_code(session, user.id, code):
                how = "Passwort und Code"
            elif enrolled and totp.use_recovery_code(session, user.id, code):
                how = "Passwort und Ersatz-Code"
                team.audit(session, user.email, "recovery-code-used", user.email,
                           f"noch {totp.recovery_codes_left(session, user.id)} Ersatz-Codes")  # fmt: skip
            if how is None:
                team.audit(session, "", "second-factor-failed", user.email)
                session.commit()  # the failure counts even though the page says no
                return _code_page(request, session, user, next_url, 400,
                                  "Der Code stimmt nicht. Bitte nehmen Sie den neuen Code aus Ihrer App.")  # fmt: skip
            token = issue_token(session, user, "session")
            team.audit(session, user.email, "sign-in", user.email, how)
            if enrolled:
                return signed_in(request, see_other(next_url), token)
            codes = totp.confirm(session, user.id)
            team.audit(session, user.email, "totp-enrolled", user.email)
            response = page(request, CODE, None, enrolled=True, next_url=next_url, error=None, secret=None, qr=None,
                            recovery_codes=codes)  # fmt: skip
            return signed_in(request, response, token)

    return await run_in_threadpool(work)


@router.post("/staff/abmelden")
async def sign_out(request: Request, rt: Runtime = Depends(get_runtime)) -> Response:
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    if token := request.cookies.get(SESSION_COOKIE):
        with session_scope(rt.db_url) as session:
            revoke_token(session, token)
    response = see_other("/staff/anmelden")
    response.delete_cookie(SESSION_COOKIE, **{k: v for k, v in cookie_settings(request).items() if k != "max_age"})
    return response


# -- password reset ------------------------------------------------------------------------------
RESET_ASKED = ("Wenn es einen Zugang mit dieser Adresse gibt, ist jetzt eine E-Mail mit einem Link unterwegs. "
               "Der Link gilt 1 Stunde.")  # fmt: skip


@router.get("/staff/passwort-vergessen")
def forgot_form(request: Request) -> HTMLResponse:
    return page(request, "staff/forgot.html.j2", None, done=False, email="")


@router.post("/staff/passwort-vergessen")
async def forgot(request: Request, rt: Runtime = Depends(get_runtime)) -> Response:
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    email = str(form.get("email", "")).strip().lower()[:254]

    def work() -> str | None:
        with session_scope(rt.db_url) as session:
            user = find_user(session, email) if email else None
            asked = session.execute(
                select(func.count()).select_from(team.StaffAudit).where(
                    col(team.StaffAudit.subject) == email, col(team.StaffAudit.action) == "reset-requested",
                    col(team.StaffAudit.at) > team.utcnow() - team.THROTTLE_WINDOW)
            ).scalar_one()  # fmt: skip
            if user is None or user.revoked_at is not None or not user.password_hash or asked >= 3:
                return None
            team.audit(session, "", "reset-requested", user.email)
            return team.issue_link(session, user, "reset", user.email)

    token = await run_in_threadpool(work)
    if token is not None:
        url = f"{rt.settings.base_url.rstrip('/')}/staff/passwort/{token}"
        await staff_mail.send_text(rt, email, "Stadtbote: Neues Passwort festlegen", staff_mail.reset_text(rt, url))
    return page(request, "staff/forgot.html.j2", None, done=True, email="")


def _password_page(request: Request, kind: str, token: str, user: StaffUser | None, status: int = 200,
                   error: str | None = None) -> HTMLResponse:  # fmt: skip
    return page(request, "staff/set_password.html.j2", None, status, kind=kind, token=token, person=user,
                error=error)  # fmt: skip


def _link_form(request: Request, rt: Runtime, kind: str, token: str) -> HTMLResponse:
    with session_scope(rt.db_url) as session:
        found = team.open_link(session, token, kind)
        return _password_page(request, kind, token, found[1] if found else None, 200 if found else 410)


async def _link_post(request: Request, rt: Runtime, kind: str, token: str) -> Response:
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    name = str(form.get("name", "")).strip() or None

    def work():
        with session_scope(rt.db_url) as session:
            try:
                user = team.use_link(session, token, kind, password, again, name)
            except team.Refused as exc:
                found = team.open_link(session, token, kind)
                return _password_page(request, kind, token, found[1] if found else None,
                                      400 if found else 410, str(exc))  # fmt: skip
            session.flush()
            if kind == "reset":
                return see_other("/staff/anmelden?neu=1")
            if needs_second_factor(session, user):
                return to_second_factor(request, pending_token(rt, user), "/staff")
            team.audit(session, user.email, "sign-in", user.email, "Einladung")
            return signed_in(request, see_other("/staff"), issue_token(session, user, "session"))

    return await run_in_threadpool(work)


@router.get("/staff/passwort/{token}")
def reset_form(request: Request, token: str, rt: Runtime = Depends(get_runtime)) -> HTMLResponse:
    return _link_form(request, rt, "reset", token)


@router.post("/staff/passwort/{token}")
async def reset_post(request: Request, token: str, rt: Runtime = Depends(get_runtime)) -> Response:
    return await _link_post(request, rt, "reset", token)


@router.get("/staff/einladung/{token}")
def invitation_form(request: Request, token: str, rt: Runtime = Depends(get_runtime)) -> HTMLResponse:
    return _link_form(request, rt, "invite", token)


@router.post("/staff/einladung/{token}")
async def invitation_post(request: Request, token: str, rt: Runtime = Depends(get_runtime)) -> Response:
    return await _link_post(request, rt, "invite", token)
