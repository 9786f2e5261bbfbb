"""Sentence and word segmentation on German administrative text."""

import pytest

from plainlang.checker import analyse_text


def sentences(text: str) -> list[str]:
    analysis = analyse_text(text)
    return [text[s.start : s.end] for s in analysis.sentences]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bitte bringen Sie z. B. den Ausweis mit. Wir helfen gern.", 2),
        ("Bitte bringen Sie z.B. den Ausweis mit. Wir helfen gern.", 2),
        ("Das gilt ggf. auch für Sie. Fragen Sie uns.", 2),
        ("Sie wohnen in der Hauptstr. 5 in Buer. Das ist neu.", 2),
        ("Ab dem 1. Januar 2027 gilt der Plan. Er ist neu.", 2),
        ("Die Frist endet am 12.03.2027. Danach ist es zu spät.", 2),
        ("Das Amt öffnet um 9.30 Uhr. Es schließt um 12 Uhr.", 2),
        ("Wir sind im Raum 12. Bitte kommen Sie pünktlich.", 2),
        ("Nach § 5 Abs. 2 Nr. 3 ist das erlaubt. Es kostet ca. 20 Euro.", 2),
        ("Es gibt Bücher, Hefte usw. Die Schule zahlt.", 2),
        ("Das betrifft u. a. Kitas bzw. Schulen. Alle sind informiert.", 2),
        ("Herr A. Müller hilft Ihnen. Er ist im Amt.", 2),
        ("Kommen Sie! Haben Sie Fragen? Rufen Sie an.", 3),
        ("„Das ist gut.“ Das sagt die Bürgermeisterin.", 2),
        ("Neue Abfuhrtermine\n\nAb Montag kommt die Müllabfuhr früher.", 2),
        ("Bitte bringen Sie mit:\n- Ihren Ausweis\n- ein Foto\n- das Formular", 4),
        ("Was Sie brauchen:\n1. Ausweis\n2. Foto\n3. Formular", 4),
        (
            "Ein langer Satz, der über\nzwei Zeilen geht und weiter läuft, bis er zu Ende ist.",
            1,
        ),
        ("", 0),
    ],
)
def test_sentence_count(text, expected):
    assert len(sentences(text)) == expected, sentences(text)


@pytest.mark.parametrize(
    ("text", "words", "alpha"),
    [
        ("Die Kita-Gebühren steigen.", 3, 3),
        ("Am 1. Januar 2027 um 9.30 Uhr.", 7, 4),
        ("Orts-, zeit- und personenunabhängig.", 4, 4),
        ("Infos unter https://www.gelsenkirchen.de oder info@gelsenkirchen.de.", 5, 3),
        ("Es kostet 1.000 Euro (ca. 3,5 %).", 6, 4),
        ("- erster Punkt", 2, 2),
    ],
)
def test_word_counts(text, words, alpha):
    analysis = analyse_text(text)
    assert analysis.n_words == words
    assert sum(k == "alpha" for k in analysis.word_kind) == alpha


def test_offsets_point_into_the_text():
    text = "Erster Satz hier.  Zweiter Satz, mit Komma!"
    spans = sentences(text)
    assert spans == ["Erster Satz hier.", "Zweiter Satz, mit Komma!"]
