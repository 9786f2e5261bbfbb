"""``POST /v1/announcements/{id}/test`` and the editor's "An mich senden" form."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict

from notify import test_send
from notify.announcements import Refused
from notify.pipeline import Runtime
from notify.web.deps import get_runtime
from notify.web.pages import check_csrf
from notify.web.problems import Problem
from notify.web.staff.auth import current_staff, page_staff
from notify.web.staff.pages import page
from subscribers.staff import Staff

router = APIRouter(tags=["Mitteilungen"])


class TestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: list[Literal["email", "sms"]] | None = None  # default: e-mail, and SMS when the profile has a number
    language: Literal["de", "en", "tr"] = "de"
    profile: Literal["standard", "einfach", "leicht"] = "standard"


@router.post("/v1/announcements/{ann_id}/test")
async def test_announcement(ann_id: int, body: TestRequest | None = Body(None), staff: Staff = Depends(current_staff),
                            rt: Runtime = Depends(get_runtime)) -> dict[str, Any]:  # fmt: skip
    """Test an sich selbst: nur die angemeldete Person bekommt die Nachricht, mit „Test:“ davor."""
    body = body or TestRequest()
    try:
        outcome = await test_send.send_test(rt, ann_id, staff, body.channels, body.language, body.profile)
    except Refused as exc:
        raise Problem(exc.status, exc.detail) from None
    if not any(s["ok"] for s in outcome.sent):
        raise Problem(503, "Der Test ging nicht hinaus. Bitte später noch einmal versuchen.", sent=outcome.sent)
    return outcome.as_json()


@router.post("/staff/mitteilungen/{ann_id}/test", include_in_schema=False)
async def test_form(request: Request, ann_id: int, staff: Staff = Depends(page_staff),
                    rt: Runtime = Depends(get_runtime)) -> HTMLResponse:  # fmt: skip
    form = await request.form()
    check_csrf(request, form.get("csrf_token"))
    language, _, profile = str(form.get("fassung", "de/standard")).partition("/")
    channel = str(form.get("kanal", "email"))
    channels = ["email", "sms"] if channel == "beide" else [channel]
    try:
        outcome = await test_send.send_test(rt, ann_id, staff, channels, language, profile or "standard")
    except Refused as exc:
        return page(request, "staff/test_sent.html.j2", staff, exc.status, ann_id=ann_id, outcome=None,
                    error=exc.detail, languages=test_send.LANGUAGES)  # fmt: skip
    ok = any(s["ok"] for s in outcome.sent)
    return page(request, "staff/test_sent.html.j2", staff, 200 if ok else 503, ann_id=ann_id, outcome=outcome,
                error=None if ok else "Der Test ging nicht hinaus. Bitte später noch einmal versuchen.",
                languages=test_send.LANGUAGES)  # fmt: skip
