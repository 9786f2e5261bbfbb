"""Precision and recall of the rules on a labelled corpus.

Why span matching: a rule that fires in the right sentence but at the wrong
words is not useful to an editor. A predicted finding is correct when it
overlaps a labelled excerpt of the same rule; a labelled excerpt is found when
some finding of that rule overlaps it. Shared by the quality test and
``bench/plainlang_quality.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from plainlang.checker import check
from plainlang.rules import RULES


@dataclass
class RuleScore:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        gold = self.true_positives + self.false_negatives
        return self.true_positives / gold if gold else 1.0


def load_corpus(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _gold_spans(text: str, excerpts: list[str]) -> list[tuple[int, int]]:
    spans = []
    for excerpt in excerpts:
        start = text.find(excerpt)
        if start < 0:
            raise ValueError(f"excerpt {excerpt!r} not in {text!r}")
        spans.append((start, start + len(excerpt)))
    return spans


def evaluate(items: list[dict[str, Any]], profile: str = "einfach") -> dict[str, RuleScore]:
    """Per-rule scores over all items (every rule is scored on every item)."""
    scores = {rule: RuleScore() for rule in RULES}
    for item in items:
        text = item["text"]
        report = check(text, profile=profile)
        for rule, score in scores.items():
            gold = _gold_spans(text, item.get(rule, []))
            predicted = [(f.start, f.end) for f in report.findings if f.rule == rule]
            for start, end in predicted:
                if any(start < ge and gs < end for gs, ge in gold):
                    score.true_positives += 1
                else:
                    score.false_positives += 1
                    score.errors.append(f"FP {text[start:end]!r} in {text!r}")
            for gs, ge in gold:
                if not any(start < ge and gs < end for start, end in predicted):
                    score.false_negatives += 1
                    score.errors.append(f"FN {text[gs:ge]!r} in {text!r}")
    return scores
