"""``POST /v1/check``: the plain-language checker over HTTP (same JSON as the CLI)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

import plainlang

MAX_TEXT = 100_000

router = APIRouter()


class CheckRequest(BaseModel):
    """A text to check and the profile to check it against."""

    text: str = Field(..., max_length=MAX_TEXT, description="Der Text, höchstens 100.000 Zeichen.")
    profile: str = Field("einfach", description="leicht, einfach oder standard")


@router.post("/v1/check", tags=["plain language"])
async def check_text(request: CheckRequest) -> dict[str, Any]:
    """Prüft einen Text und gibt den Bericht zurück (Stufe, Index, Kennzahlen, Hinweise)."""
    if request.profile not in plainlang.PROFILES:
        raise HTTPException(
            status_code=400,
            detail=f"Unbekanntes Profil „{request.profile}“. Erlaubt sind: leicht, einfach, standard.",
        )
    if not request.text.strip():
        raise HTTPException(status_code=400, detail="Der Text ist leer.")
    report = await run_in_threadpool(plainlang.check, request.text, request.profile)
    return report.to_dict()
