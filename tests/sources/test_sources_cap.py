"""CAP 1.2 and NINA: every real sample parses or is refused with a reason; the mapping as a table."""

from __future__ import annotations

import json
import re

import pytest
from source_samples import BERCHTESGADEN, CAP_DIR, MUL, NINA_DIR, files, gelsenkirchen_warning

from notify.sources.alerts import Info, context_for, is_urgent, link_of, parse_references, to_event
from notify.sources.cap import InvalidCap, convert_cap, parse_cap
from notify.sources.nina import alert_from_json, convert_new, read_file_bytes


@pytest.fixture(scope="module")
def ctx():
    return context_for("gelsenkirchen")


def test_the_real_samples_are_there():
    assert len(files(CAP_DIR, "*.xml")) >= 12 and len(files(NINA_DIR, "*.json")) >= 6, CAP_DIR


@pytest.mark.parametrize("path", files(CAP_DIR, "*.xml"), ids=lambda p: p.name)
def test_every_real_cap_sample_becomes_an_event_or_is_left_out_with_a_reason(path, ctx):
    alert = parse_cap(path.read_bytes())
    assert alert.identifier and alert.sender and alert.infos
    result = to_event(alert, ctx)
    assert (result.event is None) != (result.reason is None)
    if result.reason:  # none of the real CAP samples is for Gelsenkirchen
        assert "gilt nicht für Gelsenkirchen" in result.reason


@pytest.mark.parametrize("path", files(NINA_DIR, "*.json"), ids=lambda p: p.name)
def test_every_real_nina_sample_is_read_and_each_message_has_an_outcome(path, ctx):
    read = read_file_bytes(path.read_bytes())
    result = convert_new(read, ctx, [])
    assert read.alerts or read.summaries
    for item in result.converted:
        assert (item.event is None) != (item.reason is None), item
        if item.event is not None:
            assert item.event.data.area == "citywide" and item.event.data.topics


def test_the_iso_8859_1_sample_is_decoded_by_its_declaration():
    alert = parse_cap((CAP_DIR / "usgs_earthquake_iso8859-1.xml").read_bytes())
    descs = " ".join(a.desc for a in alert.infos[0].areas)
    assert "Usulután" in descs  # é/á read as Latin-1, not as broken UTF-8


def test_a_warning_for_berchtesgaden_is_for_elsewhere(ctx):
    result = convert_cap(BERCHTESGADEN.read_bytes(), ctx)
    assert result.event is None and "Marktschellenberg" in result.reason


def test_a_dwd_warning_for_gelsenkirchen_keeps_all_eight_languages_german_as_the_base(ctx):
    event = convert_cap(gelsenkirchen_warning("t1"), ctx).event
    assert event is not None and event.data.area == "citywide" and event.data.topics == ["unwetter"]
    assert event.data.title == "Amtliche WARNUNG vor STARKREGEN t1"
    assert event.urgent  # Severe + Immediate
    assert "**Das sollen Sie jetzt tun**\n\nACHTUNG! Hinweis auf mögliche Gefahren:" in event.data.text
    assert str(event.data.link) == "https://www.wettergefahren.de/"
    assert event.data.valid_until is not None and event.data.valid_until == event.data.ends_at
    versions = {v["language"]: v for v in event.data.versions}
    assert sorted(versions) == ["ar", "en", "es", "fr", "pl", "ru", "tr"]
    assert versions["en"]["title"] == "Official WARNING of HEAVY RAIN t1"
    assert "**What you should do now**" in versions["en"]["text"]


def test_update_and_cancel_name_the_original_and_cancel_is_an_all_clear(ctx):
    ref = "opendata@dwd.de,2.49.0.0.276.0.DWD.PVW.TEST.t2.Alert,2023-06-23T11:14:00+02:00"
    update = convert_cap(gelsenkirchen_warning("t2", "Update", ref), ctx).event
    cancel = convert_cap(gelsenkirchen_warning("t2", "Cancel", ref), ctx).event
    assert update.model_extra["corrects"] == "2.49.0.0.276.0.DWD.PVW.TEST.t2.Alert"
    assert update.data.title.startswith("Aktualisiert: ") and "correction" not in update.model_extra
    assert update.urgent and not cancel.urgent  # an all-clear is not urgent news
    assert cancel.model_extra["correction"] == "cancel"
    assert cancel.data.title.startswith("Entwarnung: ") and cancel.data.text.startswith("Die Warnung ist aufgehoben.")
    assert {v["language"]: v["title"] for v in cancel.data.versions}["en"].startswith("All clear: ")


