"""Rule ``long_sentence``: sentences with more words than the profile allows.

Why: sentence length is the strongest single predictor of reading difficulty in
German (Amstad, Hohenheimer Index); Leichte Sprache asks for one statement per
sentence. The suggestion names a comma near the middle where the sentence can be
cut, because "write shorter" alone does not help an editor.
"""

from __future__ import annotations

from typing import Any

from plainlang.report import Finding
from plainlang.rules.base import finding
from plainlang.segment import Analysis

CUT_WORDS = frozenset({"und", "aber", "oder", "denn", "weil", "dass", "damit", "wenn", "sodass"})


def find(analysis: Analysis, settings: dict[str, Any]) -> list[Finding]:
    max_words = int(settings.get("max_words", 15))
    results = []
    for sentence in analysis.sentences:
        n = len(sentence.words)
        if n <= max_words:
            continue
        results.append(
            finding(
                analysis,
                "long_sentence",
                sentence.start,
                sentence.end,
                f"Der Satz ist zu lang: {n} Wörter. Gut sind höchstens {max_words} Wörter.",
                _suggestion(analysis, sentence.first, sentence.last),
            )
        )
    return results


def _suggestion(analysis: Analysis, first: int, last: int) -> str:
    """Point at the comma or conjunction closest to the middle of the sentence."""
    middle = (first + last) / 2
    best = None
    for i in range(first + 2, last - 2):
        text = analysis.texts[i]
        if text in {",", ";", ":"} or (text.lower() in CUT_WORDS and analysis.texts[i - 1] == ","):
            if best is None or abs(i - middle) < abs(best - middle):
                best = i
    advice = "Teilen Sie den Satz in 2 oder mehr kurze Sätze. Ein Satz – eine Aussage."
    if best is not None:
        before = analysis.texts[best - 1] if analysis.texts[best] not in {",", ";", ":"} else analysis.texts[best - 1]
        advice += f" Sie können zum Beispiel nach „{before}“ einen Punkt setzen."
    return advice
