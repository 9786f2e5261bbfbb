"""The simplification assistant: what each rule proposes, that meaning stays, and its surfaces."""

import json
import re

import pytest
import typer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import plainlang
from notify.cli.simplify import register
from notify.web import problems
from notify.web.check import router

DONE_WHEN = (
    "Im Rahmen der Durchführung der Sanierungsmaßnahme wird seitens der Stadtverwaltung darauf "
    "hingewiesen, dass eine Inanspruchnahme der Parkflächen an der Hochstraße vom 3. bis 14. März "
    "nicht möglich ist."
)


@pytest.mark.parametrize(
    ("text", "profile", "rule", "expected"),
    [
        ("Zwecks Anmeldung rufen Sie uns an.", "einfach", "amtsdeutsch", "Für Anmeldung rufen Sie uns an."),
        # seen: "Aufgrund von Bauarbeiten" became "Wegen von Bauarbeiten"
        ("Aufgrund von Bauarbeiten ist die Straße zu.", "einfach", "amtsdeutsch", "Wegen Bauarbeiten ist die Straße zu."),
        ("Die Straße wird von der Stadt gesperrt.", "einfach", "active", "Die Stadt sperrt die Straße."),
        (
            "Am Montag werden die Tonnen von den Stadtwerken abgeholt.",
            "einfach",
            "active",
            "Am Montag holen die Stadtwerke die Tonnen ab.",
        ),
        (
            "Der Weg wird vom Tiefbauamt erneuert.",
            "einfach",
            "active",
            "Das Tiefbauamt erneuert den Weg.",
        ),
        (
            "Eine Nutzung der Turnhalle ist bis Freitag nicht möglich.",
            "einfach",
            "nominal_style",
            "Sie können die Turnhalle bis Freitag nicht nutzen.",
        ),
        (
            "Die Halle ist drei Wochen geschlossen; wir bitten um Verständnis.",
            "einfach",
            "split_sentence",
            "Die Halle ist 3 Wochen geschlossen. Wir bitten um Verständnis.",
        ),
        (
            "Der Termin am 01.03.2027 um 09.30 Uhr fällt wegen Krankheit aus, aber der Kurs am Abend findet statt.",
            "einfach",
            "split_sentence",
            "Der Termin am 1. März 2027 um 9:30 Uhr fällt wegen Krankheit aus. Aber der Kurs am Abend findet statt.",
        ),
        (
            "Wir sperren ab morgen die lange Straße, die zur Schule führt.",
            "einfach",
            "split_sentence",
            "Wir sperren ab morgen die lange Straße. Die Straße führt zur Schule.",
        ),
        (
            "Die Sprechstunde am Montag fällt aus, weil die Ärztin krank ist.",
            "einfach",
            "split_sentence",
            "Die Sprechstunde am Montag fällt aus. Denn die Ärztin ist krank.",
        ),
        ("Bringen Sie ggf. den Ausweis mit.", "einfach", "abbreviation", "Bringen Sie wenn nötig den Ausweis mit."),
        (
            "Zahlreiche Bänke sind stets frei, lediglich am Montag nicht. Die Gebühr kostet monatlich 5 Euro.",
            "einfach",
            "plain_word",
            "Viele Bänke sind immer frei, nur am Montag nicht. Die Gebühr kostet jeden Monat 5 Euro.",
        ),
        ("Im Bad sind sonstige Duschen vorhanden.", "einfach", "plain_word", "Im Bad sind andere Duschen da."),
        (
            "Wir pflanzen zweiundzwanzig Bäume und sammeln zwanzigtausend Euro.",
            "einfach",
            "number_words",
            "Wir pflanzen 22 Bäume und sammeln 20.000 Euro.",
        ),
        ("Die Sprechstunde beginnt um 14.00 Uhr.", "einfach", "time", "Die Sprechstunde beginnt um 14 Uhr."),
        (
            "Die Abfallentsorgungsgebühren steigen. Wir erklären warum.",
            "leicht",
            "compound",
            "Die Abfall·entsorgungs·gebühren steigen.\nWir erklären warum.",
        ),
        (
            "Die Leiterin sagt: „Wir öffnen um 9 Uhr.“",
            "einfach",
            "quotation_marks",
            "Die Leiterin sagt: Wir öffnen um 9 Uhr.",
        ),
        ("Die Halle ist ja ab Montag offen.", "einfach", "filler_word", "Die Halle ist ab Montag offen."),
        ("Parken ist dort gar nicht erlaubt.", "einfach", "filler_word", "Parken ist dort nicht erlaubt."),
        ("Der Weg ist im Winter so glatt.", "einfach", "filler_word", "Der Weg ist im Winter glatt."),
        ("Das sogenannte Bürgerbüro ist offen.", "einfach", "filler_word", "Das Bürgerbüro ist offen."),
        ("Die Halle ist aber ab Montag offen.", "einfach", "sentence_adverb", "Die Halle ist ab Montag offen."),
        ("Das Bad ist bereits ab 8 Uhr offen.", "einfach", "sentence_adverb", "Das Bad ist ab 8 Uhr offen."),
        ("Die Halle ist daher ab Montag zu.", "einfach", "sentence_adverb", "Die Halle ist ab Montag zu."),
        ("Der Saal im Rathaus bleibt zu;", "einfach", "semicolon", "Der Saal im Rathaus bleibt zu."),
        ("Gibt's am Montag Strom? Ich hab' keinen.", "einfach", "elision", "Gibt es am Montag Strom? Ich habe keinen."),
        ("Das Schloß ist heute zu.", "einfach", "spelling", "Das Schloss ist heute zu."),
        ("Die Türen des Rathauses sind offen.", "einfach", "genitive", "Die Türen vom Rathaus sind offen."),
        (
            "Die Halle hat im Sommer – wie jedes Jahr – kürzer offen.",
            "einfach",
            "dash",
            "Die Halle hat im Sommer, wie jedes Jahr, kürzer offen.",
        ),
        ("– Die Halle ist ab Montag zu.", "einfach", "dash", "Die Halle ist ab Montag zu."),
        ("Sie sagt, der Saal sei voll.", "einfach", "konjunktiv", "Sie sagt, der Saal ist voll."),
        (
            "Der Hausmeister schließt die Halle, prüft die Fenster und geht nach Hause.",
            "einfach",
            "split_sentence",
            "Der Hausmeister schließt die Halle. Der Hausmeister prüft die Fenster. Der Hausmeister geht nach Hause.",
        ),
    ],
)
def test_rules(text, profile, rule, expected):
    result = plainlang.simplify(text, profile)
    assert result.text == expected
    assert rule in {c.rule for c in result.changes}


