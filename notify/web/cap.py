"""``POST /v1/cap``: CAP 1.2 warnings from other systems (DWD, MoWaS, KATWARN) become city events."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from notify.kafka import BrokerDown, Publisher
from notify.pipeline import Runtime
from notify.sources.alerts import context_for
from notify.sources.cap import MAX_CAP_BYTES, InvalidCap, convert_cap
from notify.sources.publish import publish_events, split
from notify.web.deps import get_runtime, require_scope
from notify.web.problems import Problem

log = logging.getLogger(__name__)
router = APIRouter(tags=["Ereignisse"])
CAP_TYPES = ("application/cap+xml", "application/xml", "text/xml")


@router.post(
    "/v1/cap",
    status_code=202,
    dependencies=[Depends(require_scope("events:write"))],
    openapi_extra={"requestBody": {"required": True, "content": {t: {"schema": {"type": "string"}} for t in CAP_TYPES}}},
)
async def post_cap(request: Request, runtime: Runtime = Depends(get_runtime)) -> JSONResponse:
    """Accept one CAP 1.2 ``<alert>``. 202 with ``{"events": [ids], "ignored": [{"identifier", "reason"}]}``:
    a warning for elsewhere, a test or an exercise is ignored with its reason, never an error."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in CAP_TYPES:
        raise Problem(415, "Bitte CAP 1.2 als application/cap+xml oder application/xml senden.")
    body = await request.body()
    if len(body) > MAX_CAP_BYTES:
        raise Problem(413, f"Das Dokument ist größer als {MAX_CAP_BYTES // 1024 // 1024} MiB.")
    ctx = context_for(runtime.settings.city, runtime.db_url)
    try:
        converted = await asyncio.to_thread(convert_cap, body, ctx)
    except InvalidCap as exc:
        raise Problem(400, str(exc)) from None
    events, ignored = split([converted], "cap")
    publisher: Publisher = request.app.state.publisher
    try:
        ids = await publish_events(publisher, events)
    except BrokerDown as exc:
        log.error("CAP %s not accepted: %s", converted.identifier, exc)
        raise Problem(503, "Die Warnung konnte gerade nicht angenommen werden. Bitte später erneut senden.",
                      headers={"Retry-After": "10"}) from None  # fmt: skip
    return JSONResponse({"events": ids, "ignored": ignored}, status_code=202)
