"""Every letter asks "War diese Nachricht verständlich?" with a QR code, in the reader's language,
also for each message of a letter that carries several messages of one day (issue 12, item 5)."""

from __future__ import annotations

import re

import pytest
from channel_samples import make_context

from notify.channels.letter import Letter, render_letter_content

FEEDBACK = "https://stadtbote.gelsenkirchen.de/m/abc2345/feedback"


def letter(language: str = "de", profile: str = "standard") -> Letter:
    context = make_context(message_url="https://stadtbote.gelsenkirchen.de/m/abc2345", feedback_url=FEEDBACK)
    return Letter(context, language=language, profile=profile)


def qr_codes(html: str) -> int:
    return len(re.findall(r'<img src="data:image/', html))


@pytest.mark.parametrize(("language", "profile", "question"), [
    ("de", "standard", "War diese Nachricht verständlich?"),
    ("de", "einfach", "War diese Nachricht verständlich?"),
    ("de", "leicht", "Haben Sie die Nachricht verstanden?"),
    ("en", "standard", "Was this message easy to understand?"),
    ("tr", "standard", "Bu mesaj anlaşılır mıydı?"),
])  # fmt: skip
def test_the_feedback_question_is_in_the_readers_language(language, profile, question):
    html = render_letter_content(letter(language, profile))
    assert question in html
    if language != "de":
        assert "verständlich" not in html


def test_each_message_of_a_day_letter_asks_for_feedback():
    message = render_letter_content(letter(), "message")
    assert "War diese Nachricht verständlich?" in message
    assert qr_codes(message) == 2  # the full text and the feedback


def test_without_a_feedback_link_a_day_letters_message_has_only_the_full_text_code():
    context = make_context(message_url="https://stadtbote.gelsenkirchen.de/m/abc2345")
    message = render_letter_content(Letter(context), "message")
    assert qr_codes(message) == 1 and "verständlich" not in message
