"""CAP alerts (from XML or NINA's JSON) → our CloudEvents. The mapping is in README, "City systems".

- ``identifier`` → event id, ``sender`` → source, ``sent`` → time.
- ``msgType`` Alert → a new event; Update → ``corrects`` the referenced event (its residents and
  anyone newly concerned get it); Cancel → an all-clear (``correction: cancel``: only those who
  got the original). ``references`` are read tolerantly (MoWaS writes bare identifiers).
- severity/urgency/certainty → ``urgency``; categories and event codes → topics (city pack).
- headline → title; description + instruction (kept whole under "Das sollen Sie jetzt tun") →
  text; onset/expires → starts_at/ends_at, expires → valid_until; web → link.
- one ``<info>`` per language → one version per language; the German one is the base.
- areas: a geocode naming the city (ARS, AGS, warn cell) → citywide; else polygons and circles
  minus EXCLUDE_POLYGON → the districts they touch (``topics.geometry``); else ignored.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from pydantic import AnyHttpUrl, TypeAdapter, ValidationError
from shapely.geometry import mapping

from notify.events import CityEvent, InvalidEvent, parse_event
from topics.catalogue import CITYWIDE, Catalogue
from topics.citysystems import CitySystems
from topics.geometry import BadGeometry, CityGeometry, circle, polygon, valid

log = logging.getLogger("stadtbote.sources")

URGENT_SEVERITY = {"extreme", "severe"}
URGENT_URGENCY = {"immediate", "expected"}
NOT_URGENT_CERTAINTY = {"unlikely"}
MAX_GEOMETRY_CHARS = 60_000
_URL = TypeAdapter(AnyHttpUrl)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)

# What a resident reads around the sender's text, per language (others fall back to German).
WORDS = {
    "de": {"todo": "Das sollen Sie jetzt tun", "update": "Aktualisiert: ", "cancel": "Entwarnung: ",
           "cancelled": "Die Warnung ist aufgehoben.", "from": "Absender",
           "elsewhere": "Die Warnung gilt nicht mehr für {city}."},
    "en": {"todo": "What you should do now", "update": "Update: ", "cancel": "All clear: ",
           "cancelled": "The warning has been lifted.", "from": "Sender",
           "elsewhere": "The warning no longer applies to {city}."},
}  # fmt: skip


@dataclass
class Area:
    desc: str = ""
    polygons: list[np.ndarray] = field(default_factory=list)  # rows of (lon, lat)
    circles: list[tuple[float, float, float]] = field(default_factory=list)  # lon, lat, km
    geocodes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Info:
    language: str = "en-US"  # CAP's default when <language> is missing
    categories: list[str] = field(default_factory=list)
    event: str = ""
    urgency: str = ""
    severity: str = ""
    certainty: str = ""
    event_codes: list[tuple[str, str]] = field(default_factory=list)
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    web: str = ""
    areas: list[Area] = field(default_factory=list)


@dataclass
class Alert:
    identifier: str
    sender: str
    sent: datetime | None
    status: str
    msg_type: str
    scope: str
    references: list[str] = field(default_factory=list)
    infos: list[Info] = field(default_factory=list)


@dataclass
class Converted:
    """One alert's outcome: an event to publish, or the reason it was left out."""

    identifier: str
    event: CityEvent | None = None
    reason: str | None = None


@dataclass
class Context:
    catalogue: Catalogue
    systems: CitySystems
    geometry: CityGeometry
    type_prefix: str  # "de.gelsenkirchen"
    # Whether we sent any of these events (source, ids): an Update or Cancel whose area no
    # longer includes the city is then an all-clear for those who got the warning.
    reached: Callable[[str, list[str]], bool] | None = None


def parse_references(raw: str | None) -> list[str]:
    """Referenced identifiers, newest first as written.

    CAP says: whitespace-separated ``sender,identifier,sent`` triplets. Real MoWaS data mixes
    bare identifiers, pairs and triplets with broken dates (``66--T00:00:00+00:00``); from
    each token the identifier is the second part of a pair/triplet, or the token itself.
    """
    out: list[str] = []
    for token in (raw or "").split():
        parts = [p for p in token.split(",")]
        ident = parts[1] if len(parts) >= 2 else parts[0]
        ident = ident.strip()
        if ident and not re.fullmatch(r"[\d:+\-T]*", ident) and ident not in out:
            out.append(ident)
    return out


def parse_point_list(text: str, lat_first: bool) -> np.ndarray:
    """``"lat,lon lat,lon …"`` (CAP XML) or ``"lon,lat …"`` (NINA JSON) → (lon, lat) rows.

    Vectorised: real polygons have thousands of points (a Landkreis outline). A pair with a
    third value (altitude) or a stray comma makes the whole list unreadable (ValueError)."""
    pairs = text.split()
    values = np.array(",".join(pairs).split(","), dtype=float) if pairs else np.empty(0)
    if values.size % 2 or values.size != 2 * len(pairs):
        raise ValueError("Punkte müssen Paare sein")
    points = values.reshape(-1, 2)
    return points[:, ::-1] if lat_first else points