@pytest.mark.parametrize(
    "text",
    [
        "Die Straße am Bahnhof, die zur Schule führt, wird gesperrt.",  # embedded relative clause
        "Wir sperren die Straße zwischen Markt und Bahnhof, die zur Schule führt.",  # unclear antecedent
        "Wir sperren die Straße vor dem Rathaus, die zur Schule führt.",  # "dem Rathaus" ≠ "die"
        "Die Straße wird am Montag gesperrt.",  # passive without an agent: nobody to name
        "Der Antrag muss von Ihnen gestellt werden.",  # modal passive
        "Er sagt, sie sei krank und könne nicht kommen.",  # the second verb is not his: no "Er kann …"
    ],
)
def test_unsure_rewrites_are_not_made(text):
    result = plainlang.simplify(text, "einfach")
    assert not {"active", "split_sentence"} & {c.rule for c in result.changes}


@pytest.mark.parametrize(
    "text",
    [
        "Wegen des Wetters fällt das Fest aus.",  # genitive preposition: no "wegen vom Wetter"
        "Die Halle ist Montag – Freitag offen.",  # a range, not an insertion
        "Kreuzen Sie ja oder nein an.",  # "ja" is the answer here, not a particle
        "Das Fest findet statt, es sei denn, es regnet.",  # "es sei denn" is not reported speech
        "Ich fühle mich hier wohl.",  # "wohl" is not dropped: it carries the meaning
    ],
)
def test_style_rules_leave_what_they_are_not_sure_of(text):
    assert plainlang.simplify(text, "einfach").text == text


def test_word_changes_point_into_the_input():
    text = "Zwecks Anmeldung kommen Sie ggf. am 01.03.2027 mit drei Unterlagen."
    result = plainlang.simplify(text, "einfach")
    word_rules = {"amtsdeutsch", "abbreviation", "date", "number_words"}
    changes = [c for c in result.changes if c.rule in word_rules]
    assert {c.rule for c in changes} == word_rules
    for change in changes:
        assert text[change.start : change.end] == change.before


def test_done_when_leichte_sprache():
    """The issue's sentence becomes Leichte Sprache our checker rates clearly easier."""
    result = plainlang.simplify(DONE_WHEN, "leicht")
    before, after = plainlang.check(DONE_WHEN, "leicht"), plainlang.check(result.text, "leicht")
    assert after.index >= before.index + 5
    assert ("leicht", "einfach", "standard", "schwer").index(after.level) < (
        "leicht",
        "einfach",
        "standard",
        "schwer",
    ).index(before.level)
    assert not [f for f in after.findings if f.rule == "amtsdeutsch"]
    assert "nicht" in result.text.split()
    assert all(len(line.split()) <= 15 for line in result.text.splitlines())
    assert result.text.count("\n") >= 1  # one sentence per line
    assert "Parkflächen" in result.text and "3." in result.text and "14." in result.text


