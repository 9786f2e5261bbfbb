"""Where a shape falls in the city: polygons and circles → the Stadtteile they touch, or the city.

The city pack may carry ``outline.geojson`` (the city) and ``districts.geojson`` (one feature per
Stadtteil or Stadtbezirk, ``properties.id`` = a district id of the pack). With district shapes, a
shape concerns the districts it touches; without them, a shape that touches the outline concerns
the whole city. A pack with neither cannot place shapes: they then change nothing.

Coordinates are GeoJSON order (longitude, latitude) everywhere in this module; adapters convert
their formats (CAP XML writes ``lat,lon``) before calling it.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from topics.catalogue import CITYWIDE, CityPackError, resolve_pack_dir

log = logging.getLogger(__name__)
KM_PER_DEGREE = 111.32


class BadGeometry(ValueError):
    """A shape that cannot be read (wrong nesting, too few points, not numbers)."""


def polygon(points: Sequence[tuple[float, float]] | np.ndarray) -> BaseGeometry:
    """A polygon from (lon, lat) points; an unclosed ring is closed. Not yet checked for
    validity: that costs more than everything else, so ``valid`` does it only for shapes near
    the city."""
    coords = np.asarray(points, dtype=float)
    if coords.ndim != 2 or coords.shape[0] < 3 or coords.shape[1] != 2:
        raise BadGeometry("ein Polygon braucht mindestens drei Punkte (Länge, Breite)")
    if not np.array_equal(coords[0], coords[-1]):
        coords = np.vstack([coords, coords[:1]])
    if coords.shape[0] < 4:
        raise BadGeometry("ein Polygon braucht mindestens drei verschiedene Punkte")
    made: BaseGeometry = shapely.polygons(coords)  # type: ignore[assignment]  # one coords array → one Polygon
    return made  # vectorised: Polygon(list) walks every point in Python, 10× slower on real outlines


def valid(geom: BaseGeometry) -> BaseGeometry:
    """A self-touching ring (common in real warning polygons) repaired."""
    return geom if geom.is_valid else geom.buffer(0)


def _boxes_meet(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def circle(lon: float, lat: float, radius_km: float) -> BaseGeometry:
    """A circle of ``radius_km`` around a point, as an ellipse in degrees (good enough at city scale)."""
    radius_km = max(radius_km, 0.05)  # "radius 0" in real data means "this point"
    unit = Point(lon, lat).buffer(1.0, quad_segs=16)
    return affinity.scale(
        unit,
        xfact=radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01)),
        yfact=radius_km / KM_PER_DEGREE,
        origin=(lon, lat),
    )


def from_geojson(doc: dict[str, Any]) -> BaseGeometry:
    """A GeoJSON geometry, Feature or FeatureCollection → one shapely geometry."""
    try:
        kind = doc.get("type")
        if kind == "FeatureCollection":
            return unary_union([from_geojson(f) for f in doc.get("features", [])])
        if kind == "Feature":
            return from_geojson(doc["geometry"])
        geom = shape(doc)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadGeometry(f"kein gültiges GeoJSON ({exc})") from None
    if geom.is_empty:
        raise BadGeometry("leere Geometrie")
    return geom if geom.is_valid else geom.buffer(0)


@dataclass
class CityGeometry:
    """The shapes a city pack carries. ``outline`` None = the pack cannot place shapes."""

    outline: BaseGeometry | None = None
    districts: dict[str, BaseGeometry] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return self.outline is not None or bool(self.districts)

    def concerned(self, shapes: Iterable[BaseGeometry], exclude: Iterable[BaseGeometry] = ()) -> str | list[str] | None:
        """Who ``shapes`` (minus ``exclude``) concern: district ids, ``citywide``, or None (elsewhere).

        Touching counts (a warning area that ends at the border still concerns the city). With
        district shapes the answer is the districts touched; a shape covering all of them is
        city-wide.
        """
        known = [*self.districts.values()] or ([self.outline] if self.outline is not None else [])
        if not known:
            return None
        city_box = unary_union(known).bounds if len(known) > 1 else known[0].bounds
        near = [valid(s) for s in shapes if not s.is_empty and _boxes_meet(s.bounds, city_box)]
        if not near:  # most warnings are for elsewhere: decided by their boxes, in microseconds
            return None
        area = unary_union(near)
        holes = [valid(h) for h in exclude if _boxes_meet(h.bounds, city_box)]
        if holes:
            area = area.difference(unary_union(holes))
        if area.is_empty:
            return None
        if self.districts:
            hit = [d for d, geom in self.districts.items() if area.intersects(geom)]
            if not hit:
                return None
            return CITYWIDE if len(hit) == len(self.districts) else hit
        if self.outline is not None and area.intersects(self.outline):
            return CITYWIDE
        return None

    def refine(self, area: str | list[str], geometry: dict[str, Any] | None) -> str | list[str] | None:
        """An event's ``area`` narrowed by its optional GeoJSON ``geometry`` (the event contract).

        No geometry, or a pack without shapes → ``area`` unchanged. A geometry outside the city
        → None (nobody). With district shapes → the districts both name and touch (the named
        area's Stadtteile, if the named area is a Stadtbezirk: ``districts.geojson`` decides).
        """
        if geometry is None or not self.known:
            return area
        try:
            where = self.concerned([from_geojson(geometry)])
        except BadGeometry as exc:
            log.warning("event geometry ignored: %s", exc)
            return area
        if where is None:
            return None
        if area == CITYWIDE:
            return where
        if where == CITYWIDE or not self.districts:
            return area
        return [d for d in area if d in where] or None


def _features(path: Path) -> list[dict[str, Any]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return doc.get("features", []) if doc.get("type") == "FeatureCollection" else [doc]


def load_city_geometry_from(pack_dir: Path) -> CityGeometry:
    geometry = CityGeometry()
    outline = pack_dir / "outline.geojson"
    districts = pack_dir / "districts.geojson"
    try:
        if outline.exists():
            geometry.outline = unary_union([from_geojson(f) for f in _features(outline)])
        if districts.exists():
            for feature in _features(districts):
                district = str(feature.get("properties", {}).get("id", ""))
                geometry.districts[district] = from_geojson(feature)
    except (BadGeometry, ValueError) as exc:
        raise CityPackError(f"{pack_dir}: geometry cannot be read ({exc})") from None
    if geometry.outline is None and geometry.districts:
        geometry.outline = unary_union(list(geometry.districts.values()))
    return geometry


@cache
def load_city_geometry(city: str = "gelsenkirchen") -> CityGeometry:
    return load_city_geometry_from(resolve_pack_dir(city))
