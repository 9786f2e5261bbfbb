"""The analogue way in: staff register a resident from a signed paper form.

The paper form is the consent, so the subscription is active at once. The resident gets a
confirmation letter (PDF in ``<data dir>/letters/confirmations/``) with a short code they can use
by phone or letter to change or cancel. Used by ``notify subscribers add``, by
``POST /v1/subscriptions/paper`` and by the staff page ``/mitarbeit/papierformular``.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import select

from notify.pipeline import Runtime
from notify.web.deps import require_scope
from notify.web.problems import Problem
from notify.web.residents import messages, service
from notify.web.residents.api import invalid, read_json
from notify.web.residents.pages import catalogue_choices, csrf_failed, empty_values, form_values, ordered_errors, page
from notify.web.residents.validation import InvalidInput, SubscriptionInput, parse_subscription
from subscribers import confirm_codes, consent
from subscribers.db import session_scope
from subscribers.models import ChannelAddress, Subscriber

router = APIRouter()
SCOPE = "subscribers:write"


@dataclass
class PaperResult:
    subscriber_id: int
    public_id: str
    code: str
    letter: Path | None
    created: bool


def parse_paper(data: dict[str, Any], rt: Runtime) -> tuple[SubscriptionInput, str]:
    """A paper form: a postal address is required, the letter comes first; a consent note too."""
    errors: dict[str, str] = {}
    channels = ["letter"] + [c for c, f in (("email", "email"), ("sms", "phone")) if str(data.get(f) or "").strip()]
    try:
        inp = parse_subscription({**data, "channels": channels}, rt.catalogue)
    except InvalidInput as exc:
        errors.update(exc.errors)
        inp = None
    note = str(data.get("consent_note") or "").strip()
    if not note:
        errors["consent_note"] = "Bitte notieren Sie, wo die Einwilligung steht, zum Beispiel: Formular vom 3.3."
    elif len(note) > 300:
        errors["consent_note"] = "Die Notiz ist zu lang. Höchstens 300 Zeichen."
    if errors or inp is None:
        raise InvalidInput(errors)
    return inp, note


def _new_service_code(session) -> str:
    while True:
        code = "".join(secrets.choice(confirm_codes.CODE_ALPHABET) for _ in range(8))
        if session.execute(select(Subscriber.id).where(Subscriber.service_code == code)).first() is None:
            return code


def _same_paper_form(session, inp: SubscriptionInput) -> Subscriber | None:
    """The resident this very form was entered for before (same name *and* postal address), so
    entering a form twice does not make two residents. A postal address alone never identifies
    anyone: several people live at one address."""
    address, name = inp.address("letter"), (inp.name or "").strip().casefold()
    if not address or not name:
        return None
    rows = session.execute(
        select(Subscriber)
        .join(ChannelAddress, ChannelAddress.subscriber_id == Subscriber.id)
        .where(ChannelAddress.channel == "letter", ChannelAddress.address == address, Subscriber.origin == "staff")
    ).scalars()
    return next((sub for sub in rows if (sub.name or "").strip().casefold() == name), None)


def register_paper_db(rt: Runtime, inp: SubscriptionInput, note: str, actor: str = "staff") -> PaperResult:
    from subscribers.store import save_subscriber

    with session_scope(rt.db_url) as session:
        sub = _same_paper_form(session, inp)
        created = sub is None
        if sub is None:
            sub = Subscriber(origin="staff")
        sub.status = "active"
        service._set_preferences(sub, inp)
        session.add(sub)
        session.flush()
        service._apply_addresses(session, sub, inp.addresses)
        save_subscriber(session, sub, inp.addresses, service._pairs(inp))
        for row_channel, _ in inp.addresses:
            consent.confirm_channel(session, sub, row_channel, actor=actor)
        if not sub.service_code:
            sub.service_code = _new_service_code(session)
        consent.record_consent(session, sub.id, topics=inp.topics, districts=inp.districts, channels=inp.channels,
                               via="paper", note=note, confirmed_channel="paper")  # fmt: skip
        consent.audit(session, sub.id, "registered-on-paper", actor, service._summary(inp))
        session.flush()
        return PaperResult(sub.id, sub.public_id, sub.service_code, None, created)


def register_paper(rt: Runtime, inp: SubscriptionInput, note: str, actor: str = "staff") -> PaperResult:
    """Register and write the confirmation letter (blocking; WeasyPrint takes a moment)."""
    result = register_paper_db(rt, inp, note, actor)
    urls = service.links(rt, result.public_id)
    result.letter = messages.write_confirmation_letter(
        rt, ref=result.code, name=inp.name, postal_address=inp.address("letter") or "", code=result.code,
        manage_url=urls["manage"], unsubscribe_url=urls["unsubscribe"], language=inp.language,
        profile=inp.profile, paper=True)  # fmt: skip
    return result


def find_by_code(session, code: str) -> Subscriber | None:
    code = confirm_codes.normalise_code(code)
    return session.execute(select(Subscriber).where(Subscriber.service_code == code)).scalars().first()


# -- HTTP --------------------------------------------------------------------------------------------


PAPER_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {
            "type": "object",
            "required": ["name", "postal_address", "topics", "consent_note"],
            "properties": {
                "name": {"type": "string"},
                "postal_address": {"type": "string", "example": "Erika Muster | Musterweg 1 | 45894 Gelsenkirchen"},
                "email": {"type": "string"}, "phone": {"type": "string"},
                "topics": {"type": "array", "items": {"type": "string"}},
                "districts": {"type": "array", "items": {"type": "string"}}, "place": {"type": "string"},
                "language": {"type": "string"}, "profile": {"type": "string"}, "frequency": {"type": "string"},
                "consent_note": {"type": "string", "example": "Formular vom 3.3."},
            },
        }}},
    }
}  # fmt: skip


@router.post("/v1/subscriptions/paper", status_code=201, tags=["Abonnements"], openapi_extra=PAPER_SCHEMA,
             dependencies=[Depends(require_scope(SCOPE))])  # fmt: skip
async def paper_api(request: Request) -> JSONResponse:
    """Staff: register a resident from a paper form (active at once; a letter with the code is written)."""
    rt = request.app.state.rt
    data = await read_json(request)
    try:
        inp, note = parse_paper(data, rt)
    except InvalidInput as exc:
        raise invalid(exc, rt) from None
    result = await asyncio.to_thread(register_paper, rt, inp, note)
    await service.announce(request.app, [result.subscriber_id])
    letter = result.letter.name if result.letter else None
    return JSONResponse({"code": result.code, "created": result.created, "letter": letter},
                        status_code=201)  # fmt: skip


def _staff(request: Request):
    """The paper form is for signed-in staff (their session, no API key to paste)."""
    from notify.web.staff.auth import page_staff

    with session_scope(request.app.state.rt.db_url) as session:
        request.state.paper_staff = page_staff(request, session)
        return request.state.paper_staff


def _audit_staff(rt: Runtime, email: str, subscriber_id: int) -> None:
    from subscribers.team import audit

    with session_scope(rt.db_url) as session:
        audit(session, email, "paper-registration", None, f"Nr. {subscriber_id}")


@router.get("/mitarbeit/papierformular", response_class=HTMLResponse, include_in_schema=False)
async def paper_form(request: Request, staff=Depends(_staff)):
    return _paper_page(request, {**empty_values(), "consent_note": ""})


def _paper_page(
    request: Request, values: dict, errors: dict | None = None, status: int = 200, done: PaperResult | None = None
):
    errors = errors or {}
    staff = getattr(request.state, "paper_staff", None)
    return page(request, "residents/paper.html.j2", status_code=status, values=values, errors=errors, staff=staff,
                       error_list=ordered_errors(errors), done=done,
                       **catalogue_choices(request.app.state.rt))  # fmt: skip


@router.post("/mitarbeit/papierformular", response_class=HTMLResponse, include_in_schema=False)
async def paper_post(request: Request, staff=Depends(_staff)):
    rt = request.app.state.rt
    form = await request.form()
    if failed := csrf_failed(request, form):
        return failed
    values = {**form_values(form), "consent_note": str(form.get("consent_note") or "").strip()}
    try:
        inp, note = parse_paper(values, rt)
    except InvalidInput as exc:
        return _paper_page(request, values, dict(exc.errors), status=400)
    result = await asyncio.to_thread(register_paper, rt, inp, note)
    await asyncio.to_thread(_audit_staff, rt, staff.email, result.subscriber_id)
    await service.announce(request.app, [result.subscriber_id])
    return _paper_page(request, {**empty_values(), "consent_note": ""}, done=result)


__all__ = ["Problem", "register_paper", "find_by_code", "parse_paper"]
