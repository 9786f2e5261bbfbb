"""``POST /v1/check`` and ``POST /v1/simplify``: the checker and the assistant over HTTP (same JSON as the CLI)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
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


class SimplifyRequest(BaseModel):
    """A text and the profile a proposal is wanted for."""

    text: str = Field(..., max_length=MAX_TEXT, description="Der Text, höchstens 100.000 Zeichen.")
    profile: str = Field("einfach", description="einfach oder leicht")


@router.post("/v1/simplify", tags=["plain language"])
async def simplify_text(body: SimplifyRequest, request: Request) -> dict[str, Any]:
    """Maschineller Vorschlag in Einfacher oder Leichter Sprache (bitte prüfen): Text, jede Änderung
    (Regel, vorher, nachher, Stelle im Eingabetext) und der Bericht des Prüfers über den Vorschlag."""
    from notify.cli.simplify import PROFILES, proposal

    if body.profile not in PROFILES:
        raise HTTPException(
            status_code=400,
            detail=f"Unbekanntes Profil „{body.profile}“. Erlaubt sind: einfach, leicht.",
        )
    if not body.text.strip():
        raise HTTPException(status_code=400, detail="Der Text ist leer.")
    runtime = getattr(request.app.state, "rt", None)
    catalogue = getattr(runtime, "catalogue", None)
    separator = getattr(catalogue, "plain_language", {}).get("compound_separator")
    return await run_in_threadpool(proposal, body.text, body.profile, separator)
