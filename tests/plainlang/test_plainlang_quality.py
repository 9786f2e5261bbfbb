"""The quality gate: precision and recall per rule on the labelled corpus."""

import pytest

from plainlang.quality import evaluate, load_corpus

TARGETS = ("passive", "nominal_style", "amtsdeutsch", "konjunktiv", "long_sentence")


@pytest.fixture(scope="module")
def scores(data_dir):
    items = load_corpus(data_dir / "quality_corpus.yaml")
    assert len(items) >= 150
    return evaluate(items, profile="einfach")


@pytest.mark.parametrize("rule", TARGETS)
def test_targets(scores, rule):
    score = scores[rule]
    assert score.true_positives >= 5
    assert score.precision >= 0.9, score.errors
    assert score.recall >= 0.8, score.errors


def test_every_rule_is_in_the_corpus(scores):
    assert all(s.true_positives + s.false_negatives > 0 for s in scores.values())
