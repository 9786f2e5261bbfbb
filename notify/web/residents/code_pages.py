"""A new personal code, from the resident's own settings page (``POST /verwalten/<link>/neuer-code``).

The code on a resident's letters (``subscribers/settings_code.py``) opens their settings at
``/einstellungen`` together with their postcode or mobile number. Whoever lost a letter, or
fears someone read it, makes a new code here: the old one stops working at once, the page shows
the new one once, and the next letter prints it. Staff do the same by phone with
``notify subscribers code CODE --new``.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from notify.pipeline import SETTINGS_PATH
from notify.web.residents import service
from notify.web.residents.pages import csrf_failed, link_error, page, use_language
from subscribers import consent, settings_code
from subscribers.db import session_scope
from subscribers.models import Subscriber

router = APIRouter(include_in_schema=False)


def renew(db_url: str, public_id: str) -> str | None:
    """A fresh code for the resident (None: no such resident); the change is in the audit trail."""
    from sqlalchemy import select

    with session_scope(db_url) as session:
        sub = session.execute(select(Subscriber).where(Subscriber.public_id == public_id)).scalars().first()
        if sub is None or sub.id is None:
            return None
        code = settings_code.rotate(session, sub.id)
        consent.audit(session, sub.id, "settings-code-renewed", "resident", "new code for /einstellungen")
        return code


@router.post("/verwalten/{token}/neuer-code", response_class=HTMLResponse)
async def new_code(token: str, request: Request) -> HTMLResponse:
    rt = request.app.state.rt
    use_language(request)
    form = await request.form()
    if failed := csrf_failed(request, form):
        return failed
    try:
        payload = service.read_link(rt, token, ("manage",))
    except service.LinkProblem as exc:
        return link_error(request, exc)
    use_language(request, await asyncio.to_thread(service.language_of, rt, payload["s"]))
    code = await asyncio.to_thread(renew, rt.db_url, payload["s"])
    if code is None:
        return link_error(request, service.LinkProblem(404))
    return page(request, "residents/new_code.html.j2", code=settings_code.grouped(code),
                manage_url=service.links(rt, payload["s"])["manage"], settings_url=rt.signer.base_url + SETTINGS_PATH)  # fmt: skip
