"""Splits long German compounds into readable parts ("Abfall-Entsorgungs-Gebühren").

Why: Leichte Sprache (and, more gently, Einfache Sprache) asks to break long
compounds with a hyphen or a Mediopunkt, and a suggestion is only useful if it
shows *where*. The vocabulary is the word list of the lemma lookup table shipped
with ``spacy-lookups-data`` (about 340,000 forms), loaded on the first split only.
Verbs add their -ung nouns ("abholen" → "Abholung") and the anglicism list adds
"online" and friends. A split uses as few parts as possible; each part is a known
word of 3+ letters,
optionally followed by a linking element (Fugen-s, -es, -n, -en, -e).
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from functools import lru_cache
from pathlib import Path

from plainlang import frequency
from plainlang.resources import load_table

LINKS = ("", "s", "es", "n", "en")
DERIVED = ("ung", "heit", "keit", "ion", "ität", "schaft")
MIN_PART = 3
_lock = threading.Lock()
_vocabulary: frozenset[str] | None = None


# Street and place names are written as on the sign ("Goldbergplatz", not "Gold·berg·platz"):
# "-straße" and its kin always; "-platz", "-weg" … when rare, for "Spielplatz" and "Radweg" are words.
_STREET_NAME = re.compile(r"(straße|strasse|allee|gasse|chaussee|ring|damm|ufer)$")
_PLACE_NAME = re.compile(r"(platz|weg|pfad|steig|wall|markt|park)$")


def street_or_place_name(word: str) -> bool:
    return bool(_STREET_NAME.search(word)) or bool(_PLACE_NAME.search(word)) and frequency.zipf(word) < 2.5


def vocabulary() -> frozenset[str]:
    """Lower-cased word forms and lemmas of the German lookup table (cached)."""
    global _vocabulary
    if _vocabulary is None:
        with _lock:
            if _vocabulary is None:
                import spacy_lookups_data

                path = Path(spacy_lookups_data.__file__).parent / "data" / "de_lemma_lookup.json.gz"
                with gzip.open(path, "rt", encoding="utf-8") as handle:
                    table = json.load(handle)
                words = {w.lower() for w in table if len(w) >= MIN_PART}
                words |= {w.lower() for w in table.values() if len(w) >= MIN_PART}
                words |= _derived_nouns(words)
                words |= {row[0].lower() for row in load_table("anglicisms.tsv") if " " not in row[0]}
                _vocabulary = frozenset(words)
    return _vocabulary


def _derived_nouns(words: set[str]) -> set[str]:
    """-ung nouns of every verb ("abholen" → "abholung"): the table lacks many of them."""
    derived = set()
    for w in words:
        if w.endswith(("ern", "eln")):
            derived.add(w[:-1] + "ung")
        elif w.endswith("ieren") or (w.endswith("en") and len(w) > 5):
            derived.add(w[:-2] + "ung")
    return derived


@lru_cache(maxsize=20_000)
def split(word: str) -> tuple[str, ...]:
    """Parts of a compound as written (linking elements stay on the left part).

    Returns ``(word,)`` when no split into known words exists.
    """
    if "-" in word:
        return tuple(p for part in word.split("-") if part for p in split(part))
    if word.lower().endswith("innen") and len(word) > 8:
        # The feminine plural belongs to its word: "Anwohner|innen" → "Anwohnerinnen" whole, never
        # "Anwohne·rinnen" ("Rinnen" is a word too); "Busfahrerinnen" → "Bus·fahrerinnen".
        base = word[:-5]
        if base.lower() in vocabulary() or len(parts := split(base)) > 1:
            parts = split(base)
            return (*parts[:-1], parts[-1] + word[-5:])
    lower = word.lower()
    n = len(lower)
    vocab = vocabulary()
    # best[i] = (parts, -shortest part, cut positions) for lower[i:]
    best: list[tuple[int, int, tuple[int, ...]] | None] = [None] * (n + 1)
    best[n] = (0, 0, ())
    splittable = [n]  # the positions j with a best[j], descending: only these can end a part
    for i in range(n - MIN_PART, -1, -1):
        current = None
        for j in reversed(splittable):  # ascending, as a range over every j would visit them
            size = j - i
            if size < MIN_PART:
                continue
            piece = lower[i:j]
            # a known word, or one followed by a linking element (LINKS: s, es, n, en), written
            # out: this line runs for every cut of every new long word
            if piece not in vocab and not (
                piece[-1] in "sn"
                and (
                    (size > MIN_PART and piece[:-1] in vocab)
                    or (size > MIN_PART + 1 and piece[-2] == "e" and piece[:-2] in vocab)
                )
            ):
                continue
            rest = best[j]
            assert rest is not None
            shortest = min(j - i, -rest[1]) if rest[0] else j - i
            candidate = (rest[0] + 1, -shortest, (j, *rest[2]))
            if current is None or candidate[:2] < current[:2]:
                current = candidate
        if current is not None:
            best[i] = current
            splittable.append(i)
    result = best[0]
    if result is None or result[0] < 2:
        return (word,)
    cuts = list((0, *result[2]))
    # A derived noun takes a Fugen-s: "Ordnungs|amt", not "Ordnung|samt".
    for k in range(1, len(cuts) - 1):
        left, right = lower[cuts[k - 1] : cuts[k]], lower[cuts[k] : cuts[k + 1]]
        if left.endswith(DERIVED) and right.startswith("s") and right[1:] in vocab:
            cuts[k] += 1
    return tuple(word[a:b] for a, b in zip(cuts, cuts[1:], strict=False))


def _known(piece: str, vocab: frozenset[str]) -> bool:
    """A word of the vocabulary, or a productive derivation ("Abholung", "Digitalisierung")."""
    if len(piece) < MIN_PART:
        return False
    return piece in vocab


def head(word: str) -> str:
    """The last part of a compound ("Müllabholung" → "abholung"), or the word itself."""
    return split(word)[-1]


def join(parts: tuple[str, ...], separator: str) -> str:
    """Join parts: with "-" each part is capitalised, with "·" only the first one. A short part
    after the first stays with the next one: "Personal·engpässen", not "Personal·eng·pässen"
    ("Eng-Pässen" is no word)."""
    merged: list[str] = []
    for part in parts:
        if len(merged) > 1 and len(merged[-1]) <= MIN_PART:
            merged[-1] += part.lower()
        else:
            merged.append(part)
    parts = tuple(merged)
    if separator == "-":
        return "-".join(p[:1].upper() + p[1:] for p in parts)
    return separator.join([parts[0], *(p.lower() for p in parts[1:])])