NEGATIONS = re.compile(r"\b(nicht|kein\w*|nie|niemals|niemand\w*|nichts|ohne|weder)\b", re.IGNORECASE)
MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
FRAGMENTS = [
    "Die Straße wird von der Stadt nicht gesperrt.",
    "Im Rahmen der Durchführung der Arbeiten ist eine Nutzung der Halle nicht möglich.",
    "Wir holen den Müll am 01.03.2027 ab, aber die Tonnen an der Schule werden nicht geleert.",
    "Es wird darauf hingewiesen, dass niemand die Brücke betreten darf; Kinder sind ohne Eltern nicht erlaubt.",
    "Die Sprechstunde am 3. und 4. Mai beginnt um 09.30 Uhr.",
    "Bitte bringen Sie zwei Ausweise mit, denn ohne Ausweis gibt es keinen Termin.",
    "Der Bus fährt zwölf Mal, die Linie 385 fährt nie.",
    "Die Anwohner, die keine Karte haben, melden sich zwecks Ausgabe beim Bürgerbüro.",
    "Die Gebühren steigen um 3,5 Prozent; das betrifft 12.500 Haushalte.",
]


def _numbers(text: str) -> list[str]:
    """Numbers as values: "01.03.2027" and "1. März 2027" both give 1, 3, 2027; "drei" gives 3."""
    words = {
        str(k): str(v).rstrip(".").replace(".", "")
        for k, v in plainlang.resources.load_yaml("grammar.yaml")["number_words"].items()
    }
    for month, name in enumerate(MONTHS, 1):
        text = re.sub(rf"\b{name}\b", f" {month} ", text)
    values = [str(int(n)) for n in re.findall(r"\d+", text.replace(".000", "000"))]
    values += [words[w.lower()] for w in re.findall(r"\w+", text) if w.lower() in words and w.islower()]
    return sorted(values)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4), st.sampled_from(["einfach", "leicht"]))
def test_meaning_stays(sentences, profile):
    text = " ".join(sentences)
    result = plainlang.simplify(text, profile)
    assert len(NEGATIONS.findall(result.text)) >= len(NEGATIONS.findall(text))
    assert _numbers(result.text) == _numbers(text)
    for change in result.changes:
        assert 0 <= change.start <= change.end <= len(text)


@pytest.mark.parametrize("profile", ["schwer", "Leicht"])
def test_unknown_profile(profile):
    with pytest.raises(ValueError, match="Unbekanntes Profil"):
        plainlang.simplify("Hallo.", profile)


@pytest.fixture(scope="module")
def cli():
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """Keeps "simplify" a sub-command."""

    return app


