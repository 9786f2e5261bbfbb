"""A published message as readers see it: names instead of ids, versions with labels, open data.

Nothing personal ever reaches these dicts: they are built from the archive row alone.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from notify.publishing.archive import utc
from notify.publishing.store import version_key
from notify.textformat import to_html
from subscribers.published import PublishedMessage
from topics.catalogue import CITYWIDE, Catalogue

PROFILE_NAMES = {"standard": "Standard", "einfach": "Einfache Sprache", "leicht": "Leichte Sprache"}
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English", "tr": "Türkçe", "ar": "العربية", "uk": "Українська",
                  "pl": "Polski", "ru": "Русский", "fr": "Français", "es": "Español"}  # fmt: skip
KIND_NAMES = {"correction": "Korrektur", "all-clear": "Entwarnung"}


def version_label(language: str, profile: str) -> str:
    if language == "de":
        return PROFILE_NAMES.get(profile, profile)
    name = LANGUAGE_NAMES.get(language, language.upper())
    return name if profile == "standard" else f"{name} – {PROFILE_NAMES.get(profile, profile)}"


def review_mark(version: dict[str, Any]) -> str | None:
    """Said only where it applies: a reviewed version, or a machine's proposal."""
    if version.get("reviewed"):
        return "von einer Prüfgruppe geprüft"
    if version.get("machine") or version.get("origin") in ("machine", "simplify", "maschine"):
        return "maschineller Vorschlag"
    return None


def versions_of(message: PublishedMessage) -> list[dict[str, Any]]:
    """The base text first, then every stored version, each with its key and label."""
    base = {"key": "", "language": "de", "profile": "standard", "title": message.title, "text": message.text,
            "label": "Standard", "mark": None, "reviewed": False}  # fmt: skip
    out = [base]
    for v in message.version_list:
        key = version_key(v.get("language", "de"), v.get("profile", "standard"))
        if not key or any(o["key"] == key for o in out):
            continue
        out.append({**v, "key": key, "label": version_label(v["language"], v["profile"]), "mark": review_mark(v)})
    return out


def names(catalogue: Catalogue, message: PublishedMessage) -> tuple[list[str], str]:
    topics = [catalogue.topics[t].name for t in message.topic_list if t in catalogue.topics]
    area = message.area_value
    if area == CITYWIDE:
        where = f"ganz {catalogue.city}"
    else:
        where = ", ".join(catalogue.districts[d].name for d in area if d in catalogue.districts)
    return topics, where


def page_url(base_url: str, message: PublishedMessage, version: str = "") -> str:
    suffix = f"?fassung={version}" if version else ""
    return f"{base_url}/meldungen/{message.id}{suffix}"


def _iso(value: Any) -> str | None:
    value = utc(value)
    return value.isoformat().replace("+00:00", "Z") if value else None


def open_data(base_url: str, message: PublishedMessage) -> dict[str, Any]:
    """One message in ``GET /v1/messages`` and the daily dump (ARCHITECTURE.md, "HTTP")."""
    doc: dict[str, Any] = {
        "id": message.id,
        "title": message.title,
        "text": message.text,
        "topics": message.topic_list,
        "area": message.area_value,
        "urgency": message.urgency,
        "kind": message.kind,
        "published_at": _iso(message.published_at),
        "starts_at": _iso(message.starts_at),
        "ends_at": _iso(message.ends_at),
        "valid_until": _iso(message.valid_until),
        "url": page_url(base_url, message),
        "short_url": f"{base_url}/m/{message.code}",
        "link": message.link,
        "versions": [
            {k: v.get(k) for k in ("language", "profile", "title", "text", "reviewed")} for v in message.version_list
        ],
    }
    if message.corrects_id is not None:
        doc["corrects"] = message.corrects_id
    return doc


def html(text: str) -> Markup:
    """The light Markdown as HTML for the page (the e-mail's inline styles are left to the CSS)."""
    return to_html(text, styled=False)
