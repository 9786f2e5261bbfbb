"""CAP 1.2 XML → ``Alert`` (see ``alerts.py`` for what an alert becomes).

Parsed with defusedxml: no entity expansion, no external entities, no DTD tricks. Bytes go in
as they are, so the parser honours the declared encoding (one real sample is ISO-8859-1).
Elements are found by namespace: CAP 1.2 (and 1.1/1.0, whose shape is the same for what we read).
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

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

CAP_NAMESPACES = (
    "urn:oasis:names:tc:emergency:cap:1.2",
    "urn:oasis:names:tc:emergency:cap:1.1",
    "http://www.incident.com/cap/1.0",
)
MAX_CAP_BYTES = 2 * 1024 * 1024


class InvalidCap(ValueError):
    """A document that is not readable CAP; the message says what is wrong, in German."""


def _ns(root: Element) -> str:
    return root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""


def parse_cap(raw: bytes) -> Alert:
    """One CAP ``<alert>`` from raw bytes; raises ``InvalidCap`` saying why it is refused."""
    if len(raw) > MAX_CAP_BYTES:
        raise InvalidCap(f"Das Dokument ist größer als {MAX_CAP_BYTES // 1024 // 1024} MiB.")
    try:
        root = fromstring(raw, forbid_dtd=True)
    except DefusedXmlException:
        raise InvalidCap("Das XML enthält eine DTD oder Entitäten. Das nehmen wir nicht an.") from None
    except ParseError as exc:
        line, column = exc.position
        raise InvalidCap(f"Das XML ist fehlerhaft (Zeile {line}, Spalte {column}).") from None
    except (ValueError, LookupError) as exc:  # e.g. an encoding Python does not know
        raise InvalidCap(f"Das XML lässt sich nicht lesen: {exc}.") from None
    ns = _ns(root)
    if root.tag.rsplit("}", 1)[-1] != "alert" or ns not in CAP_NAMESPACES:
        raise InvalidCap(
            f"Das ist kein CAP-Dokument: erwartet wird <alert> im Namensraum {CAP_NAMESPACES[0]}."
        )
    q = (lambda name: f"{{{ns}}}{name}") if ns else (lambda name: name)

    def text(el: Element, name: str) -> str:
        found = el.find(q(name))
        return (found.text or "").strip() if found is not None else ""

    missing = [n for n in ("identifier", "sender", "sent", "status", "msgType") if not text(root, n)]
    if missing:
        raise InvalidCap(f"Im CAP-Dokument fehlt: {', '.join(missing)}.")
    alert = Alert(
        identifier=text(root, "identifier"), sender=text(root, "sender"), sent=parse_time(text(root, "sent")),
        status=text(root, "status"), msg_type=text(root, "msgType"), scope=text(root, "scope"),
        references=parse_references(text(root, "references")),
    )  # fmt: skip
    for el in root.findall(q("info")):
        info = Info(
            language=text(el, "language") or "en-US", categories=[c.text or "" for c in el.findall(q("category"))],
            event=text(el, "event"), urgency=text(el, "urgency"), severity=text(el, "severity"),
            certainty=text(el, "certainty"), onset=parse_time(text(el, "onset")),
            expires=parse_time(text(el, "expires")), sender_name=text(el, "senderName"),
            headline=text(el, "headline"), description=text(el, "description"),
            instruction=text(el, "instruction"), web=text(el, "web"),
        )  # fmt: skip
        info.event_codes = [(text(c, "valueName"), text(c, "value")) for c in el.findall(q("eventCode"))]
        for a in el.findall(q("area")):
            area = Area(desc=text(a, "areaDesc"))
            area.geocodes = [(text(g, "valueName"), text(g, "value")) for g in a.findall(q("geocode"))]
            for p in a.findall(q("polygon")):
                try:
                    area.polygons.append(parse_point_list(p.text or "", lat_first=True))
                except ValueError:
                    continue  # one unreadable polygon does not spoil the others
            for c in a.findall(q("circle")):
                try:
                    area.circles.append(parse_circle(c.text or ""))
                except ValueError:
                    continue
            info.areas.append(area)
        alert.infos.append(info)
    return alert


def convert_cap(raw: bytes, ctx: Context) -> Converted:
    """Raw CAP XML → an event for the city or the reason it is left out; ``InvalidCap`` if unreadable."""
    return to_event(parse_cap(raw), ctx)
