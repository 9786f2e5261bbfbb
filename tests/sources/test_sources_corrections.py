"""Corrections follow the original through the ledger (pipeline.plan), for CAP and staff alike;
shapes narrow who is concerned (topics.geometry)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import box
from source_samples import gelsenkirchen_warning

from notify.pipeline import ingest, plan
from notify.sources.alerts import context_for
from notify.sources.cap import convert_cap
from subscribers.db import session_scope
from subscribers.models import Subscriber, Subscription
from subscribers.store import iter_snapshot, save_subscriber
from topics.catalogue import load_catalogue_from
from topics.geometry import CityGeometry, load_city_geometry, load_city_geometry_from
from topics.matcher import MatchIndex

DWD = "opendata@dwd.de"


def resident(rt, email: str, subs) -> int:
    with session_scope(rt.db_url) as s:
        sub = Subscriber()
        save_subscriber(s, sub, [("email", email)], set(subs))
        return sub.id


def run(rt, event) -> set[int]:
    """What the worker does with one event: ingest, match on today's subscriptions, plan."""
    index = MatchIndex(rt.catalogue)
    with session_scope(rt.db_url) as s:
        for record in iter_snapshot(s):
            index.apply(record)
    ingested = ingest(event.to_json().encode(), rt)
    assert ingested.outcome == "new", ingested.outcome
    targets = index.deliveries(ingested.event.data.topics, ingested.event.data.area, urgent=ingested.event.urgent)
    return {sid for _did, sid, _ch in plan(rt, ingested.event, ingested.event_pk, targets)}


def cap(tag, msg_type="Alert", ref_of=None):
    ref = f"{DWD},2.49.0.0.276.0.DWD.PVW.TEST.{tag}.{ref_of},2023-06-23T11:14:00+02:00" if ref_of else None
    return convert_cap(gelsenkirchen_warning(tag, msg_type, ref), context_for("gelsenkirchen")).event


def test_update_reaches_who_got_the_alert_and_the_newly_concerned_cancel_only_who_got_it(runtime):
    anna = resident(runtime, "anna@example.org", [("unwetter", "buer")])
    bert = resident(runtime, "bert@example.org", [("warnungen", "citywide")])
    resident(runtime, "cem@example.org", [("baustellen", "buer")])  # other topic: never
    assert run(runtime, cap("c1")) == {anna, bert}

    # Anna stops weather warnings, Dora starts: the update still reaches Anna (she got the warning).
    with session_scope(runtime.db_url) as s:
        s.query(Subscription).filter(Subscription.subscriber_id == anna).delete()
        s.add(Subscription(subscriber_id=anna, topic_id="abfuhr", district_id="buer"))
    dora = resident(runtime, "dora@example.org", [("unwetter", "erle")])
    assert run(runtime, cap("c1", "Update", ref_of="Alert")) == {anna, bert, dora}

    # The all-clear goes to those who got the update or the warning, nobody new.
    erik = resident(runtime, "erik@example.org", [("unwetter", "citywide")])
    all_clear = cap("c1", "Cancel", ref_of="Update")
    assert run(runtime, all_clear) == {anna, bert, dora}
    assert erik in run(runtime, cap("c1-next"))  # a fresh warning does reach Erik


def test_a_cancel_of_something_nobody_got_reaches_nobody(runtime):
    resident(runtime, "anna@example.org", [("unwetter", "buer")])
    assert run(runtime, cap("c2", "Cancel", ref_of="Alert")) == set()


def test_a_staff_correction_reaches_who_got_the_original_even_after_they_changed_topics(runtime):
    from notify.events import parse_event

    anna = resident(runtime, "anna@example.org", [("baustellen", "buer")])
    base = {"specversion": "1.0", "source": "/stadtbote/redaktion", "type": "de.gelsenkirchen.baustelle"}
    data = {"title": "Sperrung in Buer", "text": "Die Straße ist ab Montag gesperrt.", "topics": ["baustellen"],
            "area": ["buer"]}  # fmt: skip
    assert run(runtime, parse_event({**base, "id": "ANN-1", "data": data}, runtime.catalogue)) == {anna}
    with session_scope(runtime.db_url) as s:
        s.query(Subscription).filter(Subscription.subscriber_id == anna).delete()
        s.add(Subscription(subscriber_id=anna, topic_id="abfuhr", district_id="buer"))
    fix = {**base, "id": "ANN-2", "corrects": "ANN-1", "data": {**data, "title": "Korrektur: Sperrung in Buer"}}
    assert run(runtime, parse_event(fix, runtime.catalogue)) == {anna}