def test_cli_leicht_json_many(cli, tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(DONE_WHEN, encoding="utf-8")
    second.write_text("Die Straße wird von der Stadt gesperrt.", encoding="utf-8")
    result = CliRunner().invoke(cli, ["simplify", "--profile", "leicht", "--format", "json", str(first), str(second)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [set(item) for item in data] == [{"profile", "text", "changes", "report"}] * 2
    assert data[1]["text"] == "Die Stadt sperrt die Straße."
    assert set(data[0]["changes"][0]) == {"rule", "before", "after", "start", "end"}
    assert data[0]["report"]["profile"] == "leicht"


def test_cli_text_from_stdin(cli):
    result = CliRunner().invoke(cli, ["simplify", "-"], input="Die Straße wird von der Stadt gesperrt.\n")
    assert result.exit_code == 0
    assert "Die Stadt sperrt die Straße." in result.stdout
    assert re.search(r"1 Änderung\. Ergebnis: Stufe „\w+“, Index \d+(,\d)? von 20", result.stderr)  # not "1 Änderungen", "17.1"


def test_cli_says_when_the_proposal_has_not_reached_its_profile(cli):
    hard = "Der Antrag ist bis zum 15. März einzureichen, wobei verspätet eingehende Anträge nicht berücksichtigt werden können.\n"
    result = CliRunner().invoke(cli, ["simplify", "--profile", "leicht", "-"], input=hard)
    assert result.exit_code == 0 and "„leicht“ noch nicht erreicht (" in result.stderr


@pytest.mark.parametrize(
    "args", [["simplify", "missing.txt"], ["simplify", "-p", "standard", "-"], ["simplify", "-f", "xml", "-"]]
)
def test_cli_usage_errors(cli, args):
    result = CliRunner().invoke(cli, args, input="Hallo.")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def client():
    app = FastAPI()
    problems.install(app)
    app.include_router(router)
    return TestClient(app)


def test_http_simplify(client):
    response = client.post("/v1/simplify", json={"text": DONE_WHEN, "profile": "leicht"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"profile", "text", "changes", "report"}
    assert "nicht" in body["text"] and body["report"]["level"] in ("leicht", "einfach")


@pytest.mark.parametrize(
    ("payload", "status"),
    [({"text": "Hallo.", "profile": "schwer"}, 400), ({"text": "  "}, 400), ({"text": "x" * 100_001}, 400), ({}, 400)],
)
def test_http_errors_are_german_problems(client, payload, status):
    response = client.post("/v1/simplify", json=payload)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]  # a German sentence, from the app's problem handlers


def test_line_break_at_a_boundary_a_word_edit_made_points_forward():
    """Leichte Sprache: the dash rule ends a sentence inside its own edit ("– 800" → ". 800");
    the line break placed there must still be a change with start ≤ end inside the input."""
    text = "Die Wurst gibt es an jedem Stand – 800 Millionen sind es jedes Jahr."
    result = plainlang.simplify(text, "leicht")
    assert "Stand.\n800 Millionen" in result.text
    for change in result.changes:
        assert 0 <= change.start <= change.end <= len(text), change


def test_a_date_without_a_year_before_a_small_word_is_written_out():
    """ "bis zum 30.06. nicht möglich": the date is written out; the negation stays."""
    out = plainlang.simplify("Das Parken ist bis zum 30.06. nicht möglich.", "einfach").text
    assert "30. Juni" in out and "nicht" in out
    assert plainlang.simplify("Lesen Sie Abschnitt 2.3. genau.", "einfach").text.count("2.3.") == 1


@pytest.mark.parametrize(("text", "kept"), [
    ("Sie sprach die Drohung nicht ganz aus.", "nicht ganz"),
    ("Das ist nicht wirklich schwer.", "nicht wirklich"),
    ("Das Ergebnis ist keineswegs durchaus sicher.", "keineswegs durchaus"),
])  # fmt: skip
def test_a_degree_word_after_a_negation_is_not_dropped_as_a_filler(text, kept):
    """ "nicht ganz" is not "nicht": the filler rule must not change what is denied."""
    assert kept in plainlang.simplify(text, "einfach").text
    assert plainlang.simplify("Das ist gar nicht schwer.", "einfach").text == "Das ist nicht schwer."


@pytest.mark.parametrize("text", [
    "Die Halle ist zu, aber der Saal ist offen.",  # after a comma "aber" links two clauses
    "Aber der Saal ist offen.",  # at the start the verb order would break
    "Das Parken ist nicht aber das Halten verboten.",  # after a negation
])  # fmt: skip
def test_a_linking_adverb_is_kept_where_it_joins_clauses_or_follows_a_negation(text):
    result = plainlang.simplify(text, "einfach")
    assert "sentence_adverb" not in {c.rule for c in result.changes}


def test_a_list_item_keeps_its_semicolon():
    """ "- Meldebescheinigung der Stadt;" is an item of a list, not a sentence."""
    text = "Bringen Sie mit:\n- Ausweis;\n- Meldebescheinigung der Stadt;\nBescheid vom Amt für Wohnen;"
    result = plainlang.simplify(text, "einfach")
    assert result.text.count(";") == 3
    assert "semicolon" not in {c.rule for c in result.changes}


@pytest.mark.parametrize("text", ["Er sagte 'gut' und ging.", "Das Auto von Hans' Vater ist rot.", "Das ist Peter's Laden."])
def test_an_apostrophe_that_marks_no_elision_stays(text):
    result = plainlang.simplify(text, "einfach")
    assert "elision" not in {c.rule for c in result.changes}


@pytest.mark.parametrize("text", [
    "Der Weg ist so glatt wie Eis.",  # a comparison
    "Der Weg ist so glatt, dass wir streuen.",  # a consequence
    "Kommen Sie so oft Sie wollen.",
    "Das ist das so genannte Bürgerbüro.",
])  # fmt: skip
def test_so_stays_where_it_compares_or_links(text):
    assert " so " in plainlang.simplify(text, "einfach").text


def test_the_dashes_of_a_list_stay():
    text = "Bitte bringen Sie mit:\n– Ihren Ausweis\n– ein Foto"
    assert plainlang.simplify(text, "einfach").text == text
    two = "– Die Halle ist zu.\n– Das Bad ist offen."
    assert plainlang.simplify(two, "einfach").text.count("–") == 2


def test_plain_words_are_no_amtsdeutsch_for_the_checker():
    """The gate holds texts with Amtsdeutsch for some topics: "stets" must not start doing so."""
    report = plainlang.check("Die Halle ist stets offen, lediglich am Montag nicht.")
    assert "amtsdeutsch" not in {f.rule for f in report.findings}
