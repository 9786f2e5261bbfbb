"""A rule-based simplification assistant: ``simplify(text, profile) -> Simplified``.

This first version only replaces Amtsdeutsch phrases from ``data/amtsdeutsch.tsv`` by their plain
word; the full rule set (nominal style, sentence splits, passive, numbers, dates, abbreviations,
compounds, synonyms) grows here. Every change is explained (rule, before, after, offsets into the
*input* text) so staff can review it; a proposal is never labelled as reviewed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import cache

from plainlang.resources import load_table


@dataclass(frozen=True)
class Change:
    rule: str
    before: str
    after: str
    start: int
    end: int


@dataclass(frozen=True)
class Simplified:
    text: str
    changes: list[Change] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"text": self.text, "changes": [asdict(c) for c in self.changes]}


@cache
def _amtsdeutsch() -> tuple[re.Pattern[str], dict[str, str]]:
    table = {row[0].lower(): row[1] for row in load_table("amtsdeutsch.tsv") if len(row) > 1 and row[1]}
    phrases = sorted(table, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(p) for p in phrases) + r")\b", re.IGNORECASE)
    return pattern, table


def simplify(text: str, profile: str = "einfach") -> Simplified:
    """Propose a simpler text for ``profile`` ("einfach" or "leicht")."""
    pattern, table = _amtsdeutsch()
    changes: list[Change] = []
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        plain = table[match.group(0).lower()]
        if match.group(0)[0].isupper() and plain:
            plain = plain[0].upper() + plain[1:]
        out.append(text[last : match.start()])
        out.append(plain)
        changes.append(Change("amtsdeutsch", match.group(0), plain, match.start(), match.end()))
        last = match.end()
    out.append(text[last:])
    return Simplified("".join(out), changes)
