"""Rule ``passive``: Vorgangspassiv ("Die Straße wird gesperrt").

Why: the passive hides who acts; residents need to know who does what ("Wir
sperren die Straße"). Only the werden-passive is reported. Deliberately *not*
reported (hard negatives in the quality corpus):
- Futur I: "Die Stadt wird die Leitung erneuern" (infinitive, not participle);
- copula: "Das Wetter wird besser", "Sie wird Ärztin";
- Zustandspassiv: "Die Schule ist geschlossen" (a state, no werden);
- Futur II active: "… wird … abgeholt haben".
A clause is reported when a werden-form stands next to a Partizip II: right
before it ("…, dass die Straße gesperrt wird", "muss beantragt werden", "ist
gesperrt worden") or later in the same clause ("wird am Montag gesperrt"). The
participle test asks :mod:`plainlang.pos` (HanTa's answers, precomputed for 174,000 words and
cached per word) only for lower-case words after a werden-form.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from plainlang import pos
from plainlang.report import Finding
from plainlang.resources import word_set
from plainlang.rules.base import clauses, finding, token_span
from plainlang.segment import Analysis

SEPARABLE_PREFIXES = (
    "zurück",
    "heraus",
    "herein",
    "hinaus",
    "vorbei",
    "weiter",
    "zusammen",
    "fest",
    "frei",
    "bereit",
    "statt",
    "teil",
    "ab",
    "an",
    "auf",
    "aus",
    "bei",
    "ein",
    "mit",
    "nach",
    "vor",
    "weg",
    "zu",
    "um",
    "los",
    "hin",
    "her",
    "dar",
)
AUXILIARIES_AFTER = frozenset({"haben", "hat", "hätte", "sein"})


@cache
def _werden() -> frozenset[str]:
    return word_set("grammar.yaml", "werden_forms") - {"geworden"}


def _candidate(text: str) -> bool:
    """Could this word be a Partizip II? Cheap spelling test before asking HanTa."""
    return (
        len(text) > 3
        and text.islower()
        and text.isalpha()
        and (text.endswith("t") or text.endswith("en"))
        and text not in word_set("grammar.yaml", "not_participles")
    )


def passive_spans(analysis: Analysis) -> list[tuple[int, int, int]]:
    """(sentence index, first token, last token) of every passive construction.

    Cached on the analysis: the passive_share metric and the rule ask for the same spans."""
    if analysis._passive is not None:
        return analysis._passive
    werden = _werden()
    doc = analysis.doc
    spans = []
    for s_index, sentence in enumerate(analysis.sentences):
        for clause in clauses(analysis, sentence):
            for k, i in enumerate(clause):
                if analysis.lowers[i] not in werden:
                    continue
                span = _participle_before(doc, clause, k) or _participle_after(doc, clause, k)
                if span:
                    spans.append((s_index, *span))
                    break
    analysis._passive = spans
    return spans


def _participle_before(doc, clause: list[int], k: int) -> tuple[int, int] | None:
    if k == 0:
        return None
    j = clause[k - 1]
    token = doc[j]
    if _candidate(token.text) and pos.is_participle(token):
        return j, clause[k]
    return None


def _participle_after(doc, clause: list[int], k: int) -> tuple[int, int] | None:
    for m in range(len(clause) - 1, k, -1):
        token = doc[clause[m]]
        if not _candidate(token.text) or not pos.is_participle(token):
            continue
        nxt = doc[clause[m + 1]].lower_ if m + 1 < len(clause) else ""
        if nxt in AUXILIARIES_AFTER:
            return None  # Futur II active: "wird … abgeholt haben"
        return clause[k], clause[m]
    return None


def active_verb(participle: str) -> str:
    """ "abgeholt" → "holen … ab": the verb for an active suggestion with "wir"."""
    lemma = pos.participle_verb(participle).lower()
    for prefix in SEPARABLE_PREFIXES:
        rest = lemma[len(prefix) :]
        if lemma.startswith(prefix) and len(rest) > 3 and participle.startswith(prefix + "ge"):
            return f"{rest} … {prefix}"
    return lemma


def find(analysis: Analysis, settings: dict[str, Any]) -> list[Finding]:
    doc = analysis.doc
    results = []
    for _, first, last in passive_spans(analysis):
        start, end = token_span(analysis, first, last)
        participle = doc[last].text if doc[last].lower_ not in _werden() else doc[first].text
        verb = active_verb(participle)
        results.append(
            finding(
                analysis,
                "passive",
                start,
                end,
                "Passiv: Der Satz sagt nicht, wer etwas tut.",
                f"Schreiben Sie aktiv und nennen Sie, wer handelt. Zum Beispiel: „Wir {verb} …“.",
            )
        )
    return results
