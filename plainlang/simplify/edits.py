"""Non-overlapping edits on a text, and the map from edited positions back to the input."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Edit:
    start: int
    end: int
    after: str
    rule: str


def resolve(edits: list[Edit]) -> list[Edit]:
    """Keep the earliest, then longest edit where edits overlap."""
    kept: list[Edit] = []
    last_end = -1
    for edit in sorted(edits, key=lambda e: (e.start, -(e.end - e.start))):
        if edit.start >= last_end:
            kept.append(edit)
            last_end = edit.end
    return kept


class OffsetMap:
    """Positions of an edited text → positions of the text before the edits."""

    def __init__(self) -> None:
        self._segments: list[tuple[int, int, int, int]] = []  # new_start, new_end, old_start, old_end

    @classmethod
    def apply(cls, text: str, edits: list[Edit]) -> tuple[str, OffsetMap]:
        mapping = cls()
        out: list[str] = []
        last = 0
        position = 0
        for edit in edits:
            out.append(text[last : edit.start])
            position += edit.start - last
            out.append(edit.after)
            mapping._segments.append((position, position + len(edit.after), edit.start, edit.end))
            position += len(edit.after)
            last = edit.end
        out.append(text[last:])
        return "".join(out), mapping

    def start(self, position: int) -> int:
        return self._map(position, True)

    def end(self, position: int) -> int:
        return self._map(position, False)

    def _map(self, position: int, is_start: bool) -> int:
        new_anchor = old_anchor = 0
        for new_start, new_end, old_start, old_end in self._segments:
            if position <= new_start:
                break
            if position < new_end:
                return old_start if is_start else old_end
            new_anchor, old_anchor = new_end, old_end
        return position - new_anchor + old_anchor
