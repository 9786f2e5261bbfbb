"""Rule ``rare_word``: words few readers meet often, with a more frequent synonym where known.

Why frequency: how often a reader has met a word is what makes it easy or hard
(Leichte Sprache: "Benutzen Sie Wörter, die viele Menschen kennen"). The measure is the
Zipf frequency of :mod:`plainlang.frequency`. Not reported: words the list does not know
at all (mostly names and new compounds), and compounds whose parts are all common
("Parkflächen" = "Park" + "Flächen"): those are transparent, ``long_word`` covers their
length. The synonym comes from ``data/synonyms.tsv`` (derived from OpenThesaurus, only
unambiguous pairs) and is a suggestion: the editor decides whether it fits.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from plainlang import frequency
from plainlang.report import Finding
from plainlang.resources import load_table
from plainlang.rules.base import finding
from plainlang.segment import Analysis

COMMON_PART = 3.0


@cache
def synonyms() -> dict[str, str]:
    """Rare word (as written in the thesaurus) → more frequent synonym."""
    return {row[0]: row[1] for row in load_table("synonyms.tsv")}


def synonym(word: str) -> str | None:
    """A more frequent synonym for this exact form; the capital letter follows the word."""
    table = synonyms()
    found = table.get(word) or table.get(word.lower()) or table.get(word[:1].upper() + word[1:])
    if not found:
        return None
    if word[0].isupper() and found[0].islower():
        return found[0].upper() + found[1:]
    return found


@lru_cache(maxsize=100_000)
def is_rare(word: str, threshold: float) -> bool:
    z = frequency.zipf(word)
    if z == frequency.UNKNOWN or z >= threshold or len(word) < 4:
        return False
    return not (len(word) >= 8 and transparent(word.lower()))


def _common(part: str) -> bool:
    return len(part) >= 3 and (
        frequency.zipf(part) >= COMMON_PART or (part[-1] == "s" and frequency.zipf(part[:-1]) >= COMMON_PART)
    )


@lru_cache(maxsize=100_000)
def transparent(word: str) -> bool:
    """A compound of common words ("parkflächen" = "park" + "flächen", "abfuhrtag"), found with
    a few frequency look-ups per cut instead of the full split of :mod:`plainlang.compounds`."""
    for cut in range(3, len(word) - 2):
        right = word[cut:]
        if _common(word[:cut]) and (frequency.zipf(right) >= COMMON_PART or transparent(right)):
            return True
    return False


def find(analysis: Analysis, settings: dict[str, Any]) -> list[Finding]:
    threshold = float(settings.get("max_zipf", frequency.RARE_ZIPF))
    results = []
    kinds, texts = analysis.word_kind, analysis.texts
    for sentence in analysis.sentences:
        for i in sentence.words:
            if kinds[i] != "alpha":
                continue
            text = texts[i]
            if not text.isalpha() or not is_rare(text, threshold):
                continue
            other = synonym(text)
            suggestion = (
                f"Nehmen Sie ein bekannteres Wort, zum Beispiel „{other}“ (bitte prüfen, ob es passt)."
                if other
                else "Nehmen Sie ein bekannteres Wort oder erklären Sie das Wort."
            )
            results.append(
                finding(
                    analysis,
                    "rare_word",
                    analysis.idx[i],
                    analysis.idx[i] + len(text),
                    f"Seltenes Wort „{text}“: Viele Menschen kennen es nicht.",
                    suggestion,
                )
            )
    return results
