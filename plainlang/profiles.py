"""Plain-language profiles (``data/profiles.yaml``) and the level a text reaches.

Why level and "passed" come from the same figures: a report must never say
"level einfach" and "failed einfach" at once. The rules' findings are advice;
the gate (:mod:`plainlang.gate`) decides what findings mean for sending.
"""

from __future__ import annotations

from typing import Any

from plainlang.resources import load_yaml

PROFILES: tuple[str, ...] = ("leicht", "einfach", "standard")
HARDEST_LEVEL = "schwer"

_LIMITS = {
    "min_index": ("index", 1),
    "max_mean_sentence_length": ("mean_sentence_length", -1),
    "max_share_sentences_over_20_words": ("share_sentences_over_20_words", -1),
    "max_passive_share": ("passive_share", -1),
    "max_nominal_share": ("nominal_share", -1),
}


def profile_config(profile: str) -> dict[str, Any]:
    """The settings of one profile; ``ValueError`` (German message) when unknown."""
    if profile not in PROFILES:
        raise ValueError(f"Unbekanntes Profil „{profile}“. Erlaubt sind: {', '.join(PROFILES)}.")
    return load_yaml("profiles.yaml")["profiles"][profile]


def meets(profile: str, metrics: dict[str, float]) -> list[str]:
    """Names of the limits of ``profile`` that the figures miss (empty = reached)."""
    missed = []
    for limit, value in profile_config(profile)["level"].items():
        metric, direction = _LIMITS[limit]
        if direction * (metrics[metric] - value) < 0:
            missed.append(limit)
    return missed


def level_of(metrics: dict[str, float]) -> str:
    """The easiest profile whose limits all hold, else "schwer"."""
    for profile in PROFILES:
        if not meets(profile, metrics):
            return profile
    return HARDEST_LEVEL


def reaches(level: str, profile: str) -> bool:
    """Is ``level`` at least as easy as ``profile``?"""
    order = (*PROFILES, HARDEST_LEVEL)
    return order.index(level) <= order.index(profile)
