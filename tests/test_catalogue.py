"""The Gelsenkirchen city pack and the catalogue API shape."""

from __future__ import annotations

import pytest

from topics.catalogue import CityPackError, load_catalogue_from

STADTBEZIRKE = {"mitte", "nord", "ost", "sued", "west"}


def test_gelsenkirchen_has_five_bezirke_and_eighteen_stadtteile(catalogue):
    top = {d.id for d in catalogue.districts.values() if d.parent is None}
    assert top == STADTBEZIRKE
    assert len(catalogue.stadtteile()) == 18
    assert all(catalogue.districts[s].parent in STADTBEZIRKE for s in catalogue.stadtteile())
    assert all(catalogue.districts[s].postcodes for s in catalogue.stadtteile())


def test_topic_tree_is_grouped_by_lebenslage_with_enough_leaves(catalogue):
    assert len(catalogue.leaf_topics()) >= 15
    tops = {t.name for t in catalogue.topics.values() if t.parent is None}
    for lebenslage in ("Verkehr & Baustellen", "Abfall & Sauberkeit", "Bildung & Kita", "Bauen & Wohnen",
                       "Politik & Ratssitzungen", "Bürgerbeteiligung", "Warnungen & Sicherheit"):  # fmt: skip
        assert lebenslage in tops


@pytest.mark.parametrize(
    ("name", "district_id"),
    [
        ("Buer", "buer"),
        ("Ückendorf", "ueckendorf"),
        ("Heßler", "hessler"),
        ("Bulmke-Hüllen", "bulmke-huellen"),
        ("Resser Mark", "resser-mark"),
        ("Schalke-Nord", "schalke-nord"),
        ("Horst", "horst"),
    ],  # fmt: skip
)
def test_official_names_have_stable_slugs(catalogue, name, district_id):
    assert catalogue.districts[district_id].name == name


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        (["buer"], {"buer", "nord", "citywide"}),
        (["nord"], {"nord", "buer", "hassel", "scholven", "citywide"}),
        (["horst", "erle"], {"horst", "west", "erle", "ost", "citywide"}),
    ],
)
def test_event_area_reaches_parents_children_and_citywide(catalogue, area, expected):
    assert catalogue.subscription_districts_for(area) == expected


def test_citywide_event_reaches_every_district(catalogue):
    keys = catalogue.subscription_districts_for("citywide")
    assert keys == {"citywide", *catalogue.districts}


def test_postcode_lookup_offers_the_stadtteile_of_a_postcode(catalogue):
    assert catalogue.districts_for_postcode("45884") == ["rotthausen"]
    assert set(catalogue.districts_for_postcode("45896")) == {"hassel", "scholven"}
    assert catalogue.districts_for_postcode("10115") == []


def test_catalogue_json_matches_the_contract(catalogue):
    doc = catalogue.as_json()
    assert set(doc["topics"][0]) == {"id", "name", "parent"}
    assert set(doc["districts"][0]) == {"id", "name", "parent", "postcodes"}
    assert {t["parent"] for t in doc["topics"] if t["id"] == "verkehr"} == {None}


def test_another_city_pack_is_loaded_from_a_folder(tmp_path):
    (tmp_path / "topics.yaml").write_text("city: Musterstadt\ntopics:\n  - {id: abfall, name: Abfall}\n")
    (tmp_path / "districts.yaml").write_text(
        "districts:\n  - id: nord\n    name: Nord\n    children:\n      - {id: dorf, name: Dorf, postcodes: ['12345']}\n"
    )
    cat = load_catalogue_from(tmp_path)
    assert cat.city == "Musterstadt"
    assert cat.districts["dorf"].parent == "nord"


def test_a_broken_city_pack_says_what_is_wrong(tmp_path):
    (tmp_path / "topics.yaml").write_text("topics:\n  - {id: a, name: A}\n  - {id: a, name: B}\n")
    (tmp_path / "districts.yaml").write_text("districts: []\n")
    with pytest.raises(CityPackError, match="duplicate"):
        load_catalogue_from(tmp_path)
