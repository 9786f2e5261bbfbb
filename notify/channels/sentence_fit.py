"""Shortening a short message by whole sentences: drop from the end, never cut inside one.

A sentence cut in the middle can say the opposite of the original ("… eine Inanspruchnahme der
Stellplätze ist …" without "nicht möglich"), so the SMS and the push body keep whole sentences
only. The sentences come from the plain-language checker's segmentation, which knows German
abbreviations, ordinals and dates ("z. B.", "Nr. 5", "am 3. März", "9.30 Uhr").

A warning may use more SMS parts than the normal budget, up to a ceiling, so that its
instructions ("Fahren Sie nicht durch überflutete Straßen.") are never the part that is dropped.

When not even the first sentence fits, the message keeps only what fits as whole units (the
title line) and ``first_sentence_fits`` is False: the staff preview says so before anyone sends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from notify.channels.gsm import sms_info


@lru_cache(maxsize=512)
def sentence_ends(text: str) -> tuple[int, ...]:
    """Character offsets where each sentence (or heading line) of ``text`` ends.

    Cached: every resident of one event gets the same message text.
    """
    from plainlang.nlp import get_nlp
    from plainlang.segment import analyse

    found = [s.end for s in analyse(get_nlp()(text)).sentences]
    # A German sentence does not begin with a small letter: "vom 3. bis 28. März" is one sentence
    # even where the segmenter took "3." for an end. Those boundaries are not used.
    ends = [end for end in found[:-1] if not text[end:].lstrip()[:1].islower()] + found[-1:]
    if not ends or ends[-1] < len(text.rstrip()):
        ends.append(len(text.rstrip()))
    return tuple(ends)


@dataclass(frozen=True)
class Fitted:
    """A shortened message and what was left out, for the staff preview."""

    text: str
    sentences: int  # sentences (and heading lines) of the original
    kept: int  # of them in ``text``
    limit: int  # the budget that applied (SMS parts, or characters for push)
    first_sentence_fits: bool  # False: even the first sentence of the body had to go

    @property
    def dropped(self) -> int:
        return self.sentences - self.kept


def fit_sentences(message: str, fits: Callable[[str], bool], *, keep: str = "", body_start: int = 0,
                  limit: int = 0) -> Fitted:  # fmt: skip
    """The longest prefix of whole sentences of ``message`` for which ``fits(prefix + keep)``.

    ``body_start``: where the event's text begins in ``message`` (after the "Stadt …: title"
    line of an SMS); the first sentence from there is the one staff must hear about if it does
    not fit.
    """
    ends = sentence_ends(message)
    whole = message + keep
    if fits(whole):
        return Fitted(whole, len(ends), len(ends), limit, True)
    kept, best = 0, keep.strip()
    low, high = 1, len(ends)
    while low <= high:  # the cost grows with every sentence added: binary search
        mid = (low + high) // 2
        candidate = message[: ends[mid - 1]].rstrip() + keep
        if fits(candidate):
            kept, best, low = mid, candidate, mid + 1
        else:
            high = mid - 1
    first_needed = min(sum(1 for end in ends if end <= body_start) + 1, len(ends))
    return Fitted(best, len(ends), kept, limit, kept >= first_needed)


def fit_sms_sentences(message: str, budget_segments: int, *, keep: str = "", urgent: bool = False,
                      urgent_segments: int | None = None, body_start: int = 0) -> Fitted:  # fmt: skip
    """``message`` + ``keep`` in ``budget_segments`` SMS parts (a warning: up to ``urgent_segments``).

    ``keep`` (the link line) always stays; whole sentences of ``message`` are dropped from the end.
    """
    if budget_segments < 1:
        raise ValueError("budget_segments must be at least 1")
    limit = max(budget_segments, urgent_segments or budget_segments) if urgent else budget_segments
    return fit_sentences(message, lambda text: sms_info(text).segments <= limit, keep=keep,
                         body_start=body_start, limit=limit)  # fmt: skip
