"""The residents' pages: start, privacy, confirm, manage (unsubscribe, export, delete: ``leave_pages``).

Plain HTML forms that work without JavaScript. Every form carries the CSRF token, except the
RFC 8058 one-click unsubscribe, whose signed link is its own proof.

The pages a resident reaches through their own links follow the language they chose (``use_language``):
German, English or Turkish, with a switch to the others; the words are in ``notify.web.page_texts``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from notify.versions import direction
from notify.web import page_texts
from notify.web.pages import CSRF_FIELD, check_csrf, render_page
from notify.web.problems import Problem
from notify.web.residents import confirming, manage_view, service
from notify.web.residents.postal_form import (
    ADDRESS_PARTS,
    error_at_first_field,
    part_errors,
    read_parts,
    split_address,
)
from notify.web.residents.ratelimit import client_ip, limiter_for
from notify.web.residents.validation import (  # noqa: F401
    LANGUAGE_NOTES,
    LANGUAGES,
    InvalidInput,
    normalise_mobile,
    parse_subscription,
)
from subscribers.confirm_codes import unconfirmed_hours
from topics.catalogue import CITYWIDE

router = APIRouter(include_in_schema=False)

LIST_FIELDS = ("topics", "districts", "channels")
SCALAR_FIELDS = ("email", "phone", "push", "postal_address", "name", "place", "language", "profile", "frequency",
                 "quiet_start", "quiet_end")  # fmt: skip
FIELD_ORDER = ("topics", "place", "districts", "channels", "email", "phone", "push", "name", "postal_address",
               "street", "address_extra", "postcode", "town", "language", "profile", "frequency", "quiet_start", "quiet_end", "consent")  # fmt: skip
LANGUAGE_COOKIE = "sb_sprache"
LINK_PAGES = {
    404: (
        "Dieser Link funktioniert nicht",
        "Vielleicht fehlt ein Teil vom Link. Bitte kopieren Sie den ganzen Link aus der Nachricht.",
    ),
    410: (
        "Dieser Link ist zu alt",
        "Aus Sicherheitsgründen gilt ein Link nur eine Zeit lang. Fordern Sie einfach einen neuen Link an.",
    ),
}


# -- helpers -----------------------------------------------------------------------------------------


def use_language(request: Request, resident: str | None = None) -> str:
    """The language of this page: the one picked on it (``?sprache=en``), else the one picked before
    in this browser (cookie), else the resident's own setting; German when we ship none of these."""
    choices = (request.query_params.get("sprache"), request.cookies.get(LANGUAGE_COOKIE), resident)
    language = next((c for c in choices if c in page_texts.shipped()), page_texts.SOURCE)
    request.state.language = language
    return language


async def linked_state(request: Request, token: str, purposes: tuple[str, ...]) -> tuple[dict, dict[str, Any]]:
    """The link's payload and its resident's state; the page is in their language from here on.
    Raises ``service.LinkProblem`` (the page answers with ``link_error``), in the visitor's language."""
    rt = request.app.state.rt
    use_language(request)
    payload = service.read_link(rt, token, purposes)
    state = await asyncio.to_thread(service.load_state, rt, payload["s"])
    use_language(request, state.get("language"))
    return payload, state


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """``render_page`` plus what every resident page may show: the city's contact details.

    A page whose route called ``use_language`` is in that language and offers the others.
    """
    sender = request.app.state.rt.catalogue.sender
    language = getattr(request.state, "language", None)
    if language is None:
        return _private(render_page(request, template, status_code, sender=sender, **context))
    switch = [(code, page_texts.NAMES.get(code, code), f"{request.url.path}?sprache={code}")
              for code in page_texts.shipped()]  # fmt: skip
    response = render_page(request, template, status_code, language=language, language_links=switch, sender=sender,
                           **context)  # fmt: skip
    if request.query_params.get("sprache") == language:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, httponly=True, samesite="lax",
                            secure=request.app.state.rt.settings.base_url.startswith("https://"))  # fmt: skip
    return _private(response)


def _private(response: HTMLResponse) -> HTMLResponse:
    """Resident pages show addresses, answers and codes: no browser or proxy keeps them (a shared
    computer's back button or cache must not show the next person someone else's settings)."""
    response.headers["Cache-Control"] = "no-store, private"
    return response


def t(request: Request, text: str, /, **values: object) -> str:
    """A sentence written by the code (not a template) in the page's language."""
    return page_texts.translate(getattr(request.state, "language", page_texts.SOURCE), text, **values)


def catalogue_choices(rt) -> dict[str, Any]:
    cat = rt.catalogue
    topic_groups = [(node, [cat.topics[c] for c in cat._children.get(node.id, [])])
                    for node in cat.topics.values() if node.parent is None]  # fmt: skip
    district_groups = [(node, [cat.districts[c] for c in cat._children.get(node.id, [])])
                       for node in cat.districts.values() if node.parent is None]  # fmt: skip
    return {"topic_groups": topic_groups, "district_groups": district_groups, "languages": LANGUAGES,
            "language_notes": {code: (note, direction(code)) for code, note in LANGUAGE_NOTES.items()},
            "citywide": CITYWIDE}  # fmt: skip


