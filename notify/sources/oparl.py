"""OParl 1.0/1.1 (council information systems) → messages about future meetings.

One run: System → Body list → each Body's meeting list, following ``links.next``; on later runs
only what changed (``modified_since``, the spec's filter; a server that ignores it costs time,
not correctness, because every meeting is compared with what we sent last). For each meeting:

- in the future, new → a message in *Politik & Ratssitzungen* (starts_at/ends_at, place, public
  agenda items, link to the RIS page); a Bezirksvertretung's goes to its Stadtbezirk (city
  pack), everything else to the whole city;
- in the future, moved (start, end or place changed) → a correction to those who got it and to
  anyone newly concerned; cancelled, or deleted (a tombstone) → a cancellation to those who got it;
- in the past → archived: remembered as seen, nobody is notified (a first import sends nothing
  about 300 old meetings).

Robust to what real servers do: ``end`` before ``start`` (the end is dropped), organizations that
answer 404 (the meeting's own name decides), AGS without its leading zero, trailing
non-breaking spaces, 1.0 and 1.1 type URIs mixed, tombstones without ``type``, ``limit`` ignored.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from notify.events import CityEvent, InvalidEvent, parse_event
from notify.formatting import CITY_TZ, german_date
from notify.sources.alerts import Context, link_of
from topics.catalogue import CITYWIDE

log = logging.getLogger("stadtbote.sources.oparl")
MAX_PAGES = 2000
MAX_AGENDA_ITEMS = 40
_NOT_PUBLIC = re.compile(r"nicht\s*öffentlich|nichtöffentlich", re.I)
_PUBLIC = re.compile(r"öffentlich", re.I)


class OParlError(RuntimeError):
    """The server could not be read at all (the message says which address and why)."""


def clean(value: Any) -> str:
    """Names with trailing non-breaking spaces and double blanks, as real servers send them."""
    return " ".join(str(value or "").replace("\xa0", " ").split())


def kind(obj: dict[str, Any]) -> str:
    """``https://schema.oparl.org/1.0/Meeting`` and ``…/1.1/Meeting`` alike → ``Meeting``."""
    return str(obj.get("type") or "").rstrip("/").rsplit("/", 1)[-1]


def when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CITY_TZ)  # a local time without zone