# -- geometry --------------------------------------------------------------------------------
def test_the_shipped_pack_knows_only_a_box_around_the_city_no_stadtteil_shapes():
    geometry = load_city_geometry("gelsenkirchen")
    assert geometry.districts == {} and geometry.outline is not None
    assert geometry.outline.bounds == (6.97, 51.47, 7.18, 51.64)


@pytest.mark.parametrize(("area", "geometry", "expected"), [
    (["buer"], None, ["buer"]),
    (["buer"], {"type": "Point", "coordinates": [12.99, 47.63]}, None),  # Berchtesgaden: nobody
    ("citywide", {"type": "Point", "coordinates": [7.05, 51.58]}, "citywide"),
    (["buer"], {"type": "Polygon", "coordinates": [[[7.0, 51.5], [7.1, 51.5], [7.1, 51.6], [7.0, 51.5]]]}, ["buer"]),
    (["buer"], {"type": "Polygon", "coordinates": "kaputt"}, ["buer"]),  # unreadable: ignored, area stays
])  # fmt: skip
def test_event_geometry_narrows_the_area_with_the_shipped_outline(area, geometry, expected):
    assert load_city_geometry("gelsenkirchen").refine(area, geometry) == expected


@pytest.fixture
def pack_with_districts(tmp_path: Path) -> Path:
    """A test pack with made-up square Stadtteile (test data, not real borders)."""
    src = Path("topics/cities/gelsenkirchen")
    for name in ("topics.yaml", "districts.yaml", "city.yaml"):
        (tmp_path / name).write_text((src / name).read_text(encoding="utf-8"), encoding="utf-8")
    squares = {"buer": box(7.0, 51.55, 7.1, 51.6), "erle": box(7.1, 51.55, 7.2, 51.6), "horst": box(6.9, 51.5, 7.0, 51.55)}
    features = [{"type": "Feature", "properties": {"id": d}, "geometry": json.loads(json.dumps(g.__geo_interface__))}
                for d, g in squares.items()]  # fmt: skip
    (tmp_path / "districts.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return tmp_path


def test_with_district_shapes_a_polygon_reaches_the_stadtteile_it_touches(pack_with_districts):
    geometry = load_city_geometry_from(pack_with_districts)
    assert set(load_catalogue_from(pack_with_districts).districts) >= {"buer", "erle", "horst"}
    assert geometry.concerned([box(7.05, 51.56, 7.15, 51.57)]) == ["buer", "erle"]
    assert geometry.concerned([box(6.5, 51.0, 6.6, 51.1)]) is None
    assert geometry.concerned([box(6.0, 51.0, 8.0, 52.0)]) == "citywide"
    assert geometry.refine(["buer", "horst"], box(7.05, 51.56, 7.06, 51.57).__geo_interface__) == ["buer"]
    assert CityGeometry().refine(["buer"], {"type": "Point", "coordinates": [0, 0]}) == ["buer"]  # no shapes


def test_an_update_that_moves_the_warning_away_is_an_all_clear_for_those_who_got_it(runtime):
    import re

    anna = resident(runtime, "anna@example.org", [("unwetter", "buer")])
    assert run(runtime, cap("c3")) == {anna}
    elsewhere = re.sub(rb"<value>805513000</value>", b"<value>809172116</value>",  # Berchtesgaden's warn cell
                       gelsenkirchen_warning("c3", "Update", f"{DWD},2.49.0.0.276.0.DWD.PVW.TEST.c3.Alert,x"))  # fmt: skip
    moved = convert_cap(elsewhere, context_for("gelsenkirchen", runtime.db_url)).event
    assert moved.model_extra["correction"] == "cancel" and moved.data.title.startswith("Entwarnung: ")
    assert moved.data.text.startswith("Die Warnung gilt nicht mehr für Gelsenkirchen.")
    assert run(runtime, moved) == {anna}
    never_sent = re.sub(rb"TEST\.c3\.Alert", b"TEST.c9.Alert", elsewhere)
    assert convert_cap(never_sent, context_for("gelsenkirchen", runtime.db_url)).event is None