def form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: [v for v in form.getlist(name) if isinstance(v, str)] for name in LIST_FIELDS}
    for name in SCALAR_FIELDS:
        value = form.get(name)
        values[name] = value.strip() if isinstance(value, str) else ""
    choice = form.get("district_choice")
    if isinstance(choice, str) and choice:
        values["districts"].append(choice)
        values["place"] = ""
    return values


def empty_values() -> dict[str, Any]:
    return {**{n: [] for n in LIST_FIELDS}, **{n: "" for n in SCALAR_FIELDS}, "language": "de", "profile": "standard",
            "frequency": "immediate"}  # fmt: skip


def ordered_errors(errors: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(errors.items(), key=lambda kv: FIELD_ORDER.index(kv[0]) if kv[0] in FIELD_ORDER else 99)


def message_page(request: Request, title: str, text: str, status: int = 200, headers: dict | None = None,
                 **extra: Any) -> HTMLResponse:  # fmt: skip
    response = page(request, "residents/message.html.j2", status_code=status, title=title, text=text, **extra)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def link_error(request: Request, exc: service.LinkProblem) -> HTMLResponse:
    title, text = LINK_PAGES[exc.status]
    return message_page(request, t(request, title), t(request, text), status=exc.status, show_link_request=True)


def too_many(request: Request, wait: int) -> HTMLResponse:
    minutes = max(1, round(wait / 60))
    text = t(request, "Bitte warten Sie {minutes} Minuten. Dann versuchen Sie es noch einmal.", minutes=minutes)
    return message_page(request, t(request, "Zu viele Versuche"), text,
                        status=429, headers={"Retry-After": str(wait)})  # fmt: skip


def csrf_failed(request: Request, form: FormData) -> HTMLResponse | None:
    token = form.get(CSRF_FIELD)
    try:
        check_csrf(request, token if isinstance(token, str) else None)
    except Problem as exc:
        return message_page(request, t(request, "Das Formular ist abgelaufen"), t(request, exc.detail), status=403)
    return None


def form_page(request: Request, template: str, values: dict, errors: dict | None = None, status: int = 200,
              **extra: Any) -> HTMLResponse:  # fmt: skip
    rt = request.app.state.rt
    errors = errors or {}
    return page(request, template, status_code=status, values=values, errors=errors,
                       error_list=ordered_errors(errors), **catalogue_choices(rt), **extra)  # fmt: skip


# -- start and privacy -------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def start(request: Request):
    return page(request, "residents/start.html.j2")


@router.get("/datenschutz", response_class=HTMLResponse)
async def privacy(request: Request):
    return page(request, "residents/privacy.html.j2", hours=int(unconfirmed_hours()))


# -- subscribe: notify.web.residents.flow ----------------------------------------------------------


# -- confirm -----------------------------------------------------------------------------------------


@router.get("/bestaetigen", response_class=HTMLResponse)
async def code_form(request: Request):
    use_language(request)
    return page(request, "residents/code.html.j2", phone="", errors={}, error_list=[])


@router.post("/bestaetigen", response_class=HTMLResponse)
async def code_post(request: Request):
    rt = request.app.state.rt
    use_language(request)
    form = await request.form()
    if failed := csrf_failed(request, form):
        return failed
    code = str(form.get("code") or "").strip()
    phone_raw = str(form.get("phone") or "").strip()
    errors: dict[str, str] = {}
    phone = None
    if phone_raw:
        try:
            phone = normalise_mobile(phone_raw)
        except ValueError as exc:
            errors["phone"] = str(exc)
    if not code:
        errors["code"] = "Bitte geben Sie den Code ein."
    wait = limiter_for(request.app).check([("confirm_ip", client_ip(request))]
                                          + ([("confirm_address", phone)] if phone else []))  # fmt: skip
    if wait:
        return too_many(request, wait)
    result = None
    if not errors:
        result = await asyncio.to_thread(confirming.confirm_code, rt, code, phone)
        if result is None:
            errors["code"] = "Der Code stimmt nicht oder ist abgelaufen. Bitte prüfen Sie den Code."
    if errors or result is None:
        return page(
            request,
            "residents/code.html.j2",
            status_code=400,
            phone=phone_raw,
            errors=errors,
            error_list=ordered_errors(errors),
        )
    await service.announce(request.app, result.changed_ids)
    use_language(request, await asyncio.to_thread(service.language_of, rt, result.public_id))
    return page(request, "residents/confirmed.html.j2", manage_url=service.links(rt, result.public_id)["manage"])


@router.get("/bestaetigen/{token}", response_class=HTMLResponse)
async def confirm_link(token: str, request: Request):
    rt = request.app.state.rt
    use_language(request)
    try:
        payload = service.read_link(rt, token, ("confirm",))
    except service.LinkProblem as exc:
        return link_error(request, exc)
    use_language(request, await asyncio.to_thread(service.language_of, rt, payload["s"]))
    return page(request, "residents/confirm.html.j2", action=f"/bestaetigen/{token}")


@router.post("/bestaetigen/{token}", response_class=HTMLResponse)
async def confirm_link_post(token: str, request: Request):
    rt = request.app.state.rt
    use_language(request)
    form = await request.form()
    if failed := csrf_failed(request, form):
        return failed
    wait = limiter_for(request.app).check([("confirm_ip", client_ip(request))])
    if wait:
        return too_many(request, wait)
    try:
        result = await asyncio.to_thread(confirming.confirm_email, rt, token)
    except service.LinkProblem as exc:
        return link_error(request, exc)
    await service.announce(request.app, result.changed_ids)
    use_language(request, await asyncio.to_thread(service.language_of, rt, result.public_id))
    return page(request, "residents/confirmed.html.j2", manage_url=service.links(rt, result.public_id)["manage"],
                already=not result.changed)


# -- manage ------------------------------------------------------------------------------------------


@router.get("/verwalten", response_class=HTMLResponse)
async def link_request_form(request: Request):
    use_language(request)
    return page(request, "residents/link_request.html.j2", sent=False, email="", errors={}, error_list=[])


@router.post("/verwalten", response_class=HTMLResponse)
async def link_request_post(request: Request):
    rt = request.app.state.rt
    use_language(request)
    form = await request.form()
    if failed := csrf_failed(request, form):
        return failed
    email = str(form.get("email") or "").strip().lower()
    if not email or "@" not in email:
        errors = {"email": "Bitte geben Sie Ihre E-Mail-Adresse ein. Ein Beispiel: name@beispiel.de"}
        return page(request, "residents/link_request.html.j2", status_code=400, sent=False, email=email,
                           errors=errors, error_list=ordered_errors(errors))  # fmt: skip
    wait = limiter_for(request.app).check([("link_ip", client_ip(request)), ("subscribe_address", email)])
    if wait:
        return too_many(request, wait)
    out = await asyncio.to_thread(service.request_manage_link_db, rt, email)
    if out is not None:
        await service.deliver(rt, out)
    return page(request, "residents/link_request.html.j2", sent=True, email="", errors={}, error_list=[])


def _manage_page(request: Request, token: str, public_id: str, values: dict, errors: dict | None = None,
                 status: int = 200, saved: bool = False, confirm_by: list[str] | None = None,
                 changed: list[str] | None = None) -> HTMLResponse:  # fmt: skip
    rt = request.app.state.rt
    return form_page(request, "residents/manage.html.j2", values, errors, status=status, token=token, saved=saved,
                     confirm_by=confirm_by or [], links=service.links(rt, public_id), changed=changed or [],
                     subscriptions=manage_view.subscription_rows(rt, public_id, values),
                     area_names=[t(request, n) for n in service.area_names(rt, values.get("districts", []))])  # fmt: skip


@router.get("/verwalten/{token}", response_class=HTMLResponse)
async def manage(token: str, request: Request):
    try:
        payload, state = await linked_state(request, token, ("manage",))
    except service.LinkProblem as exc:
        return link_error(request, exc)
    return _manage_page(request, token, payload["s"], _as_form(state))


def _as_form(state: dict) -> dict:
    values = {**empty_values(), **{k: v for k, v in state.items() if v is not None}}
    values["place"] = ""
    values.update(split_address(state.get("postal_address"), state.get("name")))
    return values


@router.post("/verwalten/{token}", response_class=HTMLResponse)
async def manage_post(token: str, request: Request):
    rt = request.app.state.rt
    use_language(request)
    form = await request.form()
    if failed := csrf_failed(request, form):
        return failed
    values = form_values(form)
    read_parts(form, values)
    try:
        payload = service.read_link(rt, token, ("manage",))
        current = await asyncio.to_thread(service.load_state, rt, payload["s"])
    except service.LinkProblem as exc:
        return link_error(request, exc)
    use_language(request, current.get("language"))
    changes = {k: v for k, v in values.items() if k != "place" and k not in ADDRESS_PARTS}
    changes["place"] = values["place"]
    for name in ("email", "phone", "push", "postal_address"):
        if not changes.get(name):
            changes.pop(name)
    try:
        if fields := part_errors(values):
            raise InvalidInput(fields)
        state, out = await asyncio.to_thread(service.update_db, rt, payload["s"], changes)
    except InvalidInput as exc:
        merged = {**_as_form(current), **values}
        errors = error_at_first_field(dict(exc.errors), values)
        return _manage_page(request, token, payload["s"], merged, errors, status=400)
    except service.LinkProblem as exc:
        return link_error(request, exc)
    report = await service.deliver(rt, out)
    await service.announce(request.app, out.changed_ids)
    use_language(request, state.get("language"))
    new_language = state.get("language") != current.get("language")
    if new_language:  # a new setting beats an earlier choice of this browser
        request.state.language = state.get("language") if state.get("language") in page_texts.shipped() else "de"
    response = _manage_page(
        request, token, payload["s"], _as_form(state), saved=True, confirm_by=sorted(set(report.channels)),
        changed=manage_view.changes_said(rt, current, state, t=lambda text, **v: t(request, text, **v)),
    )
    if new_language:
        response.delete_cookie(LANGUAGE_COOKIE)
    return response
