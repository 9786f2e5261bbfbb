"""Templates: save an announcement as a template (per topic, with its versions), start a new draft
from one. Pages ``/staff/vorlagen…`` and the API ``/v1/templates…``."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session

from notify import announcements as domain
from notify.pipeline import Runtime
from notify.web.deps import get_runtime, get_session
from notify.web.pages import check_csrf
from notify.web.problems import Problem
from notify.web.staff.api import load, public
from notify.web.staff.auth import current_staff, page_staff
from notify.web.staff.pages import page, see_other
from subscribers.announcements import Announcement
from subscribers.db import session_scope
from subscribers.staff import Staff
from subscribers.templates_store import AnnouncementTemplate, delete_template, list_templates, save_template

router = APIRouter(tags=["Vorlagen"])


def as_json(t: AnnouncementTemplate) -> dict[str, Any]:
    return {"id": t.id, "name": t.name, "topic": t.topic, "title": t.title, "text": t.text,
            "topics": json.loads(t.topics), "area": json.loads(t.area), "urgency": t.urgency,
            "channels": json.loads(t.channels), "kind": t.kind, "profile": t.profile, "link": t.link,
            "versions": json.loads(t.versions) if t.versions else None, "created_by": t.created_by,
            "source_announcement": t.source_announcement}  # fmt: skip


def draft_from(session: Session, rt: Runtime, template: AnnouncementTemplate, staff: Staff) -> Announcement:
    """A new draft with the template's content; the other versions come along when the editor has them."""
    data: dict[str, Any] = {"title": template.title, "text": template.text, "topics": json.loads(template.topics),
                            "area": json.loads(template.area), "urgency": template.urgency,
                            "channels": json.loads(template.channels), "kind": template.kind,
                            "profile": template.profile, "link": template.link}  # fmt: skip
    versions = json.loads(template.versions) if template.versions else None
    if versions and "versions" in domain.NewDraft.model_fields:
        data["versions"] = versions
    ann = domain.create(session, domain.NewDraft.model_validate(data), staff, rt.catalogue)
    if versions and "versions" not in domain.NewDraft.model_fields and hasattr(Announcement, "versions"):
        setattr(ann, "versions", template.versions)  # noqa: B010 - a column only some trees have
    return ann


def _save(rt: Runtime, ann_id: int, name: str, staff: Staff) -> AnnouncementTemplate:
    if not staff.may("write"):
        raise domain.Refused(403, "Ihre Rolle darf keine Vorlagen anlegen.")
    name = name.strip()
    if not name:
        raise domain.Refused(400, "Bitte geben Sie der Vorlage einen Namen.")
    with session_scope(rt.db_url) as session:
        return save_template(session, load(session, ann_id), name, staff.email)


def _draft(rt: Runtime, template_id: int, staff: Staff) -> dict[str, Any]:
    with session_scope(rt.db_url) as session:
        template = session.get(AnnouncementTemplate, template_id)
        if template is None:
            raise domain.Refused(404, "Diese Vorlage gibt es nicht.")
        try:
            return public(draft_from(session, rt, template, staff))
        except ValidationError as exc:
            raise domain.Refused(409, f"Die Vorlage passt nicht mehr: {exc.errors()[0]['msg']}") from None


# -- API -----------------------------------------------------------------------------------------
class TemplateName(BaseModel):
    name: str = Field(min_length=1, max_length=120)


@router.get("/v1/templates")
def templates_api(topic: str | None = None, staff: Staff = Depends(current_staff),
                  session: Session = Depends(get_session)) -> dict[str, Any]:  # fmt: skip
    """Alle Vorlagen, nach Thema."""
    return {"data": [as_json(t) for t in list_templates(session, topic)]}


@router.post("/v1/announcements/{ann_id}/template", status_code=201)
async def save_api(ann_id: int, body: TemplateName = Body(...), staff: Staff = Depends(current_staff),
                   rt: Runtime = Depends(get_runtime)) -> dict[str, Any]:  # fmt: skip
    """Mitteilung als Vorlage speichern (mit ihren Fassungen)."""
    try:
        template = await run_in_threadpool(_save, rt, ann_id, body.name, staff)
    except domain.Refused as exc:
        raise Problem(exc.status, exc.detail) from None
    return as_json(template)


@router.post("/v1/templates/{template_id}/draft", status_code=201)
async def draft_api(template_id: int, staff: Staff = Depends(current_staff),
                    rt: Runtime = Depends(get_runtime)) -> dict[str, Any]:  # fmt: skip
    """Neuen Entwurf aus einer Vorlage anlegen."""
    try:
        return await run_in_threadpool(_draft, rt, template_id, staff)
    except domain.Refused as exc:
        raise Problem(exc.status, exc.detail) from None


# -- pages ---------------------------------------------------------------------------------------
def templates_page(request: Request, rt: Runtime, session: Session, staff: Staff, status: int = 200,
                   **ctx: Any) -> HTMLResponse:  # fmt: skip
    groups: dict[str, list[AnnouncementTemplate]] = {}
    for t in list_templates(session):
        groups.setdefault(t.topic, []).append(t)
    topic_names = {tid: rt.catalogue.topics[tid].name if tid in rt.catalogue.topics else tid for tid in groups}
    ctx.setdefault("error", None)
    ctx.setdefault("notice", None)
    return page(request, "staff/templates.html.j2", staff, status, groups=groups, topic_names=topic_names, **ctx)


@router.get("/staff/vorlagen", include_in_schema=False)
def templates_list(request: Request, gespeichert: str | None = None, staff: Staff = Depends(page_staff),
                   rt: Runtime = Depends(get_runtime), session: Session = Depends(get_session)) -> HTMLResponse:  # fmt: skip
    notice = "Die Vorlage ist gespeichert." if gespeichert else None
    return templates_page(request, rt, session, staff, notice=notice)


@router.post("/staff/mitteilungen/{ann_id}/vorlage", include_in_schema=False)
async def save_page(request: Request, ann_id: int, staff: Staff = Depends(page_staff),
                    rt: Runtime = Depends(get_runtime)) -> Response:  # fmt: skip
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    try:
        template = await run_in_threadpool(_save, rt, ann_id, str(form.get("name", "")), staff)
    except domain.Refused as exc:
        with session_scope(rt.db_url) as session:
            return templates_page(request, rt, session, staff, exc.status, error=exc.detail)
    return see_other(f"/staff/vorlagen?gespeichert={template.id}")


@router.post("/staff/vorlagen/{template_id}/entwurf", include_in_schema=False)
async def draft_page(request: Request, template_id: int, staff: Staff = Depends(page_staff),
                     rt: Runtime = Depends(get_runtime)) -> Response:  # fmt: skip
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    try:
        ann = await run_in_threadpool(_draft, rt, template_id, staff)
    except domain.Refused as exc:
        with session_scope(rt.db_url) as session:
            return templates_page(request, rt, session, staff, exc.status, error=exc.detail)
    return see_other(f"/staff/mitteilungen/{ann['id']}?gespeichert=1")


@router.post("/staff/vorlagen/{template_id}/loeschen", include_in_schema=False)
async def delete_page(request: Request, template_id: int, staff: Staff = Depends(page_staff),
                      rt: Runtime = Depends(get_runtime)) -> Response:  # fmt: skip
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    with session_scope(rt.db_url) as session:
        deleted = staff.may("write") and delete_template(session, template_id)
        session.flush()
        return templates_page(request, rt, session, staff, 200 if deleted else 404,
                              notice="Die Vorlage ist gelöscht." if deleted else None,
                              error=None if deleted else "Diese Vorlage gibt es nicht.")  # fmt: skip
