"""Rule ``nominal_style``: abstract nouns where a verb would be clearer.

Why: "Die Abholung erfolgt am Montag" hides the action in a noun (-ung, -heit,
-keit, -ion, -ität) and leaves a verb that says nothing (a Funktionsverb:
erfolgen, durchführen, vornehmen …). "Wir holen … am Montag ab" is easier.
Reported are
1. an abstract noun in the same clause as a Funktionsverb (the noun is marked);
2. a sentence with 3 or more abstract nouns (a Nominalhäufung; the sentence is
   marked) — unless case 1 already marked a noun in it.
Everyday and concrete nouns with these endings (Zeitung, Wohnung, Rechnung,
Region, Station; ``concrete_nouns`` in ``data/grammar.yaml``) never count, also
as the last part of a compound (Tageszeitung).
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from plainlang import compounds
from plainlang.report import Finding
from plainlang.resources import load_yaml, word_set
from plainlang.rules.base import clauses, finding
from plainlang.segment import Analysis

ACCUMULATION = 3
LATIN = ("ion", "ionen", "ität", "itäten")
PARTICLES = frozenset({"durch", "vor", "statt", "ab", "an", "auf", "aus", "ein", "fest", "her"})


@cache
def _suffixes() -> tuple[str, ...]:
    return tuple(load_yaml("grammar.yaml")["abstract_suffixes"])


@cache
def _concrete_endings() -> tuple[str, ...]:
    # Latin -ion/-ität words are not compound heads ("Koordination" is not a "Nation").
    return tuple(sorted(w for w in word_set("grammar.yaml", "concrete_nouns") if not w.endswith(LATIN)))


@cache
def _concrete_heads() -> tuple[str, ...]:
    """The concrete endings that also count as the last part of a compound (5+ letters)."""
    return tuple(e for e in _concrete_endings() if len(e) >= 5)


@lru_cache(maxsize=100_000)
def is_abstract_noun(text: str) -> bool:
    """Capitalised, ends in an abstract suffix, and is not a concrete everyday noun."""
    if len(text) < 6 or not text[0].isupper() or not text.isalpha():
        return False
    lower = text.lower()
    if not lower.endswith(_suffixes()):
        return False
    if lower in word_set("grammar.yaml", "concrete_nouns"):
        return False
    return not lower.endswith(_concrete_heads())


def abstract_nouns(analysis: Analysis) -> list[int]:
    """Token indices of abstract nouns (for the nominal_share metric)."""
    kinds = analysis.word_kind
    return [
        i
        for sentence in analysis.sentences
        for i in sentence.words
        if kinds[i] == "alpha" and is_abstract_noun(analysis.texts[i])
    ]


def _genitive_attribute(analysis: Analysis, i: int, nouns: set[int]) -> bool:
    """ "Die Durchführung der Impfaktion": the second noun is what is acted on, not the hidden
    verb (the rewrite "Wir führen die Impfaktion durch" keeps it); only the first is marked."""
    lowers = analysis.lowers
    for gap in (1, 2):  # "der Impfaktion", "der neuen Beleuchtung"
        article = i - gap
        if article >= 1 and lowers[article] in ("der", "des") and article - 1 in nouns:
            return gap == 1 or analysis.texts[i - 1].islower()
    return False


def _has_funktionsverb(analysis: Analysis, clause: list[int], nouns: list[int]) -> bool:
    """A Funktionsverb in the clause; weak ones only with "zur/in/unter …" before a noun."""
    strong = word_set("grammar.yaml", "funktionsverben")
    weak = word_set("grammar.yaml", "funktionsverben_with_preposition")
    prepositions = word_set("grammar.yaml", "funktionsverb_prepositions")
    doc = analysis.doc
    last = analysis.lowers[clause[-1]]
    with_preposition = any(analysis.lowers[j] in prepositions for i in nouns for j in range(max(i - 2, 0), i))
    for i in clause:
        text, lower = analysis.texts[i], analysis.lowers[i]
        if text[0].isupper() and i != clause[0]:
            continue
        lemma = doc[i].lemma_.lower() or lower
        if last in PARTICLES and (last + lemma in strong or last + lower in strong):
            return True  # "führen … durch" → durchführen
        if lower in strong or lemma in strong:
            return True
        if with_preposition and (lower in weak or lemma in weak):
            return True
    return False


def verb_for(noun: str) -> str | None:
    """ "Abholung" → "abholen", "Erneuerungen" → "erneuern"; None if no -ung noun."""
    head = compounds.head(noun).lower()
    for suffix in ("ungen", "ung"):
        if head.endswith(suffix):
            stem = head[: -len(suffix)]
            if len(stem) < 3:
                return None
            return stem + ("n" if stem.endswith(("er", "el")) else "en")
    return None


def find(analysis: Analysis, settings: dict[str, Any]) -> list[Finding]:
    results = []
    for sentence in analysis.sentences:
        marked = False
        nouns_in_sentence = 0
        for clause in clauses(analysis, sentence):
            nouns = [i for i in clause if is_abstract_noun(analysis.texts[i])]
            nouns_in_sentence += len(nouns)
            if not nouns or not _has_funktionsverb(analysis, clause, nouns):
                continue
            heads = set(nouns)
            for i in [n for n in nouns if not _genitive_attribute(analysis, n, heads)]:
                marked = True
                verb = verb_for(analysis.texts[i])
                suggestion = (
                    f"Schreiben Sie mit einem Verb, zum Beispiel „{verb}“."
                    if verb
                    else "Schreiben Sie mit einem Verb, das die Handlung nennt."
                )
                results.append(
                    finding(
                        analysis,
                        "nominal_style",
                        analysis.idx[i],
                        analysis.idx[i] + len(analysis.texts[i]),
                        "Nominalstil: Die Handlung steckt in einem Hauptwort.",
                        suggestion,
                    )
                )
        if nouns_in_sentence >= ACCUMULATION and not marked:
            results.append(
                finding(
                    analysis,
                    "nominal_style",
                    sentence.start,
                    sentence.end,
                    f"Viele Hauptwörter auf -ung, -heit, -keit oder -ion ({nouns_in_sentence}). "
                    "Das ist schwer zu lesen.",
                    "Schreiben Sie mit Verben: „Wir prüfen Ihren Antrag“ statt „Die Prüfung Ihres Antrags erfolgt“.",
                )
            )
    return results
