"""The German sentences the translated resident pages can show, gathered from their sources.

Used by the catalogue test: every sentence must be in each language's catalogue, and a catalogue
must hold nothing else (a changed German sentence would otherwise silently fall back to German).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ["base.html.j2"] + [f"residents/{n}.html.j2" for n in (
    "_form", "manage", "unsubscribe", "unsubscribed", "export", "delete", "link_request", "confirm", "confirmed",
    "code", "message", "new_code")] + ["archive/_layout.html.j2", "archive/feedback.html.j2",
                                                   "archive/message.html.j2"]  # fmt: skip
CODE = ["notify/web/residents/pages.py", "notify/web/residents/leave_pages.py", "notify/web/residents/manage_view.py"]
MESSAGES = ["notify/web/residents/validation.py", "notify/web/residents/postal_form.py", "notify/web/residents/pages.py",
            "notify/web/pages.py"]  # fmt: skip

_CALL = re.compile(r"""\b_\(\s*(["'])(.+?)\1""")
_T = re.compile(r"""\bt\((?:request,\s*)?f?"([^"]+)\"""")
_DICT_VALUE = re.compile(r"""^[A-Z_]+ = \{(.*?)\}(?:\s*#.*)?$""", re.S | re.M)
_MESSAGE = re.compile(
    r"""(?:errors\[[^\n=]*?\] = \(?\s*|ValueError\(\s*|Problem\(\d+, |^\s+"\w+": )f?"([A-ZÄÖÜ][^"]+)\"""", re.M
)
_FIELD = re.compile(r"\{[^}]*\}")


def same_shape(text: str) -> str:
    """Placeholders compared by position only: f"{match.group(1)}" and "{postcode}" are the same."""
    return _FIELD.sub("{}", text)


def german_sentences() -> set[str]:
    found: set[str] = set()
    for name in TEMPLATES:
        found |= {m.group(2) for m in _CALL.finditer((ROOT / "templates/web" / name).read_text())}
    for name in CODE:
        text = (ROOT / name).read_text()
        found |= set(_T.findall(text))
    from notify.web.residents import manage_view
    from notify.web.residents.pages import LINK_PAGES

    for table in (manage_view.CHANNELS, manage_view.PROFILES, manage_view.FREQUENCIES, manage_view.STATUS,
                  manage_view.ACTIONS, manage_view.NEW_ADDRESS):  # fmt: skip
        found |= set(table.values())
    found |= {text for pair in LINK_PAGES.values() for text in pair}
    from notify.publishing.feedback import SAYS

    found |= set(SAYS.values())
    from notify.publishing.present import KIND_NAMES  # the message page's tags and version marks

    found |= set(KIND_NAMES.values()) | {"von einer Prüfgruppe geprüft", "maschineller Vorschlag"}
    for name in MESSAGES:
        found |= set(_MESSAGE.findall((ROOT / name).read_text()))
    from notify.web.residents.validation import LANGUAGE_NOTES, LANGUAGES

    # language names and the lines said in each language stay as they are
    return {same_shape(s) for s in found} - set(LANGUAGES.values()) - set(LANGUAGE_NOTES.values())
