"""German plain-language checker for Stadtbote.

    >>> import plainlang
    >>> report = plainlang.check("Die Straße wird am Montag gesperrt.", profile="einfach")
    >>> report.level, report.passed, [f.rule for f in report.findings]

``check`` returns a :class:`Report` (level, 0…20 index, metrics, findings);
``gate`` decides whether a text may be sent (pass / warn / hold) by the policy
in ``data/policy.yaml``. This package knows nothing of Kafka, channels or
subscribers: ``notify`` imports it, never the other way round.
"""

from plainlang.checker import check
from plainlang.gate import Decision, gate
from plainlang.profiles import PROFILES
from plainlang.report import Finding, Report
from plainlang.simplify import Change, Simplified, simplify


def warm_up() -> None:
    """Load everything the checker and the assistant load lazily: the spaCy pipeline, the HanTa
    tagger and its precomputed participle answers, the compound vocabulary (340,000 word forms, about a second), the word frequencies
    (627,000 forms, under a second), the synonym table and the assistant's patterns. Services
    call this at start, so the first text they check is not the one that waits."""
    from plainlang import compounds, frequency, nlp, pos
    from plainlang.rules import rare_words

    nlp.get_nlp()
    pos._hanta()
    pos.participle_table()
    compounds.vocabulary()
    frequency.warm_up()
    rare_words.synonyms()
    check("Die Abholung der Tonnen wurde von der Stadtverwaltung verschoben.")
    simplify("Zwecks Abholung der Tonnen wird seitens der Stadt darauf hingewiesen, dass es – wie immer – klappt.")


__all__ = ["PROFILES", "Change", "Decision", "Finding", "Report", "Simplified", "check", "gate", "simplify", "warm_up"]
