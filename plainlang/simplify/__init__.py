"""The simplification assistant: ``simplify(text, profile) -> Simplified``, offline and rule-based.

It proposes; staff decide. The proposal is built in two steps, each a list of edits whose
offsets are mapped back to the input, so every :class:`Change` says rule, before, after and
where in the input it happened:

1. words (:mod:`.lexical`, :mod:`.style`): Amtsdeutsch, stiff words ("zahlreiche" → "viele"),
   empty nouns, abbreviations, number words, dates and times, rare words with a more frequent
   synonym; quotation marks, filler particles and linking adverbs inside a clause ("aber",
   "bereits"), a semicolon that ends a sentence, apostrophe elisions ("gibt's"), old
   spellings, genitive → "von", dashes, Konjunktiv I → indicative; the correlate "so" after a
   clause in front;
2. sentences (:mod:`.sentences`, :mod:`.clauses`, :mod:`.tense`): splits at semicolons,
   coordinating conjunctions, *dass* and relative clauses (also in the middle of a sentence),
   a subordinate clause in front ("Als …, …" → "… . Dann …"), main clauses joined by a comma;
   the speaker of direct speech first ("…, sagte sie." → "Sie sagte: …", rule ``speech_tag``);
   passive → active where the agent is named; nominal style → verb; Präteritum → Perfekt
   (rule ``perfekt``); for Leichte Sprache one sentence per line;
and, for Leichte Sprache, long compounds are split with the city's separator in step 1
(``compound_separator``, "·" or "-"; the city pack's setting is passed in by the caller, so
``plainlang`` stays independent of ``topics``).

Meaning stays: no rule deletes a negation or a number (property tests in
``tests/plainlang/test_plainlang_simplify.py``).
"""

from __future__ import annotations

import re

from plainlang import profiles
from plainlang.segment import CLOSERS, TERMINAL, find_sentence_starts
from plainlang.segment import _abbreviations as segment_abbreviations
from plainlang.simplify import clauses, lexical, sentences, style, tense
from plainlang.simplify import words as w
from plainlang.simplify.edits import Edit, OffsetMap, resolve
from plainlang.simplify.types import Change, Simplified

PROFILES = ("einfach", "leicht", "standard")
SEPARATORS = ("·", "-")
# Sentences longer than this are split (words); einfach fitted on the DEplain-web fit part
# (4, 6, 8, 10, 12 words tried: SARI 28.3, 28.3, 28.1, 27.9, 27.8).
SPLIT_FROM_WORDS = {"leicht": 0, "einfach": 4, "standard": 25}

# Rewrites of one (split) sentence, in this order.
REWRITES = (
    ("active", sentences.active),
    ("nominal_style", sentences.nominal),
    ("front_adverb", sentences.front_adverb),
    ("perfekt", tense.perfect),
)

__all__ = ["PROFILES", "Change", "Simplified", "simplify"]


def simplify(text: str, profile: str = "einfach", *, compound_separator: str | None = None) -> Simplified:
    """Propose a simpler text for ``profile`` ("einfach", "leicht"; "standard" only replaces words)."""
    if profile not in PROFILES:
        raise ValueError(f"Unbekanntes Profil „{profile}“. Erlaubt sind: {', '.join(PROFILES)}.")
    if compound_separator is not None and compound_separator not in SEPARATORS:
        raise ValueError("Das Trennzeichen für lange Wörter muss „·“ oder „-“ sein.")
    config = profiles.profile_config(profile)["rules"]
    leicht = profile == "leicht"
    changes: list[Change] = []

    # 1. words
    edits = lexical.amtsdeutsch(text) + lexical.abbreviations(text, leicht) + style.spelling(text)
    if profile != "standard":
        edits += lexical.number_words(text) + lexical.dates_and_times(text) + lexical.plain_words(text)
        edits += style.quotation_marks(text) + style.filler_words(text) + style.genitive(text)
        edits += style.dashes(text) + style.konjunktiv(text) + style.correlate(text)
        edits += style.sentence_adverbs(text) + style.semicolons(text) + style.elisions(text)
        edits += lexical.rare_synonyms(text, float(config.get("rare_word", {}).get("max_zipf", 2.5)))
    if leicht:
        settings = config.get("long_word", {})
        separator = compound_separator or settings.get("separator", "·")
        edits += lexical.split_compounds(text, int(settings.get("max_letters", 12)), separator)
    edits = resolve(edits)
    changes += [Change(e.rule, text[e.start : e.end], e.after, e.start, e.end) for e in edits]
    text1, map1 = OffsetMap.apply(text, edits)

    # 2. sentences
    edits2: list[Edit] = []
    spans = sentence_spans(text1)
    for k, (start, end, kind) in enumerate(spans):
        origin = (map1.start(start), map1.end(end))
        if kind == "sentence" and profile != "standard":
            pieces = _sentence(text1[start:end], profile, changes, origin)
            if pieces is not None:
                edits2.append(Edit(start, end, ("\n" if leicht else " ").join(pieces), "sentence"))
        if leicht and k + 1 < len(spans):
            gap = text1[end : spans[k + 1][0]]
            if "\n" not in gap:
                edits2.append(Edit(end, spans[k + 1][0], "\n", "line_per_sentence"))
                # A boundary that a word edit made ("– 800" → ". 800") lies inside that edit:
                # both ends then map into it, the later one possibly before the earlier one.
                a, b = map1.end(end), map1.start(spans[k + 1][0])
                changes.append(Change("line_per_sentence", gap, "\n", min(a, b), max(a, b)))
    text2, _ = OffsetMap.apply(text1, edits2)

    changes.sort(key=lambda c: (c.start, c.end))
    return Simplified(text2, changes)


