"""The delivery log for support cases ("Frau X says she got nothing"): ``GET /v1/deliveries``, the
page ``/staff/zustellungen`` with filters and search, its CSV export, and the list of every event
(announcements and city systems) at ``/staff/ereignisse``."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from notify import delivery_log as log
from notify.pipeline import Runtime
from notify.web.deps import get_runtime, get_session
from notify.web.problems import Problem
from notify.web.staff.auth import current_staff, page_staff
from notify.web.staff.pages import page
from notify.web.staff.preview_pages import local_time
from subscribers import team
from subscribers.delivery_status import GROUP_NAMES, attempt_label
from subscribers.staff import Staff

router = APIRouter(tags=["Zustellungen"])
CSV_LIMIT = 100_000


def _secret(rt: Runtime) -> str:
    return rt.settings.resolved_secret_key().split()[0]


def lookup(session: Session, rt: Runtime, staff: Staff, query: log.Query) -> tuple[list[dict[str, Any]], str | None]:
    """The rows, with addresses for roles that may see them; a search or a reveal is audited."""
    show = staff.may("addresses")
    found, after = log.rows(session, query, _secret(rt), show)
    if query.q or (show and found):
        detail = json.dumps({**query.params(), "rows": len(found), "addresses_shown": show}, ensure_ascii=False)
        team.audit(session, staff.email, "address-lookup", query.q[:254] if query.q else None, detail)
    return found, after


@router.get("/v1/deliveries")
def deliveries_api(
    request: Request,
    announcement: int | None = Query(None, description="Nummer der Mitteilung"),
    event: str | None = Query(None, description="Ereignis: Nummer im Register oder seine id"),
    status: str | None = Query(None, description="Zustand (sent, handed_over, failed, held, waiting, too_late …) oder Gruppe (delivered = angenommen, failed, held, pending, skipped; subscribers/delivery_status.GROUPS)"),
    channel: str | None = Query(None, description="email, sms, push oder letter"),
    q: str | None = Query(None, max_length=254, description="E-Mail-Adresse oder Handynummer (genau)"),
    after: str | None = Query(None, max_length=40, description="weiter nach dieser Zustellung (aus links.next)"),
    limit: int = Query(50, ge=1, le=log.MAX_PAGE),
    staff: Staff = Depends(current_staff),
    rt: Runtime = Depends(get_runtime),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Je Person und Kanal: Zustand, Antwort des Anbieters, Versuche. Personen nur mit Pseudonym;
    die Adresse sehen nur Freigabe und Verwaltung, und jede Suche steht im Protokoll."""
    query = log.Query(announcement, event, status, channel, (q or "").strip() or None, after, limit)
    try:
        found, next_after = lookup(session, rt, staff, query)
    except log.BadFilter as exc:
        raise Problem(400, str(exc)) from None
    links: dict[str, str] = {}
    if next_after:
        links["next"] = f"/v1/deliveries?{urlencode({**query.params(), 'after': next_after, 'limit': limit})}"
    return {"data": found, "links": links}


def _query_from_page(mitteilung: str | None, ereignis: str | None, zustand: str | None, kanal: str | None,
                     suche: str | None, nach: str | None, limit: int = 100) -> log.Query:  # fmt: skip
    number = int(mitteilung) if mitteilung and mitteilung.strip().isdigit() else None
    return log.Query(number, (ereignis or "").strip() or None, zustand or None, kanal or None,
                     (suche or "").strip()[:254] or None, nach or None, limit)  # fmt: skip


@router.get("/staff/zustellungen", include_in_schema=False)
def log_page(request: Request, mitteilung: str | None = None, ereignis: str | None = None,
             zustand: str | None = None, kanal: str | None = None, suche: str | None = None, nach: str | None = None,
             staff: Staff = Depends(page_staff), rt: Runtime = Depends(get_runtime),
             session: Session = Depends(get_session)) -> HTMLResponse:  # fmt: skip
    query = _query_from_page(mitteilung, ereignis, zustand, kanal, suche, nach)
    error, found, next_after = None, [], None
    try:
        found, next_after = lookup(session, rt, staff, query)
    except log.BadFilter as exc:
        error = str(exc)
    form = {"mitteilung": mitteilung or "", "ereignis": ereignis or "", "zustand": zustand or "",
            "kanal": kanal or "", "suche": suche or ""}  # fmt: skip
    current = {k: v for k, v in form.items() if v}
    return page(request, "staff/delivery_log.html.j2", staff, 400 if error else 200, rows=found, form=form,
                error=error, attempt_label=attempt_label, group_names=GROUP_NAMES, local_time=local_time, show_addresses=staff.may("addresses"),
                next_url=f"?{urlencode({**current, 'nach': next_after})}" if next_after else None,
                csv_url=f"/staff/zustellungen.csv?{urlencode(current)}", filtered=bool(current),
                title_event=found[0]["event"] if found and (mitteilung or ereignis) else None)  # fmt: skip


CSV_COLUMNS = ("recipient", "address", "channel", "version", "status", "error", "attempts", "first_attempt",
               "last_attempt", "updated_at", "event_source", "event_id")  # fmt: skip


def spreadsheet_safe(value: Any) -> Any:
    """A provider's answer like "=HYPERLINK(…)" must stay text when the file is opened in a spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@router.get("/staff/zustellungen.csv", include_in_schema=False)
def log_csv(mitteilung: str | None = None, ereignis: str | None = None, zustand: str | None = None,
            kanal: str | None = None, suche: str | None = None, staff: Staff = Depends(page_staff),
            rt: Runtime = Depends(get_runtime), session: Session = Depends(get_session)) -> Response:  # fmt: skip
    query = _query_from_page(mitteilung, ereignis, zustand, kanal, suche, None, limit=log.MAX_PAGE)
    out = io.StringIO()
    writer = csv.writer(out)
    columns = [c for c in CSV_COLUMNS if c != "address" or staff.may("addresses")]
    writer.writerow(columns)
    written = 0
    try:
        while written < CSV_LIMIT:
            found, after = lookup(session, rt, staff, query)
            for r in found:
                tries = r["attempts"]
                row = {**r, "error": r.get("error") or "", "attempts": len(tries) or "",
                       "first_attempt": tries[0]["at"] if tries else "", "last_attempt": tries[-1]["at"] if tries else "",
                       "event_source": (r["event"] or {}).get("source", ""), "event_id": (r["event"] or {}).get("id", "")}  # fmt: skip
                writer.writerow([spreadsheet_safe(row.get(c)) for c in columns])
            written += len(found)
            if after is None:
                break
            query = log.Query(**{**query.__dict__, "after": after})
    except log.BadFilter as exc:
        return Response(str(exc), status_code=400, media_type="text/plain; charset=utf-8")
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="zustellungen.csv"', "Cache-Control": "no-store"})  # fmt: skip


@router.get("/staff/ereignisse", include_in_schema=False)
def events_page(request: Request, staff: Staff = Depends(page_staff),
                session: Session = Depends(get_session)) -> HTMLResponse:  # fmt: skip
    """Every event the service took in: announcements of the team and what city systems sent."""
    events = log.recent_events(session, 200)
    return page(request, "staff/events.html.j2", staff, events=events, own_source=log.ANNOUNCEMENTS_SOURCE,
                event_states=log.EVENT_STATES)
