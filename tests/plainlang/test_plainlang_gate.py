"""The sending gate: pass, warn, hold by policy; urgent texts are never held."""

import pytest

import plainlang

EASY = "Wir holen Ihren Müll am Montag ab. Bitte stellen Sie die Tonne an die Straße."
HARD = " ".join(
    [
        "Die Festsetzung der Gebühren erfolgt durch Gebührenbescheid, welcher mit dem "
        "Grundbesitzabgabenbescheid verbunden werden kann, und die Gebühren werden einen Monat "
        "nach Bekanntgabe des Bescheides zur Zahlung fällig, soweit nicht im Bescheid ein "
        "abweichender Fälligkeitszeitpunkt bestimmt worden ist."
    ]
    * 3
)


@pytest.mark.parametrize(
    ("text", "kwargs", "action"),
    [
        (EASY, {}, "pass"),
        (HARD, {}, "hold"),
        (HARD, {"urgent": True}, "warn"),
        (HARD, {"topic": "warnungen"}, "warn"),
        (HARD, {"channel": "sms"}, "hold"),  # index below min_index still holds
        ("Die Straße wird gesperrt.", {}, "warn"),  # findings only
        ("Bitte um Mitwirkung zwecks Planung.", {"topic": "beteiligung"}, "hold"),
        ("Bitte um Mitwirkung zwecks Planung.", {"topic": "beteiligung", "urgent": True}, "warn"),
    ],
)
def test_gate_actions(text, kwargs, action):
    decision = plainlang.gate(text, **kwargs)
    assert decision.action == action, decision.reasons
    assert decision.report.profile == "einfach"


def test_reasons_are_german_sentences():
    decision = plainlang.gate(HARD)
    assert decision.reasons and all(r.endswith(".") for r in decision.reasons)
    assert any("Einfache Sprache" in r for r in decision.reasons)


def test_short_texts_missing_the_level_only_warn():
    decision = plainlang.gate("Die Gebührenfestsetzung erfolgt per Bescheid.", channel="email")
    assert decision.action == "warn"
