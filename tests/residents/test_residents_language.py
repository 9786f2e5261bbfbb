# ruff: noqa: F811 - fixtures are imported from residents_testkit by name
"""Residents get system e-mails in their language where we ship one (issue 10, item 8)."""

from __future__ import annotations

import pytest
from residents_testkit import client, link_in, mails_to, rt, sink, subscribe_and_confirm, subscription  # noqa: F401


@pytest.mark.parametrize(
    ("language", "subject_word", "body_words", "label"),
    [
        ("en", "confirm", ["Please confirm", "You ordered", "Topics: Baustellen"], "en"),
        ("tr", "onaylayın", ["Lütfen", "Konular: Baustellen"], "tr"),
        ("de", "bestätigen", ["Sie haben bestellt", "Themen: Baustellen"], "de"),
        ("pl", "bestätigen", ["Sie haben bestellt"], "de"),  # no Polish texts: German, labelled German
    ],
)
def test_confirmation_email_is_in_the_residents_language(client, sink, language, subject_word, body_words, label):
    address = f"sprache-{language}@beispiel.de"
    assert client.post("/v1/subscriptions", json=subscription(email=address, language=language)).status_code == 202
    mail = mails_to(sink, address)[-1]
    assert subject_word in mail["Subject"]
    assert mail["Content-Language"] == label
    text = mail.get_body(preferencelist=("plain",)).get_content()
    for words in body_words:
        assert words in text, text
    assert link_in(mail, "/bestaetigen")


@pytest.mark.parametrize(("language", "words", "label"), [("en", "already signed up", "en"),
                                                          ("tr", "zaten kayıtlısınız", "tr")])  # fmt: skip
def test_already_subscribed_email_is_in_the_residents_language(client, sink, language, words, label):
    address = f"schon-{language}@beispiel.de"
    subscribe_and_confirm(client, sink, address, language=language)
    client.post("/v1/subscriptions", json=subscription(email=address))
    mail = mails_to(sink, address)[-1]
    assert words in mail["Subject"] and mail["Content-Language"] == label
    assert link_in(mail, "/verwalten")
