"""Word-level proposals: each function returns edits on the input text, never overlapping ones
of its own; :func:`plainlang.simplify.edits.resolve` settles overlaps between rules.

- ``amtsdeutsch``: phrases of ``data/amtsdeutsch.tsv`` → their plain word (entries whose
  replacement offers alternatives, "da (oder: geben)", are advice only and skipped);
  ``empty_noun``: "bei der Durchführung der Sanierung" → "bei der Sanierung";
- ``abbreviation``: spelled out from ``data/abbreviations.yaml`` (well-known short forms
  such as "EU" only for Leichte Sprache);
- ``plain_word``: stiff words of written German → an everyday word ("zahlreiche" → "viele",
  "lediglich" → "nur", "stets" → "immer"; ``data/plain_words.tsv``, not Amtsdeutsch: the checker
  and the gate do not use it);
- ``number_words``: "drei Wochen" → "3 Wochen" ("ein/eine" is the article and stays); also
  compounds ("zweiundzwanzig" → "22", "viertausend" → "4000", "zwanzigtausend" → "20.000");
- ``date``/``time``: "01.03.2027" → "1. März 2027", "9.30 Uhr" → "9:30 Uhr", "14.00 Uhr" → "14 Uhr";
- ``rare_word``: a rare word → its more frequent synonym (``data/synonyms.tsv``);
- ``compound`` (Leichte Sprache): long compounds split with the city's separator.
"""

from __future__ import annotations

import re
from functools import cache

from plainlang import compounds
from plainlang.resources import load_table, load_yaml
from plainlang.rules import rare_words, vocabulary
from plainlang.simplify.edits import Edit

MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?(?![\d])")
# "bis zum 30.06. nicht": after these words "30.06." is a date even before a small word
_DATE_WORD_BEFORE = re.compile(r"\b(am|ab|bis|zum|vom|seit|dem|den)\s+$", re.IGNORECASE)
_TIME = re.compile(r"(?<![\d.:])([01]?\d|2[0-3])[.:]([0-5]\d)(?=\s*Uhr\b)")
_WORD = re.compile(r"[^\W\d_][^\W\d_-]*(?:-[^\W\d_]+)*")
_EMPTY = r"(?:Durchführung|Vornahme|Umsetzung|Realisierung)"
EMPTY_NOUNS = re.compile(r"\b(der|die) " + _EMPTY + r" der\b")
_EMPTY_AFTER = re.compile(r" " + _EMPTY + r" der\b")


def _capitalised(plain: str, written: str) -> str:
    if written[:1].isupper() and plain[:1].islower():
        return plain[0].upper() + plain[1:]
    return plain


@cache
def _first_words() -> frozenset[str]:
    return frozenset(re.split(r"[\s,]", phrase, maxsplit=1)[0] for phrase in _amtsdeutsch()[1])


@cache
def _amtsdeutsch() -> tuple[re.Pattern[str], dict[str, str]]:
    table = {
        row[0].lower(): row[1]
        for row in load_table("amtsdeutsch.tsv")
        if len(row) > 1 and row[1] and "(" not in row[1] and "oder:" not in row[1]
    }
    phrases = sorted(table, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)", re.IGNORECASE)
    return pattern, table


def amtsdeutsch(text: str) -> list[Edit]:
    pattern, table = _amtsdeutsch()
    first = _first_words()
    edits = []
    last_end = 0
    for word in _WORD.finditer(text):
        if word.start() < last_end or word.group(0).lower() not in first:
            continue
        m = pattern.match(text, word.start())
        if m is None:
            continue
        last_end = m.end()
        written, end = m.group(0), m.end()
        plain = _capitalised(table[written.lower()], written)
        article = written.rsplit(" ", 1)[-1].lower()
        if " " in written and article in ("der", "des") and not plain.endswith((" der", " dem", " des")):
            plain += " der" if article == "der" else " dem"  # "im Rahmen der" → "bei der"
            empty = _EMPTY_AFTER.match(text, end)
            if empty and article == "der":
                end = empty.end()  # "im Rahmen der Durchführung der Sanierung" → "bei der Sanierung"
        edits.append(Edit(m.start(), end, plain, "amtsdeutsch"))
    edits += [Edit(m.start(), m.end(), m.group(1), "empty_noun") for m in EMPTY_NOUNS.finditer(text)]
    return edits


@cache
def _plain_words() -> dict[str, str]:
    return {row[0].lower(): row[1] for row in load_table("plain_words.tsv") if len(row) > 1}


def plain_words(text: str) -> list[Edit]:
    table = _plain_words()
    edits = []
    for match in _WORD.finditer(text):
        written = match.group(0)
        plain = table.get(written.lower())
        if plain is not None:
            edits.append(Edit(match.start(), match.end(), _capitalised(plain, written), "plain_word"))
    return edits


