"""Metrics, the 0…20 index and its calibration, levels and the public API."""

import json

import pytest

import plainlang
from plainlang import metrics


def test_formulas_on_known_counts():
    counts = metrics.Counts(
        sentences=2,
        words=20,
        alpha_words=20,
        syllables=30,
        long_words=5,
        polysyllabic=4,
        monosyllabic=10,
        sentences_over_20=0,
    )
    figures = metrics.compute(counts)
    assert figures["amstad"] == pytest.approx(180 - 10 - 58.5 * 1.5)
    assert figures["lix"] == pytest.approx(10 + 25)
    assert figures["wiener_sachtextformel_1"] == pytest.approx(
        0.1935 * 20 + 0.1672 * 10 + 0.1297 * 25 - 0.0327 * 50 - 0.875, abs=1e-3
    )
    assert figures["wiener_sachtextformel_4"] == pytest.approx(0.2744 * 20 + 0.2656 * 10 - 1.693, abs=1e-3)
    assert figures["share_words_over_6_letters"] == 0.25
    assert 0 <= figures["index"] <= 20


def test_calibration_texts_come_out_in_order(data_dir):
    paths = sorted((data_dir / "calibration").glob("*.txt"))
    assert len(paths) == 5
    reports = [plainlang.check(p.read_text(encoding="utf-8")) for p in paths]
    indexes = [r.index for r in reports]
    assert indexes == sorted(indexes, reverse=True), indexes
    assert len(set(indexes)) == 5
    assert [r.level for r in reports][:2] == ["leicht", "einfach"]
    assert reports[-1].level == "schwer"
    amstad = [r.metrics["amstad"] for r in reports]
    assert amstad[0] > amstad[1] > amstad[2] > min(amstad[3:])


REQUIRED = {
    "amstad",
    "wiener_sachtextformel_1",
    "wiener_sachtextformel_2",
    "wiener_sachtextformel_3",
    "wiener_sachtextformel_4",
    "lix",
    "mean_sentence_length",
    "share_sentences_over_20_words",
    "share_words_over_6_letters",
    "share_words_3plus_syllables",
    "passive_share",
    "nominal_share",
}


def test_report_shape_and_json():
    report = plainlang.check("Die Straße wird am Montag gesperrt. Wir helfen Ihnen.")
    data = json.loads(json.dumps(report.to_dict()))
    assert set(data) == {"profile", "level", "index", "passed", "metrics", "findings"}
    assert REQUIRED <= set(data["metrics"])
    assert set(data["findings"][0]) == {"rule", "start", "end", "excerpt", "message", "suggestion"}
    assert isinstance(report.metrics["amstad"], float)
    assert report.level in ("leicht", "einfach", "standard", "schwer")


def test_passed_agrees_with_level(data_dir):
    text = (data_dir / "calibration" / "2_einfach.txt").read_text(encoding="utf-8")
    assert [plainlang.check(text, p).passed for p in plainlang.PROFILES] == [False, True, True]


def test_unknown_profile_is_a_value_error():
    with pytest.raises(ValueError, match="Profil"):
        plainlang.check("Hallo.", profile="schwer")


@pytest.mark.parametrize("text", ["", "   \n ", "!!!", "2027"])
def test_degenerate_texts(text):
    report = plainlang.check(text)
    assert 0 <= report.index <= 20


def test_does_not_import_notify():
    import sys

    assert not any(
        m.split(".")[0] in {"notify", "topics", "subscribers"} for m in sys.modules if m.startswith(("plainlang",))
    )
    import plainlang.checker as checker_module

    source = open(checker_module.__file__, encoding="utf-8").read()
    assert "import notify" not in source


def test_long_texts_lose_up_to_three_points_short_ones_nothing():
    sentence = "Wir holen am Montag den Müll vor Ihrem Haus ab. "  # 10 words
    short, page, long = (plainlang.check(sentence * n) for n in (15, 40, 80))
    assert short.metrics["words"] == 150
    assert short.index - page.index == pytest.approx(3.0, abs=0.05)  # 400 words: the whole penalty
    assert page.index == long.index
    assert plainlang.check(sentence * 5).index == short.index  # up to 150 words: no penalty
