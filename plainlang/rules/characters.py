"""Rule ``special_characters``: signs many readers stumble over (& / * § % ; ( ) …).

Why: screen readers and new readers handle words better than signs; gender signs
inside words ("Bürger*innen") break reading. Which signs count is set per
profile (``data/profiles.yaml``). Signs inside URLs, e-mail addresses and
numbers ("24/7", "1/2") are not reported; a bracket pair is one finding.
"""

from __future__ import annotations

import re
from typing import Any

from plainlang.report import Finding
from plainlang.rules.base import finding
from plainlang.segment import Analysis

ADVICE = {
    "&": "Schreiben Sie „und“.",
    "/": "Schreiben Sie „oder“ oder „und“.",
    "§": "Schreiben Sie „Paragraf“.",
    "%": "Schreiben Sie „Prozent“ oder „viele“ / „wenige“.",
    ";": "Setzen Sie einen Punkt und beginnen Sie einen neuen Satz.",
    "(": "Schreiben Sie den Inhalt der Klammer als eigenen Satz.",
    "[": "Schreiben Sie den Inhalt der Klammer als eigenen Satz.",
    "+": "Schreiben Sie „und“ oder „plus“.",
    "…": "Schreiben Sie den Satz zu Ende.",
}
GENDER = re.compile(r"(\w+)[*:_/](innen|in)\b")
_SKIP = re.compile(r"\S+://\S+|www\.\S+|\S+@\S+\.\S+|\d+[/.,:]\d+|\b\w+/h\b")


def find(analysis: Analysis, settings: dict[str, Any]) -> list[Finding]:
    characters = set(settings.get("characters", "&/*§%#;()[]{}<>|~^_"))
    text = analysis.text
    skip = [m.span() for m in _SKIP.finditer(text)]
    results: list[Finding] = []
    for match in GENDER.finditer(text):
        if match.group(0)[len(match.group(1))] not in characters and match.group(0)[len(match.group(1))] != ":":
            continue
        stem = match.group(1)
        skip.append(match.span())
        results.append(
            finding(
                analysis,
                "special_characters",
                match.start(),
                match.end(),
                f"Sonderzeichen im Wort „{match.group(0)}“: Das ist schwer zu lesen.",
                f"Schreiben Sie beide Formen aus: „{stem}innen und {stem}“.",
            )
        )
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch not in characters or any(s <= i < e for s, e in skip):
            i += 1
            continue
        end = i + 1
        if ch in "([{":
            closing = {"(": ")", "[": "]", "{": "}"}[ch]
            j = text.find(closing, i + 1)
            end = j + 1 if j != -1 and j - i < 300 else i + 1
        elif ch == ":" and not (i + 1 < n and text[i + 1].isalnum()):
            i += 1  # an ordinary colon; only ":" inside a word counts
            continue
        results.append(
            finding(
                analysis,
                "special_characters",
                i,
                end,
                f"Sonderzeichen „{ch}“: Nicht alle Menschen kennen es.",
                ADVICE.get(ch, "Schreiben Sie ein Wort statt des Zeichens."),
            )
        )
        i = end
    return results
