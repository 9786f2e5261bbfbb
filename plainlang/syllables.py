"""Counts German syllables from spelling.

Why not pyphen: hyphenation dictionaries leave out break points at the edges of a
word ("Ab-fall" is fine, but "Idee", "Ei-er", "Re-gi-on" lose syllables), so
syllable-based formulas (Amstad, Wiener Sachtextformel) come out too easy. Here a
syllable is a vowel nucleus: a single vowel, a diphthong (ei, ai, au, äu, eu, ey,
ay, ou) or a long vowel written double (aa, ee, oo) or as "ie". Cases handled:
- "ie" is two syllables in "-ien" after a vowel + consonant ("Fe-ri-en",
  "Fa-mi-li-en-kas-se", "Pa-ti-ent") but one in "Dienst", "verdient", "Bienen";
- "eei" splits as e + ei ("ge-eig-net", "be-ein-flus-sen");
- "qu" is a consonant; "y" is a vowel except before a vowel ("Yoga");
- English loans with silent final e and other exceptions come from
  ``data/syllable_exceptions.tsv``, also inside compounds ("Online-Portal").
The tests check it against a hand-labelled word list.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from plainlang.resources import load_table

VOWELS = frozenset("aeiouäöüyéèàáâô")
NUCLEI = frozenset({"ei", "ai", "au", "äu", "eu", "ey", "ay", "ou", "ie", "aa", "ee", "oo"})
TRUE_DIPHTHONGS = frozenset({"ei", "ai", "au", "äu", "eu", "ey", "ay"})
_SPLIT = re.compile(r"[^\w]|\d|_")


@cache
def _exceptions() -> dict[str, int]:
    """Stems whose syllables the vowel rule gets wrong, mapped to the right count."""
    return {row[0].lower(): int(row[1]) for row in load_table("syllable_exceptions.tsv")}


def _ie_is_hiatus(word: str, i: int) -> bool:
    """ "ie" + n at the end of a stem, after vowel + consonant: "Fe-ri-en", "Pa-ti-ent"."""
    n = len(word)
    if i + 2 >= n or word[i + 2] != "n":
        return False
    if i + 3 < n and word[i + 3] in VOWELS:
        return False
    return i >= 2 and word[i - 1] not in VOWELS and word[i - 2] in VOWELS


def count_vowel_groups(word: str) -> int:
    """Syllables of one lower-case word part by the vowel-nucleus rule alone."""
    n = len(word)
    i = 0
    count = 0
    while i < n:
        ch = word[i]
        if ch not in VOWELS:
            i += 1
            continue
        if ch == "u" and i > 0 and word[i - 1] == "q":
            i += 1
            continue
        if ch == "y" and i + 1 < n and word[i + 1] in VOWELS and (i == 0 or word[i - 1] in VOWELS):
            i += 1
            continue
        pair = word[i : i + 2]
        count += 1
        if pair in NUCLEI:
            if pair in {"ee", "aa", "oo"} and word[i + 1 : i + 3] in TRUE_DIPHTHONGS:
                i += 1
            elif pair == "ie" and _ie_is_hiatus(word, i):
                i += 1
            else:
                i += 2
        else:
            i += 1
    return count


@cache
def _corrections() -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
    """(word endings, inner stems), each with how much it corrects the vowel rule."""
    endings, stems = [], []
    for stem, right in _exceptions().items():
        if stem.endswith("$"):
            endings.append((stem[:-1], right - count_vowel_groups(stem[:-1])))
        elif len(stem) >= 4:
            stems.append((stem, right - count_vowel_groups(stem)))
    return tuple(endings), tuple(stems)


@cache
def _correction_index() -> tuple[tuple[int, ...], dict[str, int], tuple[str, ...], re.Pattern[str] | None]:
    """The corrections for quick look-up: ending lengths, ending → summed delta, the endings
    (one ``str.endswith`` tells whether a word has any), and one pattern that tells whether a
    word contains any inner stem at all (most words do not)."""
    endings, stems = _corrections()
    by_ending: dict[str, int] = {}
    for ending, delta in endings:
        by_ending[ending] = by_ending.get(ending, 0) + delta
    lengths = tuple(sorted({len(e) for e in by_ending if e}))
    pattern = re.compile(_trie([stem for stem, _ in stems])) if stems else None
    return lengths, by_ending, tuple(e for e in by_ending if e), pattern


def _trie(words: list[str]) -> str:
    """A pattern that finds any of ``words``, branching letter by letter ("b(?:aby|üro)|…"): the
    regex engine tries one branch per position instead of every word (twice as fast)."""
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def branch(node: dict[str, dict]) -> str:
        if "" in node:  # a word ends here: whatever follows, the pattern has found one
            return ""
        alternatives = [re.escape(ch) + branch(node[ch]) for ch in sorted(node)]
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return branch(tree)


def _count_part(part: str) -> int:
    exceptions = _exceptions()
    if part in exceptions:
        return exceptions[part]
    syllables = count_vowel_groups(part)
    lengths, by_ending, endings, any_stem = _correction_index()
    if part.endswith(endings):
        for length in lengths:
            if length <= len(part):
                syllables += by_ending.get(part[-length:], 0)
    if any_stem is not None and any_stem.search(part):
        for stem, delta in _corrections()[1]:
            if stem in part:
                syllables += delta
    if part.startswith(("beend", "geehr", "beerd", "beeil", "beerb", "geerb")):
        syllables += 1
    return max(syllables, 1)


@lru_cache(maxsize=65536)
def count(word: str) -> int:
    """Syllables of a word; hyphenated compounds count part by part. At least 1."""
    lower = word.lower()
    if lower.isalpha():  # one part: nothing for the split below to cut
        return _count_part(lower)
    parts = [p for p in _SPLIT.split(lower) if p]
    if not parts:
        return 0
    return sum(_count_part(p) for p in parts)
