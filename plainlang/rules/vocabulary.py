"""Rules ``abbreviation`` and ``foreign_word``: words many readers do not know.

Why data-driven: which abbreviations and anglicisms are hard is a matter of
usage, so editors maintain ``data/abbreviations.yaml`` and
``data/anglicisms.tsv``; the code only finds them. Abbreviations match with or
without the inner space ("z. B." = "z.B."); those that are also words ("Art.",
"S.", "Nr.") count only before a number. Unknown capital-letter short forms
("OZG", "gkd-el" is not one) are reported too, except well-known ones like "EU"
outside Leichte Sprache.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from plainlang.report import Finding
from plainlang.resources import load_table, load_yaml
from plainlang.rules.base import finding
from plainlang.segment import Analysis

BEFORE_NUMBER = frozenset({"Nr.", "Abs.", "Art.", "Ziff.", "Anl.", "Bd.", "S.", "Az."})
_ACRONYM = re.compile(r"(?<![\w-])[A-ZÄÖÜ][A-ZÄÖÜa-zäöü]{0,3}[A-ZÄÖÜ](?![\w])")
_STREET = re.compile(r"\b\w+(str|pl)\.(?=\s*\d)")


_DOTTED = re.compile(r"(?<![\w.])(?:[^\W\d_]{1,6}\.[ \u00a0]?){1,4}")


@cache
def _abbreviations() -> dict[str, str]:
    """Written form without spaces → plain form; lower-case entries also capitalised."""
    plain: dict[str, str] = {}
    for entry in load_yaml("abbreviations.yaml")["abbreviations"]:
        key = entry["written"].replace(" ", "")
        plain.setdefault(key, entry["plain"])
        if key[0].islower():
            plain.setdefault(key[0].upper() + key[1:], entry["plain"])
    return plain


def _dotted(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, written, plain) of dotted abbreviations: the longest known prefix wins."""
    plain = _abbreviations()
    found = []
    for match in _DOTTED.finditer(text):
        pieces = [(m.start(), m.end()) for m in re.finditer(r"[^\W\d_]+\.", match.group(0))]
        k = 0
        while k < len(pieces):
            for last in range(len(pieces), k, -1):
                start, end = match.start() + pieces[k][0], match.start() + pieces[last - 1][1]
                written = text[start:end]
                key = re.sub(r"\s", "", written)
                if key in plain and (key not in BEFORE_NUMBER or re.match(r"\s*\d", text[end : end + 3])):
                    found.append((start, end, written, plain[key]))
                    k = last
                    break
            else:
                k += 1
    return found


def find_abbreviations(analysis: Analysis, settings: dict[str, Any]) -> list[Finding]:
    text = analysis.text
    plain = _abbreviations()
    well_known = set(load_yaml("abbreviations.yaml")["well_known"])
    results: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for start, end, written, expansion in _dotted(text):
        taken.append((start, end))
        results.append(_finding(analysis, start, end, written, expansion))
    streets = _STREET.finditer(text) if "str." in text or "pl." in text else ()  # it needs one
    for match in streets:
        if any(s <= match.start() < e for s, e in taken):
            continue
        written = match.group(0)
        expansion = written[:-1] + ("aße" if written.endswith("str.") else "atz")
        taken.append(match.span())
        results.append(_finding(analysis, match.start(), match.end(), written, expansion))
    for match in _ACRONYM.finditer(text):
        word = match.group(0)
        if any(s <= match.start() < e for s, e in taken):
            continue
        if word not in plain and sum(ch.isupper() for ch in word) < 2:
            continue
        if word in well_known and not settings.get("well_known_too"):
            continue
        results.append(_finding(analysis, match.start(), match.end(), word, plain.get(word, "")))
    return results


def _finding(analysis: Analysis, start: int, end: int, written: str, expansion: str) -> Finding:
    suggestion = (
        f"Schreiben Sie das Wort aus: „{expansion}“."
        if expansion
        else "Schreiben Sie das Wort aus oder erklären Sie es beim ersten Mal."
    )
    return finding(
        analysis,
        "abbreviation",
        start,
        end,
        f"Abkürzung „{written}“: Nicht alle kennen sie.",
        suggestion,
    )


@cache
def _anglicisms() -> tuple[dict[str, str], re.Pattern[str] | None]:
    single: dict[str, str] = {}
    multi: dict[str, str] = {}
    for row in load_table("anglicisms.tsv"):
        (multi if " " in row[0] else single)[row[0].lower()] = row[1]
    pattern = None
    if multi:
        pattern = re.compile(
            r"(?<!\w)(" + "|".join(re.escape(k) for k in sorted(multi, key=len, reverse=True)) + r")(?!\w)",
            re.IGNORECASE,
        )
    single.update({f"__multi__{k}": v for k, v in multi.items()})
    return single, pattern


STEM_HEAD = 6  # the shortest stem that counts as a first compound part


@cache
def _long_stems() -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in _anglicisms()[0].items() if len(k) >= STEM_HEAD and "__" not in k)


@lru_cache(maxsize=50_000)
def _german_for(word: str) -> str | None:
    """German word for an anglicism, also as a hyphen part or first compound part."""
    single = _anglicisms()[0]
    lower = word.lower()
    if lower in single:
        return single[lower]
    for part in lower.split("-"):
        if part in single:
            return single[part]
    stems = _long_stem_index()
    if lower[:STEM_HEAD] not in stems[2]:
        return None  # no stem starts like this word: the loop below would find nothing
    for length in stems[0]:
        if len(lower) - length >= 4:
            german = stems[1].get(lower[:length])
            if german is not None:
                return german
    return None


@cache
def _long_stem_index() -> tuple[tuple[int, ...], dict[str, str], frozenset[str]]:
    """Stem lengths (longest first, as the old first-match loop effectively preferred the list
    order), stem → German word, so a word needs a few dict look-ups, not a loop over stems, and
    the stems' first letters (every stem has at least STEM_HEAD), to skip most words at once."""
    table: dict[str, str] = {}
    for stem, german in _long_stems():
        table.setdefault(stem, german)
    heads = frozenset(stem[:STEM_HEAD] for stem in table)
    return tuple(sorted({len(s) for s in table}, reverse=True)), table, heads


def find_foreign_words(analysis: Analysis, settings: dict[str, Any]) -> list[Finding]:
    single, pattern = _anglicisms()
    results: list[Finding] = []
    taken: list[tuple[int, int]] = []
    if pattern is not None:
        for match in pattern.finditer(analysis.text):
            german = single[f"__multi__{match.group(0).lower()}"]
            taken.append(match.span())
            results.append(_foreign(analysis, match.start(), match.end(), match.group(0), german))
    kinds, texts, offsets = analysis.word_kind, analysis.texts, analysis.idx
    for sentence in analysis.sentences:
        for i in sentence.words:
            if kinds[i] != "alpha":
                continue
            suggestion = _german_for(texts[i])
            if not suggestion:
                continue
            text, start = texts[i], offsets[i]
            if taken and any(s <= start < e for s, e in taken):
                continue
            results.append(_foreign(analysis, start, start + len(text), text, suggestion))
    return results


def _foreign(analysis: Analysis, start: int, end: int, word: str, german: str) -> Finding:
    return finding(
        analysis,
        "foreign_word",
        start,
        end,
        f"Englisches Wort „{word}“: Nicht alle verstehen es.",
        f"Schreiben Sie auf Deutsch, zum Beispiel: „{german}“.",
    )