def _sentence(segment: str, profile: str, changes: list[Change], origin: tuple[int, int]) -> list[str] | None:
    """The rewritten sentence(s) of one sentence, or None when nothing changed."""
    tokens = w.tokens(segment)
    if not tokens:
        return None
    changed = False
    spoken = clauses.speech_tag(tokens)  # before any split: ", sagte sie" is no second predicate
    if spoken is not None:
        changes.append(Change("speech_tag", w.join(tokens), w.join(spoken), *origin))
        tokens, changed = spoken, True
    queue: list[list[str]] = [tokens]
    done: list[list[str]] = []
    while queue:
        current = queue.pop(0)
        if len(done) + len(queue) < 8 and (";" in current or sentences._words(current) > SPLIT_FROM_WORDS[profile]):
            parts = sentences.split(current, profile == "leicht")
            if parts:
                changes.append(Change("split_sentence", w.join(current), " ".join(w.join(p) for p in parts), *origin))
                queue = parts + queue
                changed = True
                continue
        for rule, rewrite in REWRITES:
            new = rewrite(current)
            if new is not None and new != current:
                changes.append(Change(rule, w.join(current), w.join(new), *origin))
                current = new
                changed = True
        done.append(current)
    return [w.join(s) for s in done] if changed else None


class _Token:
    """What :func:`plainlang.segment.find_sentence_starts` reads of a spaCy token."""

    __slots__ = ("idx", "text", "whitespace_")

    def __init__(self, text: str, idx: int) -> None:
        self.text, self.idx, self.whitespace_ = text, idx, ""


_CHUNK = re.compile(r"\s+|\S+")
_EDGE = "\"'„“”»«‘’()[]{},;:!?…"


def _tokens(text: str) -> list[_Token]:
    """A light tokenizer with spaCy's conventions where the segmentation rules look: punctuation
    apart, a full stop kept on ordinals ("3.") and known abbreviations, line breaks and runs of
    spaces as tokens. spaCy's tokenizer creates a lexeme for every new word, which costs more
    than all rules of the proposal together on text it has never seen."""
    every, _ = segment_abbreviations()
    out: list[_Token] = []
    for match in _CHUNK.finditer(text):
        chunk, start = match.group(0), match.start()
        if chunk.isspace():
            if out and chunk == " ":
                out[-1].whitespace_ = " "
            else:
                out.append(_Token(chunk, start))
            continue
        lead = 0
        while lead < len(chunk) - 1 and chunk[lead] in _EDGE:
            out.append(_Token(chunk[lead], start + lead))
            lead += 1
        core_end = len(chunk)
        trail: list[_Token] = []
        while core_end - 1 > lead and (chunk[core_end - 1] in _EDGE or chunk[core_end - 1] == "."):
            core = chunk[lead:core_end]
            if chunk[core_end - 1] == "." and (core.lower() in every or (core[:-1].isdigit() and len(core) <= 4)):
                break
            trail.insert(0, _Token(chunk[core_end - 1], start + core_end - 1))
            core_end -= 1
        out.append(_Token(chunk[lead:core_end], start + lead))
        out.extend(trail)
    return out


def sentence_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of each sentence, by the checker's segmentation rules."""
    if not text.strip():
        return []
    tokens = _tokens(text)
    starts = find_sentence_starts(tokens)  # type: ignore[arg-type]
    spans = []
    current: list[_Token] = []
    for token, start in zip(tokens, [*starts], strict=True):
        if start and current:
            spans.append(_span(current))
            current = []
        if not token.text.isspace():
            current.append(token)
    if current:
        spans.append(_span(current))
    return spans


def _span(tokens: list[_Token]) -> tuple[int, int, str]:
    last = tokens[-1].text
    kind = "sentence" if last in TERMINAL or last in CLOSERS or last == ":" else "heading"
    return tokens[0].idx, tokens[-1].idx + len(last), kind
