"""SMS and push built from their own templates: budgets, limits, links, variants."""

import pytest
from channel_samples import make_context

from notify.channels.gsm import sms_info
from notify.channels.short_text import (
    PUSH_BODY_MAX,
    PUSH_TITLE_MAX,
    compose_push,
    compose_sms,
    shorten,
)

LONG = "Die Hauptstraße ist ab Montag zwischen Markt und Bahnhof gesperrt. " * 15


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Kurz", 10, "Kurz"),
        ("Die Straße ist gesperrt", 23, "Die Straße ist gesperrt"),
        ("Die Straße ist gesperrt", 22, "Die Straße ist…"),
        ("Die Straße, ist gesperrt", 14, "Die Straße…"),
        ("Donaudampfschifffahrt", 10, "Donaudamp…"),
        ("  viel   Leerraum  ", 20, "viel Leerraum"),
    ],
)
def test_shorten_at_word_boundary(text, limit, expected):
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit


@pytest.mark.parametrize(
    ("language", "profile"),
    [
        ("de", "standard"),
        ("de", "einfach"),
        ("de", "leicht"),
        ("en", "standard"),
        ("tr", "standard"),
    ],
)
def test_push_limits_and_deep_link(language, profile):
    context = make_context(
        text=LONG,
        title="Sperrung der Hauptstraße zwischen Markt und Bahnhof wegen Arbeiten an der Leitung",
    )
    push = compose_push("default", context, language, profile)
    assert 0 < len(push.title) <= PUSH_TITLE_MAX
    assert 0 < len(push.body) <= PUSH_BODY_MAX
    assert push.body.endswith("gesperrt.")  # whole sentences only (issue 10, item 3)
    assert push.link == "https://www.gelsenkirchen.de/baustellen/hauptstrasse"
    assert push.body_with_link().endswith("\n" + push.link)


def test_short_push_is_not_cut(context):
    push = compose_push("default", make_context(text="Kurzer Text."))
    assert (push.title, push.body) == ("Sperrung der Hauptstraße", "Kurzer Text.")


@pytest.mark.parametrize("budget", [1, 2, 3])
@pytest.mark.parametrize(
    ("name", "language", "profile", "frame"),
    [
        ("default", "de", "standard", "Stadt Gelsenkirchen:"),
        ("default", "de", "einfach", "Nachricht von der Stadt Gelsenkirchen"),
        ("default", "de", "leicht", "Eine Nachricht von der Stadt Gelsenkirchen."),
        ("default", "en", "standard", "City of Gelsenkirchen:"),
        ("default", "tr", "standard", "Gelsenkirchen Belediyesi:"),
        ("baustelle", "de", "standard", "Baustelle - Stadt Gelsenkirchen:"),
        ("warnung", "de", "standard", "WARNUNG der Stadt Gelsenkirchen:"),
    ],
)
def test_sms_fits_budget_and_keeps_link(name, language, profile, frame, budget):
    sms = compose_sms(name, make_context(text=LONG), language, profile, budget)
    if budget > 1:  # in UCS-2, one part (70) is too short for more than the link line
        assert sms.startswith(frame)
    assert sms.rstrip().endswith("https://www.gelsenkirchen.de/baustellen/hauptstrasse")
    assert sms_info(sms).segments <= budget


def test_turkish_sms_is_ucs2_not_question_marks():
    sms = compose_sms("default", make_context(text="Yol kapalı."), "tr")
    assert "?" not in sms and "ı" in sms
    assert sms_info(sms).encoding == "ucs2"


def test_german_sms_stays_gsm7_despite_typographic_quotes():
    sms = compose_sms("default", make_context(text="Die „Hauptstraße“ ist zu – bis Freitag…"))
    assert sms_info(sms).encoding == "gsm7"
    assert '"Hauptstraße"' in sms


@pytest.mark.parametrize("name", ["default", "warnung", "baustelle"])
def test_sms_without_event_link_carries_the_short_link_never_the_settings_page(name):
    sms = compose_sms(name, make_context(text="Kurz.", link=None, message_url="https://stadtbote.test/m/k7q2x9a"))
    assert sms.endswith("https://stadtbote.test/m/k7q2x9a")
    bare = compose_sms(name, make_context(text="Kurz.", link=None))
    assert "/s/0001" not in bare and "http" not in bare


def test_unknown_event_type_falls_back_to_default():
    sms = compose_sms("sperrmuell", make_context(text="Kurz."))
    assert sms.startswith("Stadt Gelsenkirchen: Sperrung der Hauptstraße")


def test_a_warning_titled_warnung_says_the_word_once():
    """Seen in the demo: "WARNUNG der Stadt Gelsenkirchen: Warnung: Starkregen heute Abend"."""
    sms = compose_sms("warnung", make_context(title="Warnung: Starkregen heute Abend", text="Bleiben Sie zu Hause."))
    assert sms.startswith("WARNUNG der Stadt Gelsenkirchen: Starkregen heute Abend")
    assert sms.lower().count("warnung") == 1
