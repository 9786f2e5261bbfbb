"""The staff pages (``/staff…``): server-rendered, complete without JavaScript; ``staff.js`` only
adds the live check, one-click suggestions and the live audience count."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from pydantic import ValidationError
from sqlmodel import Session

import plainlang
from notify import announcements as domain
from notify.formatting import german_datetime
from notify.kafka import BrokerDown
from notify.pipeline import Runtime
from notify.web import health
from notify.web.deps import get_runtime, get_session
from notify.web.pages import check_csrf, render_page
from notify.web.staff import charts, stats, transitions
from notify.web.staff.api import BROKER_DOWN, load, ready_publisher, replacement_for, with_replacements
from notify.web.staff.auth import page_staff
from notify.web.staff.city_systems import city_system_events
from notify.web.staff.editor_form import FIELD_NAMES, form_errors, form_values, to_fields, values_from_form
from subscribers.announcements import EDITABLE, STATE_NAMES, Announcement, aware, history
from subscribers.db import session_scope
from subscribers.staff import ROLE_NAMES, Staff

router = APIRouter(include_in_schema=False)
CHANNEL_NAMES = stats.CHANNEL_NAMES
PROFILE_NAMES = {"leicht": "Leichte Sprache", "einfach": "Einfache Sprache", "standard": "Standardsprache"}
ACTION_NAMES = {"create": "Angelegt", "edit": "Bearbeitet", "submit": "Zur Freigabe gegeben", "approve": "Freigegeben",
                "schedule": "Geplant", "claim": "Senden begonnen", "sent": "Gesendet", "cancel": "Zurückgezogen",
                "unclaim": "Senden fehlgeschlagen", "release": "Angehaltene freigegeben", "correction": "Korrektur angelegt"}  # fmt: skip
ACTION_NAMES.update(test="Test an sich gesendet", version="Fassung bearbeitet", reviewed="Prüfung markiert",
                    version_added="Fassung nachgereicht")  # fmt: skip


# -- helpers -------------------------------------------------------------------------------------
def highlight(text: str, findings: list[dict[str, Any]]) -> Markup:
    """The text with every finding marked; overlapping findings split the text into pieces and
    each piece is marked with the shortest finding that covers it."""
    cuts = sorted({0, len(text), *(f["start"] for f in findings), *(f["end"] for f in findings)})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        piece = escape(text[a:b])
        covering = [(f["end"] - f["start"], n) for n, f in enumerate(findings) if f["start"] <= a and b <= f["end"]]
        if covering:
            _, n = min(covering)
            out.append(f'<mark data-finding="{n}" title="{escape(findings[n]["message"])}">{piece}</mark>')
        else:
            out.append(str(piece))
    return Markup("".join(out))


def check_report(text: str, profile: str) -> dict[str, Any] | None:
    if not text.strip():
        return None
    return with_replacements(plainlang.check(text, profile=profile).to_dict())


def topic_groups(rt: Runtime) -> list[dict[str, Any]]:
    cat = rt.catalogue
    return [{"id": p.id, "name": p.name, "children": [cat.topics[c] for c in cat.topics if cat.topics[c].parent == p.id]}
            for p in cat.topics.values() if p.parent is None]  # fmt: skip


def district_groups(rt: Runtime) -> list[dict[str, Any]]:
    cat = rt.catalogue
    return [{"node": p, "children": [cat.districts[c] for c in cat.districts if cat.districts[c].parent == p.id]}
            for p in cat.districts.values() if p.parent is None]  # fmt: skip


def when(value: datetime | None) -> str:
    """German date and time in city time (SQLite hands back times without zone; they are UTC)."""
    return german_datetime(aware(value)) if value else ""


def page(request: Request, template: str, staff: Staff | None, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    response = render_page(request, template, status_code=status_code, staff=staff, role_names=ROLE_NAMES,
                           state_names=STATE_NAMES, channel_names=CHANNEL_NAMES, when=when,
                           channel_notices=health.notices(request.app.state.rt) if staff else [], **ctx)  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(url: str | None) -> str:
    """Only paths on this site: a sign-in link must not send anyone elsewhere."""
    if not url or not url.startswith("/staff") or urlsplit(url).netloc or url.startswith("//"):
        return "/staff"
    return url


# -- sign in: notify/web/staff/signin.py ----------------------------------------------------------


# -- list ----------------------------------------------------------------------------------------
@router.get("/staff")
def overview(request: Request, status: str | None = None, staff: Staff = Depends(page_staff),
             session: Session = Depends(get_session)) -> HTMLResponse:  # fmt: skip
    items = stats.announcements(session, status if status in STATE_NAMES else None)
    waiting = [a for a in items if a.status == "review"]
    from notify.web.staff.version_stats import all_waiting

    return page(request, "staff/list.html.j2", staff, items=items, waiting=waiting, status=status,
                city_events=city_system_events(session), version_waits=all_waiting(session))  # fmt: skip


@router.get("/staff/auswertung")
def insights(
    request: Request, staff: Staff = Depends(page_staff), session: Session = Depends(get_session)
) -> HTMLResponse:
    points = stats.readability_series(session)
    return page(request, "staff/insights.html.j2", staff, points=points, chart=charts.index_chart(points))


# -- write ---------------------------------------------------------------------------------------
def editor(request: Request, rt: Runtime, session: Session, staff: Staff, ann: Announcement | None,
           values: dict[str, Any], report: dict[str, Any] | None, status_code: int = 200, fassung: str | None = None,
           override: dict[str, Any] | None = None, **ctx: Any) -> HTMLResponse:  # fmt: skip
    from notify.web.staff.version_pages import version_context

    ctx.update(version_context(rt, session, ann, fassung, override))  # the version tabs
    ctx.setdefault("errors", [])
    ctx.setdefault("notice", None)
    ctx.setdefault("unsaved", False)  # the form shows values that are not saved (check, suggestion, error)
    extra: dict[str, Any] = {"audience": None, "needs_approval": False, "approved": False, "history": [],
                             "previews": {}, "original": None, "own": False, "editable": True}  # fmt: skip
    if ann is not None:
        counted = domain.audience_of(session, rt.catalogue, ann)
        extra = {
            "audience": counted, "needs_approval": domain.needs_approval(ann, counted["total"]),
            "approved": domain.is_approved(ann), "history": history(session, ann.id),
            "previews": previews(rt, ann), "original": session.get(Announcement, ann.corrects) if ann.corrects else None,
            "own": staff.email in (ann.created_by, ann.updated_by), "editable": ann.status in EDITABLE,
            "send_question": transitions.question(counted["total"], scheduled=ann.schedule_at is not None),
        }  # fmt: skip
        if not ctx["vtab"]["base"]:
            extra["previews"] = ctx["vpreviews"]
    return page(request, "staff/edit.html.j2", staff, status_code, ann=ann, v=values, report=report,
                marked=highlight(values["text"], report["findings"]) if report else None,
                topic_groups=topic_groups(rt), district_groups=district_groups(rt), profiles=PROFILE_NAMES,
                threshold=domain.approval_threshold(), action_names=ACTION_NAMES, **extra, **ctx)  # fmt: skip


def previews(rt: Runtime, ann: Announcement) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for channel in ("sms", "push"):
        try:
            out[channel] = domain.preview(rt, ann, channel)
        except Exception as exc:  # a template problem must not hide the rest of the page
            out[channel] = {"error": f"Keine Vorschau möglich: {exc}"}
    return out


def apply_suggestion(values: dict[str, Any], choice: str) -> tuple[dict[str, Any], str | None]:
    """The text with finding number ``choice`` replaced by its suggestion (no JavaScript needed)."""
    report = check_report(values["text"], values["profile"])
    try:
        finding = report["findings"][int(choice)]
    except (TypeError, ValueError, IndexError):
        return values, "Diesen Vorschlag gibt es nicht mehr. Bitte prüfen Sie den Text neu."
    replacement = replacement_for(finding)
    if replacement is None:
        return values, "Für diesen Hinweis gibt es keinen Vorschlag zum Übernehmen."
    text = values["text"]
    values = {**values, "text": text[: finding["start"]] + replacement + text[finding["end"] :]}
    return values, f"Übernommen: „{replacement}“. Noch nicht gespeichert."


async def _editor_post(request: Request, rt: Runtime, staff: Staff, ann_id: int | None) -> Response:
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    values = values_from_form(form)
    action = str(form.get("aktion", "speichern"))
    notice = None
    if action.startswith("anwenden:"):
        values, notice = apply_suggestion(values, action.split(":", 1)[1])
        action = "pruefen"

    def work():
        with session_scope(rt.db_url) as session:
            ann = load(session, ann_id) if ann_id else None
            if action == "pruefen":
                report = check_report(values["text"], values["profile"])
                return editor(request, rt, session, staff, ann, values, report, unsaved=True,
                              notice=notice or "Geprüft. Noch nicht gespeichert.")  # fmt: skip
            try:
                fields = to_fields(values, new=ann is None)
                if ann is None:
                    ann = domain.create(session, fields, staff, rt.catalogue)
                    return see_other(f"/staff/mitteilungen/{ann.id}?gespeichert=1")
                domain.edit(session, ann, fields, staff, rt.catalogue)
                return see_other(f"/staff/mitteilungen/{ann.id}?gespeichert=1")
            except ValidationError as exc:
                errors = form_errors(exc)
            except domain.Refused as exc:
                field = exc.extra.get("field", "")
                errors = [{"field": field, "label": FIELD_NAMES.get(field, ""), "message": exc.detail}]
            report = check_report(values["text"], values["profile"])
            return editor(request, rt, session, staff, ann, values, report, 400, errors=errors, unsaved=True)

    return await run_in_threadpool(work)


@router.get("/staff/mitteilungen/neu")
def new_form(request: Request, staff: Staff = Depends(page_staff), rt: Runtime = Depends(get_runtime),
             session: Session = Depends(get_session)) -> HTMLResponse:  # fmt: skip
    return editor(request, rt, session, staff, None, form_values(), None)


@router.post("/staff/mitteilungen/neu")
async def new_post(
    request: Request, staff: Staff = Depends(page_staff), rt: Runtime = Depends(get_runtime)
) -> Response:
    return await _editor_post(request, rt, staff, None)


@router.get("/staff/mitteilungen/{ann_id}")
def detail(request: Request, ann_id: int, gespeichert: int = 0, fassung: str | None = None,
           staff: Staff = Depends(page_staff), rt: Runtime = Depends(get_runtime),
           session: Session = Depends(get_session)) -> HTMLResponse:  # fmt: skip
    ann = load(session, ann_id)
    report = with_replacements(ann.report)
    notice = {1: "Gespeichert.", 2: "Erledigt."}.get(gespeichert)
    return editor(request, rt, session, staff, ann, form_values(ann), report, notice=notice, fassung=fassung)


@router.post("/staff/mitteilungen/{ann_id}")
async def detail_post(request: Request, ann_id: int, staff: Staff = Depends(page_staff),
                      rt: Runtime = Depends(get_runtime)) -> Response:  # fmt: skip
    return await _editor_post(request, rt, staff, ann_id)


@router.post("/staff/mitteilungen/{ann_id}/aktion")
async def act(
    request: Request, ann_id: int, staff: Staff = Depends(page_staff), rt: Runtime = Depends(get_runtime)
) -> Response:
    """Submit, approve, send, cancel, correction. What the editor shows is saved first
    (``transitions``); "senden" asks "An N Personen senden?" before it sends."""
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    action = str(form.get("aktion", ""))
    note = str(form.get(f"notiz_{action}") or form.get("notiz") or "").strip() or None
    try:
        await run_in_threadpool(transitions.save_first, rt, staff, ann_id, form)
    except transitions.NotSaved as exc:
        return await run_in_threadpool(_editor_not_saved, request, rt, staff, ann_id, exc)
    try:
        if action == "senden" and form.get("bestaetigt") != "ja":
            asked = await run_in_threadpool(transitions.send_question, rt, ann_id, staff)
            return page(request, "staff/confirm_send.html.j2", staff, ann_id=ann_id, asked=asked)
        if action == "senden":
            await run_in_threadpool(transitions.check_confirmed, rt, ann_id, form.get("stand"))
            try:
                await domain.send(rt, await ready_publisher(request, rt), ann_id, staff)
            except BrokerDown:
                raise domain.Refused(503, BROKER_DOWN) from None
            return see_other(f"/staff/mitteilungen/{ann_id}/zustellung")

        def work():
            with session_scope(rt.db_url) as session:
                ann = load(session, ann_id)
                if action == "freigeben":
                    domain.approve(session, ann, staff, form.get("hinweise_gesehen") == "ja", note)
                elif action == "zur-freigabe":
                    domain.submit(session, ann, staff, note)
                elif action == "zurueckziehen":
                    domain.cancel(session, ann, staff, note)
                elif action == "korrektur":
                    return domain.correction(session, ann, staff, rt.catalogue).id
                else:
                    raise domain.Refused(400, "Unbekannte Aktion.")
                return ann.id

        target = await run_in_threadpool(work)
        return see_other(f"/staff/mitteilungen/{target}?gespeichert=2")
    except domain.Refused as exc:
        return await run_in_threadpool(_editor_with_error, request, rt, staff, ann_id, exc)


def _editor_not_saved(
    request: Request, rt: Runtime, staff: Staff, ann_id: int, exc: transitions.NotSaved
) -> HTMLResponse:
    """The step did not happen because the text on the screen could not be saved: show it again."""
    with session_scope(rt.db_url) as session:
        ann = load(session, ann_id)
        return editor(request, rt, session, staff, ann, exc.values, check_report(exc.values["text"], exc.values["profile"]),
                      exc.status, errors=exc.errors, unsaved=True,
                      notice="Nichts weitergegeben: Ihr Text ist noch nicht gespeichert. Bitte prüfen Sie die Angaben.")  # fmt: skip


def _editor_with_error(request: Request, rt: Runtime, staff: Staff, ann_id: int, exc: domain.Refused) -> HTMLResponse:
    with session_scope(rt.db_url) as session:
        ann = load(session, ann_id)
        return editor(request, rt, session, staff, ann, form_values(ann), with_replacements(ann.report),
                      exc.status, errors=[{"field": "", "label": "", "message": exc.detail}])  # fmt: skip
