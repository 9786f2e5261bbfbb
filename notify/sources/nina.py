"""NINA (warnung.bund.de) JSON → ``Alert``; fetching a feed with ETag; skipping what was seen.

NINA serves CAP as JSON: the same fields as CAP XML, lists where XML repeats an element, and
polygons as ``"lon,lat lon,lat …"`` — the opposite order of CAP XML. Shapes of documents:
a list of alerts (the legacy ``bbk.*/…json`` feeds), one alert (``api31/warnings/{id}.json``),
a map id → alert, or a dashboard (``api31/dashboard/{ARS}.json``: summaries only; the full
message is fetched from ``warnings/{id}.json`` next to it when read from a URL).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from notify.sources.alerts import (
    Alert,
    Area,
    Context,
    Converted,
    Info,
    parse_circle,
    parse_point_list,
    parse_references,
    parse_time,
    to_event,
)

log = logging.getLogger("stadtbote.sources.nina")
SEEN_KEEP = 5000  # identifiers+sent remembered per feed; NINA feeds hold a few hundred at most


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _s(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _codes(items: Any) -> list[tuple[str, str]]:
    return [(_s(i.get("valueName")), _s(str(i.get("value", "")))) for i in _as_list(items) if isinstance(i, dict)]


def alert_from_json(doc: dict[str, Any]) -> Alert:
    """One CAP-as-JSON object → ``Alert``; raises ValueError if it is not one."""
    if not isinstance(doc, dict) or not doc.get("identifier") or "info" not in doc:
        raise ValueError("kein CAP-Objekt (identifier und info fehlen)")
    alert = Alert(
        identifier=_s(doc.get("identifier")), sender=_s(doc.get("sender")) or "warnung.bund.de",
        sent=parse_time(doc.get("sent")), status=_s(doc.get("status")) or "Actual",
        msg_type=_s(doc.get("msgType")), scope=_s(doc.get("scope")),
        references=parse_references(doc.get("references") if isinstance(doc.get("references"), str) else ""),
    )  # fmt: skip
    for raw in _as_list(doc.get("info")):
        if not isinstance(raw, dict):
            continue
        info = Info(
            language=_s(raw.get("language")) or "en-US", categories=[_s(c) for c in _as_list(raw.get("category"))],
            event=_s(raw.get("event")), urgency=_s(raw.get("urgency")), severity=_s(raw.get("severity")),
            certainty=_s(raw.get("certainty")), event_codes=_codes(raw.get("eventCode")),
            onset=parse_time(raw.get("onset")), expires=parse_time(raw.get("expires")),
            sender_name=_s(raw.get("senderName")), headline=_s(raw.get("headline")),
            description=_s(raw.get("description")), instruction=_s(raw.get("instruction")), web=_s(raw.get("web")),
        )  # fmt: skip
        for a in _as_list(raw.get("area")):
            if not isinstance(a, dict):
                continue
            area = Area(desc=_s(a.get("areaDesc")), geocodes=_codes(a.get("geocode")))
            for p in _as_list(a.get("polygon")):
                try:
                    area.polygons.append(parse_point_list(str(p), lat_first=False))
                except ValueError:
                    continue
            for c in _as_list(a.get("circle")):
                try:
                    area.circles.append(parse_circle(str(c), lat_first=False))
                except ValueError:
                    continue
            info.areas.append(area)
        alert.infos.append(info)
    return alert


@dataclass
class Read:
    alerts: list[Alert] = field(default_factory=list)
    refused: list[Converted] = field(default_factory=list)  # with reason
    summaries: list[str] = field(default_factory=list)  # dashboard ids whose details must be fetched


def read_document(doc: Any) -> Read:
    """Any NINA document shape → alerts, plus what was refused and why."""
    out = Read()
    if isinstance(doc, dict) and "identifier" in doc:
        items: list[Any] = [doc]
    elif isinstance(doc, dict):
        items = list(doc.values())
    elif isinstance(doc, list):
        items = doc
    else:
        out.refused.append(Converted("?", reason="Das Dokument ist weder eine Meldung noch eine Liste."))
        return out
    for item in items:
        if isinstance(item, dict) and "payload" in item and "identifier" not in item:
            out.summaries.append(str(item.get("id", "")))
            continue
        try:
            out.alerts.append(alert_from_json(item))
        except ValueError as exc:
            ident = str(item.get("identifier") or item.get("id") or "?") if isinstance(item, dict) else "?"
            out.refused.append(Converted(ident, reason=f"Nicht lesbar: {exc}."))
    return out


def details_url(dashboard_url: str, warning_id: str) -> str:
    """``…/api31/dashboard/055130000000.json`` → ``…/api31/warnings/{id}.json``."""
    base = dashboard_url.split("/dashboard/", 1)[0]
    return f"{base}/warnings/{warning_id}.json"


def seen_key(alert: Alert) -> str:
    return f"{alert.identifier}|{alert.sent.isoformat() if alert.sent else ''}"


@dataclass
class FeedResult:
    converted: list[Converted] = field(default_factory=list)
    skipped_seen: int = 0
    not_modified: bool = False


def convert_new(read: Read, ctx: Context, seen: list[str]) -> FeedResult:
    """Alerts not seen before (identifier + sent) → events or reasons; ``seen`` is extended."""
    result = FeedResult(converted=list(read.refused))
    known = set(seen)
    for alert in read.alerts:
        key = seen_key(alert)
        if key in known:
            result.skipped_seen += 1
            continue
        known.add(key)
        seen.append(key)
        result.converted.append(to_event(alert, ctx))
    del seen[:-SEEN_KEEP]
    return result


def fetch(client: httpx.Client, url: str, etag: str | None) -> tuple[Any | None, str | None]:
    """GET a feed; (None, etag) when it has not changed since ``etag`` (304)."""
    headers = {"If-None-Match": etag} if etag else {}
    response = client.get(url, headers=headers)
    if response.status_code == 304:
        return None, etag
    response.raise_for_status()
    return response.json(), response.headers.get("ETag")


def poll(url: str, ctx: Context, state: dict[str, Any], client: httpx.Client | None = None) -> FeedResult:
    """Read one feed once. ``state`` (``{"etag", "seen"}``) is updated in place and kept by the caller."""
    own = client is None
    client = client or httpx.Client(timeout=20, follow_redirects=True)
    try:
        doc, etag = fetch(client, url, state.get("etag"))
        if doc is None:
            return FeedResult(not_modified=True)
        read = read_document(doc)
        for warning_id in read.summaries:
            try:
                detail, _ = fetch(client, details_url(url, warning_id), None)
                read.alerts += read_document(detail).alerts
            except (httpx.HTTPError, ValueError) as exc:
                read.refused.append(Converted(warning_id, reason=f"Einzelmeldung nicht abrufbar: {exc}."))
        result = convert_new(read, ctx, state.setdefault("seen", []))
        state["etag"] = etag
        return result
    finally:
        if own:
            client.close()


def read_file_bytes(raw: bytes) -> Read:
    try:
        return read_document(json.loads(raw))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return Read(refused=[Converted("?", reason=f"Kein gültiges JSON: {exc}.")])
