"""Rule ``amtsdeutsch``: stiff administrative phrases from ``data/amtsdeutsch.tsv``.

Why a PhraseMatcher on two attributes: matching the lower-cased text finds the
written form ("Zwecks" at the start of a sentence), matching lemmas finds
inflected forms ("in Kenntnis gesetzt" for "in Kenntnis setzen"). Overlapping
matches are reduced to the longest one.
"""

from __future__ import annotations

import threading
from typing import Any

from spacy.matcher import PhraseMatcher
from spacy.util import filter_spans

from plainlang.report import Finding
from plainlang.resources import load_table
from plainlang.rules.base import finding
from plainlang.segment import Analysis

_lock = threading.Lock()
_matchers: dict[int, tuple[PhraseMatcher, PhraseMatcher, dict[int, str]]] = {}


def _build(nlp) -> tuple[PhraseMatcher, PhraseMatcher, dict[int, str]]:
    lower = PhraseMatcher(nlp.vocab, attr="LOWER")
    lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
    replacements: dict[int, str] = {}
    lemmatizer = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.pipe_names else None
    for row in load_table("amtsdeutsch.tsv"):
        phrase, plain = row[0], row[1]
        key = nlp.vocab.strings.add(phrase.lower())
        replacements[key] = plain
        doc = nlp.make_doc(phrase)
        lower.add(phrase.lower(), [doc])
        if lemmatizer is not None:
            lemma.add(phrase.lower(), [lemmatizer(doc)])
    return lower, lemma, replacements


def _matchers_for(nlp):
    key = id(nlp)
    if key not in _matchers:
        with _lock:
            if key not in _matchers:
                _matchers[key] = _build(nlp)
    return _matchers[key]


def find(analysis: Analysis, settings: dict[str, Any]) -> list[Finding]:
    doc = analysis.doc
    from plainlang.nlp import get_nlp

    lower, lemma, replacements = _matchers_for(get_nlp())
    matches = [*lower(doc), *lemma(doc)]
    spans = [doc[s:e] for _, s, e in matches]
    keys = {(s, e): k for k, s, e in matches}
    results = []
    for span in filter_spans(spans):
        plain = replacements[keys[(span.start, span.end)]]
        results.append(
            finding(
                analysis,
                "amtsdeutsch",
                span.start_char,
                span.end_char,
                f"Amtsdeutsch: „{span.text}“ ist schwer verständlich.",
                f"Schreiben Sie einfacher: „{plain}“.",
            )
        )
    return results