def parse_circle(text: str, lat_first: bool = True) -> tuple[float, float, float]:
    """``"lat,lon radius_km"`` → (lon, lat, km)."""
    centre, radius = text.split()
    lon, lat = parse_point_list(centre, lat_first)[0]
    return float(lon), float(lat), float(radius)


def plain(text: str) -> str:
    """Sender HTML (``<br/>`` in MoWaS) → plain text with line breaks; entities decoded."""
    text = re.sub(r"<\s*br\s*/?\s*>", "\n", text or "", flags=re.I)
    text = re.sub(r"</\s*p\s*>", "\n\n", text, flags=re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    lines = [" ".join(line.replace("\xa0", " ").split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def link_of(web: str) -> str | None:
    """``web`` as an http(s) URL: LHP writes an ``<a href>``, MoWaS ``www.…`` without a scheme."""
    web = (web or "").strip()
    if match := _HREF.search(web):
        web = match.group(1)
    if web and not re.match(r"https?://", web, re.I):
        web = f"https://{web}" if re.match(r"[\w-]+(\.[\w-]+)+(/|$)", web) else ""
    try:
        return str(_URL.validate_python(web)) if web else None
    except ValidationError:
        return None


def lang2(language: str) -> str:
    return (language or "en").split("-")[0].strip().lower() or "en"


def base_info(alert: Alert) -> Info | None:
    for info in alert.infos:
        if lang2(info.language) == "de":
            return info
    return alert.infos[0] if alert.infos else None


def is_urgent(info: Info) -> bool:
    return (
        info.severity.lower() in URGENT_SEVERITY
        and info.urgency.lower() in URGENT_URGENCY
        and info.certainty.lower() not in NOT_URGENT_CERTAINTY
    )


def where(info: Info, ctx: Context) -> tuple[str | list[str] | None, Any]:
    """(area, shape) of an info: a geocode for the city wins; else its shapes; else None."""
    exclude, shapes = [], []
    for area in info.areas:
        for kind, value in area.geocodes:
            if kind.strip().upper() == "EXCLUDE_POLYGON":
                try:
                    exclude.append(polygon(parse_point_list(value, lat_first=True)))
                except (ValueError, BadGeometry):
                    log.warning("unreadable EXCLUDE_POLYGON skipped")
            elif ctx.systems.names_city(kind, value):
                return "citywide", None
        for points in area.polygons:
            try:
                shapes.append(polygon(points))
            except BadGeometry:
                continue
        shapes += [circle(lon, lat, km) for lon, lat, km in area.circles]
    if not shapes:
        return None, None
    concerned = ctx.geometry.concerned(shapes, exclude)
    if concerned is None:
        return None, None
    from shapely.ops import unary_union

    shape = unary_union([valid(s) for s in shapes])
    if exclude:
        shape = shape.difference(unary_union([valid(e) for e in exclude]))
    return concerned, shape.simplify(0.001)


def compose(info: Info, msg_type: str, language: str, left_city: str | None = None) -> tuple[str, str]:
    """Title and text a resident reads, in ``language`` (the info's own). ``left_city``: the
    warning moved away from that city (an Update or Cancel for elsewhere): say only that."""
    words = WORDS.get(language, WORDS["de"])
    title = " ".join(plain(info.headline or info.event).split()) or info.event or "Warnung"
    if msg_type == "Update":
        title = words["update"] + title
    elif msg_type == "Cancel":
        title = words["cancel"] + title
    parts = []
    if left_city:
        sender = f"\n\n{words['from']}: {plain(info.sender_name)}" if info.sender_name else ""
        return title[:200], words["elsewhere"].format(city=left_city) + sender
    if msg_type == "Cancel":
        parts.append(words["cancelled"])
    if description := plain(info.description):
        parts.append(description[:15_000])
    if instruction := plain(info.instruction):
        parts.append(f"**{words['todo']}**\n\n{instruction}")  # whole: never shortened
    if info.sender_name:
        parts.append(f"{words['from']}: {plain(info.sender_name)}")
    return title[:200], "\n\n".join(parts) or title


def to_event(alert: Alert, ctx: Context) -> Converted:
    """One alert → one event for the city, or the reason it is not for us (never an error)."""
    ignore = lambda reason: Converted(alert.identifier, reason=reason)  # noqa: E731
    if alert.status.lower() != "actual":
        return ignore(f"Keine echte Warnung (status {alert.status}): Übungen und Tests senden wir nicht.")
    if alert.scope and alert.scope.lower() != "public":
        return ignore(f"Nicht öffentlich (scope {alert.scope}).")
    if alert.msg_type not in ("Alert", "Update", "Cancel"):
        return ignore(f"msgType {alert.msg_type} wird nicht gesendet (nur Alert, Update, Cancel).")
    info = base_info(alert)
    if info is None:
        return ignore("Die Meldung hat keinen <info>-Teil mit Inhalt.")
    area, shape = where(info, ctx)
    msg_type, left_city = alert.msg_type, None
    if area is None and msg_type in ("Update", "Cancel") and alert.references and ctx.reached is not None \
            and ctx.reached(alert.sender, alert.references):  # fmt: skip
        area, msg_type, left_city = CITYWIDE, "Cancel", ctx.catalogue.city
    if area is None:
        desc = " ".join("; ".join(a.desc for a in info.areas if a.desc).split())[:120] or "ohne Gebietsangabe"
        return ignore(f"Die Meldung gilt nicht für {ctx.catalogue.city} (Gebiet: {desc}).")
    if info.expires is not None and info.expires <= datetime.now(UTC) and msg_type != "Cancel":
        return ignore(f"Die Warnung ist schon abgelaufen ({info.expires.isoformat()}).")
    topics = [t for t in ctx.systems.topics_for_cap(info.categories, info.event_codes) if t in ctx.catalogue.topics]
    if not topics:
        return ignore(f"Für die Kategorie {', '.join(info.categories) or '–'} ist kein Thema festgelegt.")
    language = lang2(info.language)
    title, text = compose(info, msg_type, language, left_city)
    # An all-clear is good news: it need not wake anybody at night or skip their digest.
    urgent = is_urgent(info) and msg_type != "Cancel"
    data: dict[str, Any] = {"title": title, "text": text, "topics": topics, "area": area,
                            "urgency": "urgent" if urgent else "normal"}  # fmt: skip
    if link := link_of(info.web):
        data["link"] = link
    if info.expires:
        data["valid_until"] = info.expires.isoformat()
    if info.onset and (info.expires is None or info.onset <= info.expires):
        data["starts_at"] = info.onset.isoformat()
        if info.expires:
            data["ends_at"] = info.expires.isoformat()
    if shape is not None and not shape.is_empty:
        geojson = mapping(shape)
        if len(json.dumps(geojson)) <= MAX_GEOMETRY_CHARS:
            data["geometry"] = geojson
    versions, seen = [], {language}
    for other in alert.infos:
        other_lang = lang2(other.language)
        if other is info or other_lang in seen:
            continue
        seen.add(other_lang)
        v_title, v_text = compose(other, msg_type, other_lang, left_city)
        # The sender's own translation (e.g. DWD's): not reviewed by anyone here ("reviewed" is
        # an approver's mark), not a machine proposal of ours either.
        versions.append({"language": other_lang, "profile": "standard", "title": v_title, "text": v_text,
                         "reviewed": False})  # fmt: skip
    if versions:
        data["versions"] = versions
    envelope: dict[str, Any] = {
        "specversion": "1.0", "id": alert.identifier[:200], "source": alert.sender[:500],
        "type": f"{ctx.type_prefix}.warnung", "datacontenttype": "application/json", "data": data,
    }  # fmt: skip
    if alert.sent:
        envelope["time"] = alert.sent.isoformat()
    if msg_type in ("Update", "Cancel") and alert.references:
        envelope["corrects"] = alert.references[0]
        envelope["references"] = " ".join(alert.references)
    if msg_type == "Cancel":
        envelope["correction"] = "cancel"
    try:
        return Converted(alert.identifier, event=parse_event(envelope, ctx.catalogue))
    except InvalidEvent as exc:
        details = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
        return ignore(f"Die Meldung lässt sich nicht übernehmen: {exc.detail} {details}".strip())


def context_for(city: str, db_url: str | None = None) -> Context:
    """The city pack's catalogue, identifiers and shapes, for the adapters; with ``db_url`` the
    event register tells whether we sent an event an Update or Cancel refers to."""
    from topics.catalogue import load_catalogue
    from topics.citysystems import load_city_systems
    from topics.geometry import load_city_geometry

    catalogue = load_catalogue(city)
    slug = catalogue.city.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
    slug = re.sub(r"[^a-z0-9-]+", "-", slug).strip("-") or "stadt"
    reached = (lambda source, ids: was_sent(db_url, source, ids)) if db_url else None
    return Context(catalogue, load_city_systems(city), load_city_geometry(city), f"de.{slug}", reached)


def was_sent(db_url: str, source: str, ids: list[str]) -> bool:
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import col

    from subscribers.db import session_scope
    from subscribers.models import EventRecord

    query = select(col(EventRecord.id)).where(
        col(EventRecord.source) == source, col(EventRecord.event_id).in_(ids),
        col(EventRecord.status).in_(("accepted", "matched")),
    )  # fmt: skip
    try:
        with session_scope(db_url) as session:
            return session.execute(query.limit(1)).first() is not None
    except SQLAlchemyError:  # no database yet: nothing was sent
        return False


def parse_time(value: Any) -> datetime | None:
    """CAP date-times are RFC 3339 with a zone; anything else (or a zone-less one) is dropped."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
