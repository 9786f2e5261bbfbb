"""The words of the resident pages in the languages we ship (gettext style).

German is the source: templates and code write ``_("Deutscher Satz")``. ``templates/web/texts/<lang>.yaml``
maps each German sentence to its translation, one catalogue per language, so a page exists once and
its German text is what our plain-language checker reads. A sentence missing from a catalogue stays
German (``tests/residents/test_residents_page_languages.py`` keeps the catalogues complete).

Keys may hold ``{name}`` placeholders: ``_("Bitte warten Sie {minutes} Minuten.", minutes=3)``. A
finished German message (a validation error) is translated by matching those keys as patterns, so
"Die Postleitzahl 12345 gehört nicht zu Gelsenkirchen." finds its English sentence too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import yaml

from notify.render import TEMPLATE_DIR

TEXTS_DIR = TEMPLATE_DIR / "web" / "texts"
SOURCE = "de"
NAMES = {"de": "Deutsch", "en": "English", "tr": "Türkçe"}  # each in its own language, for the switch
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

Translate = Callable[..., str]


@cache
def shipped() -> tuple[str, ...]:
    """German plus every language that has a catalogue."""
    return (SOURCE, *sorted(p.stem for p in TEXTS_DIR.glob("*.yaml")))


@cache
def catalogue(language: str) -> dict[str, str]:
    path = TEXTS_DIR / f"{language}.yaml"
    if language == SOURCE or not path.exists():
        return {}
    return {str(k): str(v) for k, v in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items()}


@cache
def _patterns(language: str) -> list[tuple[re.Pattern[str], str]]:
    out = []
    for key, value in catalogue(language).items():
        if _PLACEHOLDER.search(key):
            parts = _PLACEHOLDER.split(key)  # text, name, text, name, ...
            regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
            out.append((re.compile(f"^{regex}$"), value))
    return out


def translate(language: str, text: str, /, **values: object) -> str:
    """``text`` in ``language`` (German if we have no translation), with ``values`` filled in."""
    found = catalogue(language).get(text)
    if found is None and not values and language != SOURCE:
        for pattern, value in _patterns(language):
            if match := pattern.match(text):
                return value.format(**match.groupdict())
    out = found if found is not None else text
    return out.format(**values) if values else out


def translator(language: str) -> Translate:
    """``_`` for one page: the language is fixed, the text and values vary."""
    lang = language if language in shipped() else SOURCE

    def _(text: str, /, **values: object) -> str:
        return translate(lang, text, **values)

    return _
