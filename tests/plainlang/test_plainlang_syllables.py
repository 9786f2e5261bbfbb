"""The syllable counter against a hand-labelled word list, and against pyphen."""

import pyphen
import pytest

from plainlang import syllables


def labelled(data_dir):
    rows = []
    for line in (data_dir / "syllables.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, count = line.split("\t")
            rows.append((word, int(count)))
    return rows


def test_accuracy_on_labelled_words(data_dir):
    rows = labelled(data_dir)
    assert len(rows) >= 100
    wrong = [(w, n, syllables.count(w)) for w, n in rows if syllables.count(w) != n]
    assert len(wrong) / len(rows) <= 0.03, wrong


def test_better_than_pyphen(data_dir):
    dic = pyphen.Pyphen(lang="de_DE")
    rows = labelled(data_dir)
    ours = sum(syllables.count(w) == n for w, n in rows)
    theirs = sum(len([p for p in dic.inserted(w).split("-") if p]) == n for w, n in rows)
    assert ours > theirs


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("Feier", 2),
        ("Ferien", 3),
        ("Dienst", 1),
        ("geeignet", 3),
        ("Qualität", 3),
        ("Online-Portal", 4),
        ("Müll·abfuhr", 3),
        ("2027", 0),
        ("z.", 1),
    ],
)
def test_examples(word, count):
    assert syllables.count(word) == count
