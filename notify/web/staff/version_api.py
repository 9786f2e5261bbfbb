"""The JSON API for an announcement's versions (the same rules as the editor's tabs):

``PUT /v1/announcements/{id}/versions/{language}/{profile}`` ``{"title", "text"}`` writes one (empty
both: removes it; an edit takes the approval back) · ``POST …/reviewed`` ``{"reviewed": bool}`` (an
approver only; never an unchanged machine proposal).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from notify import announcements as domain
from notify.pipeline import Runtime
from notify.web.deps import get_runtime
from notify.web.staff.api import _act
from notify.web.staff.auth import current_staff
from subscribers.staff import Staff

router = APIRouter(tags=["Mitteilungen"])
LANGUAGE = r"^[a-z]{2,3}$"


class VersionText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field("", max_length=180)
    text: str = Field("", max_length=20_000)


class Reviewed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reviewed: bool


@router.put("/v1/announcements/{ann_id}/versions/{language}/{profile}")
async def put_version(ann_id: int, profile: Literal["standard", "einfach", "leicht"],
                      body: VersionText, language: str = Path(pattern=LANGUAGE), staff: Staff = Depends(current_staff),
                      rt: Runtime = Depends(get_runtime)) -> dict[str, Any]:  # fmt: skip
    """Eine Fassung schreiben (andere Sprachstufe oder Sprache). Eine Freigabe gilt danach nicht mehr."""
    return await run_in_threadpool(
        _act, rt, ann_id, lambda s, a: domain.save_version(s, a, staff, language, profile, body.title, body.text)
    )


@router.post("/v1/announcements/{ann_id}/versions/{language}/{profile}/reviewed")
async def review_version(ann_id: int, profile: Literal["standard", "einfach", "leicht"],
                         body: Reviewed, language: str = Path(pattern=LANGUAGE), staff: Staff = Depends(current_staff),
                         rt: Runtime = Depends(get_runtime)) -> dict[str, Any]:  # fmt: skip
    """Als „von einer Prüfgruppe geprüft“ markieren (nur Freigabe und Verwaltung)."""
    return await run_in_threadpool(
        _act, rt, ann_id, lambda s, a: domain.mark_reviewed(s, a, staff, language, profile, body.reviewed)
    )
