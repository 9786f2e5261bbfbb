"""The announcement editor's form: what the fields hold, read from a submitted form, turned into the
domain's draft fields, and validation errors as the page shows them (German, per field)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from notify import announcements as domain
from notify.formatting import CITY_TZ
from notify.web.error_pages import german_message
from subscribers.announcements import Announcement, aware
from subscribers.models import CHANNELS
from topics.catalogue import CITYWIDE

FIELD_NAMES = {"title": "Überschrift", "text": "Text", "topics": "Themen", "area": "Gebiet", "urgency": "Dringlichkeit",
               "channels": "Kanäle", "link": "Link", "schedule_at": "Zeitpunkt", "profile": "Sprachstufe",
               "starts_at": "Beginn", "ends_at": "Ende"}  # fmt: skip


def local(value: datetime | None) -> str:
    """For <input type=datetime-local>: city time without zone."""
    return aware(value).astimezone(CITY_TZ).strftime("%Y-%m-%dT%H:%M") if value else ""


def form_values(ann: Announcement | None = None) -> dict[str, Any]:
    if ann is None:
        return {"title": "", "text": "", "topics": [], "area_mode": "citywide", "districts": [], "urgency": "normal",
                "channels": list(CHANNELS), "profile": "einfach", "link": "", "schedule_at": "", "kind": "announcement",
                "public": True, "starts_at": "", "ends_at": ""}  # fmt: skip
    area = ann.area_value
    return {"title": ann.title, "text": ann.text, "topics": ann.topic_list,
            "area_mode": "citywide" if area == CITYWIDE else "districts",
            "districts": [] if area == CITYWIDE else area, "urgency": ann.urgency, "channels": ann.channel_list,
            "profile": ann.profile, "link": ann.link or "", "schedule_at": local(ann.schedule_at), "kind": ann.kind,
            "public": ann.public, "starts_at": local(ann.starts_at), "ends_at": local(ann.ends_at)}  # fmt: skip


def values_from_form(form) -> dict[str, Any]:
    return {
        "title": form.get("title", "").strip(), "text": form.get("text", "").replace("\r\n", "\n"),
        "topics": form.getlist("topics"), "area_mode": form.get("area_mode", "citywide"),
        "districts": form.getlist("districts"), "urgency": form.get("urgency", "normal"),
        "channels": form.getlist("channels"), "profile": form.get("profile", "einfach"),
        "link": form.get("link", "").strip(), "schedule_at": form.get("schedule_at", "").strip(),
        "starts_at": form.get("starts_at", "").strip(), "ends_at": form.get("ends_at", "").strip(),
        "kind": form.get("kind", "announcement").strip() or "announcement",
        # an unticked checkbox is not sent: "public_shown" says the form had it
        "public": form.get("public") == "1" if form.get("public_shown") else True,
    }  # fmt: skip


def to_fields(values: dict[str, Any], new: bool) -> domain.DraftFields:
    data = {
        "title": values["title"] or None, "text": values["text"] or None, "topics": values["topics"] or None,
        "area": CITYWIDE if values["area_mode"] == "citywide" else values["districts"],
        "urgency": values["urgency"], "channels": values["channels"] or None, "profile": values["profile"],
        "link": values["link"] or None, "schedule_at": values["schedule_at"] or None, "kind": values["kind"],
        "starts_at": values.get("starts_at") or None, "ends_at": values.get("ends_at") or None,
        "public": values.get("public", True),
    }  # fmt: skip
    model = domain.NewDraft if new else domain.DraftFields
    return model.model_validate(data)


def form_errors(exc: ValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors(include_url=False):
        name = str(err["loc"][0]) if err["loc"] else ""
        empty = err["type"] in ("missing", "too_short", "string_too_short") or (
            err["type"] == "string_type" and err.get("input") in (None, ""))
        message = "Bitte ausfüllen." if empty else german_message(err)
        out.append({"field": name, "label": FIELD_NAMES.get(name, name), "message": message})
    return out


