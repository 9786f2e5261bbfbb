"""The residents' JSON API: subscribe, confirm, and manage/export/delete through signed links."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from notify.web.problems import Problem
from notify.web.residents import confirming, leaving, service
from notify.web.residents.ratelimit import client_ip, limiter_for
from notify.web.residents.validation import ADDRESS_FIELD, InvalidInput, normalise_mobile, parse_subscription

router = APIRouter(prefix="/v1/subscriptions", tags=["Abonnements"])

PENDING_TEXT = ("Danke! Bitte bestätigen Sie jetzt Ihre Anmeldung. Wir haben Ihnen dafür eine Nachricht geschickt. "
                "Erst danach bekommen Sie Nachrichten.")  # fmt: skip
LINK_TEXT = {404: "Dieser Link ist ungültig. Bitte prüfen Sie, ob Sie ihn ganz kopiert haben.",
             410: "Dieser Link ist abgelaufen. Einen neuen Link bekommen Sie unter /verwalten."}  # fmt: skip


class SubscriptionRequest(BaseModel):
    """A subscription. Give an address for each channel; ``channels`` sets the order of preference."""

    email: str | None = Field(None, examples=["name@beispiel.de"])
    phone: str | None = Field(
        None, description="Handynummer; wird zu E.164 (Standard: Deutschland)", examples=["0170 1234567"]
    )
    push: str | None = Field(None, description="Push-Adresse (z. B. ntfy-Thema)")
    postal_address: str | list[str] | None = Field(
        None,
        description="Zeilen mit | oder als Liste; letzte Zeile: PLZ Ort",
        examples=["Erika Muster | Musterweg 1 | 45894 Gelsenkirchen"],
    )
    name: str | None = None
    topics: list[str] = Field(
        ...,
        examples=[["baustellen", "abfuhr"]],
        description="Themen-IDs aus /v1/catalogue; eine Lebenslage umfasst ihre Themen",
    )
    districts: list[str] = Field(
        default_factory=list, examples=[["buer"]], description='Stadtteile, Stadtbezirke oder "citywide"'
    )
    place: str | None = Field(None, description="Postleitzahl; ergibt den Stadtteil (gehören mehrere dazu: 400 mit choices)",
                              examples=["45894"])
    channels: list[str] = Field(default_factory=list, examples=[["email", "letter"]])
    language: str | None = Field("de", examples=["de"])
    profile: str | None = Field(
        "standard", description="standard, einfach (Einfache Sprache) oder leicht (Leichte Sprache)"
    )
    frequency: str | None = Field("immediate", description="immediate, daily oder weekly")
    quiet_start: str | None = Field(None, description="Ruhezeit für SMS und Push, Beginn HH:MM", examples=["22:00"])
    quiet_end: str | None = Field(None, description="Ruhezeit, Ende HH:MM", examples=["07:00"])


class SubscriptionChange(BaseModel):
    """Only the fields to change. Changed addresses must be confirmed again."""

    model_config = {"extra": "allow"}
    topics: list[str] | None = None
    districts: list[str] | None = None
    channels: list[str] | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = None
    profile: str | None = None
    frequency: str | None = None
    quiet_start: str | None = None
    quiet_end: str | None = None


class Confirmation(BaseModel):
    token: str | None = Field(None, description="aus dem Bestätigungslink (/bestaetigen/<token>)")
    code: str | None = Field(None, description="Code aus SMS, Push oder Brief")
    phone: str | None = Field(None, description="bei einem SMS-Code: die Handynummer")


def body_schema(model: type[BaseModel]) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


async def read_json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise Problem(400, "Der Inhalt ist kein gültiges JSON.") from None
    if not isinstance(data, dict):
        raise Problem(400, "Bitte senden Sie ein JSON-Objekt.")
    return data


def invalid(exc: InvalidInput, rt) -> Problem:
    extra: dict[str, Any] = {"errors": exc.as_list()}
    if exc.choices:
        extra["choices"] = [{"id": d, "name": rt.catalogue.districts[d].name} for d in exc.choices]
    return Problem(400, "Bitte prüfen Sie die markierten Angaben.", **extra)


def link_problem(exc: service.LinkProblem) -> Problem:
    return Problem(exc.status, LINK_TEXT[exc.status])


def too_many(retry_after: int) -> Problem:
    return Problem(429, f"Zu viele Versuche. Bitte warten Sie {max(1, round(retry_after / 60))} Minuten.",
                   headers={"Retry-After": str(retry_after)})  # fmt: skip


def address_keys(data: dict[str, Any]) -> list[str]:
    return [
        str(data[f]).strip().lower() for f in ADDRESS_FIELD.values() if isinstance(data.get(f), str) and data[f].strip()
    ]


@router.post("", status_code=202, openapi_extra=body_schema(SubscriptionRequest),
             responses={202: {"description": "Anmeldung angenommen, Bestätigung ausstehend"}})  # fmt: skip
async def create_subscription(request: Request) -> JSONResponse:
    """Subscribe. Always 202 with the same answer, whether or not the address is known already:
    a known address gets its manage link instead (no enumeration). Double opt-in follows."""
    rt = request.app.state.rt
    data = await read_json(request)
    try:
        inp = parse_subscription(data, rt.catalogue)
    except InvalidInput as exc:
        raise invalid(exc, rt) from None
    limiter = limiter_for(request.app)
    wait = limiter.check([("subscribe_ip", client_ip(request))] + [("subscribe_address", a) for _, a in inp.addresses])
    if wait:
        raise too_many(wait)
    report = await service.subscribe(rt, inp, via="api")
    body = {"status": "pending_confirmation", "detail": PENDING_TEXT, "confirm_by": sorted(set(report.channels))}
    if not report.ok:
        body["warning"] = (
            "Eine Nachricht konnte gerade nicht gesendet werden. Bitte versuchen Sie es später noch einmal."
        )
    return JSONResponse(body, status_code=202)


@router.post("/confirm", openapi_extra=body_schema(Confirmation))
async def confirm(request: Request) -> dict:
    """Confirm by the token from the e-mail link, or by a code (SMS codes with the phone number)."""
    rt = request.app.state.rt
    data = await read_json(request)
    limiter = limiter_for(request.app)
    wait = limiter.check([("confirm_ip", client_ip(request))] + [("confirm_address", a) for a in address_keys(data)])
    if wait:
        raise too_many(wait)
    if data.get("token"):
        try:
            result = await asyncio.to_thread(confirming.confirm_email, rt, str(data["token"]))
        except service.LinkProblem as exc:
            raise link_problem(exc) from None
    else:
        phone = None
        if data.get("phone"):
            try:
                phone = normalise_mobile(str(data["phone"]))
            except ValueError as exc:
                raise Problem(400, str(exc), errors=[{"field": "phone", "message": str(exc)}]) from None
        if not data.get("code"):
            raise Problem(400, "Bitte senden Sie den Link-Token oder den Code.",
                          errors=[{"field": "code", "message": "Bitte geben Sie den Code ein."}])  # fmt: skip
        result = await asyncio.to_thread(confirming.confirm_code, rt, str(data["code"]), phone)
        if result is None:
            message = "Der Code stimmt nicht oder ist abgelaufen."
            raise Problem(400, message, errors=[{"field": "code", "message": message}])
    await service.announce(request.app, result.changed_ids)
    return {"status": "confirmed", "manage_url": service.links(rt, result.public_id)["manage"]}


@router.post("/manage-link", status_code=202)
async def manage_link(request: Request) -> JSONResponse:
    """Send the manage link to a known e-mail address. The answer is the same for unknown ones."""
    rt = request.app.state.rt
    data = await read_json(request)
    wait = limiter_for(request.app).check([("link_ip", client_ip(request))])
    if wait:
        raise too_many(wait)
    email = str(data.get("email") or "").strip().lower()
    out = await asyncio.to_thread(service.request_manage_link_db, rt, email) if email else None
    if out is not None:
        await service.deliver(rt, out)
    detail = "Wenn wir die Adresse kennen, schicken wir einen Link dorthin."
    return JSONResponse({"status": "accepted", "detail": detail},
                        status_code=202)  # fmt: skip


@router.get("/{token}")
async def read_subscription(token: str, request: Request) -> dict:
    """The settings behind a manage link."""
    rt = request.app.state.rt
    try:
        payload = service.read_link(rt, token, ("manage",))
        state = await asyncio.to_thread(service.load_state, rt, payload["s"])
    except service.LinkProblem as exc:
        raise link_problem(exc) from None
    return {**state, "links": service.links(rt, payload["s"])}


@router.patch("/{token}", openapi_extra=body_schema(SubscriptionChange))
async def change_subscription(token: str, request: Request) -> dict:
    rt = request.app.state.rt
    data = await read_json(request)
    try:
        payload = service.read_link(rt, token, ("manage",))
        state, out = await asyncio.to_thread(service.update_db, rt, payload["s"], data)
    except service.LinkProblem as exc:
        raise link_problem(exc) from None
    except InvalidInput as exc:
        raise invalid(exc, rt) from None
    report = await service.deliver(rt, out)
    await service.announce(request.app, out.changed_ids)
    return {**state, "confirm_by": sorted(set(report.channels))}


@router.get("/{token}/export")
async def export(token: str, request: Request) -> JSONResponse:
    """Everything we hold about you, as JSON (GDPR Art. 15 and 20)."""
    try:
        data = await asyncio.to_thread(leaving.export_db, request.app.state.rt, token)
    except service.LinkProblem as exc:
        raise link_problem(exc) from None
    return JSONResponse(data, headers={"Content-Disposition": 'attachment; filename="stadtbote-daten.json"',
                                       "Cache-Control": "no-store"})  # fmt: skip


@router.delete("/{token}", status_code=204)
async def delete(token: str, request: Request) -> Response:
    """Erase all personal data (GDPR Art. 17). Works with a delete or a manage link."""
    try:
        sid = await asyncio.to_thread(leaving.erase_db, request.app.state.rt, token)
    except service.LinkProblem as exc:
        raise link_problem(exc) from None
    await service.announce(request.app, [sid])
    return Response(status_code=204)
