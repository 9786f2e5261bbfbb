"""One Jinja2 environment per kind of output, and the variant lookup for channel templates.

Templates live in ``templates/<channel>/`` as ``<name>[.<language>][.<profile>].<part>.j2``.
The lookup tries, in order, the event's own template name and then ``default``; for each, the
subscriber's language and profile, the language alone, then German with the profile, then German.
So a missing English "leicht" letter falls back to the English letter, then to the German
"leicht" letter, then to the German letter — never to nothing.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
FALLBACK_LANGUAGE = "de"
PROFILES = ("standard", "einfach", "leicht")


@cache
def file_environment() -> Environment:
    """Environment for the templates shipped in ``templates/`` (trusted, reviewed in git).

    Autoescape is on for HTML and XML; plain-text parts (``.txt.j2``, ``.subject.j2``) are not
    escaped, so callers must never put their output into markup without escaping it again.
    """
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("html", "xml", "html.j2", "xml.j2"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    _add_filters(env)
    return env


@cache
def sandbox_environment() -> ImmutableSandboxedEnvironment:
    """Environment for template text that staff can edit: sandboxed, autoescaped, strict.

    Staff text may use variables and filters but cannot reach Python attributes, mutate the
    context or call unsafe methods; an unknown variable is an error, not an empty string.
    """
    env = ImmutableSandboxedEnvironment(
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    _add_filters(env)
    return env


def _add_filters(env: Environment) -> None:
    from notify.formatting import german_date, german_datetime, german_decimal, with_mark, without_mark
    from notify.textformat import to_html

    env.filters["german_date"] = german_date
    env.filters["german_datetime"] = german_datetime
    env.filters["decimal"] = german_decimal
    env.filters["with_mark"] = with_mark
    env.filters["without_mark"] = without_mark
    env.filters["paragraphs"] = lambda text: to_html(text, styled=False)


def candidate_names(channel: str, name: str, part: str, language: str = "de", profile: str = "standard") -> list[str]:
    """Template paths to try, most specific first (see module docstring)."""
    names: list[str] = []
    for base in dict.fromkeys((name, "default")):
        for lang, prof in dict.fromkeys(
            ((language, profile), (language, None), (FALLBACK_LANGUAGE, profile), (FALLBACK_LANGUAGE, None))
        ):
            stem = ".".join(x for x in (base, lang, prof) if x and x != "standard")
            names.append(f"{channel}/{stem}.{part}.j2")
    return list(dict.fromkeys(names))


def render_part(
    channel: str,
    name: str,
    part: str,
    context: dict[str, Any],
    language: str = "de",
    profile: str = "standard",
) -> str:
    """Render one part of a channel message, choosing the best template variant."""
    env = file_environment()
    template = env.select_template(candidate_names(channel, name, part, language, profile))
    return template.render(**context).strip()


def has_template(channel: str, name: str, part: str) -> bool:
    try:
        file_environment().get_template(f"{channel}/{name}.{part}.j2")
    except TemplateNotFound:
        return False
    return True
