"""Sentence and word segmentation that survives German administrative text.

Why our own rules: spaCy's blank German pipeline has no sentence splitter, and a
naive split at every full stop breaks "z. B.", "Nr. 3", "am 1. Januar",
"Hauptstr. 5", "9.30 Uhr" and list items. The component below runs inside the
spaCy pipeline and sets ``Token.is_sent_start``; :func:`analyse` then turns the
``Doc`` into sentences and classified words that every metric and rule shares.

Boundaries are set
- after ``!`` and ``?`` and after a full stop that does not belong to an
  abbreviation, an initial ("A. Müller") or an ordinal ("1. Januar");
- after an abbreviation or ordinal only when the next word typically opens a
  sentence ("... Hefte usw. Die Schule ...", "Raum 12. Bitte ...");
- at blank lines, before list items ("- ", "• ", "1. ", "a) ") and after a
  short line without final punctuation (a heading).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, cast

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from plainlang import syllables
from plainlang.resources import load_yaml, word_set
from plainlang.tokens import words_and_spaces

if TYPE_CHECKING:
    from thinc.types import Ints2d

COMPONENT_NAME = "plainlang_sentences"

TERMINAL = frozenset({".", "!", "?", "…", "...", "?!", "!?"})
CLOSERS = frozenset({"“", "”", '"', "»", "«", "'", "’", ")", "]", "‘"})
BULLETS = frozenset({"-", "–", "—", "•", "*", "·", "▪", "◦", "→", "‣", "○"})
HEADING_MAX_WORDS = 12
# After an ordinal these continue a date range or list ("vom 3. bis 14. März", "1. und 2. Klasse").
ORDINAL_CONTINUATIONS = frozenset({"bis", "und", "oder", "zum", "auf"})
_ORDINAL = re.compile(r"^\d{1,3}\.$")
_YEAR_OR_DATE = re.compile(r"^(\d{4}|\d{1,2}\.\d{1,2}\.\d{2,4})\.$")
_NUMBER = re.compile(r"^[+-]?\d[\d.,:/–-]*\.?$")
_LETTER = re.compile(r"[^\W\d_]")


@cache
def _abbreviations() -> tuple[frozenset[str], frozenset[str]]:
    """(all abbreviations, those that may end a sentence), lower-cased, no spaces."""
    entries = load_yaml("abbreviations.yaml")["abbreviations"]
    every = {e["written"].replace(" ", "").lower() for e in entries if e["written"].endswith(".")}
    final = {e["written"].replace(" ", "").lower() for e in entries if e.get("may_end_sentence")}
    # "u. a." is tokenised as "u." + "a."; the last piece decides.
    every |= {w.rsplit(".", 2)[-2] + "." for w in list(every) if w.count(".") > 1}
    final |= {w.rsplit(".", 2)[-2] + "." for w in list(final) if w.count(".") > 1}
    return frozenset(every), frozenset(final)


@cache
def _street_suffixes() -> tuple[str, ...]:
    return tuple(load_yaml("abbreviations.yaml")["street_suffixes"])


def _starters() -> frozenset[str]:
    return word_set("grammar.yaml", "sentence_starters")


@Language.component(COMPONENT_NAME)
def set_sentence_starts(doc: Doc) -> Doc:
    """spaCy component: mark sentence starts with the rules in the module doc."""
    starts = find_sentence_starts(doc)
    if starts:
        # One array write: setting Token.is_sent_start one by one is O(n²) in spaCy.
        values = numpy.array([1 if s else -1 for s in starts], dtype="int64").astype("uint64")
        doc.from_array([SENT_START], cast("Ints2d", values.reshape(-1, 1)))
    return doc


def _next_content(texts: list[str], i: int) -> tuple[int | None, bool]:
    """Index of the next non-space token after ``i`` and whether a line break lies between."""
    newline = False
    n = len(texts)
    j = i + 1
    while j < n and texts[j].isspace():
        newline = newline or "\n" in texts[j]
        j += 1
    return (j if j < n else None), newline


def _period_kind(texts: list[str], spaced: list[bool], i: int) -> str:
    """Classify a token that ends in a full stop: plain, abbrev, final_abbrev, ordinal, year."""
    text = texts[i]
    every, final = _abbreviations()
    if text == ".":
        if i == 0 or spaced[i - 1]:
            return "plain"
        prev = texts[i - 1].lower()
        word = prev + "."
        if word in final:
            return "final_abbrev"
        if word in every or prev.endswith(_street_suffixes()) and len(prev) > 3:
            return "abbrev"
        if _YEAR_OR_DATE.match(word):
            return "year"
        return "plain"
    lower = text.lower()
    if lower in final:
        return "final_abbrev"
    if lower in every:
        return "abbrev"
    if _ORDINAL.match(text):
        return "ordinal"
    if _YEAR_OR_DATE.match(text):
        return "year"
    if len(text) == 2 and text[0].isalpha():
        return "abbrev"  # an initial: "A. Müller"
    if _LETTER.search(text):
        return "final_abbrev"  # unknown abbreviation: split only before a typical opener
    return "plain"


def is_bullet(texts: list[str], i: int) -> bool:
    """A list marker at the start of a line: "-", "•", "1.", "a)"."""
    if i > 0 and "\n" not in texts[i - 1]:
        return False
    text = texts[i]
    if text in BULLETS or _ORDINAL.match(text):
        return i + 1 < len(texts)
    return len(text) == 1 and text.isalpha() and i + 1 < len(texts) and texts[i + 1] == ")"


def find_sentence_starts(doc: Doc) -> list[bool]:
    """One flag per token: does a sentence start here?"""
    n = len(doc)
    starts = [False] * n
    if not n:
        return starts
    texts, spaced = words_and_spaces(doc)
    starters = _starters()
    starts[0] = True
    words_in_line = 0
    for i, text in enumerate(texts):
        if text.isspace():
            if "\n" in text:
                j, _ = _next_content(texts, i)
                if j is not None and i > 0:
                    prev = texts[i - 1]
                    heading = (
                        prev not in TERMINAL
                        and prev not in {",", ";"}
                        and words_in_line <= HEADING_MAX_WORDS
                        and not texts[j][0].islower()
                    )
                    if text.count("\n") >= 2 or heading or is_bullet(texts, j):
                        starts[j] = True
                words_in_line = 0
            continue
        words_in_line += 1
        if (i == 0 or "\n" in texts[i - 1]) and is_bullet(texts, i):
            starts[i] = True
        if text[-1] not in ".!?…":
            continue
        j, newline = _next_content(texts, i)
        if j is None:
            continue
        if text.endswith((".",)) and text not in TERMINAL - {"."}:
            kind = _period_kind(texts, spaced, i) if text != "..." else "plain"
        else:
            kind = "plain"
        # A closing quote or bracket right after the stop belongs to this sentence.
        while j is not None and texts[j] in CLOSERS and not spaced[j - 1]:
            j, newline = _next_content(texts, j)
        if j is None:
            continue
        nxt = texts[j]
        opener = nxt.lower() in starters
        if kind == "plain":
            boundary = newline or not nxt[0].islower()
        elif kind == "year":
            boundary = newline or nxt[0].isupper()
        elif kind in ("ordinal", "final_abbrev"):
            if kind == "ordinal" and nxt.lower() in ORDINAL_CONTINUATIONS and not newline:
                opener = False
            boundary = opener or (newline and not nxt[0].islower())
        else:
            boundary = False
        if boundary:
            starts[j] = True
    return starts


@dataclass(slots=True)
class Sentence:
    """A sentence, heading or list item: char span, token span and its words."""

    start: int
    end: int
    first: int
    last: int  # exclusive token index
    kind: str
    words: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Analysis:
    """Everything metrics and rules share about one text."""

    text: str
    doc: Doc
    sentences: list[Sentence]
    word_kind: list[str | None]  # per token: "alpha", "number", "other" or None
    letters: list[int]  # per token: letters (0 for non-alpha words)
    syllables: list[int]  # per token: syllables (0 for non-alpha words)
    sentence_of: list[int]  # per token: index into sentences
    texts: list[str] = field(default_factory=list)  # per token, to avoid slow Token access
    lowers: list[str] = field(default_factory=list)
    idx: list[int] = field(default_factory=list)
    _clauses: dict[int, list[list[int]]] = field(default_factory=dict)
    _passive: list[tuple[int, int, int]] | None = None  # plainlang.rules.passive.passive_spans

    @property
    def n_words(self) -> int:
        return sum(len(s.words) for s in self.sentences)


@lru_cache(maxsize=200_000)
def classify(text: str) -> tuple[str | None, int, int]:
    """(kind, letters, syllables) for a token text; cached because words repeat.

    Numbers ("2027", "9.30", "1.000", "1.") count as words for sentence length but
    not for letter and syllable statistics; URLs and e-mail addresses are "other"
    words; punctuation and symbols are not words at all.
    """
    if text.isalpha():  # most tokens: every character a letter, none of the cases below
        return "alpha", len(text), syllables.count(text)
    if "://" in text or text.startswith("www.") or ("@" in text and "." in text):
        return "other", 0, 0
    if _NUMBER.match(text):
        return "number", 0, 0
    letters = len(_LETTER.findall(text))
    if not letters:
        return None, 0, 0
    return "alpha", letters, syllables.count(text)


def analyse(doc: Doc) -> Analysis:
    """Turn a processed ``Doc`` into sentences with classified words."""
    n = len(doc)
    texts, spaces = words_and_spaces(doc)
    offsets: list[int] = []
    offset = 0
    for text, space in zip(texts, spaces, strict=True):  # a Doc's text is its words and spaces
        offsets.append(offset)
        offset += len(text) + space
    kinds: list[str | None] = [None] * n
    letters = [0] * n
    sylls = [0] * n
    sentence_of = [0] * n
    sentences: list[Sentence] = []
    for sent in doc.sents:
        first, last = sent.start, sent.end
        while last > first and texts[last - 1].isspace():
            last -= 1
        while first < last and texts[first].isspace():
            first += 1
        if first >= last:
            continue
        kind = "sentence"
        body = first
        if is_bullet(texts, first):
            kind, body = "list_item", first + (2 if texts[first].isalpha() else 1)
        elif texts[last - 1] not in TERMINAL and texts[last - 1] not in CLOSERS:
            kind = "heading" if texts[last - 1] != ":" else "sentence"
        start = offsets[first]
        end = offsets[last - 1] + len(texts[last - 1])
        sentence = Sentence(start, end, first, last, kind)
        index = len(sentences)
        sentence_of[first:last] = [index] * (last - first)
        words = sentence.words
        for i in range(body, last):
            kind_i, letters_i, syll_i = classify(texts[i])  # whitespace: None, as punctuation
            if kind_i is None:
                continue
            kinds[i], letters[i], sylls[i] = kind_i, letters_i, syll_i
            words.append(i)
        if sentence.words:
            sentences.append(sentence)
        else:
            for i in range(first, last):
                sentence_of[i] = max(index - 1, 0)
    return Analysis(
        doc.text,
        doc,
        sentences,
        kinds,
        letters,
        sylls,
        sentence_of,
        texts,
        [t.lower() for t in texts],
        offsets,
    )