def abbreviations(text: str, leicht: bool) -> list[Edit]:
    edits = [
        Edit(s, e, _capitalised(plain, written), "abbreviation") for s, e, written, plain in vocabulary._dotted(text)
    ]
    plain = vocabulary._abbreviations()
    well_known = set(load_yaml("abbreviations.yaml")["well_known"])
    for match in vocabulary._ACRONYM.finditer(text):
        word = match.group(0)
        if word in plain and (leicht or word not in well_known):
            edits.append(Edit(match.start(), match.end(), plain[word], "abbreviation"))
    for match in vocabulary._STREET.finditer(text):
        written = match.group(0)
        edits.append(
            Edit(
                match.start(),
                match.end(),
                written[:-1] + ("aße" if written.endswith("str.") else "atz"),
                "abbreviation",
            )
        )
    return edits


@cache
def _number_words() -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in load_yaml("grammar.yaml")["number_words"].items()}


UNITS = {"ein": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9}
TEENS = {"zehn": 10, "elf": 11, "zwölf": 12, "sechzehn": 16, "siebzehn": 17}
TENS = {"zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50, "sechzig": 60, "siebzig": 70, "achtzig": 80}
TENS["neunzig"] = 90


def _below_100(word: str) -> int | None:
    if word in UNITS and word != "ein":
        return UNITS[word]
    if word in TEENS or word in TENS:
        return TEENS.get(word) or TENS[word]
    if word.endswith("zehn") and word[:-4] in UNITS and word[:-4] not in ("ein", "zwei"):
        return 10 + UNITS[word[:-4]]  # "dreizehn"
    unit, _, tens = word.partition("und")
    return UNITS[unit] + TENS[tens] if unit in UNITS and tens in TENS else None  # "zweiundzwanzig"


def _below_1000(word: str) -> int | None:
    head, found, rest = word.partition("hundert")
    if not found:
        return _below_100(word)
    hundreds = 1 if head in ("", "ein") else UNITS.get(head) if head != "ein" else None
    tail = _below_100(rest) if rest else 0
    return None if hundreds is None or tail is None else 100 * hundreds + tail


def compound_number(word: str) -> int | None:
    """ "zweiundzwanzig" → 22, "viertausend" → 4000, "dreihundertzwanzig" → 320; None for
    anything else (also for the single words of ``number_words`` and for "ein")."""
    head, found, rest = word.partition("tausend")
    if not found:
        return _below_1000(word) if "und" in word or "hundert" in word[1:] else None
    thousands = 1 if head in ("", "ein") else _below_1000(head)
    tail = _below_1000(rest) if rest else 0
    return None if thousands is None or tail is None else 1000 * thousands + tail


def number_words(text: str) -> list[Edit]:
    digits = _number_words()
    edits = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        lower = word.lower()
        if not (word.islower() or _sentence_initial(text, match.start())):
            continue
        if lower in digits:
            edits.append(Edit(match.start(), match.end(), digits[lower], "number_words"))
        elif len(lower) > 7 and (value := compound_number(lower)) is not None:
            plain = f"{value:,}".replace(",", ".") if value >= 10_000 else str(value)  # "2024", "20.000"
            edits.append(Edit(match.start(), match.end(), plain, "number_words"))
    return edits


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:\n"


def dates_and_times(text: str) -> list[Edit]:
    edits = []
    for match in _DATE.finditer(text):
        day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
        if not (1 <= day <= 31 and 1 <= month <= 12):
            continue
        if (year is None and not re.match(r"\s*(\d|[A-ZÄÖÜ]|$|[,;)])", text[match.end() : match.end() + 2])
                and not _DATE_WORD_BEFORE.search(text[max(0, match.start() - 12) : match.start()])):  # fmt: skip
            continue
        if year is not None and len(year) == 2:
            year = "20" + year
        plain = f"{day}. {MONTHS[month - 1]}" + (f" {year}" if year else "")
        edits.append(Edit(match.start(), match.end(), plain, "date"))
    for match in _TIME.finditer(text):
        hour, minute = int(match.group(1)), match.group(2)
        plain = f"{hour}" if minute == "00" else f"{hour}:{minute}"
        if plain != match.group(0):
            edits.append(Edit(match.start(), match.end(), plain, "time"))
    return edits


def rare_synonyms(text: str, max_zipf: float) -> list[Edit]:
    edits = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        if "-" in word or len(word) < 5:
            continue
        other = rare_words.synonym(word)
        if other and rare_words.is_rare(word, max_zipf):
            edits.append(Edit(match.start(), match.end(), other, "rare_word"))
    return edits


def split_compounds(text: str, max_letters: int, separator: str) -> list[Edit]:
    edits = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        if len(word) <= max_letters or "-" in word or not word[0].isupper() or "·" in word:
            continue
        if compounds.street_or_place_name(word):
            continue
        parts = compounds.split(word)
        if len(parts) > 1:
            edits.append(Edit(match.start(), match.end(), compounds.join(parts, separator), "compound"))
    return edits
