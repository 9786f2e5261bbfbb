"""Rule ``negation``: double negation, and in Leichte Sprache every negation.

Why: "nicht unwichtig" or "kein … nicht" makes the reader compute the meaning;
Leichte Sprache asks for positive sentences altogether ("Bleiben Sie im Haus"
instead of "Gehen Sie nicht nach draußen"). Mode ``double`` (einfach,
standard) reports a clause with two negations, or a negation before an
un-/nicht-/miss- word; mode ``any`` (leicht) reports each negation word.
"""

from __future__ import annotations

from typing import Any

from plainlang.report import Finding
from plainlang.resources import load_yaml, word_set
from plainlang.rules.base import clauses, finding, token_span
from plainlang.segment import Analysis


def _negative_word(lower: str) -> bool:
    """ "unwichtig", "nichtöffentlich", "missverständlich" — a second negation."""
    if lower in word_set("grammar.yaml", "not_negative_un_words") or len(lower) < 6:
        return False
    return lower.startswith(tuple(load_yaml("grammar.yaml")["negative_prefixes"]))


def find(analysis: Analysis, settings: dict[str, Any]) -> list[Finding]:
    negations = word_set("grammar.yaml", "negation_words")
    mode = settings.get("mode", "double")
    results = []
    for sentence in analysis.sentences:
        for clause in clauses(analysis, sentence):
            hits = [i for i in clause if analysis.lowers[i] in negations]
            if mode == "any":
                for i in hits:
                    start, end = token_span(analysis, i, i)
                    results.append(
                        finding(
                            analysis,
                            "negation",
                            start,
                            end,
                            "Verneinung: Sätze ohne „nicht“ und „kein“ sind leichter.",
                            "Schreiben Sie positiv: „Bleiben Sie im Haus“ statt „Gehen Sie nicht nach draußen“.",
                        )
                    )
                continue
            if not hits:
                continue
            extra = [i for i in clause if i > hits[0] and _negative_word(analysis.lowers[i])]
            pair = hits[:2] if len(hits) >= 2 else ([hits[0], extra[0]] if extra else None)
            if not pair:
                continue
            start, end = token_span(analysis, pair[0], pair[1])
            results.append(
                finding(
                    analysis,
                    "negation",
                    start,
                    end,
                    "Doppelte Verneinung: Der Leser muss umdenken.",
                    "Sagen Sie es positiv: „wichtig“ statt „nicht unwichtig“.",
                )
            )
    return results
