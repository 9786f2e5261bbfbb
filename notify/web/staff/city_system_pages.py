"""A message from another city system, opened from the dashboard (``/staff/nachrichten/<nr>``):
its text with the plain-language marks and report, and — when the gate held it at ingest — the
button that releases it. Releasing is for approvers and admins; who released it is kept
(``ReleasedEvent``); the message then goes to matching and into the public archive
(``notify.held_events``). Announcements written here are released on their own delivery page."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from notify.events import CityEvent
from notify.held_events import NotHeld, release_event, send_to_matching
from notify.kafka import BrokerDown
from notify.pipeline import Runtime, checked_text
from notify.web.deps import get_runtime, get_session
from notify.web.pages import check_csrf
from notify.web.staff.api import ready_publisher
from notify.web.staff.auth import page_staff
from notify.web.staff.city_systems import OWN_SOURCES, STATUS_NAMES
from notify.web.staff.pages import highlight, page, see_other
from subscribers.announcements import ReleasedEvent
from subscribers.db import session_scope
from subscribers.models import EventRecord
from subscribers.staff import Staff

router = APIRouter(include_in_schema=False)


class _NoBroker:
    async def send(self, *args: Any, **kwargs: Any) -> None:
        raise BrokerDown("no broker")


def _record(session: Session, event_pk: int) -> EventRecord | None:
    record = session.get(EventRecord, event_pk)
    return None if record is None or record.source in OWN_SOURCES else record


def _show(request: Request, staff: Staff, session: Session, record: EventRecord, status_code: int = 200,
          **ctx: Any) -> HTMLResponse:  # fmt: skip
    event = CityEvent.model_validate_json(record.payload)
    report = json.loads(record.readability) if record.readability else None
    released = session.get(ReleasedEvent, record.id)
    ctx = {"just_released": None, "problem": None, **ctx}
    return page(request, "staff/city_event.html.j2", staff, status_code=status_code, record=record, event=event,
                status=STATUS_NAMES.get(record.status, record.status), report=report, released=released,
                marked=highlight(checked_text(event), report["findings"]) if report else None, **ctx)  # fmt: skip


def _not_found(request: Request, staff: Staff) -> HTMLResponse:
    return page(request, "staff/message.html.j2", staff, status_code=404, title="Diese Nachricht gibt es nicht",
                text="Vielleicht ist die Nummer falsch. Alle Nachrichten aus anderen Systemen stehen auf der Startseite.")  # fmt: skip


@router.get("/staff/nachrichten/{event_pk}", response_class=HTMLResponse)
def city_event_page(request: Request, event_pk: int, staff: Staff = Depends(page_staff),
                    session: Session = Depends(get_session)) -> HTMLResponse:  # fmt: skip
    record = _record(session, event_pk)
    if record is None:
        return _not_found(request, staff)
    return _show(request, staff, session, record, just_released=request.query_params.get("freigegeben"))


@router.post("/staff/nachrichten/{event_pk}/freigeben")
async def release(request: Request, event_pk: int, staff: Staff = Depends(page_staff),
                  rt: Runtime = Depends(get_runtime)) -> Response:  # fmt: skip
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))  # type: ignore[arg-type]

    def work() -> tuple[int, CityEvent | None, str | None]:
        with session_scope(rt.db_url) as session:
            record = _record(session, event_pk)
            if record is None:
                return 404, None, None
            if not staff.may("release"):
                return 403, None, "Freigeben dürfen nur Freigabe und Verwaltung."
            try:
                return 200, release_event(session, record, staff.email, rt.catalogue), None
            except NotHeld as exc:
                return 409, None, str(exc)

    status, event, problem = await run_in_threadpool(work)
    if event is None:
        with session_scope(rt.db_url) as session:
            record = _record(session, event_pk)
            if record is None:
                return _not_found(request, staff)
            return _show(request, staff, session, record, status_code=status, problem=problem)
    try:
        publisher = await ready_publisher(request, rt)
    except BrokerDown:
        publisher = _NoBroker()
    await send_to_matching(publisher, event_pk, event)  # broker down: the worker's sweep sends it
    return see_other(f"/staff/nachrichten/{event_pk}?freigegeben=1")
