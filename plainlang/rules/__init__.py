"""The rules: one module per concern, each a function ``find(analysis, settings)``.

``RULES`` maps a rule id to its function; :func:`run` calls the rules that the
profile switches on (``data/profiles.yaml``) and returns findings sorted by
position. Rule ids are part of the API contract (JSON reports, the gate policy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plainlang.report import Finding
from plainlang.rules import (
    amtsdeutsch,
    characters,
    genitive,
    konjunktiv,
    negation,
    nominal,
    numbers,
    passive,
    rare_words,
    sentences,
    vocabulary,
    words,
)
from plainlang.segment import Analysis

RuleFunction = Callable[[Analysis, dict[str, Any]], list[Finding]]

RULES: dict[str, RuleFunction] = {
    "long_sentence": sentences.find,
    "passive": passive.find,
    "nominal_style": nominal.find,
    "amtsdeutsch": amtsdeutsch.find,
    "konjunktiv": konjunktiv.find,
    "genitive": genitive.find,
    "negation": negation.find,
    "abbreviation": vocabulary.find_abbreviations,
    "long_word": words.find,
    "number_words": numbers.find,
    "foreign_word": vocabulary.find_foreign_words,
    "special_characters": characters.find,
    "rare_word": rare_words.find,
}


def run(analysis: Analysis, rule_settings: dict[str, dict[str, Any]]) -> list[Finding]:
    """Findings of every rule switched on in ``rule_settings``, in text order."""
    findings: list[Finding] = []
    for rule_id, settings in rule_settings.items():
        findings.extend(RULES[rule_id](analysis, settings or {}))
    findings.sort(key=lambda f: (f.start, f.end, f.rule))
    return findings
