"""The JSON API for announcements (``/v1/announcements…``) and the audience (``/v1/audience``)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlmodel import Session

from notify import announcements as domain
from notify.kafka import BrokerDown
from notify.pipeline import Runtime
from notify.web.deps import get_runtime, get_session
from notify.web.problems import Problem
from notify.web.staff import stats
from notify.web.staff.auth import audience_reader, current_staff
from subscribers.announcements import Announcement, aware, history
from subscribers.db import session_scope
from subscribers.models import CHANNELS
from subscribers.staff import Staff
from topics.catalogue import CITYWIDE

router = APIRouter(tags=["Mitteilungen"])

# A suggestion that names exactly one replacement („X“, optionally „X“ statt „Y“) can be applied
# with one click; advice like „die Adresse von der Schule“ statt … is an example, not a swap.
_REPLACEMENT = re.compile(r"^[^„“]*„([^„“…]+)“(?: statt „([^„“]+)“)?\.?$")
_MEANING = re.compile(r"\b(?:nicht|nichts|nie|niemals|niemand|kein\w*|weder|noch|ohne)\b|\d+", re.IGNORECASE)


def replacement_for(finding: dict[str, Any]) -> str | None:
    """The words a one-click fix puts in place of the finding's excerpt, or None.

    Only a suggestion that names a replacement *for this excerpt* counts: "„nach“ statt „Gemäß“"
    where the excerpt is "Gemäß", or one quoted word with no example around it. Advice with an
    example ("„Bleiben Sie im Haus“ statt „Gehen Sie nicht nach draußen“", "zum Beispiel „prüfen“")
    gets no button: taken over, it replaced a "nicht" with an unrelated sentence. And no fix may
    drop a negation or a number the excerpt holds."""
    suggestion, excerpt = finding.get("suggestion", ""), finding.get("excerpt", "")
    match = _REPLACEMENT.match(suggestion)
    if not match:
        return None
    replacement, instead_of = match.group(1), match.group(2)
    if instead_of is not None and instead_of.casefold() != excerpt.casefold():
        return None
    if instead_of is None and "beispiel" in suggestion.casefold():
        return None
    kept = {m.casefold() for m in _MEANING.findall(replacement)}
    if any(m.casefold() not in kept for m in _MEANING.findall(excerpt)):
        return None
    return replacement


def with_replacements(report: dict[str, Any] | None) -> dict[str, Any] | None:
    if report is None:
        return None
    for f in report.get("findings", []):
        f["replacement"] = replacement_for(f)
    return report


def iso(value) -> str | None:
    return aware(value).isoformat() if value is not None else None


def public(ann: Announcement) -> dict[str, Any]:
    """An announcement as the API shows it."""
    return {
        "id": ann.id, "status": ann.status, "status_name": ann.state_name, "version": ann.version,
        "title": ann.title, "text": ann.text, "topics": ann.topic_list, "area": ann.area_value,
        "urgency": ann.urgency, "channels": ann.channel_list, "kind": ann.kind, "profile": ann.profile,
        "link": ann.link, "valid_until": iso(ann.valid_until), "schedule_at": iso(ann.schedule_at),
        "starts_at": iso(ann.starts_at), "ends_at": iso(ann.ends_at), "corrects": ann.corrects, "public": ann.public, "readability": with_replacements(ann.report),
        "approved": domain.is_approved(ann), "approved_by": ann.approved_by, "approved_at": iso(ann.approved_at),
        "override_findings": ann.override_findings, "created_by": ann.created_by, "updated_by": ann.updated_by,
        "event_id": ann.event_id, "sent_by": ann.sent_by, "sent_at": iso(ann.sent_at),
        "audience_total": ann.audience_total, "created_at": iso(ann.created_at), "updated_at": iso(ann.updated_at),
        "findings": ann.findings, "versions": ann.version_list,
    }  # fmt: skip


def refused(exc: domain.Refused) -> Problem:
    return Problem(exc.status, exc.detail, **exc.extra)


def load(session: Session, ann_id: int) -> Announcement:
    ann = session.get(Announcement, ann_id)
    if ann is None:
        raise Problem(404, "Diese Mitteilung gibt es nicht.")
    return ann


async def ready_publisher(request: Request, rt: Runtime):
    """The app's Kafka publisher (it creates the topics before its first message)."""
    return request.app.state.publisher


BROKER_DOWN = (
    "Die Mitteilung konnte gerade nicht gesendet werden. Sie ist nicht verloren. Bitte später noch einmal senden."
)