@pytest.mark.parametrize(("raw", "expected"), [
    ("CAP@dwd.de,2.49.0.1.276.0.DWD.PVW.1548185160000.1e80,2019-01-22T20:26:00+01:00",
     ["2.49.0.1.276.0.DWD.PVW.1548185160000.1e80"]),
    ("DE-MV-HGW-W005-20220107-000 DE-MV-HGW-W005-20211215-000",  # MoWaS: bare identifiers
     ["DE-MV-HGW-W005-20220107-000", "DE-MV-HGW-W005-20211215-000"]),
    ("DE-NW-SI-SE066-20220211,DE-NW-SI-SE066-20220211-66-000,66--T00:00:00+00:00",  # broken date
     ["DE-NW-SI-SE066-20220211-66-000"]),
    ("DE-BY-CO-W141 DE-BY-CO-W141,DE-BY-CO-W141-20220118-000 DE-BY-CO-W141-20220118-000", 
     ["DE-BY-CO-W141", "DE-BY-CO-W141-20220118-000"]),
    ("", []), ("   ", []),
])  # fmt: skip
def test_references_are_read_tolerantly(raw, expected):
    assert parse_references(raw) == expected


@pytest.mark.parametrize(("severity", "urgency", "certainty", "urgent"), [
    ("Extreme", "Immediate", "Observed", True), ("Severe", "Expected", "Likely", True),
    ("Severe", "Future", "Likely", False), ("Moderate", "Immediate", "Observed", False),
    ("Minor", "Immediate", "Observed", False), ("Severe", "Immediate", "Unlikely", False),
    ("Unknown", "Unknown", "Unknown", False),
])  # fmt: skip
def test_severity_urgency_and_certainty_decide_urgent(severity, urgency, certainty, urgent):
    assert is_urgent(Info(severity=severity, urgency=urgency, certainty=certainty)) is urgent


@pytest.mark.parametrize(("web", "link"), [
    ("https://www.wettergefahren.de", "https://www.wettergefahren.de/"),
    ("www.gersthofen.de", "https://www.gersthofen.de/"),  # MoWaS: no scheme
    ('<a href="http://www.hochwasserzentralen.de/bericht_bw.htm">LHP</a>', "http://www.hochwasserzentralen.de/bericht_bw.htm"),
    ("Rufen Sie 112 an", None), ("", None), ("javascript:alert(1)", None),
])  # fmt: skip
def test_web_becomes_a_link_only_when_it_is_one(web, link):
    assert link_of(web) == link


