"""Helpers shared by the rules: building findings and cutting sentences into clauses."""

from __future__ import annotations

from plainlang.report import Finding
from plainlang.segment import Analysis, Sentence

CLAUSE_BREAKS = frozenset({",", ";", ":", "–", "—", "(", ")", "-", "„", "“", '"', "!", "?"})
EXCERPT_MAX = 80


def finding(analysis: Analysis, rule: str, start: int, end: int, message: str, suggestion: str) -> Finding:
    """A finding with an excerpt of the text it points at (shortened when long)."""
    excerpt = analysis.text[start:end]
    if len(excerpt) > EXCERPT_MAX:
        excerpt = excerpt[: EXCERPT_MAX - 1].rstrip() + "…"
    return Finding(rule, start, end, excerpt, message, suggestion)


def token_span(analysis: Analysis, first: int, last: int) -> tuple[int, int]:
    """Character span from token ``first`` to token ``last`` (inclusive)."""
    return analysis.idx[first], analysis.idx[last] + len(analysis.texts[last])


def clauses(analysis: Analysis, sentence: Sentence) -> list[list[int]]:
    """Word token indices of a sentence, cut at commas, semicolons, dashes, brackets.

    Cached on the analysis: several rules ask for the same clauses.
    """
    cached = analysis._clauses.get(sentence.first)
    if cached is not None:
        return cached
    texts, kinds = analysis.texts, analysis.word_kind
    result: list[list[int]] = []
    current: list[int] = []
    for i in range(sentence.first, sentence.last):
        if texts[i] in CLAUSE_BREAKS:
            if current:
                result.append(current)
            current = []
        elif kinds[i] is not None:
            current.append(i)
    if current:
        result.append(current)
    analysis._clauses[sentence.first] = result
    return result
