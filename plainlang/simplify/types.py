"""The result types of the assistant: one :class:`Change` per edit, one :class:`Simplified`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Change:
    """One edit: ``rule`` rewrote ``before`` as ``after``; ``start``/``end`` point into the
    *input* text. ``before`` is the text as the rule saw it (earlier word-level changes of the
    same passage included), so a staff member can follow every step."""

    rule: str
    before: str
    after: str
    start: int
    end: int


@dataclass(frozen=True)
class Simplified:
    text: str
    changes: list[Change] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"text": self.text, "changes": [asdict(c) for c in self.changes]}
