"""Rule ``genitive``: genitive constructions ("die Öffnungszeiten der Bibliothek").

Why: many readers of Leichte and Einfache Sprache do not use the genitive; "von"
is easier ("die Öffnungszeiten von der Bibliothek"). Reported are
1. "des", and "eines/dieses/Ihres …" before a noun ending in -s/-es;
2. a noun followed by "der" and a noun ("die Adresse der Schule");
3. a genitive preposition followed by "des/der" ("wegen des Wetters").
Not reported: "der" after a verb or at the start of a clause (nominative).
"""

from __future__ import annotations

from typing import Any

from plainlang.report import Finding
from plainlang.resources import word_set
from plainlang.rules.base import finding, token_span
from plainlang.segment import Analysis

FORMAL_ADDRESS = frozenset({"sie", "ihnen", "ihr", "ihre", "ihren", "ihrem", "ihrer", "ihres"})
MAX_ADJECTIVES = 3


def _noun_after(analysis: Analysis, words: list[int], k: int) -> int | None:
    """Position in ``words`` of the noun after a determiner at ``k`` (skipping adjectives)."""
    for m in range(k + 1, min(k + 2 + MAX_ADJECTIVES, len(words))):
        text = analysis.texts[words[m]]
        if text[:1].isupper() and text.isalpha():
            return m
        if not (text.islower() and text.isalpha()):
            return None
    return None


def find(analysis: Analysis, settings: dict[str, Any]) -> list[Finding]:
    determiners = word_set("grammar.yaml", "genitive_determiners")
    prepositions = word_set("grammar.yaml", "genitive_prepositions")
    results = []
    for sentence in analysis.sentences:
        words = sentence.words
        k = 0
        while k < len(words):
            i = words[k]
            lower = analysis.lowers[i]
            m = None
            first = i
            if lower in determiners:
                m = _noun_after(analysis, words, k)
                if m is not None and lower != "des" and not analysis.lowers[words[m]].endswith("s"):
                    m = None
            elif lower == "der" and k > 0:
                prev_text, prev_lower = analysis.texts[words[k - 1]], analysis.lowers[words[k - 1]]
                prev_is_noun = (
                    prev_text[:1].isupper()
                    and prev_text.isalpha()
                    and k - 1 > 0
                    and prev_lower not in FORMAL_ADDRESS
                    and words[k - 1] == i - 1
                )
                if prev_is_noun or prev_lower in prepositions:
                    m = _noun_after(analysis, words, k)
                    first = words[k - 1]
            if m is None:
                k += 1
                continue
            start, end = token_span(analysis, first, words[m])
            results.append(
                finding(
                    analysis,
                    "genitive",
                    start,
                    end,
                    "Genitiv (2. Fall): Viele Menschen lesen ihn schwer.",
                    "Schreiben Sie mit „von“: „die Adresse von der Schule“ statt „die Adresse der Schule“.",
                )
            )
            k = m + 1
    return results
