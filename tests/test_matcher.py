"""The match index as a table of examples: hierarchy, districts, citywide, one delivery each."""

from __future__ import annotations

import pytest

from topics.matcher import MatchIndex

SUBSCRIBERS = {
    # id: (subscriptions, channels)
    1: ([("baustellen", "buer")], ["email"]),
    2: ([("verkehr", "buer")], ["email"]),  # parent topic covers its children
    3: ([("baustellen", "nord")], ["sms", "email"]),  # Stadtbezirk covers its Stadtteile
    4: ([("baustellen", "citywide")], ["letter"]),  # citywide covers every district
    5: ([("baustellen", "horst")], ["email"]),  # another Stadtteil
    6: ([("abfuhr", "buer")], ["email"]),  # another topic
    7: ([("baustellen", "buer"), ("verkehr", "nord"), ("baustellen", "citywide")], ["email", "push"]),  # overlaps
    8: ([("parken", "buer")], ["email"]),  # a sibling topic: not concerned by road works
}


@pytest.fixture
def index(catalogue):
    ix = MatchIndex(catalogue)
    for sid, (subs, channels) in SUBSCRIBERS.items():
        ix.upsert(sid, subs, channels)
    return ix


@pytest.mark.parametrize(
    ("topics", "area", "expected"),
    [
        (["baustellen"], ["buer"], {1, 2, 3, 4, 7}),
        (["baustellen"], ["horst"], {4, 5, 7}),
        (["baustellen"], ["hassel"], {3, 4, 7}),
        (["baustellen"], ["nord"], {1, 2, 3, 4, 7}),  # an event for the Bezirk reaches its Stadtteile
        (["baustellen"], "citywide", {1, 2, 3, 4, 5, 7}),  # a citywide event reaches every district
        (["abfuhr"], ["buer"], {6}),
        (["abfuhr"], ["erle"], set()),
        (["parken"], ["buer"], {2, 7, 8}),
        (["baustellen", "abfuhr"], ["buer"], {1, 2, 3, 4, 6, 7}),
        (["verkehr"], ["buer"], {2, 7}),  # an event on the parent does not reach narrower subscribers
        (["kita"], "citywide", set()),
    ],
)
def test_match(index, topics, area, expected):
    matched = index.match(topics, area).tolist()
    assert len(matched) == len(set(matched)), "each subscriber at most once"
    assert set(matched) == expected


def test_one_delivery_per_subscriber_on_the_first_choice_channel(index):
    out = {ch: sorted(ids.tolist()) for ch, ids in index.deliveries(["baustellen"], ["buer"]).items()}
    assert out == {"email": [1, 2, 7], "sms": [3], "letter": [4]}


def test_urgent_events_go_out_on_every_channel(index):
    out = {ch: sorted(ids.tolist()) for ch, ids in index.deliveries(["baustellen"], ["buer"], urgent=True).items()}
    assert out == {"email": [1, 2, 3, 7], "sms": [3], "letter": [4], "push": [7]}


def test_changes_apply_incrementally_and_idempotently(index):
    record = {"subscriber_id": 5, "active": True, "subscriptions": [["baustellen", "buer"]], "channels": ["email"]}
    index.apply(record)
    index.apply(record)
    assert 5 in index.match(["baustellen"], ["buer"]).tolist()
    assert 5 not in index.match(["baustellen"], ["horst"]).tolist()
    index.apply({"subscriber_id": 5, "active": False, "subscriptions": [], "channels": []})
    assert 5 not in index.match(["baustellen"], ["buer"]).tolist()
    assert len(index) == len(SUBSCRIBERS) - 1


def test_large_unions_use_the_bitmap_path(catalogue):
    ix = MatchIndex(catalogue)
    for sid in range(1, 5001):
        ix.upsert(sid, [("baustellen", "buer" if sid % 2 else "citywide"), ("verkehr", "nord")], ["email"])
    assert sorted(ix.match(["baustellen"], ["buer"]).tolist()) == list(range(1, 5001))
