"""The result types: one finding per problem, one report per text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem at ``text[start:end]``, with a plain German message and suggestion."""

    rule: str
    start: int
    end: int
    excerpt: str
    message: str
    suggestion: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Report:
    """What :func:`plainlang.check` returns; ``to_dict`` is the JSON shape of the API."""

    profile: str
    level: str
    index: float
    passed: bool
    metrics: dict[str, float]
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "level": self.level,
            "index": self.index,
            "passed": self.passed,
            "metrics": dict(self.metrics),
            "findings": [finding.to_dict() for finding in self.findings],
        }
