"""Light Markdown from event texts → safe HTML, and → plain text.

Event texts come from other systems and from staff; they are never trusted as markup. Everything is
escaped first; only paragraphs, bullet lists and **bold** are turned into tags afterwards.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_BULLET = re.compile(r"^\s*[-*•]\s+")


def to_html(text: str, styled: bool = True) -> Markup:
    """Paragraphs (blank lines), line breaks (one sentence per line in Leichte Sprache), bullet
    lists, **bold**. ``styled``: inline styles for e-mail clients; pages and letters have CSS."""
    blocks = re.split(r"\n\s*\n", text.strip())
    out: list[str] = []
    for block in blocks:
        lines = [line for line in block.splitlines() if line.strip()]
        if lines and all(_BULLET.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_BULLET.sub('', line))}</li>" for line in lines)
            out.append(f'<ul style="margin:0 0 16px 0;padding-left:24px;">{items}</ul>' if styled else f"<ul>{items}</ul>")
        elif lines:
            body = "<br>".join(_inline(line) for line in lines)
            out.append(f'<p style="margin:0 0 16px 0;">{body}</p>' if styled else f"<p>{body}</p>")
    return Markup("\n".join(out))


def _inline(line: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", str(escape(line.strip())))


def to_plain(text: str) -> str:
    """Drop the Markdown emphasis marks; keep line structure."""
    return _BOLD.sub(r"\1", text.strip())
