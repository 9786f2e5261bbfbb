"""Subscribing one question per page, the GOV.UK way: what about → where → how → your details →
check your answers → done. Every step is a plain form (no JavaScript needed).

No session is kept on the server: each step carries the answers so far as hidden fields, and the
last step posts the whole sign-up to ``POST /abonnieren``, where it is validated once more as a
whole. A step only shows the errors of its own questions.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from notify.web.residents import service
from notify.web.residents.pages import (
    LIST_FIELDS,
    SCALAR_FIELDS,
    catalogue_choices,
    csrf_failed,
    form_values,
    page,
    too_many,
)
from notify.web.residents.pages import ordered_errors as _ordered
from notify.web.residents.postal_form import ADDRESS_PARTS, error_at_first_field, read_parts
from notify.web.residents.ratelimit import client_ip, limiter_for
from notify.web.residents.validation import (
    _POSTCODE,
    CHANNELS,
    LANGUAGES,
    InvalidInput,
    parse_subscription,
    resolve_place,
)
from subscribers.confirm_codes import unconfirmed_hours

router = APIRouter(include_in_schema=False)

STEPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "thema": ("Worüber sollen wir Ihnen schreiben?", ("topics",)),
    "ort": ("Für welchen Ort?", ("place", "districts")),
    "weg": ("Wie sollen wir Ihnen schreiben?", ("channels", "frequency", "quiet_start", "quiet_end")),
    "angaben": (
        "Ihre Angaben",
        ("email", "phone", "push", "postal_address", *ADDRESS_PARTS, "name", "language", "profile"),
    ),  # fmt: skip
    "pruefen": ("Prüfen Sie Ihre Angaben", ("consent",)),
}
ORDER = list(STEPS)
CHANNEL_NAMES = {"email": "E-Mail", "sms": "SMS", "push": "Push-Nachricht", "letter": "Brief"}
PROFILE_NAMES = {"standard": "Normale Sprache", "einfach": "Einfache Sprache", "leicht": "Leichte Sprache"}
FREQUENCY_NAMES = {"immediate": "Sofort, jede Nachricht einzeln", "daily": "Einmal am Tag",
                   "weekly": "Einmal in der Woche"}  # fmt: skip


def flow_values(form: FormData) -> dict[str, Any]:
    """The answers so far; the postal address is composed from its separate fields."""
    values = form_values(form)
    read_parts(form, values)
    values["consent"] = "yes" if form.get("consent") == "yes" else ""
    return values


def _errors_of(values: dict[str, Any], rt, upto: str) -> tuple[dict[str, str], list[str]]:
    """Errors of the questions on the steps up to ``upto`` (later steps are not answered yet)."""
    fields = {f for step in ORDER[: ORDER.index(upto) + 1] for f in STEPS[step][1]}
    try:
        parse_subscription(values, rt.catalogue)
        errors, choices = {}, []
    except InvalidInput as exc:
        errors, choices = dict(exc.errors), exc.choices
    if upto == "pruefen" and values.get("consent") != "yes":
        errors["consent"] = "Bitte bestätigen Sie, dass Sie einverstanden sind."
    errors = error_at_first_field(errors, values)
    fields |= {"street"} if "angaben" in ORDER[: ORDER.index(upto) + 1] else set()
    return {k: v for k, v in errors.items() if k in fields}, choices


def _hidden(values: dict[str, Any], step: str) -> list[tuple[str, str]]:
    """The answers of the other steps, as hidden fields."""
    own = set(STEPS[step][1]) | ({"district_choice"} if step == "ort" else set())
    out: list[tuple[str, str]] = []
    for name in LIST_FIELDS:
        if name not in own:
            out += [(name, v) for v in values.get(name) or []]
    for name in (*SCALAR_FIELDS, *ADDRESS_PARTS, "consent"):
        if name not in own and name != "postal_address" and values.get(name):
            out.append((name, str(values[name])))
    return out


def render_step(request: Request, step: str, values: dict[str, Any], errors: dict[str, str] | None = None,
                choices: list[str] | None = None, back_to_check: bool = False, status: int = 200) -> HTMLResponse:  # fmt: skip
    rt = request.app.state.rt
    errors = errors or {}
    number = ORDER.index(step) + 1
    return page(request, "residents/step.html.j2", status_code=status, step=step, number=number, total=len(ORDER),
                heading=STEPS[step][0], values=values, errors=errors, error_list=_ordered(errors),
                hidden=_hidden(values, step), back_to_check=back_to_check, previous=ORDER[number - 2] if number > 1 else None,
                district_choices=[rt.catalogue.districts[d] for d in choices or []], summary=_summary(rt, values),
                channel_names=CHANNEL_NAMES, **catalogue_choices(rt))  # fmt: skip


def _place_said(cat, place: str) -> str:
    """A postcode as the Stadtteil(e) it stands for: "Buer (45894)"; as typed if we know none."""
    try:
        found = resolve_place(place, cat)
    except ValueError:
        return place
    postcode = _POSTCODE.search(place)
    names = " oder ".join(cat.districts[d].name for d in found)
    return f"{names} ({postcode.group(1)})" if postcode else names


def _summary(rt, values: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(question, answer, step) rows for "Prüfen Sie Ihre Angaben"."""
    cat = rt.catalogue
    topics = [cat.topics[t].name for t in values.get("topics") or [] if t in cat.topics]
    places = [f"ganz {cat.city}" if d == "citywide" else cat.districts[d].name
              for d in values.get("districts") or [] if d == "citywide" or d in cat.districts]  # fmt: skip
    if values.get("place"):
        places.append(_place_said(cat, values["place"]))
    rows = [("Themen", ", ".join(topics), "thema"), ("Ort", ", ".join(places), "ort"),
            ("Wege", ", ".join(CHANNEL_NAMES.get(c, c) for c in values.get("channels") or []), "weg")]  # fmt: skip
    if values.get("quiet_start") and values.get("quiet_end"):
        rows.append(("Ruhezeit", f"{values['quiet_start']} bis {values['quiet_end']} Uhr", "weg"))
    rows.append(("Wie oft", FREQUENCY_NAMES.get(values.get("frequency") or "immediate", ""), "weg"))
    for name, label in (("email", "E-Mail-Adresse"), ("phone", "Handynummer"), ("push", "Push-Adresse")):
        if values.get(name):
            rows.append((label, values[name], "angaben"))
    address = values.get("postal_address")
    if address:
        rows.append(("Adresse für Briefe", ", ".join(address) if isinstance(address, list) else address, "angaben"))
    if values.get("name"):
        rows.append(("Name", values["name"], "angaben"))
    rows.append(("Sprache", LANGUAGES.get(values.get("language") or "de", ""), "angaben"))
    rows.append(("Sprachstufe", PROFILE_NAMES.get(values.get("profile") or "standard", ""), "angaben"))
    return rows


