"""Every shipped template renders for every language and profile, and the fixed German text we add
around the city's message passes our own plain-language checker."""

from __future__ import annotations

import re

import pytest

import plainlang
from notify.channels.email import message_body, render_email
from notify.events import parse_event
from notify.pipeline import readable_text, template_context
from notify.render import TEMPLATE_DIR
from subscribers.store import Contact

EVENT = {"specversion": "1.0", "id": "t1", "source": "/t", "type": "de.gelsenkirchen.baustelle",
         "data": {"title": "Sperrung der Hauptstraße", "text": "Die Straße ist ab Montag gesperrt.",
                  "topics": ["baustellen"], "area": ["buer"], "link": "https://www.gelsenkirchen.de/x"}}  # fmt: skip


def email_variants():
    names = sorted(p.name for p in (TEMPLATE_DIR / "email").glob("default.*.txt.j2"))
    return [tuple(re.match(r"default\.([a-z]{2})(?:\.(\w+))?\.txt\.j2", n).groups()) for n in names]


@pytest.fixture
def context(plain_runtime, catalogue):
    event = parse_event(EVENT, catalogue)
    return lambda language: template_context(
        plain_runtime, event, Contact(1, "p1", "Anna", language, "standard"), language
    )


@pytest.mark.parametrize(("language", "profile"), email_variants())
def test_every_email_variant_renders_with_all_links(context, language, profile):
    rendered = render_email("baustelle", context(language), language, profile or "standard")
    for part in (rendered.text, rendered.html):
        assert "/abmelden/" in part and "/verwalten/" in part
    assert 'lang="' in rendered.html


def test_the_german_email_frame_passes_our_own_checker(context):
    rendered = render_email("baustelle", context("de"), "de", "standard")
    footer = readable_text(rendered.text.split("\n-- \n", 1)[1])
    report = plainlang.check(footer, "einfach")
    assert report.passed, report.to_dict()
    assert not [f for f in report.findings if f.rule == "amtsdeutsch"]
    assert message_body(rendered.text).startswith("Sperrung der Hauptstraße")


@pytest.mark.parametrize("language", ["de", "en", "tr"])
@pytest.mark.parametrize("profile", ["standard", "einfach", "leicht"])
@pytest.mark.parametrize("channel", ["sms", "push"])
def test_short_channels_render_for_every_language_and_profile(context, channel, language, profile):
    from notify.channels.short_text import compose_push, compose_sms

    ctx = context(language)
    if channel == "sms":
        text = compose_sms("baustelle", ctx, language, profile, 2)
        assert "Sperrung der Hauptstraße" in text and "https://" in text
    else:
        push = compose_push("baustelle", ctx, language, profile)
        assert len(push.title) <= 65 and len(push.body) <= 240 and push.link