@pytest.mark.parametrize(("doc", "says"), [
    (b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>x</identifier>", "fehlerhaft (Zeile 1"),
    (b"<rss version='2.0'><channel/></rss>", "kein CAP-Dokument"),
    (b"<alert><identifier>x</identifier></alert>", "kein CAP-Dokument"),
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
     b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'>&lol2;</alert>", "DTD"),
    (b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>x</identifier></alert>", "fehlt: sender"),
    (b"\xff\xfe not xml", "fehlerhaft"),
])  # fmt: skip
def test_broken_or_hostile_xml_is_refused_saying_why(doc, says):
    with pytest.raises(InvalidCap, match=re.escape(says)):
        parse_cap(doc)


def test_tests_and_exercises_are_not_sent(ctx):
    xml = gelsenkirchen_warning("t3").replace(b"<status>Actual</status>", b"<status>Exercise</status>")
    result = convert_cap(xml, ctx)
    assert result.event is None and "Übung" in result.reason


def _polygon_xml(polygon: str, exclude: str | None = None) -> bytes:
    xml = gelsenkirchen_warning("t4").decode()
    area = f"<area><areaDesc>polygonal event area</areaDesc><polygon>{polygon}</polygon>"
    if exclude:
        area += f"<geocode><valueName>EXCLUDE_POLYGON</valueName><value>{exclude}</value></geocode>"
    return re.sub(r"(?s)<area>.*?</area>", area + "</area>", xml).encode()


AROUND_GE = "51.45,6.9 51.45,7.3 51.7,7.3 51.7,6.9 51.45,6.9"  # lat,lon as CAP XML writes it
OVER_GE = "51.4,6.8 51.4,7.4 51.8,7.4 51.8,6.8 51.4,6.8"


@pytest.mark.parametrize(("polygon", "exclude", "concerned"), [
    (AROUND_GE, None, True),
    (AROUND_GE, OVER_GE, False),  # EXCLUDE_POLYGON cuts the city out
    ("47.5,12.8 47.5,13.1 47.7,13.1 47.7,12.8 47.5,12.8", None, False),  # Berchtesgadener Land
    ("6.9,51.45 7.3,51.45 7.3,51.7 6.9,51.7 6.9,51.45", None, False),  # lon,lat by mistake: in Africa
])  # fmt: skip
def test_polygons_touching_the_city_concern_it_exclude_polygons_cut_out(ctx, polygon, exclude, concerned):
    result = convert_cap(_polygon_xml(polygon, exclude), ctx)
    assert (result.event is not None) is concerned, result.reason
    if concerned:
        assert result.event.data.area == "citywide" and result.event.data.geometry["type"] == "Polygon"


def test_nina_polygons_are_lon_lat(ctx):
    doc = json.loads((NINA_DIR / "legacy_bbk.dwd_unwetter_2021-07.json").read_text(encoding="utf-8"))[0]
    doc["info"][0]["area"] = [{"areaDesc": "um Gelsenkirchen", "polygon": ["6.9,51.45 7.3,51.45 7.3,51.7 6.9,51.45"]}]
    doc["info"][0]["expires"] = "3021-01-01T00:00:00+01:00"
    assert to_event(alert_from_json(doc), ctx).event.data.area == "citywide"
    doc["info"][0]["area"][0]["polygon"] = ["51.45,6.9 51.45,7.3 51.7,7.3 51.45,6.9"]  # lat,lon: elsewhere
    assert to_event(alert_from_json(doc), ctx).event is None


def test_a_real_mowas_message_for_nrw_names_gelsenkirchen_by_its_ars(ctx):
    read = read_file_bytes((NINA_DIR / "legacy_bbk.mowas_gefahrendurchsagen_2022.json").read_bytes())
    [corona] = [a for a in read.alerts if a.identifier == "DE-NW-D-SE020-20220218-20-000"]
    event = to_event(corona, ctx).event
    assert event.data.area == "citywide" and event.data.topics == ["gesundheit-warnung"]
    assert "<br" not in event.data.text  # MoWaS HTML became line breaks
    assert event.model_extra["corrects"] == "DE-NW-D-SE020-20220209-20-000"


def test_a_message_seen_before_is_skipped(ctx):
    raw = (NINA_DIR / "legacy_bbk.mowas_gefahrendurchsagen_2022.json").read_bytes()
    seen: list[str] = []
    first = convert_new(read_file_bytes(raw), ctx, seen)
    again = convert_new(read_file_bytes(raw), ctx, seen)
    assert len(first.converted) == 37 and first.skipped_seen == 0
    assert again.converted == [] and again.skipped_seen == 37


def test_the_mul_sample_has_its_polygons_for_elsewhere(ctx):
    assert convert_cap(MUL.read_bytes(), ctx).event is None


@pytest.mark.parametrize("package", ["topics", "plainlang", "subscribers"])
def test_the_domain_packages_do_not_import_the_adapters(package):
    from source_samples import ROOT

    offenders = [p.name for p in (ROOT / package).rglob("*.py")
                 if re.search(r"^\s*(from|import)\s+notify\b", p.read_text(encoding="utf-8"), re.M)]  # fmt: skip
    assert offenders == []


def test_the_cli_names_each_file_sent_left_out_or_refused(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from notify.cli import app
    from notify.settings import get_settings

    monkeypatch.setenv("NOTIFY_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    broken = tmp_path / "kaputt.xml"
    broken.write_bytes(b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'>")
    try:
        result = CliRunner().invoke(app, ["sources", "cap", str(BERCHTESGADEN), str(broken)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "nicht gesendet: 2.49.0.1.276.0.DWD.PVW.1544539320000" in result.stdout
    assert "0 gesendet, 1 nicht für uns, 1 abgelehnt." in result.stdout
    assert "kaputt.xml: Das XML ist fehlerhaft" in result.stderr


def test_an_expired_warning_for_the_city_is_left_out_saying_so(ctx):
    xml = gelsenkirchen_warning("t5", hours=-1)
    result = convert_cap(xml, ctx)
    assert result.event is None and "schon abgelaufen" in result.reason
