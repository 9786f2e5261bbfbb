"""SMS encoding and segment counting (GSM 03.38 / 3GPP TS 23.038).

An SMS goes out either in the GSM 7-bit alphabet (160 septets, or 153 per part when it has to be
split) or, as soon as one character is missing from that alphabet, in UCS-2 (70 UTF-16 code units,
or 67 per part). Providers bill per part ("segment"), so the count here decides what a message
costs and whether it fits the deployment's budget.

We never replace a letter to stay in GSM-7: a Turkish ş, a Polish ł, Cyrillic or an emoji is sent
as UCS-2 rather than turned into "?". Only typographic punctuation („ – …) is downgraded, because
that keeps the meaning (see ``punctuation_downgrades`` in ``data/gsm0338.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

DATA_FILE = Path(__file__).resolve().parent / "data" / "gsm0338.yaml"
ESCAPE = "\x1b"

# Septets (GSM-7) or UTF-16 code units (UCS-2) per message: (single part, each part of a long one).
# The 7 septets / 3 units per part go to the concatenation header (UDH). Source: 3GPP TS 23.040.
LIMITS = {"gsm7": (160, 153), "ucs2": (70, 67)}

Encoding = Literal["gsm7", "ucs2"]


@dataclass(frozen=True)
class GsmAlphabet:
    """The two GSM 03.38 tables, loaded from data: one septet per basic, two per extension char."""

    basic: frozenset[str]
    extension: frozenset[str]
    downgrades: dict[str, str]

    @classmethod
    @cache
    def load(cls) -> GsmAlphabet:
        data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
        basic = "".join(data["basic"])
        if len(basic) != 128:
            raise ValueError(f"{DATA_FILE}: the basic table needs 128 characters, has {len(basic)}")
        return cls(
            basic=frozenset(basic) - {ESCAPE},
            extension=frozenset(data["extension"]),
            downgrades=dict(data["punctuation_downgrades"]),
        )

    def septets(self, char: str) -> int | None:
        """Septets ``char`` costs in GSM-7, or None when it is not in the alphabet at all."""
        if char in self.basic:
            return 1
        if char in self.extension:
            return 2
        return None


@dataclass(frozen=True)
class SmsInfo:
    """What an SMS text costs.

    ``characters`` is the length the network counts: septets for GSM-7 (€ and [ ] { } ~ ^ | \\
    count two), UTF-16 code units for UCS-2 (an emoji counts two). ``segments`` is the number of
    parts the provider bills.
    """

    encoding: Encoding
    characters: int
    segments: int

    def as_dict(self) -> dict[str, object]:
        return {"encoding": self.encoding, "characters": self.characters, "segments": self.segments}


def encoding_for(text: str) -> Encoding:
    """GSM-7 when every character is in the basic or extension table, otherwise UCS-2."""
    alphabet = GsmAlphabet.load()
    return "gsm7" if all(alphabet.septets(c) is not None for c in text) else "ucs2"


def _unit_costs(text: str, encoding: Encoding) -> list[int]:
    """Cost of each character; kept per character so a split never cuts one in half."""
    if encoding == "gsm7":
        alphabet = GsmAlphabet.load()
        return [alphabet.septets(c) or 0 for c in text]
    # Characters outside the Basic Multilingual Plane (emoji) are a UTF-16 surrogate pair.
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def _count_segments(costs: list[int], single: int, per_part: int) -> int:
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    # Phones do not split an escape sequence or a surrogate pair across two parts, so a part may
    # end one unit short; pack greedily instead of dividing.
    segments, used = 1, 0
    for cost in costs:
        if used + cost > per_part:
            segments, used = segments + 1, 0
        used += cost
    return segments


def sms_info(text: str) -> SmsInfo:
    """Encoding, billed length and number of parts for ``text`` exactly as given (no downgrades)."""
    encoding = encoding_for(text)
    costs = _unit_costs(text, encoding)
    single, per_part = LIMITS[encoding]
    return SmsInfo(encoding, sum(costs), _count_segments(costs, single, per_part))


def normalise_for_sms(text: str) -> str:
    """Replace typographic punctuation by its GSM twin („Hallo“ → "Hallo"); letters stay as is.

    Also collapses runs of spaces, since every space is paid for.
    """
    downgrades = GsmAlphabet.load().downgrades
    text = "".join(downgrades.get(c, c) for c in text)
    text = re.sub(r"[ ]{2,}", " ", text)
    return re.sub(r" *\n *", "\n", text).strip()


def fit_sms(message: str, budget_segments: int, *, keep: str = "") -> str:
    """``message`` + ``keep``, with ``message`` cut at a word boundary until it fits the budget.

    Not what the SMS channel sends: a cut inside a sentence can reverse its meaning, so
    ``short_text.compose_sms`` drops whole sentences instead (``sentence_fit``). This stays for
    text without sentence structure and as the reference the property tests check segments with.

    ``keep`` (typically the line with the link to the full text) is never shortened: without it
    a shortened SMS would leave the reader with half a message and no way to the rest. When even
    the link alone is over budget we still send the link, because a message without it is worse
    than one extra part.
    """
    if budget_segments < 1:
        raise ValueError("budget_segments must be at least 1")
    whole = message + keep
    if sms_info(whole).segments <= budget_segments:
        return whole
    words = message.split(" ")
    # Binary search for the longest prefix of words that fits; the count is monotone in length.
    low, high = 0, len(words) - 1
    best = None
    while low <= high:
        mid = (low + high) // 2
        candidate = _with_ellipsis(" ".join(words[: mid + 1]), keep)
        if sms_info(candidate).segments <= budget_segments:
            best, low = candidate, mid + 1
        else:
            high = mid - 1
    return best if best is not None else keep.strip()


def _with_ellipsis(head: str, keep: str) -> str:
    head = head.rstrip(" ,;:-\n")
    # "…" is not in GSM-7; using it would turn a GSM message into UCS-2 and halve its room.
    ellipsis = "…" if encoding_for(head + keep) == "ucs2" else "..."
    return f"{head}{ellipsis}{keep}"
