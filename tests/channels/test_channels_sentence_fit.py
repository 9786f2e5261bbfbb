"""Shortened SMS and push keep whole sentences, warnings keep their instructions, and the link
to "the full text" is never the resident's settings page (issue 10, items 3 and 4)."""

from __future__ import annotations

import pytest
from channel_samples import make_context

from notify.channels.gsm import sms_info
from notify.channels.sentence_fit import sentence_ends
from notify.channels.short_text import compose_push, compose_sms, fit_sms_for, shortening_notes

PARKING = (
    "Wegen der Sanierung des Parkhauses am Rathaus ist vom 3. bis 28. März für Anwohnerinnen und "
    "Anwohner mit Bewohnerparkausweis im Bereich der Hochstraße, der Husemannstraße und der "
    "Maelostraße sowie auf dem Parkplatz an der Ebertstraße eine Inanspruchnahme der Stellplätze "
    "leider nicht möglich. Bitte nutzen Sie das Parkhaus am Musiktheater."
)
FLOOD = (
    "Heute ab 18 Uhr kommt starker Regen. Keller und Unterführungen können voll Wasser laufen. "
    "Bleiben Sie möglichst zu Hause. Fahren Sie nicht durch überflutete Straßen. Im Notfall rufen Sie die 112."
)
SHORT_LINK = "https://stadtbote.gelsenkirchen.de/m/Ab3dE5fG"
MANAGE = "https://stadtbote.gelsenkirchen.de/s/0001.c2lnbmVk"


def flood_context(**over):
    context = make_context(text=FLOOD, type_="de.gelsenkirchen.warnung", title="Warnung: Starkregen heute Abend",
                           link=None, message_url=SHORT_LINK, **over)  # fmt: skip
    context["event"].data.urgency = "urgent"
    return context


def sentences_of(text: str) -> list[str]:
    ends, start, out = sentence_ends(text), 0, []
    for end in ends:
        out.append(text[start:end].strip())
        start = end
    return out


@pytest.mark.parametrize("budget", [1, 2, 3])
@pytest.mark.parametrize("text", [PARKING, FLOOD, "Kurz. " * 80])
def test_a_shortened_sms_has_only_whole_sentences_of_the_original(text, budget):
    sms = compose_sms("default", make_context(text=text), "de", "standard", budget)
    assert sms_info(sms).segments <= budget
    body = sms.split("\n", 1)[1].rsplit("\n", 1)[0] if sms.count("\n") >= 2 else ""
    original = sentences_of(text)
    for sentence in sentences_of(body) if body else []:
        assert sentence in original, f"cut inside a sentence: {sentence!r}"


def test_the_parking_sentence_never_loses_nicht_moeglich_and_staff_are_told():
    context = make_context(text=PARKING, title="Parken am Rathaus", link=None, message_url=SHORT_LINK)
    fitted = fit_sms_for("default", context, "de", "standard", budget_segments=1)
    assert "Inanspruchnahme" not in fitted.text  # the sentence does not fit 1 part: left out whole
    assert fitted.text == f"Stadt Gelsenkirchen: Parken am Rathaus\nGanzer Text: {SHORT_LINK}"
    assert not fitted.first_sentence_fits
    [note] = shortening_notes(fitted, "sms", 1)
    assert "erste Satz passt nicht" in note
    three = fit_sms_for("default", context, "de", "standard", budget_segments=3)
    assert "eine Inanspruchnahme der Stellplätze leider nicht möglich." in three.text and three.first_sentence_fits


@pytest.mark.parametrize("link", [SHORT_LINK, None])
def test_a_warning_sms_keeps_its_instructions_beyond_the_budget(link):
    context = flood_context()
    if link is None:
        context.pop("message_url")
    fitted = fit_sms_for("warnung", context, "de", "standard", budget_segments=1, urgent_segments=4)
    assert "Fahren Sie nicht durch überflutete Straßen. Im Notfall rufen Sie die 112." in fitted.text
    assert 1 < sms_info(fitted.text).segments <= 4 and fitted.dropped == 0
    assert "bis zu 4 Teile" in " ".join(shortening_notes(fitted, "sms", 1))


def test_a_warning_over_its_ceiling_drops_whole_sentences_from_the_end():
    fitted = fit_sms_for("warnung", flood_context(), "de", "standard", budget_segments=1, urgent_segments=2)
    assert sms_info(fitted.text).segments <= 2
    assert fitted.text.rstrip().endswith(SHORT_LINK)
    assert "Bleiben Sie möglichst..." not in fitted.text and "Bleiben Sie möglichst zu Hause." in fitted.text


def test_a_normal_sms_stays_within_the_budget_by_dropping_sentences():
    context = flood_context()
    context["event"].data.urgency = "normal"
    fitted = fit_sms_for("warnung", context, "de", "standard", budget_segments=1, urgent_segments=4)
    assert sms_info(fitted.text).segments == 1 and fitted.dropped > 0
    assert not fitted.text.split("\n")[-2].endswith("...")


@pytest.mark.parametrize("name", ["default", "warnung", "baustelle"])
@pytest.mark.parametrize(("language", "profile"), [("de", "standard"), ("de", "einfach"), ("de", "leicht"),
                                                    ("en", "standard"), ("tr", "standard")])  # fmt: skip
def test_the_full_text_line_never_links_to_the_settings_page(name, language, profile):
    without = compose_sms(name, make_context(text="Kurz.", link=None), language, profile)
    assert MANAGE not in without and "http" not in without  # no public page yet: no line at all
    short = compose_sms(name, make_context(text="Kurz.", link=None, message_url=SHORT_LINK), language, profile)
    assert short.endswith(SHORT_LINK) and MANAGE not in short
    own = compose_sms(name, make_context(text="Kurz.", message_url=SHORT_LINK), language, profile)
    assert own.endswith("https://www.gelsenkirchen.de/baustellen/hauptstrasse")


def test_push_links_to_the_message_never_to_the_settings():
    assert compose_push("default", make_context(text="Kurz.", link=None)).link is None
    assert compose_push("default", make_context(text="Kurz.", link=None, message_url=SHORT_LINK)).link == SHORT_LINK
