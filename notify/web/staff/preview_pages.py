"""What an announcement looks like before it goes out (the e-mail in a sandboxed frame, the letter
as PDF and picture) and how it went afterwards (the delivery page, releasing held deliveries)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape
from sqlmodel import Session

from notify import announcements as domain
from notify.formatting import CITY_TZ
from notify.kafka import BrokerDown
from notify.pipeline import Runtime
from notify.web.deps import get_runtime, get_session
from notify.web.pages import check_csrf
from notify.web.staff import charts, stats
from notify.web.staff.api import load, ready_publisher
from notify.web.staff.auth import page_staff
from notify.web.staff.pages import page, see_other
from subscribers.announcements import Announcement, aware
from subscribers.db import session_scope
from subscribers.models import CHANNELS
from subscribers.staff import Staff

router = APIRouter(include_in_schema=False)


# -- previews ------------------------------------------------------------------------------------
def _announcement(rt: Runtime, ann_id: int) -> Announcement:
    with session_scope(rt.db_url) as session:
        return load(session, ann_id)


FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"


@router.get("/staff/mitteilungen/{ann_id}/vorschau/email")
async def email_preview(
    ann_id: int, fassung: str | None = None, staff: Staff = Depends(page_staff), rt: Runtime = Depends(get_runtime)
) -> HTMLResponse:
    """The e-mail as residents see it; shown in a sandboxed frame, so it can run nothing."""
    ann = _announcement(rt, ann_id)
    mail = await run_in_threadpool(domain.preview, rt, ann, "email", *domain.parse_tab(fassung))
    headers = {"Content-Security-Policy": FRAME_CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    return HTMLResponse(mail["html"], headers=headers)


@router.get("/staff/mitteilungen/{ann_id}/vorschau/brief.pdf")
async def letter_preview_pdf(
    ann_id: int, fassung: str | None = None, staff: Staff = Depends(page_staff), rt: Runtime = Depends(get_runtime)
) -> Response:
    ann = _announcement(rt, ann_id)
    pdf = await run_in_threadpool(domain.letter_pdf, rt, ann, *domain.parse_tab(fassung))
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="mitteilung-{ann_id}-brief.pdf"', "Cache-Control": "no-store"})  # fmt: skip


@router.get("/staff/mitteilungen/{ann_id}/vorschau/brief.png")
async def letter_preview_png(
    ann_id: int, fassung: str | None = None, staff: Staff = Depends(page_staff), rt: Runtime = Depends(get_runtime)
) -> Response:
    ann = _announcement(rt, ann_id)
    png = await run_in_threadpool(domain.letter_png, rt, ann, 1.2, *domain.parse_tab(fassung))
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


# -- delivery ------------------------------------------------------------------------------------
@router.get("/staff/mitteilungen/{ann_id}/zustellung")
def delivery_page(request: Request, ann_id: int, kanal: str | None = None, staff: Staff = Depends(page_staff),
                  session: Session = Depends(get_session)) -> HTMLResponse:  # fmt: skip
    ann = load(session, ann_id)
    channel = kanal if kanal in CHANNELS else None
    data = stats.delivery_stats(session, ann, channel)
    names = stats.SERIES_NAMES
    return page(request, "staff/deliveries.html.j2", staff, ann=ann, data=data, channel=channel, names=names,
                series=stats.SERIES, chart=charts.delivery_chart(data.timeline, names), local_time=local_time,
                released=request.query_params.get("freigegeben"))  # fmt: skip


def local_time(value: datetime | str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return aware(value).astimezone(CITY_TZ).strftime("%d.%m.%Y %H:%M:%S")


@router.post("/staff/mitteilungen/{ann_id}/zustellung/freigeben")
async def release_held(request: Request, ann_id: int, staff: Staff = Depends(page_staff),
                       rt: Runtime = Depends(get_runtime)) -> Response:  # fmt: skip
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    ids = form.getlist("delivery_id") if form.get("auswahl") == "einzeln" else None
    try:
        publisher = await ready_publisher(request, rt)
    except BrokerDown:
        from notify.web.staff.api import _NoPublisher

        publisher = _NoPublisher()
    try:
        n = await domain.release_held(rt, publisher, ann_id, staff, ids)
    except domain.Refused as exc:
        return HTMLResponse(f"<p>{escape(exc.detail)}</p>", status_code=exc.status)
    return see_other(f"/staff/mitteilungen/{ann_id}/zustellung?freigegeben={n}")
