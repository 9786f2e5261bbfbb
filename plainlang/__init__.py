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

__all__ = ["PROFILES", "Decision", "Finding", "Report", "check", "gate"]
