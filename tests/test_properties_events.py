"""CloudEvents from other systems, for any input: a broken event is refused with a reason (HTTP 400,
dead-letter topic), never with a crash, and an accepted event survives the trip through Kafka."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from notify.events import CityEvent, InvalidEvent, from_binary_mode, parse_event, parse_json_event
from topics.catalogue import load_catalogue

CATALOGUE = load_catalogue("gelsenkirchen")
VALID = {
    "specversion": "1.0",
    "id": "BAU-1",
    "source": "/tiefbau",
    "type": "de.gelsenkirchen.baustelle",
    "time": "2027-03-01T08:00:00+01:00",
    "data": {
        "title": "Sperrung der Horster Straße",
        "text": "Die Straße ist ab Montag gesperrt.\n\n- Busse fahren um\n- **Bitte** Rathaus nutzen",
        "topics": ["baustellen"],
        "area": ["buer"],
        "urgency": "normal",
        "link": "https://www.gelsenkirchen.de/baustellen",
        "valid_until": "2099-01-01T00:00:00Z",
        "geometry": {"type": "Point", "coordinates": [7.05, 51.57]},
    },
}

EXAMPLES = settings(max_examples=150, derandomize=True, deadline=None)

# Text as it can arrive in JSON: no lone surrogates here (they get their own test below).
texts = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "1.0",
            "citywide",
            "urgent",
            "\r\n",
            "Titel\nBcc: x@y",
            "\x00",
            "ä" * 201,
            "https://",
            "http://[::1",
            "2027-13-45T25:61:00",
            "1e999",
            "-",
        ]
    ),  # fmt: skip
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(),  # json.loads reads NaN and Infinity, so they can arrive
    texts,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(texts, st.sampled_from(list(VALID) + list(VALID["data"]))), children, max_size=6),
    ),
    max_leaves=25,
)
known_ids = st.sampled_from(sorted(CATALOGUE.topics) + sorted(CATALOGUE.districts) + ["citywide"])


def paths(value, prefix=()):
    """Every place in a JSON document: dictionary keys and list positions, depth first."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


@st.composite
def mutated_events(draw):
    """The valid event with a few places replaced, removed or given a new neighbour."""
    event = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(list(paths(event))))
        if not where:
            continue
        parent = event
        for step in where[:-1]:
            parent = parent[step]
        last = where[-1]
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        new = draw(st.one_of(json_values, known_ids))
        if action == "replace":
            parent[last] = new
        elif action == "remove":
            del parent[last]
        elif isinstance(parent, dict):
            parent[draw(st.one_of(texts, st.sampled_from(list(VALID) + list(VALID["data"]))))] = new
        else:
            parent.insert(last, new)
    return event


def assert_accepted_or_refused_with_reason(parse, *args):
    try:
        event = parse(*args)
    except InvalidEvent as refused:
        assert isinstance(refused.detail, str) and refused.detail.strip()
        assert str(refused) == refused.detail
        for error in refused.errors:
            assert isinstance(error["field"], str)
            assert isinstance(error["message"], str) and error["message"].strip()
        json.dumps(refused.errors)  # the HTTP API and the dead-letter topic send them as JSON
        return None
    assert isinstance(event, CityEvent)
    return event


@EXAMPLES
@given(json_values)
@example([])
@example("1.0")
@example({"specversion": "1.0"})
@example({"specversion": "1.0", "data": None})
def test_any_json_value_is_refused_with_a_reason(envelope):
    assert assert_accepted_or_refused_with_reason(parse_event, envelope, CATALOGUE) is None


@EXAMPLES
@given(st.dictionaries(st.one_of(texts, st.sampled_from(list(VALID))), json_values, max_size=8))
def test_any_object_claiming_cloudevents_1_0_is_refused_with_a_reason(envelope):
    envelope["specversion"] = "1.0"
    assert_accepted_or_refused_with_reason(parse_event, envelope, CATALOGUE)


@settings(EXAMPLES, max_examples=300)
@given(mutated_events())
def test_a_changed_event_is_accepted_or_refused_with_a_reason(envelope):
    event = assert_accepted_or_refused_with_reason(parse_event, envelope, CATALOGUE)
    if event is None:
        return
    # What the HTTP door accepts goes to Kafka as ``to_json()`` and is parsed again by the worker:
    # it must be accepted there as the same event, or it ends up in the dead-letter topic.
    again = parse_json_event(event.to_json().encode(), CATALOGUE)
    assert again.key == event.key
    assert again.data.model_dump(exclude={"geometry"}) == event.data.model_dump(exclude={"geometry"})
    assert "\n" not in event.data.title and "\r" not in event.data.title and event.data.title.strip()
    assert set(event.data.topics) <= set(CATALOGUE.topics)


@EXAMPLES
@given(
    st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(str.encode),
        mutated_events().map(lambda e: json.dumps(e).encode()),
        mutated_events().map(lambda e: json.dumps(e, ensure_ascii=False).encode()[:-1]),  # cut short
    )
)
@example(b"")
@example(b"\xff\xfe")
@example(b"[" * 5000 + b"]" * 5000)  # deeper than the JSON parser's recursion limit
@example(b'{"specversion": "1.0", "data": NaN}')
def test_raw_bytes_are_refused_with_a_reason(raw):
    assert_accepted_or_refused_with_reason(parse_json_event, raw, CATALOGUE)


@EXAMPLES
@given(
    headers=st.dictionaries(st.text(max_size=15).map(lambda k: "ce-" + k), st.text(max_size=20), max_size=6),
    content_type=st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", ""]),
    body=st.one_of(st.binary(max_size=100), json_values.map(lambda v: json.dumps(v).encode())),
)
def test_binary_mode_is_refused_with_a_reason(headers, content_type, body):
    headers = {**headers, "ce-specversion": "1.0", "content-type": content_type}
    assert_accepted_or_refused_with_reason(from_binary_mode, headers, body, CATALOGUE)


def envelope_with(**extra) -> dict:
    event = copy.deepcopy(VALID)
    data = extra.pop("data", {})
    event["data"].update(data)
    event.update(extra)
    return event


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "envelope",
    [
        pytest.param(envelope_with(subject="\ud800"), id="surrogate-in-attribute"),
        pytest.param(envelope_with(x="\udc00"), id="surrogate-in-extension"),
        pytest.param(envelope_with(data={"geometry": {"name": "\ud83d"}}), id="surrogate-in-geometry"),
        pytest.param(envelope_with(data={"geometry": nested(300)}), id="deep-geometry"),
    ],
)
def test_an_accepted_event_can_always_be_passed_on(envelope):
    """Found by hypothesis: these passed validation but could not be written to Kafka (500 on HTTP)."""
    raw = json.dumps(envelope).encode()  # ensure_ascii: the surrogate travels as a \ud800 escape
    try:
        event = parse_json_event(raw, CATALOGUE)
    except InvalidEvent:
        return
    parse_json_event(event.to_json().encode(), CATALOGUE)