@router.get("/abonnieren", response_class=HTMLResponse)
async def start(request: Request):
    values = form_values(FormData())
    values.update(language="de", profile="standard", frequency="immediate")
    return render_step(request, "thema", values)


@router.post("/abonnieren/weiter", response_class=HTMLResponse)
async def next_step(request: Request):
    """One step answered (``schritt``), or a change link from the check page (``zeigen``)."""
    rt = request.app.state.rt
    form = await request.form()
    if failed := csrf_failed(request, form):
        return failed
    values = flow_values(form)
    back_to_check = form.get("pruefen") == "1"
    show = form.get("zeigen")
    if isinstance(show, str) and show in STEPS:
        return render_step(request, show, values, back_to_check=show != "pruefen")
    step = form.get("schritt")
    step = step if isinstance(step, str) and step in STEPS else "thema"
    if form.get("zurueck") and ORDER.index(step) > 0:
        return render_step(request, ORDER[ORDER.index(step) - 1], values)
    errors, choices = _errors_of(values, rt, step)
    if errors:
        return render_step(request, step, values, errors, choices, back_to_check, status=400)
    following = "pruefen" if back_to_check else ORDER[min(ORDER.index(step) + 1, len(ORDER) - 1)]
    return render_step(request, following, values)


@router.post("/abonnieren", response_class=HTMLResponse)
async def subscribe(request: Request):
    """The whole sign-up (the check page's button, or a complete form from elsewhere)."""
    rt = request.app.state.rt
    form = await request.form()
    if failed := csrf_failed(request, form):
        return failed
    values = flow_values(form)
    errors, choices = _errors_of(values, rt, "pruefen")
    if errors:
        first = next(s for s in ORDER if set(STEPS[s][1]) & set(errors) or (s == "angaben" and "street" in errors))
        own = {k: v for k, v in errors.items() if k in STEPS[first][1] or (first == "angaben" and k == "street")}
        return render_step(request, first, values, own, choices, back_to_check=first != "pruefen", status=400)
    inp = parse_subscription(values, rt.catalogue)
    wait = limiter_for(request.app).check(
        [("subscribe_ip", client_ip(request))] + [("subscribe_address", a) for c, a in inp.addresses if c != "letter"]
    )
    if wait:
        return too_many(request, wait)
    report = await service.subscribe(rt, inp, via="web")
    return done_page(request, inp, report)


def done_page(request: Request, inp, report, again: bool = False) -> HTMLResponse:
    rt = request.app.state.rt
    sent = [(c, a) for c, a in inp.addresses if c in report.channels] if inp is not None else []
    resend = rt.signer.token("resend", report.public_ids[0]) if report.public_ids else None
    return page(request, "residents/check.html.j2", report=report, sent=sent, phone=inp.address("sms") or "",
                hours=int(unconfirmed_hours()), errors={}, error_list=[], resend=resend, again=again,
                channel_names=CHANNEL_NAMES)  # fmt: skip


@router.post("/abonnieren/erneut/{token}", response_class=HTMLResponse)
async def send_again(token: str, request: Request):
    """ "Noch einmal senden": the same messages again to the same addresses (rate-limited)."""
    rt = request.app.state.rt
    form = await request.form()
    if failed := csrf_failed(request, form):
        return failed
    try:
        payload = service.read_link(rt, token, ("resend",))
    except service.LinkProblem as exc:
        from notify.web.residents.pages import link_error

        return link_error(request, exc)
    wait = limiter_for(request.app).check([("subscribe_ip", client_ip(request)), ("subscribe_address", payload["s"])])
    if wait:
        return too_many(request, wait)
    found = await asyncio.to_thread(service.resend_db, rt, payload["s"])
    if found is None:
        return page(request, "residents/message.html.j2", title="Nichts mehr zu senden",
                    text="Diese Anmeldung gibt es nicht mehr. Bitte melden Sie sich neu an.", show_subscribe=True)  # fmt: skip
    inp, out = found
    report = await service.deliver(rt, out)
    report.public_ids = [payload["s"]]
    return done_page(request, inp, report, again=True)


__all__ = ["CHANNELS", "router"]