class Client:
    """GETs JSON; 404 → None (real servers link to objects they no longer serve)."""

    def __init__(self, http: httpx.Client | None = None):
        self.http = http or httpx.Client(timeout=30, follow_redirects=True,
                                         headers={"User-Agent": "Stadtbote OParl-Leser"})  # fmt: skip
        self._own = http is None
        self.requests = 0

    def get(self, url: str, params: dict[str, str] | None = None) -> dict[str, Any] | None:
        last: Exception | None = None
        for _attempt in range(3):
            self.requests += 1
            try:
                response = self.http.get(url, params=params)
            except httpx.TransportError as exc:
                last = exc
                continue
            if response.status_code in (404, 410):
                return None
            if response.status_code >= 500:
                last = OParlError(f"{url}: Antwort {response.status_code}")
                continue
            if response.status_code >= 400:
                raise OParlError(f"{url}: Antwort {response.status_code}")
            try:
                doc = response.json()
            except ValueError:
                raise OParlError(f"{url}: kein JSON") from None
            return doc if isinstance(doc, dict) else {"data": doc}
        raise OParlError(f"{url} ist nicht erreichbar ({last})")

    def pages(self, url: str, params: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every object of a paginated list, following ``links.next`` (each page once)."""
        seen: set[str] = set()
        next_url: str | None = url
        while next_url and next_url not in seen and len(seen) < MAX_PAGES:
            seen.add(next_url)
            page = self.get(next_url, params if next_url == url else None)
            if page is None:
                return
            yield from (o for o in page.get("data", []) if isinstance(o, dict))
            next_url = (page.get("links") or {}).get("next")

    def close(self) -> None:
        if self._own:
            self.http.close()


@dataclass
class Outcome:
    events: list[CityEvent] = field(default_factory=list)
    archived: int = 0  # past meetings: remembered, nobody notified
    unchanged: int = 0
    tombstones: int = 0
    skipped: list[str] = field(default_factory=list)  # reasons


def fingerprint(meeting: dict[str, Any]) -> str:
    parts = [str(meeting.get("start")), str(meeting.get("end")), place(meeting), str(bool(meeting.get("cancelled")))]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def place(meeting: dict[str, Any]) -> str:
    loc = meeting.get("location")
    if not isinstance(loc, dict):
        return ""
    if description := clean(loc.get("description")):
        return description
    bits = [clean(loc.get(k)) for k in ("room", "streetAddress")]
    town = " ".join(b for b in (clean(loc.get("postalCode")), clean(loc.get("locality"))) if b)
    return ", ".join(b for b in [*bits, town] if b)


def public_agenda(meeting: dict[str, Any]) -> list[str]:
    """Agenda items a resident may attend: ``public`` false, or after a "Nichtöffentliche
    Sitzung" heading (SD.NET writes the parts as items), is left out."""
    items, public = [], True
    for item in meeting.get("agendaItem") or []:
        if not isinstance(item, dict):
            continue
        name = clean(item.get("name"))
        if _NOT_PUBLIC.search(name) and len(name) < 60:
            public = False
            continue
        if _PUBLIC.search(name) and len(name) < 60 and not item.get("number", "").strip(".").isdigit():
            public = True
            continue
        if item.get("public") is False or not public or not name:
            continue
        number = clean(item.get("number"))
        items.append(f"{number} {name}".strip())
    return items[:MAX_AGENDA_ITEMS]


def meeting_times(meeting: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    start, end = when(meeting.get("start")), when(meeting.get("end"))
    if start and end and end < start:  # seen in real data: the end is then unknown
        end = None
    return start, end


def _clock(value: datetime) -> str:
    local = value.astimezone(CITY_TZ)
    return f"{local.hour}:{local.minute:02d} Uhr"


def compose(meeting: dict[str, Any], change: str | None) -> tuple[str, str]:
    start, end = meeting_times(meeting)
    assert start is not None
    name = clean(meeting.get("name")) or "Sitzung"
    title = f"{name} am {german_date(start)}"
    prefix = {"moved": "Geändert: ", "cancelled": "Abgesagt: "}.get(change or "", "")
    lines = []
    if change == "cancelled":
        lines.append("Diese Sitzung fällt aus.")
    elif change == "moved":
        lines.append("Zeit oder Ort dieser Sitzung haben sich geändert.")
    when_text = f"Die Sitzung beginnt am {german_date(start)} um {_clock(start)}."
    if end:
        when_text += f" Sie endet gegen {_clock(end)}."
    lines.append(when_text)
    if where := place(meeting):
        lines.append(f"Ort: {where}")
    if change != "cancelled":
        agenda = public_agenda(meeting)
        if agenda:
            lines.append("**Öffentliche Tagesordnung**\n\n" + "\n".join(f"- {a}" for a in agenda))
            lines.append("Sie können bei den öffentlichen Punkten zuhören.")
    return (prefix + title)[:200], "\n\n".join(lines)


@dataclass
class Reader:
    """One OParl server; ``state`` is what earlier runs remembered (kept by the caller)."""

    ctx: Context
    client: Client
    state: dict[str, Any]
    now: datetime = field(default_factory=lambda: datetime.now(CITY_TZ))
    _orgs: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    def organization(self, url: str) -> dict[str, Any] | None:
        if url not in self._orgs:
            try:
                self._orgs[url] = self.client.get(url)
            except OParlError as exc:  # one unreachable organization must not stop the run
                log.warning("organization not readable: %s", exc)
                self._orgs[url] = None
        return self._orgs[url]

    def audience(self, meeting: dict[str, Any]) -> tuple[list[str], str | list[str]]:
        names: list[str | None] = []
        for org in meeting.get("organization") or []:
            obj = org if isinstance(org, dict) else self.organization(str(org))
            if obj:
                names += [clean(obj.get("name")), clean(obj.get("shortName"))]
        names.append(clean(meeting.get("name")))
        systems = self.ctx.systems
        bezirk = systems.bezirk_of(*names)
        if bezirk and bezirk in self.ctx.catalogue.districts and systems.district_topic:
            return [systems.district_topic], [bezirk]
        return [systems.council_topic or "politik"], CITYWIDE

    def event(self, source: str, meeting: dict[str, Any], change: str | None, known: dict[str, Any]) -> CityEvent:
        start, end = meeting_times(meeting)
        title, text = compose(meeting, change)
        topics, area = self.audience(meeting)
        data: dict[str, Any] = {"title": title, "text": text, "topics": topics, "area": area,
                                "starts_at": start.isoformat() if start else None,
                                "valid_until": (end or start).isoformat() if start else None}  # fmt: skip
        if end:
            data["ends_at"] = end.isoformat()
        if link := link_of(str(meeting.get("web") or "")):
            data["link"] = link
        version = int(known.get("version", 0)) + (1 if known else 0)
        base_id = str(meeting["id"])
        envelope: dict[str, Any] = {
            "specversion": "1.0", "id": base_id if version == 0 else f"{base_id}#v{version}", "source": source,
            "type": f"{self.ctx.type_prefix}.ratssitzung", "time": self.now.isoformat(),
            "datacontenttype": "application/json", "subject": f"meeting/{base_id}",
            "data": {k: v for k, v in data.items() if v is not None},
        }  # fmt: skip
        if known:
            envelope["corrects"] = known["event"]
            envelope["references"] = " ".join(known.get("events", [known["event"]]))
            if change == "cancelled":
                envelope["correction"] = "cancel"
        return parse_event(envelope, self.ctx.catalogue)

    def meeting(self, source: str, meeting: dict[str, Any], out: Outcome) -> None:
        meeting_id = str(meeting.get("id") or "")
        if not meeting_id:
            out.skipped.append("Sitzung ohne id")
            return
        sent = self.state.setdefault("meetings", {})
        known = sent.get(meeting_id, {})
        if meeting.get("deleted"):  # a tombstone: no type, no start
            out.tombstones += 1
            last_start = when((known.get("last") or {}).get("start"))
            if known and not known.get("gone") and last_start and last_start > self.now:
                out.events.append(self.event(source, {**known["last"], "id": meeting_id}, "cancelled", known))
                self._remember(meeting_id, known, out.events[-1], None, gone=True)
            return
        if kind(meeting) not in ("Meeting", ""):
            return
        start, _ = meeting_times(meeting)
        if start is None:
            out.skipped.append(f"{meeting_id}: ohne Beginn")
            return
        if start <= self.now:
            out.archived += 1
            return
        cancelled = bool(meeting.get("cancelled"))
        if not known:
            if cancelled:  # never announced, now cancelled: nothing to say
                out.unchanged += 1
                return
            change = None
        elif known.get("gone") or known.get("fp") == fingerprint(meeting):
            out.unchanged += 1
            return
        else:
            change = "cancelled" if cancelled else "moved"
        try:
            event = self.event(source, meeting, change, known)
        except InvalidEvent as exc:
            out.skipped.append(f"{meeting_id}: {exc.detail}")
            return
        out.events.append(event)
        self._remember(meeting_id, known, event, meeting, gone=cancelled)

    def _remember(self, meeting_id: str, known: dict[str, Any], event: CityEvent, meeting: dict[str, Any] | None,
                  gone: bool) -> None:  # fmt: skip
        last = known.get("last") if meeting is None else {
            k: meeting.get(k) for k in ("name", "start", "end", "location", "organization", "web")}  # fmt: skip
        self.state["meetings"][meeting_id] = {
            "event": event.id, "events": [*known.get("events", []), event.id],
            "version": (int(known.get("version", 0)) + 1) if known else 0,
            "fp": fingerprint(meeting) if meeting else known.get("fp"), "gone": gone, "last": last,
        }  # fmt: skip

    def run(self, url: str, since: datetime | None = None) -> Outcome:
        out = Outcome()
        started = self.now
        root = self.client.get(url)
        if root is None:
            raise OParlError(f"{url} antwortet mit 404.")
        if kind(root) == "Body":
            bodies = [root]
        else:
            body_ref = root.get("body")
            bodies = list(self.client.pages(body_ref)) if isinstance(body_ref, str) else list(root.get("data", []))
        ours = [b for b in bodies if self.ctx.systems.names_city("AGS", str(b.get("ags") or ""))]
        if bodies and not ours:
            log.warning("no body of %s names this city by its AGS; reading all %d", url, len(bodies))
        modified = since or when(self.state.get("last_run"))
        params = {"modified_since": modified.isoformat()} if modified else None
        for body in ours or bodies:
            source = str(body.get("id") or url)
            meetings = body.get("meeting")
            if not isinstance(meetings, str):
                out.skipped.append(f"{source}: keine Sitzungsliste")
                continue
            for meeting in self.client.pages(meetings, params):
                self.meeting(source, meeting, out)
        # A little overlap: a meeting changed while this run was reading is read again next time.
        self.state["last_run"] = (started - timedelta(minutes=5)).isoformat()
        return out


def state_key(url: str) -> str:
    return f"oparl:{url}"


def read_server(url: str, ctx: Context, state: dict[str, Any], since: datetime | None = None,
                http: httpx.Client | None = None, now: datetime | None = None) -> Outcome:  # fmt: skip
    """One run against ``url`` (a System or a Body); ``state`` is updated in place."""
    client = Client(http)
    try:
        reader = Reader(ctx, client, state, now=now or datetime.now(CITY_TZ))
        return reader.run(url, since)
    finally:
        client.close()
