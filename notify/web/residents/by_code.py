"""``/einstellungen``: a resident types the code from their letter and their postcode (or the
mobile number their SMS go to) and lands on their own settings page.

The answer to a wrong entry never says which part was wrong (that would tell a guesser that a
code exists). Tries are limited per client IP and per code (``NOTIFY_RATE_SETTINGS_CODE_IP``,
``NOTIFY_RATE_SETTINGS_CODE``); the code space (27^8) and the second part do the rest.
"""

from __future__ import annotations

import asyncio
import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notify.pipeline import SETTINGS_PATH
from notify.web.residents import service
from notify.web.residents.pages import csrf_failed, page, too_many
from notify.web.residents.ratelimit import client_ip, limiter_for
from notify.web.residents.validation import normalise_mobile
from subscribers import settings_code
from subscribers.confirm_codes import normalise_code
from subscribers.db import session_scope

router = APIRouter(include_in_schema=False)
TEMPLATE = "residents/settings_code.html.j2"
WRONG = ("Das hat nicht geklappt. Bitte prüfen Sie den Code und die Postleitzahl oder Handynummer. "
         "Der Code steht auf Ihrem Brief, unten neben dem QR-Code.")  # fmt: skip


def _second_part(value: str) -> tuple[str | None, str | None]:
    """(postcode, mobile number) from what the resident typed in the one field."""
    value = value.strip()
    if re.fullmatch(r"\d{5}", value):
        return value, None
    try:
        return None, normalise_mobile(value)
    except ValueError:
        return None, None


@router.get(SETTINGS_PATH, response_class=HTMLResponse)
def ask(request: Request) -> HTMLResponse:
    return page(request, TEMPLATE, values={}, errors={}, error_list=[])


@router.post(SETTINGS_PATH, response_class=HTMLResponse)
async def open_settings(request: Request) -> Response:
    rt = request.app.state.rt
    form = await request.form()
    if failed := csrf_failed(request, form):
        return failed
    code, second = str(form.get("code") or ""), str(form.get("wer") or "")
    values = {"code": code[:20], "wer": second[:40]}
    empty = {name: "Bitte ausfüllen." for name in ("code", "wer") if not values[name].strip()}
    if empty:
        return page(request, TEMPLATE, status_code=400, values=values, errors=empty,
                    error_list=[(n, m) for n, m in empty.items()])  # fmt: skip
    wait = limiter_for(request.app).check([("settings_code_ip", client_ip(request)),
                                           ("settings_code", normalise_code(code)[:12])])  # fmt: skip
    if wait:
        return too_many(request, wait)
    postcode, mobile = _second_part(second)

    def lookup() -> str | None:
        with session_scope(rt.db_url) as session:
            sub = settings_code.find(session, code, postcode=postcode, mobile=mobile)
            return sub.public_id if sub is not None else None

    public_id = await asyncio.to_thread(lookup)
    if public_id is None:
        return page(request, TEMPLATE, status_code=400, values=values, errors={"code": WRONG},
                    error_list=[("code", WRONG)])  # fmt: skip
    # the signed settings link, as in an e-mail; the code itself never appears in an address
    return RedirectResponse(service.links(rt, public_id)["manage"].removeprefix(rt.signer.base_url), status_code=303)
