"""Versions of a message: the same event in other plain-language levels and languages.

An event's ``data.versions`` lists ``{"language", "profile", "title", "text", "reviewed"}``; the
base ``title``/``text`` is the German standard version. Each resident reads the version
:func:`choose` picks for their language and profile, in this order:

1. their language: their own profile, then the next simpler one that exists, then the next
   harder one (a Leichte-Sprache reader gets Einfache before Standard; an Einfache reader gets
   Leichte before Standard);
2. then German, by the same order.

"Simpler" runs standard → einfach → leicht. So a German Einfache reader without an Einfache
version reads Leichte Sprache, an English reader without an English version reads German.

When the chosen version is not the one the resident asked for, the policy of the event's topic
(``plainlang/data/policy.yaml``, ``missing_version``) decides: ``send_nearest`` sends it with
one short sentence in the resident's language and level (:func:`missing_note`), or
``wait_for_version`` keeps the delivery back up to ``wait_hours`` for the version to arrive.
Urgent events never wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from notify.events import CityEvent
    from topics.catalogue import Catalogue

PROFILES = ("standard", "einfach", "leicht")  # from hard to simple
BASE = ("de", "standard")
PROFILE_NAMES = {"standard": "Standard", "einfach": "Einfache Sprache", "leicht": "Leichte Sprache"}
LANGUAGE_NAMES = {"de": "Deutsch", "en": "Englisch", "tr": "Türkisch"}
NOTES_FILE = Path(__file__).resolve().parent / "version_notes.yaml"


class Version(BaseModel):
    """One entry of ``data.versions`` (ARCHITECTURE.md, "Event")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    language: str = Field(pattern=r"^[a-z]{2,3}$")
    profile: Literal["standard", "einfach", "leicht"] = "standard"
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20_000)
    reviewed: bool = False

    @field_validator("title")
    @classmethod
    def _one_line_title(cls, v: str) -> str:
        if any(c in v for c in "\r\n\x00"):
            raise ValueError("Der Titel darf keinen Zeilenumbruch enthalten.")
        return v

    @property
    def key(self) -> str:
        return f"{self.language}/{self.profile}"

    def __getitem__(self, name: str) -> Any:
        """``version["title"]`` as well as ``version.title`` (code that reads events as JSON)."""
        return getattr(self, name)


def version_errors(versions: list[Version] | None) -> list[dict[str, Any]]:
    """Field-path errors for ``data.versions``: at most one per language × profile, and none
    that repeats the base (German standard, which is ``data.title``/``data.text``)."""
    errors: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for number, version in enumerate(versions or []):
        pair = (version.language, version.profile)
        if pair == BASE:
            errors.append({"field": f"data.versions.{number}",
                           "message": "de/standard is the base title/text; it cannot be a version"})  # fmt: skip
        elif pair in seen:
            errors.append({"field": f"data.versions.{number}",
                           "message": f"a second version for {version.key}"})  # fmt: skip
        seen.add(pair)
    return errors


def preference(language: str, profile: str) -> list[tuple[str, str]]:
    """Every (language, profile) in the order of the module docstring, best first."""
    own = PROFILES.index(profile) if profile in PROFILES else 0
    order = [PROFILES[own], *PROFILES[own + 1 :], *reversed(PROFILES[:own])]
    languages = dict.fromkeys((language, BASE[0]))
    return [(lang, prof) for lang in languages for prof in order]


@dataclass(frozen=True, slots=True)
class Chosen:
    """The version a resident reads, and the one they asked for."""

    language: str
    profile: str
    title: str
    text: str
    reviewed: bool
    wanted: tuple[str, str]

    @property
    def key(self) -> str:
        return f"{self.language}/{self.profile}"

    @property
    def exact(self) -> bool:
        return (self.language, self.profile) == self.wanted


def available(event: CityEvent) -> dict[tuple[str, str], Version]:
    """All versions of an event, the base included (German standard, never "reviewed")."""
    base = Version(language=BASE[0], profile=BASE[1], title=event.data.title, text=event.data.text)
    found = {BASE: base}
    for version in getattr(event.data, "versions", None) or []:
        found.setdefault((version.language, version.profile), version)
    return found


def choose(event: CityEvent, language: str, profile: str) -> Chosen:
    """The version for a resident reading ``language`` at ``profile`` (order: module docstring)."""
    found = available(event)
    for pair in preference(language, profile):
        if pair in found:
            v = found[pair]
            return Chosen(v.language, v.profile, v.title, v.text, v.reviewed, (language, profile))
    v = found[BASE]  # unreachable: the base is always there
    return Chosen(v.language, v.profile, v.title, v.text, v.reviewed, (language, profile))


def _notes() -> dict[str, Any]:
    global _NOTES
    if _NOTES is None:
        _NOTES = yaml.safe_load(NOTES_FILE.read_text(encoding="utf-8"))
    return _NOTES


_NOTES: dict[str, Any] | None = None


def missing_note(chosen: Chosen, phone: str) -> str:
    """One short sentence in the reader's language and level: their version is not there yet,
    and whom to call. Empty when they got their own version."""
    if chosen.exact:
        return ""
    language, profile = chosen.wanted
    by_language = _notes()[note_language(chosen)]
    key = profile if chosen.language == language else "language"
    text = by_language.get(key) or by_language.get(profile) or by_language["standard"]
    return str(text).format(phone=phone).strip()


def note_language(chosen: Chosen) -> str:
    """The language :func:`missing_note` writes in: the reader's, else English."""
    return chosen.wanted[0] if chosen.wanted[0] in _notes() else "en"


RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur", "ps", "ku"})


def direction(language: str) -> str:
    """``dir`` of a text in ``language``: Arabic is read from right to left."""
    return "rtl" if language.split("-")[0] in RIGHT_TO_LEFT else "ltr"


def missing_policy(topic: str | None, catalogue: Catalogue | None = None) -> tuple[str, float]:
    """``(policy, wait_hours)`` for an event's first topic: ``send_nearest`` or ``wait_for_version``.

    The topic's own entry in ``policy.yaml`` wins, then its Lebenslage's (from the city pack),
    then the default.
    """
    from plainlang.resources import load_yaml

    policy = load_yaml("policy.yaml")
    settings = dict(policy["default"])
    chain = catalogue.ancestors_or_self(topic) if catalogue and topic in catalogue.topics else [topic]
    for node in reversed(chain):  # the Lebenslage first, the topic itself last (most specific wins)
        entry = (policy.get("topics") or {}).get(node) or {}
        settings.update({k: entry[k] for k in ("missing_version", "wait_hours") if k in entry})
    return str(settings.get("missing_version", "send_nearest")), float(settings.get("wait_hours") or 0)


def wanted_name(key: str) -> str:
    """``de/leicht`` → "Leichte Sprache"; ``en/standard`` → "Englisch"; for the dashboard."""
    language, _, profile = key.partition("/")
    if language == BASE[0]:
        return PROFILE_NAMES.get(profile, profile)
    name = LANGUAGE_NAMES.get(language, language)
    return name if profile == "standard" else f"{name} ({PROFILE_NAMES.get(profile, profile)})"
