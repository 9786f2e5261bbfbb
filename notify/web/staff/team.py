"""The team pages: admins invite colleagues by e-mail link, change roles, lock people out and reset
a lost second factor (``/staff/team``); everyone keeps their own profile (``/staff/profil``:
name, mobile number for test SMS, new recovery codes)."""

from __future__ import annotations

from typing import Any

import phonenumbers
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from notify import staff_mail
from notify.pipeline import Runtime
from notify.web.deps import get_runtime, get_session
from notify.web.pages import check_csrf
from notify.web.staff.auth import page_staff
from notify.web.staff.pages import page
from subscribers import team, totp
from subscribers.db import session_scope
from subscribers.staff import ROLE_NAMES, ROLES, Staff, StaffUser, UnknownRole

router = APIRouter(include_in_schema=False)


def refuse_page(request: Request, staff: Staff, status: int, title: str, text: str) -> HTMLResponse:
    return page(request, "staff/message.html.j2", staff, status, title=title, text=text)


def not_admin(request: Request, staff: Staff) -> HTMLResponse | None:
    if staff.may("manage"):
        return None
    return refuse_page(request, staff, 403, "Nur für die Verwaltung",
                       "Das Team verwalten dürfen nur Personen mit der Rolle Verwaltung.")  # fmt: skip


def team_page(request: Request, session: Session, staff: Staff, status: int = 200, **ctx: Any) -> HTMLResponse:
    ctx.setdefault("error", None)
    ctx.setdefault("notice", None)
    return page(request, "staff/team.html.j2", staff, status, members=team.members(session), roles=ROLES,
                log=team.recent_audit(session, 50), audit_names=team.ACTION_NAMES, **ctx)  # fmt: skip


@router.get("/staff/team")
def team_overview(request: Request, staff: Staff = Depends(page_staff), session: Session = Depends(get_session)):
    return not_admin(request, staff) or team_page(request, session, staff)


@router.post("/staff/team/einladen")
async def invite(request: Request, staff: Staff = Depends(page_staff), rt: Runtime = Depends(get_runtime)) -> Response:
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    if refused := not_admin(request, staff):
        return refused
    email, role = str(form.get("email", "")).strip(), str(form.get("role", "author"))
    name = str(form.get("name", "")).strip() or None

    def work():
        with session_scope(rt.db_url) as session:
            try:
                user, token = team.invite(session, email, role, staff.email, name)
            except (team.Refused, UnknownRole) as exc:
                message = str(exc) if isinstance(exc, team.Refused) else "Diese Rolle gibt es nicht."
                return None, team_page(request, session, staff, 400, error=message)
            return (user.email, user.role, token), None

    done, failed = await run_in_threadpool(work)
    if failed is not None:
        return failed
    address, role, token = done
    url = f"{rt.settings.base_url.rstrip('/')}/staff/einladung/{token}"
    text = staff_mail.invitation_text(rt, staff.label, ROLE_NAMES[role], url, team.INVITE_HOURS)
    sent = await staff_mail.send_text(rt, address, "Einladung in das Presseteam des Stadtboten", text)
    with session_scope(rt.db_url) as session:
        notice = (f"Die Einladung an {address} ist unterwegs." if sent else
                  f"Die E-Mail an {address} ging nicht hinaus. Bitte später noch einmal einladen.")  # fmt: skip
        return team_page(request, session, staff, 200 if sent else 503, notice=notice)


async def _member_action(request: Request, staff: Staff, rt: Runtime, user_id: int, action) -> Response:
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    if refused := not_admin(request, staff):
        return refused

    def work():
        with session_scope(rt.db_url) as session:
            user = session.get(StaffUser, user_id)
            if user is None:
                return team_page(request, session, staff, 404, error="Diese Person gibt es nicht.")
            try:
                notice = action(session, user, form)
            except (team.Refused, UnknownRole) as exc:
                message = str(exc) if isinstance(exc, team.Refused) else "Diese Rolle gibt es nicht."
                return team_page(request, session, staff, 400, error=message)
            session.flush()
            return team_page(request, session, staff, notice=notice)

    return await run_in_threadpool(work)


