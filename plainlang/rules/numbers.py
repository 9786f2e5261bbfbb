"""Rule ``number_words``: numbers written as words, and (Leichte Sprache) big numbers.

Why: digits are found and read faster than words ("3 Wochen" not "drei
Wochen"); Leichte Sprache also avoids big numbers and percentages, which many
readers cannot picture ("viele Menschen" instead of "12.500 Menschen"). The
word→digit table is in ``data/grammar.yaml``. "ein/eine" is never reported: it is
mostly the article.
"""

from __future__ import annotations

import re
from typing import Any

from plainlang.report import Finding
from plainlang.resources import load_yaml, word_set
from plainlang.rules.base import finding
from plainlang.segment import Analysis

_BIG = re.compile(r"^\d{1,3}(\.\d{3})+$|^\d{5,}$")


def find(analysis: Analysis, settings: dict[str, Any]) -> list[Finding]:
    digits = {str(k).lower(): str(v) for k, v in load_yaml("grammar.yaml")["number_words"].items()}
    large = word_set("grammar.yaml", "large_number_words")
    large_numbers = settings.get("large_numbers")
    texts, lowers = analysis.texts, analysis.lowers
    results = []
    for sentence in analysis.sentences:
        for n, i in enumerate(sentence.words):
            lower = lowers[i]
            if lower not in digits and not large_numbers:
                continue  # most words: neither a number word nor a big number to look for
            text = texts[i]
            start, end = analysis.idx[i], analysis.idx[i] + len(text)
            if lower in digits and (text.islower() or n == 0):
                results.append(
                    finding(
                        analysis,
                        "number_words",
                        start,
                        end,
                        f"Zahl als Wort „{text}“: Ziffern sind leichter zu lesen.",
                        f"Schreiben Sie die Zahl als Ziffer: „{digits[text.lower()]}“.",
                    )
                )
            elif large_numbers and (lower in large or _BIG.match(text)):
                results.append(
                    finding(
                        analysis,
                        "number_words",
                        start,
                        end,
                        f"Große Zahl „{text}“: Viele Menschen können sie sich nicht vorstellen.",
                        "Schreiben Sie lieber „viele“ oder vergleichen Sie mit etwas Bekanntem.",
                    )
                )
    return results
