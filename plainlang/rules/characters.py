"""Rule ``special_characters``: signs many readers stumble over (& / * § % ; ( ) …).

Why: screen readers and new readers handle words better than signs; gender signs
inside words ("Bürger*innen") break reading. Which signs count is set per
profile (``data/profiles.yaml``). Signs inside URLs, e-mail addresses and
numbers ("24/7", "1/2") are not reported; a bracket pair is one finding.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from plainlang.report import Finding
from plainlang.rules.base import finding
from plainlang.segment import Analysis

ADVICE = {
    "&": "Schreiben Sie „und“.",
    "/": "Schreiben Sie „oder“ oder „und“.",
    "§": "Schreiben Sie „Paragraf“.",
    "%": "Schreiben Sie „Prozent“ oder „viele“ / „wenige“.",
    ";": "Setzen Sie einen Punkt und beginnen Sie einen neuen Satz.",
    "(": "Schreiben Sie den Inhalt der Klammer als eigenen Satz.",
    "[": "Schreiben Sie den Inhalt der Klammer als eigenen Satz.",
    "+": "Schreiben Sie „und“ oder „plus“.",
    "…": "Schreiben Sie den Satz zu Ende.",
}
# Both patterns start a word (or a run of non-space characters) only where one begins: the
# leftmost match is the same as without the look-behind, but the regex engine no longer tries
# (and backtracks through) every position inside every word.
GENDER = re.compile(r"(?<!\w)(\w+)[*:_/](innen|in)\b")
_GENDER_SIGNS = ("*in", ":in", "_in", "/in")  # GENDER cannot match a text without one of these
# What is not reported (URLs, e-mail addresses, numbers, "km/h"), one alternative each, with a
# piece of text it cannot match without: a text searched only with the alternatives it can match
# gets the same matches (the others fail everywhere), and most texts have no URL or address.
_SKIP_PARTS = (
    (r"(?<!\S)\S+://\S+", "://"),
    (r"www\.\S+", "www."),
    (r"(?<!\S)\S+@\S+\.\S+", "@"),
    (r"\d+[/.,:]\d+", ""),
    (r"\b\w+/h\b", "/h"),
)


@cache
def _skip_pattern(possible: tuple[bool, ...]) -> re.Pattern[str]:
    return re.compile("|".join(part for (part, _), keep in zip(_SKIP_PARTS, possible, strict=True) if keep))


def _skipped(text: str) -> list[tuple[int, int]]:
    """Spans of URLs, e-mail addresses, numbers ("24/7") and "km/h": no sign there is reported."""
    pattern = _skip_pattern(tuple(needed in text for _, needed in _SKIP_PARTS))
    return [m.span() for m in pattern.finditer(text)]


@cache
def _sign_pattern(characters: frozenset[str]) -> re.Pattern[str]:
    """One character class for the profile's signs: the text is searched, not walked char by char."""
    if not characters:
        return re.compile(r"(?!)")  # matches nothing
    return re.compile("[" + "".join(re.escape(ch) for ch in sorted(characters)) + "]")


def find(analysis: Analysis, settings: dict[str, Any]) -> list[Finding]:
    characters = set(settings.get("characters", "&/*§%#;()[]{}<>|~^_"))
    signs = _sign_pattern(frozenset(characters))
    text = analysis.text
    skip = _skipped(text)
    results: list[Finding] = []
    genders = GENDER.finditer(text) if any(sign in text for sign in _GENDER_SIGNS) else ()
    for match in genders:
        if match.group(0)[len(match.group(1))] not in characters and match.group(0)[len(match.group(1))] != ":":
            continue
        stem = match.group(1)
        skip.append(match.span())
        results.append(
            finding(
                analysis,
                "special_characters",
                match.start(),
                match.end(),
                f"Sonderzeichen im Wort „{match.group(0)}“: Das ist schwer zu lesen.",
                f"Schreiben Sie beide Formen aus: „{stem}innen und {stem}“.",
            )
        )
    n = len(text)
    sign = signs.search(text)
    while sign is not None:
        i = sign.start()
        ch = text[i]
        if any(s <= i < e for s, e in skip):
            sign = signs.search(text, i + 1)
            continue
        end = i + 1
        if ch in "([{":
            closing = {"(": ")", "[": "]", "{": "}"}[ch]
            j = text.find(closing, i + 1)
            end = j + 1 if j != -1 and j - i < 300 else i + 1
        elif ch == ":" and not (i + 1 < n and text[i + 1].isalnum()):
            sign = signs.search(text, i + 1)  # an ordinary colon; only ":" inside a word counts
            continue
        results.append(
            finding(
                analysis,
                "special_characters",
                i,
                end,
                f"Sonderzeichen „{ch}“: Nicht alle Menschen kennen es.",
                ADVICE.get(ch, "Schreiben Sie ein Wort statt des Zeichens."),
            )
        )
        sign = signs.search(text, end)
    return results
