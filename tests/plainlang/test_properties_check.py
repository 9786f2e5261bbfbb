"""``check`` on any text a form or another system can send: it answers, and every finding points
at a real piece of the text (the editor highlights ``text[start:end]``)."""

import json
import math

from hypothesis import example, given, settings
from hypothesis import strategies as st

import plainlang
from plainlang.profiles import HARDEST_LEVEL, PROFILES

# Text that arrives as UTF-8 (HTTP, files, events) cannot hold lone surrogates, so they are left out.
any_char = st.characters(exclude_categories=("Cs",))
pieces = st.one_of(
    st.text(any_char, max_size=40),
    st.sampled_from(
        [
            "Die Straße wird am Montag gesperrt. ",
            "Bitte bringen Sie ggf. den Ausweis mit. ",
            "Die Abfallentsorgungsgebührenbescheidzustellung erfolgt. ",
            "Bürger*innen ",
            "z.B. ",
            "Dr. ",
            "3 ",
            "\n\n",
            "\r\n",
            "\t",
            "\u2028",
            "\x00",
            "\x0b",
            "\u200b",
            "\u00ad",
            "\ufeff",
            "  ",
            "...",
            "!!!",
            "?",
            "„",
            "“",
            "–",
            "- ",
            "• ",
            "🚧",
            "👍🏽",
            "🇩🇪",
            "שלום עולם",
            "مرحبا بالعالم",
            "\u202eRTL\u202c",
            "Ⅻ",
            "ﬁ",
            "ǅ",
            "İ",
            "ß",
            "ẞ",
            "Å",
            "e\u0301",
            "x" * 120,
            "Donau" * 15,
        ]
    ),  # fmt: skip
)
texts = st.lists(pieces, max_size=12).map("".join)


@settings(max_examples=40, derandomize=True, deadline=None)
@given(text=texts, profile=st.sampled_from(PROFILES))
@example(text="", profile="leicht")
@example(text=" \n\t ", profile="einfach")
@example(text="🚧" * 30, profile="standard")
@example(text="Ä" * 300, profile="einfach")
@example(text="\u202eDie Straße wird gesperrt.\u202c", profile="einfach")
def test_check_answers_for_any_text_and_points_into_it(text, profile):
    report = plainlang.check(text, profile)

    assert report.profile == profile
    assert report.level in (*PROFILES, HARDEST_LEVEL)
    assert isinstance(report.passed, bool)
    assert all(isinstance(value, int | float) and math.isfinite(value) for value in report.metrics.values())
    assert math.isfinite(report.index) and 0 <= report.index <= 20
    json.dumps(report.to_dict(), allow_nan=False)  # the HTTP API answers with exactly this

    for finding in report.findings:
        assert 0 <= finding.start < finding.end <= len(text), finding
        assert text[finding.start : finding.end].strip(), finding
        assert finding.message.strip() and isinstance(finding.suggestion, str)
        excerpt = finding.excerpt.removesuffix("…")
        assert text[finding.start : finding.end].startswith(excerpt.rstrip()), finding
