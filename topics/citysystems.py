"""How other city systems name this city, and how their codes map onto our topics and districts.

Facts only, from the city pack's ``sources.yaml``: the official identifiers (AGS, ARS, DWD warn
cells), CAP categories and event codes → topic ids, OParl organizations → Stadtbezirk. The
adapters in ``notify/sources/`` use this; nothing here knows about CAP or OParl documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from topics.catalogue import CityPackError, resolve_pack_dir


def _digits(value: str) -> str:
    """``"05513000 "`` and ``"5513000"`` → ``"5513000"``: real data drops leading zeros."""
    return "".join(c for c in str(value) if c.isdigit()).lstrip("0")


@dataclass(frozen=True)
class BezirkRule:
    match: str
    district: str


@dataclass
class CitySystems:
    ags: frozenset[str] = frozenset()
    ars: frozenset[str] = frozenset()
    warncells: frozenset[str] = frozenset()
    cap_categories: dict[str, list[str]] = field(default_factory=dict)
    cap_default: list[str] = field(default_factory=list)
    cap_event_codes: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    council_topic: str | None = None
    district_topic: str | None = None
    bezirksvertretungen: list[BezirkRule] = field(default_factory=list)

    def names_city(self, kind: str, value: str) -> bool:
        """Whether a geocode (``ARS``, ``AGS``, ``WARNCELLID``, …) names this city.

        Accepts AGS with or without the leading zero, and an ARS whose first digits are the
        city's (the 12-digit ARS of the city, or a Gemeinde-level ARS padded with zeros). A
        code for a larger region (a Land, "the whole of Germany") does not count: the city
        would have to be listed itself.
        """
        kind = kind.strip().upper()
        code = _digits(value)
        if not code:
            return False
        if kind in ("WARNCELLID", "WARNCELL"):
            return code in self.warncells
        if kind in ("AGS", "GEMEINDESCHLUESSEL"):
            return code in self.ags
        if kind in ("ARS", "AREAID", "REGIONALSCHLUESSEL"):
            return code in self.ars or code in self.ags
        return False

    def topics_for_cap(self, categories: list[str], event_codes: list[tuple[str, str]]) -> list[str]:
        """Event codes win over categories; unknown categories fall back to ``cap_default``."""
        by_code: list[str] = []
        for name, value in event_codes:
            by_code += self.cap_event_codes.get(name.strip(), {}).get(value.strip(), [])
        if by_code:
            return list(dict.fromkeys(by_code))
        topics: list[str] = []
        for category in categories:
            topics += self.cap_categories.get(category.strip(), self.cap_default)
        return list(dict.fromkeys(topics or self.cap_default))

    def bezirk_of(self, *names: str | None) -> str | None:
        """The Stadtbezirk whose Bezirksvertretung one of ``names`` is (organization, meeting)."""
        for name in names:
            if not name:
                continue
            folded = " ".join(name.replace("\xa0", " ").split()).casefold()
            for rule in self.bezirksvertretungen:
                if rule.match.casefold() in folded:
                    return rule.district
        return None


def load_city_systems_from(doc: dict[str, Any]) -> CitySystems:
    ids = doc.get("identifiers", {})
    oparl = doc.get("oparl", {})
    try:
        rules = [BezirkRule(str(r["match"]), str(r["district"])) for r in oparl.get("bezirksvertretungen", [])]
    except (KeyError, TypeError):
        raise CityPackError("sources.yaml: every Bezirksvertretung needs match and district") from None
    return CitySystems(
        ags=frozenset(_digits(v) for v in ids.get("ags", [])),
        ars=frozenset(_digits(v) for v in ids.get("ars", [])),
        warncells=frozenset(_digits(v) for v in ids.get("warncells", [])),
        cap_categories={str(k): list(v) for k, v in doc.get("cap_categories", {}).items()},
        cap_default=list(doc.get("cap_default", [])),
        cap_event_codes={str(k): {str(c): list(t) for c, t in v.items()} for k, v in doc.get("cap_event_codes", {}).items()},
        council_topic=oparl.get("council_topic"),
        district_topic=oparl.get("district_topic"),
        bezirksvertretungen=rules,
    )


@cache
def load_city_systems(city: str = "gelsenkirchen") -> CitySystems:
    """The pack's ``sources.yaml``; a pack without one knows no foreign identifiers."""
    path = resolve_pack_dir(city) / "sources.yaml"
    if not path.exists():
        return CitySystems()
    return load_city_systems_from(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
