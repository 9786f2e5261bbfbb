"""Rule ``long_word``: words longer than the profile allows.

Why: long compounds are read letter by letter; Leichte Sprache splits them with
a Mediopunkt ("Abfall·entsorgungs·gebühren"), Einfache Sprache with a hyphen
("Abfall-Entsorgungs-Gebühren"). The suggestion shows the split from
:mod:`plainlang.compounds`. Hyphenated words count part by part, so
"Kita-Gebühren" is fine; URLs, e-mail addresses and street names ("Goldbergplatz") are never
reported.
"""

from __future__ import annotations

from typing import Any

from plainlang import compounds
from plainlang.report import Finding
from plainlang.rules.base import finding
from plainlang.segment import Analysis


def find(analysis: Analysis, settings: dict[str, Any]) -> list[Finding]:
    max_letters = int(settings.get("max_letters", 15))
    separator = settings.get("separator", "-")
    results = []
    for sentence in analysis.sentences:
        for i in sentence.words:
            if analysis.word_kind[i] != "alpha" or analysis.letters[i] <= max_letters:
                continue
            text = analysis.texts[i].strip("-")
            if all(len(part) <= max_letters for part in text.split("-")) or compounds.street_or_place_name(text):
                continue  # a street keeps the name on its sign
            parts = compounds.split(text)
            if len(parts) > 1:
                suggestion = f"Trennen Sie das Wort: „{compounds.join(parts, separator)}“."
            else:
                suggestion = "Nehmen Sie ein kürzeres Wort oder erklären Sie das Wort."
            results.append(
                finding(
                    analysis,
                    "long_word",
                    analysis.idx[i],
                    analysis.idx[i] + len(analysis.texts[i]),
                    f"Langes Wort ({analysis.letters[i]} Buchstaben): Es ist schwer zu lesen.",
                    suggestion,
                )
            )
    return results