def split_ids(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@router.get("/v1/audience")
def get_audience(
    topics: list[str] = Query(..., description="Themen-IDs, mehrfach oder mit Komma getrennt"),
    area: list[str] = Query([CITYWIDE], description='"citywide" oder Stadtteil-IDs'),
    urgent: bool = False,
    _: str = Depends(audience_reader),
    rt: Runtime = Depends(get_runtime),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Wie viele Menschen eine Nachricht bekommen, jede Person einmal; nach erstem Kanal."""
    topic_ids, area_ids = split_ids(topics), split_ids(area)
    area_value: Any = CITYWIDE if not area_ids or CITYWIDE in area_ids else area_ids
    if not topic_ids:
        raise Problem(400, "Bitte mindestens ein Thema angeben.")
    if bad := domain.unknown_ids(rt.catalogue, topic_ids, area_value):
        raise Problem(400, f"Unbekannte Themen oder Stadtteile: {', '.join(bad)}.")
    counted = domain.audience(session, rt.catalogue, topic_ids, area_value, urgent)
    threshold = domain.approval_threshold()
    counted["threshold"] = threshold
    counted["needs_approval"] = urgent or counted["total"] > threshold
    return counted


@router.get("/v1/announcements")
def list_announcements(
    status: str | None = None,
    staff: Staff = Depends(current_staff),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Alle Mitteilungen, neueste zuerst."""
    return {"items": [public(a) for a in stats.announcements(session, status)]}


@router.post("/v1/announcements", status_code=201)
async def create_announcement(
    body: domain.NewDraft,
    response: Response,
    staff: Staff = Depends(current_staff),
    rt: Runtime = Depends(get_runtime),
) -> dict[str, Any]:
    """Neuen Entwurf anlegen. Die Antwort enthält den Bericht zur Verständlichkeit."""

    def work():
        with session_scope(rt.db_url) as session:
            return public(domain.create(session, body, staff, rt.catalogue))

    try:
        out = await run_in_threadpool(work)
    except domain.Refused as exc:
        raise refused(exc) from None
    response.headers["Location"] = f"/v1/announcements/{out['id']}"
    return out


def _act(rt: Runtime, ann_id: int, fn, *args) -> dict[str, Any]:
    with session_scope(rt.db_url) as session:
        ann = load(session, ann_id)
        try:
            fn(session, ann, *args)
        except domain.Refused as exc:
            raise refused(exc) from None
        return public(ann)


@router.get("/v1/announcements/{ann_id}")
def get_announcement(ann_id: int, staff: Staff = Depends(current_staff), rt: Runtime = Depends(get_runtime),
                     session: Session = Depends(get_session)) -> dict[str, Any]:  # fmt: skip
    ann = load(session, ann_id)
    out = public(ann)
    out["audience"] = domain.audience_of(session, rt.catalogue, ann)
    out["needs_approval"] = domain.needs_approval(ann, out["audience"]["total"])
    return out


@router.patch("/v1/announcements/{ann_id}")
async def patch_announcement(ann_id: int, body: domain.DraftFields, staff: Staff = Depends(current_staff),
                             rt: Runtime = Depends(get_runtime)) -> dict[str, Any]:  # fmt: skip
    """Entwurf ändern. Eine Freigabe gilt danach nicht mehr."""
    return await run_in_threadpool(_act, rt, ann_id, lambda s, a: domain.edit(s, a, body, staff, rt.catalogue))


class Note(BaseModel):
    note: str | None = Field(None, max_length=2000)


class Approval(Note):
    override_findings: bool = False


@router.post("/v1/announcements/{ann_id}/submit")
async def submit_announcement(ann_id: int, body: Note | None = Body(None), staff: Staff = Depends(current_staff),
                              rt: Runtime = Depends(get_runtime)) -> dict[str, Any]:  # fmt: skip
    """Zur Freigabe geben."""
    note = body.note if body else None
    return await run_in_threadpool(_act, rt, ann_id, lambda s, a: domain.submit(s, a, staff, note))


@router.post("/v1/announcements/{ann_id}/approve")
async def approve_announcement(ann_id: int, body: Approval | None = Body(None), staff: Staff = Depends(current_staff),
                               rt: Runtime = Depends(get_runtime)) -> dict[str, Any]:  # fmt: skip
    """Freigeben (Vier-Augen-Prinzip). Hat der Text Hinweise, braucht es override_findings = true."""
    body = body or Approval()
    return await run_in_threadpool(
        _act, rt, ann_id, lambda s, a: domain.approve(s, a, staff, body.override_findings, body.note)
    )


@router.post("/v1/announcements/{ann_id}/cancel")
async def cancel_announcement(ann_id: int, body: Note | None = Body(None), staff: Staff = Depends(current_staff),
                              rt: Runtime = Depends(get_runtime)) -> dict[str, Any]:  # fmt: skip
    """Zurückziehen: Die Mitteilung geht nie hinaus (auch nicht zum geplanten Zeitpunkt)."""
    note = body.note if body else None
    return await run_in_threadpool(_act, rt, ann_id, lambda s, a: domain.cancel(s, a, staff, note))


@router.post("/v1/announcements/{ann_id}/send")
async def send_announcement(ann_id: int, request: Request, staff: Staff = Depends(current_staff),
                            rt: Runtime = Depends(get_runtime)) -> dict[str, Any]:  # fmt: skip
    """Jetzt senden, oder planen, wenn ein Zeitpunkt in der Zukunft eingetragen ist."""
    try:
        publisher = await ready_publisher(request, rt)
        result = await domain.send(rt, publisher, ann_id, staff)
    except domain.Refused as exc:
        raise refused(exc) from None
    except BrokerDown:
        raise Problem(503, BROKER_DOWN, headers={"Retry-After": "10"}) from None
    with session_scope(rt.db_url) as session:
        out = public(load(session, ann_id))
    out["result"] = result.status
    return out


@router.post("/v1/announcements/{ann_id}/correction", status_code=201)
async def correct_announcement(ann_id: int, staff: Staff = Depends(current_staff),
                               rt: Runtime = Depends(get_runtime)) -> dict[str, Any]:  # fmt: skip
    """Korrektur anlegen: ein neuer Entwurf, der auf die gesendete Mitteilung verweist."""

    def work():
        with session_scope(rt.db_url) as session:
            original = load(session, ann_id)
            try:
                return public(domain.correction(session, original, staff, rt.catalogue))
            except domain.Refused as exc:
                raise refused(exc) from None

    return await run_in_threadpool(work)


@router.get("/v1/announcements/{ann_id}/audit")
def audit_log(ann_id: int, staff: Staff = Depends(current_staff), session: Session = Depends(get_session)) -> dict:
    """Wer hat wann was getan (Zustand vorher → nachher, Notiz)."""
    load(session, ann_id)
    return {"items": [{"at": iso(e.at), "actor": e.actor, "action": e.action, "from": e.from_status,
                       "to": e.to_status, "note": e.note} for e in history(session, ann_id)]}  # fmt: skip


@router.get("/v1/announcements/{ann_id}/preview/{channel}")
async def preview(ann_id: int, channel: str, staff: Staff = Depends(current_staff),
                  rt: Runtime = Depends(get_runtime)) -> Any:  # fmt: skip
    """Vorschau für einen Kanal: email, sms, push (JSON) oder letter (PDF)."""
    if channel not in CHANNELS:
        raise Problem(404, f"Den Kanal „{channel}“ gibt es nicht.")
    with session_scope(rt.db_url) as session:
        ann = load(session, ann_id)
    try:
        if channel == "letter":
            pdf = await run_in_threadpool(domain.letter_pdf, rt, ann)
            return Response(pdf, media_type="application/pdf")
        return await run_in_threadpool(domain.preview, rt, ann, channel)
    except domain.Refused as exc:
        raise refused(exc) from None


@router.get("/v1/announcements/{ann_id}/deliveries")
def deliveries(ann_id: int, staff: Staff = Depends(current_staff), session: Session = Depends(get_session)) -> dict:
    """Zustellung je Kanal (zugestellt, fehlgeschlagen, angehalten, wartet) und im Zeitverlauf."""
    return stats.delivery_stats(session, load(session, ann_id)).as_json()


class Release(BaseModel):
    delivery_ids: list[str] | None = None


@router.post("/v1/announcements/{ann_id}/release")
async def release(ann_id: int, request: Request, body: Release | None = Body(None),
                  staff: Staff = Depends(current_staff), rt: Runtime = Depends(get_runtime)) -> dict:  # fmt: skip
    """Angehaltene Nachrichten nach Prüfung doch senden."""
    try:
        publisher = await ready_publisher(request, rt)
    except BrokerDown:
        publisher = None
    try:
        n = await domain.release_held(
            rt, publisher or _NoPublisher(), ann_id, staff, body.delivery_ids if body else None
        )
    except domain.Refused as exc:
        raise refused(exc) from None
    return {"released": n}


class _NoPublisher:
    async def send(self, *args, **kwargs):
        raise BrokerDown("no broker")
