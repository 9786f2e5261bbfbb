"""compounds.split: the parts shown in the long_word suggestion ("Abfall-Entsorgungs-Gebühren")."""

from __future__ import annotations

import pytest

from plainlang import compounds


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("Abfallentsorgungsgebühren", ("Abfall", "entsorgungs", "gebühren")),
        ("Ordnungsamt", ("Ordnungs", "amt")),  # a derived noun takes the Fugen-s, not "Ordnung|samt"
        ("Kindergartenplatz", ("Kinder", "garten", "platz")),
        ("Bundesgesundheitsministerium", ("Bundes", "gesundheits", "ministerium")),  # -es, -s
        ("Sonnenblumenfeld", ("Sonnen", "blumen", "feld")),  # -n
        ("Online-Serviceportal", ("Online", "Service", "portal")),
        ("Xyzqwv", ("Xyzqwv",)),
    ],
)
def test_split(word, parts):
    assert compounds.split(word) == parts


def _reference_split(word: str) -> tuple[str, ...]:
    """The split by its definition: every cut, every linking element (slow, for comparison)."""
    if "-" in word:
        return tuple(p for part in word.split("-") if part for p in _reference_split(part))
    lower, vocab = word.lower(), compounds.vocabulary()
    n = len(lower)
    best: list[tuple[int, int, tuple[int, ...]] | None] = [None] * (n + 1)
    best[n] = (0, 0, ())
    for i in range(n - compounds.MIN_PART, -1, -1):
        for j in range(i + compounds.MIN_PART, n + 1):
            rest, piece = best[j], lower[i:j]
            known = any(
                piece.endswith(link)
                and len(piece) - len(link) >= compounds.MIN_PART
                and piece[: len(piece) - len(link)] in vocab
                for link in compounds.LINKS
            )
            if rest is None or not known:
                continue
            shortest = min(j - i, -rest[1]) if rest[0] else j - i
            candidate = (rest[0] + 1, -shortest, (j, *rest[2]))
            current = best[i]
            if current is None or candidate[:2] < current[:2]:
                best[i] = candidate
    if best[0] is None or best[0][0] < 2:
        return (word,)
    cuts = [0, *best[0][2]]
    for k in range(1, len(cuts) - 1):
        left, right = lower[cuts[k - 1] : cuts[k]], lower[cuts[k] : cuts[k + 1]]
        if left.endswith(compounds.DERIVED) and right.startswith("s") and right[1:] in vocab:
            cuts[k] += 1
    return tuple(word[a:b] for a, b in zip(cuts, cuts[1:], strict=False))


def test_split_is_the_split_by_definition():
    """The fast split visits only cuts that can end a part; it must find the same parts as trying
    every cut with every linking element, on made-up compounds of 2–3 vocabulary words."""
    words = sorted(w for w in compounds.vocabulary() if w.isalpha() and 3 <= len(w) <= 9)[::151]
    links = ("", "s", "en", "n", "es")
    made = [
        (words[k] + links[k % 5] + words[k + 1] + links[(k + 2) % 5] + (words[k + 2] if k % 3 else "")).capitalize()
        for k in range(len(words) - 2)
    ]
    assert len(made) > 500
    assert [compounds.split(w) for w in made] == [_reference_split(w) for w in made]


@pytest.mark.parametrize(("word", "parts"), [
    ("Anwohnerinnen", ("Anwohnerinnen",)), ("Busfahrerinnen", ("Bus", "fahrerinnen")), ("Regenrinnen", ("Regen", "rinnen")),
])  # fmt: skip
def test_a_feminine_plural_stays_with_its_word(word, parts):
    """The Leichte-Sprache proposal printed "Anwohne·rinnen"."""
    assert compounds.split(word) == parts
