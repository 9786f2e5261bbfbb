"""City packs: the topic tree (by Lebenslage) and the districts (Stadtbezirke → Stadtteile) as data.

A city pack is a folder with ``topics.yaml`` and ``districts.yaml``. The default pack ships in
``topics/cities/gelsenkirchen``; ``NOTIFY_CITY`` names another shipped pack or points at a folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CITIES_DIR = Path(__file__).resolve().parent / "cities"
CITYWIDE = "citywide"


class CityPackError(ValueError):
    """A city pack that cannot be loaded (missing file, duplicate id, bad shape)."""


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    parent: str | None
    postcodes: tuple[str, ...] = ()


@dataclass
class Catalogue:
    city: str
    topics: dict[str, Node]
    districts: dict[str, Node]
    sender: dict[str, Any] = field(default_factory=dict)
    plain_language: dict[str, Any] = field(default_factory=dict)  # city.yaml "plain_language"
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)

    # -- hierarchy ---------------------------------------------------------------------------
    def ancestors_or_self(self, node_id: str) -> list[str]:
        """``baustellen`` → ``[baustellen, verkehr]``; works for topics and districts alike."""
        table = self.topics if node_id in self.topics else self.districts
        chain = []
        current: str | None = node_id
        while current is not None:
            chain.append(current)
            current = table[current].parent
        return chain

    def descendants_or_self(self, node_id: str) -> list[str]:
        out, stack = [], [node_id]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(self._children.get(current, ()))
        return out

    def leaf_topics(self) -> list[str]:
        return [t for t in self.topics if not self._children.get(t)]

    def stadtteile(self) -> list[str]:
        return [d for d in self.districts if not self._children.get(d)]

    # -- what an event concerns -----------------------------------------------------------------
    def subscription_districts_for(self, area: str | list[str]) -> frozenset[str]:
        """District ids whose subscribers are concerned by an event for ``area``.

        A Stadtteil concerns its own subscribers, its Stadtbezirk's and the city-wide ones; a
        Stadtbezirk also concerns all its Stadtteile; ``citywide`` concerns every district.
        """
        if area == CITYWIDE:
            return frozenset([CITYWIDE, *self.districts])
        keys = {CITYWIDE}
        for district in area:
            keys.update(self.ancestors_or_self(district))
            keys.update(self.descendants_or_self(district))
        return frozenset(keys)

    def subscription_topics_for(self, topics: list[str]) -> frozenset[str]:
        """Topic ids whose subscribers are concerned: each event topic and its parents.

        An event about a parent (``verkehr``) does not reach people who chose only a narrower
        topic (``parken``): they asked for parking news, not all traffic news.
        """
        keys: set[str] = set()
        for topic in topics:
            keys.update(self.ancestors_or_self(topic))
        return frozenset(keys)

    def districts_for_postcode(self, postcode: str) -> list[str]:
        return [d.id for d in self.districts.values() if postcode.strip() in d.postcodes]

    # -- contract shape for GET /v1/catalogue ---------------------------------------------------
    def as_json(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "topics": [{"id": t.id, "name": t.name, "parent": t.parent} for t in self.topics.values()],
            "districts": [
                {"id": d.id, "name": d.name, "parent": d.parent, "postcodes": list(d.postcodes)}
                for d in self.districts.values()
            ],
        }


def _flatten(items: list[dict[str, Any]], parent: str | None, into: dict[str, Node], kind: str) -> None:
    for item in items:
        try:
            node_id, name = str(item["id"]), str(item["name"])
        except (KeyError, TypeError):
            raise CityPackError(f"{kind}: every entry needs an id and a name: {item!r}") from None
        if node_id in into or node_id == CITYWIDE:
            raise CityPackError(f"{kind}: duplicate or reserved id '{node_id}'")
        postcodes = tuple(str(p) for p in item.get("postcodes", ()))
        into[node_id] = Node(node_id, name, parent, postcodes)
        _flatten(item.get("children", []), node_id, into, kind)


def resolve_pack_dir(city: str) -> Path:
    candidate = Path(city)
    if candidate.is_dir():
        return candidate
    shipped = CITIES_DIR / city.lower()
    if shipped.is_dir():
        return shipped
    raise CityPackError(
        f"City pack '{city}' not found (neither a folder nor one of {sorted(p.name for p in CITIES_DIR.iterdir())})"
    )


def load_catalogue_from(pack_dir: Path) -> Catalogue:
    try:
        topics_doc = yaml.safe_load((pack_dir / "topics.yaml").read_text(encoding="utf-8"))
        districts_doc = yaml.safe_load((pack_dir / "districts.yaml").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CityPackError(f"City pack {pack_dir} is missing {Path(exc.filename).name}") from None
    topics: dict[str, Node] = {}
    districts: dict[str, Node] = {}
    _flatten(topics_doc.get("topics", []), None, topics, "topics")
    _flatten(districts_doc.get("districts", []), None, districts, "districts")
    children: dict[str, list[str]] = {}
    for node in [*topics.values(), *districts.values()]:
        if node.parent is not None:
            children.setdefault(node.parent, []).append(node.id)
    if overlap := set(topics) & set(districts):
        raise CityPackError(f"ids used for both a topic and a district: {sorted(overlap)}")
    city_path = pack_dir / "city.yaml"
    city_doc = yaml.safe_load(city_path.read_text(encoding="utf-8")) if city_path.exists() else {}
    city = city_doc.get("city") or districts_doc.get("city") or topics_doc.get("city") or pack_dir.name
    sender = {"name": f"Stadt {city}", "address": [], "phone": "", "email": "", "web": "", **city_doc.get("sender", {})}
    plain_language = dict(city_doc.get("plain_language") or {})
    return Catalogue(
        city=city, topics=topics, districts=districts, sender=sender, plain_language=plain_language, _children=children
    )


@cache
def load_catalogue(city: str = "gelsenkirchen") -> Catalogue:
    return load_catalogue_from(resolve_pack_dir(city))