@router.post("/staff/team/{user_id}/rolle")
async def change_role(request: Request, user_id: int, staff: Staff = Depends(page_staff),
                      rt: Runtime = Depends(get_runtime)) -> Response:  # fmt: skip
    def action(session, user, form):
        role = str(form.get("role", ""))
        if team.set_role(session, user, role, staff.email):
            return f"{user.email} hat jetzt die Rolle {ROLE_NAMES[role]}."
        return "Nichts geändert."

    return await _member_action(request, staff, rt, user_id, action)


@router.post("/staff/team/{user_id}/sperren")
async def revoke(request: Request, user_id: int, staff: Staff = Depends(page_staff),
                 rt: Runtime = Depends(get_runtime)) -> Response:  # fmt: skip
    def action(session, user, form):
        team.revoke(session, user, staff.email)
        return f"{user.email} ist gesperrt. Alle Sitzungen gelten nicht mehr."

    return await _member_action(request, staff, rt, user_id, action)


@router.post("/staff/team/{user_id}/zweiter-schritt")
async def reset_second_factor(request: Request, user_id: int, staff: Staff = Depends(page_staff),
                              rt: Runtime = Depends(get_runtime)) -> Response:  # fmt: skip
    def action(session, user, form):
        totp.reset(session, user.id)
        team.end_sessions(session, user)
        team.audit(session, staff.email, "totp-reset", user.email)
        return f"{user.email} richtet den zweiten Schritt bei der nächsten Anmeldung neu ein."

    return await _member_action(request, staff, rt, user_id, action)


# -- own profile ---------------------------------------------------------------------------------
def profile_page(request: Request, session: Session, staff: Staff, status: int = 200, **ctx: Any) -> HTMLResponse:
    user = session.get(StaffUser, staff.id)
    ctx.setdefault("error", None)
    ctx.setdefault("notice", None)
    ctx.setdefault("recovery_codes", None)
    return page(request, "staff/profile.html.j2", staff, status, person=user,
                enrolled=totp.is_enrolled(session, staff.id), codes_left=totp.recovery_codes_left(session, staff.id),
                required=totp.required(staff.role), **ctx)  # fmt: skip


def normalise_phone(raw: str) -> str:
    """A German (or international) mobile number in E.164, as the SMS gateway wants it."""
    try:
        number = phonenumbers.parse(raw, "DE")
    except phonenumbers.NumberParseException:
        raise team.Refused("Diese Handynummer kann ich nicht lesen. Beispiel: 0151 12345678") from None
    if not phonenumbers.is_valid_number(number):
        raise team.Refused("Diese Handynummer gibt es nicht. Beispiel: 0151 12345678")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@router.get("/staff/profil")
def profile(request: Request, staff: Staff = Depends(page_staff), session: Session = Depends(get_session)):
    return profile_page(request, session, staff)


@router.post("/staff/profil")
async def save_profile(request: Request, staff: Staff = Depends(page_staff),
                       rt: Runtime = Depends(get_runtime)) -> Response:  # fmt: skip
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    name, phone = str(form.get("name", "")).strip()[:200], str(form.get("phone", "")).strip()

    def work():
        with session_scope(rt.db_url) as session:
            user = session.get(StaffUser, staff.id)
            try:
                user.phone = normalise_phone(phone) if phone else None
            except team.Refused as exc:
                return profile_page(request, session, staff, 400, error=str(exc))
            user.name = name or None
            session.flush()
            return profile_page(request, session, staff, notice="Gespeichert.")

    return await run_in_threadpool(work)


@router.post("/staff/profil/ersatz-codes")
async def new_recovery_codes(request: Request, staff: Staff = Depends(page_staff),
                             rt: Runtime = Depends(get_runtime)) -> Response:  # fmt: skip
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))

    def work():
        with session_scope(rt.db_url) as session:
            if not totp.is_enrolled(session, staff.id):
                return profile_page(request, session, staff, 409, error="Sie haben noch keinen zweiten Schritt.")
            codes = totp.new_recovery_codes(session, staff.id)
            team.audit(session, staff.email, "totp-enrolled", staff.email, "neue Ersatz-Codes")
            return profile_page(request, session, staff, recovery_codes=codes,
                                notice="Neue Ersatz-Codes. Die alten gelten nicht mehr.")  # fmt: skip

    return await run_in_threadpool(work)
