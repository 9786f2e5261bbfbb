"""Rule ``konjunktiv``: Konjunktiv II forms (würde, hätte, wäre, könnte, sollte …).

Why: the Konjunktiv makes a statement vague ("Sie könnten … beantragen" — must
they or not?). Plain language says what is true and what the reader must do.
Forms and their indicative come from ``data/grammar.yaml``; "sollte(n)" is
counted as Konjunktiv because in letters it is nearly always the softened form.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from plainlang.report import Finding
from plainlang.resources import load_yaml
from plainlang.rules.base import finding
from plainlang.segment import Analysis


@cache
def _forms() -> dict[str, str | None]:
    return {str(k).lower(): v for k, v in load_yaml("grammar.yaml")["konjunktiv_forms"].items()}


def find(analysis: Analysis, settings: dict[str, Any]) -> list[Finding]:
    forms = _forms()
    results = []
    for sentence in analysis.sentences:
        for i in sentence.words:
            lower = analysis.lowers[i]
            if lower not in forms:
                continue
            plain = forms[lower]
            if plain is None:
                suggestion = "Schreiben Sie direkt, ohne „würde“: „Wir helfen Ihnen“ statt „Wir würden Ihnen helfen“."
            else:
                suggestion = f"Schreiben Sie direkt: „{plain}“ statt „{analysis.texts[i]}“."
            start = analysis.idx[i]
            results.append(
                finding(
                    analysis,
                    "konjunktiv",
                    start,
                    start + len(analysis.texts[i]),
                    "Möglichkeitsform (Konjunktiv): Die Aussage wird unklar.",
                    suggestion,
                )
            )
    return results
