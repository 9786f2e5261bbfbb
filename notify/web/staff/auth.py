"""Who is asking: staff by session cookie (UI) or bearer token (API); city systems by API key.

- The UI signs in with a password and gets an HttpOnly, SameSite=Lax session cookie (Secure when
  the service runs on https). Forms carry the CSRF token of ``notify.web.pages``; a script using
  the cookie for a change must send the same token in ``X-CSRF-Token``.
- The API takes ``Authorization: Bearer st_…`` (a staff token from ``notify staff add``).
- Scoped API keys of other city systems (``sb_…``) never reach announcements; reading the
  audience needs ``subscribers:read``.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from notify.web.deps import bearer_token, get_session
from notify.web.pages import check_csrf
from notify.web.problems import Problem
from subscribers.keys import has_scope, verify_key
from subscribers.staff import Staff, verify_token

SESSION_COOKIE = "sb_staff"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="stadtbote-staff"'}


def _from_bearer(session: Session, token: str) -> Staff:
    if token.startswith("st_"):
        staff = verify_token(session, token)
        if staff is None:
            raise Problem(401, "Der Zugang ist ungültig, abgelaufen oder gesperrt.", headers=CHALLENGE)
        return staff
    if verify_key(session, token) is None:
        raise Problem(401, "Der API-Schlüssel ist ungültig oder widerrufen.", headers=CHALLENGE)
    raise Problem(403, "API-Schlüssel von Fachverfahren dürfen keine Mitteilungen lesen oder schreiben. "
                       "Dafür braucht es ein Konto des Presseteams.")  # fmt: skip


def _from_cookie(request: Request, session: Session) -> Staff | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    return verify_token(session, cookie, kind="session") if cookie else None


def current_staff(request: Request, session: Session = Depends(get_session)) -> Staff:
    """API: a staff member by bearer token, or by session cookie (changes need X-CSRF-Token)."""
    token = bearer_token(request)
    if token is not None:
        return _from_bearer(session, token)
    staff = _from_cookie(request, session)
    if staff is None:
        raise Problem(401, "Bitte melden Sie sich an.", headers=CHALLENGE)
    if request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return staff


def audience_reader(request: Request, session: Session = Depends(get_session)) -> str:
    """Staff, or a city system whose key may read subscribers; returns who it was."""
    token = bearer_token(request)
    if token is not None and token.startswith("sb_"):
        key = verify_key(session, token)
        if key is None:
            raise Problem(401, "Der API-Schlüssel ist ungültig oder widerrufen.", headers=CHALLENGE)
        if not has_scope(key, "subscribers:read"):
            raise Problem(403, "Dieser API-Schlüssel hat nicht das Recht subscribers:read.")
        return f"key:{key.name}"
    return current_staff(request, session).email


def page_staff(request: Request, session: Session = Depends(get_session)) -> Staff:
    """Pages: the signed-in person, or off to the sign-in page."""
    staff = _from_cookie(request, session)
    if staff is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        # The app's error handler keeps the Location header, so the browser goes to sign in.
        raise StarletteHTTPException(303, "Bitte melden Sie sich an.", headers={"Location": sign_in_url(target)})
    return staff


def sign_in_url(next_url: str) -> str:
    return f"/staff/anmelden?weiter={quote(next_url, safe='/')}"


def cookie_settings(request: Request) -> dict:
    secure = request.app.state.rt.settings.base_url.startswith("https://")
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/"}
