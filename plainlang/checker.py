"""``check(text, profile)``: segmentation → rules → metrics → level → report.

Why passive and nominal detection run for every profile: their counts feed the
metrics (passive_share, nominal_share), and metrics must not depend on the
profile, so that "level" means the same thing in every report.
"""

from __future__ import annotations

from plainlang import metrics, profiles, rules
from plainlang.nlp import get_nlp
from plainlang.report import Report
from plainlang.rules import nominal, passive
from plainlang.segment import Analysis, analyse

MAX_CHARS = 1_000_000


def analyse_text(text: str) -> Analysis:
    """Run the shared spaCy pipeline and segment the result."""
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    if len(text) > MAX_CHARS:
        raise ValueError(f"Der Text ist zu lang (höchstens {MAX_CHARS} Zeichen).")
    return analyse(get_nlp()(text))


def check(text: str, profile: str = "einfach") -> Report:
    """Check a German text against a plain-language profile (leicht, einfach, standard)."""
    config = profiles.profile_config(profile)
    analysis = analyse_text(text)
    passive_sentences = len({s for s, _, _ in passive.passive_spans(analysis)})
    counts = metrics.count(analysis, passive_sentences, len(nominal.abstract_nouns(analysis)))
    figures = metrics.compute(counts)
    level = profiles.level_of(figures) if counts.words else profiles.PROFILES[0]
    findings = rules.run(analysis, config["rules"])
    return Report(
        profile=profile,
        level=level,
        index=figures["index"],
        passed=profiles.reaches(level, profile),
        metrics=figures,
        findings=findings,
    )
