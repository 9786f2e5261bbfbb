"""Printed letters: HTML + CSS → PDF (WeasyPrint), DIN 5008 form B on A4 (checked by ``letter_preflight``).

The printed letter is a first-class channel (ARCHITECTURE.md, invariant 2), so it gets the same
care as the digital ones: the address sits exactly in the envelope window, the pages say
"Seite 1 von 2", two QR codes lead to the online text and to the subscription settings, and a
large-print variant (14 pt) serves Leichte Sprache and anyone who asks for it.

Geometry is data (``data/letter_geometry.yaml``): the stylesheet ``templates/letter/letter.css.j2``
and the pre-flight (``letter_preflight``) read the same numbers. Content comes from
``templates/letter/<name>[.<lang>][.<profile>].html.j2`` (see ``notify.render``), framed by
``letter/_frame.html.j2``.

One renderer for one letter and for many: a document holds a list of letters, each a section on
its own named page. ``render_letter_pdf`` is a document of one; the daily batch
(``letter_batch``) lays out its letters in documents of a hundred, in worker processes.

Template context (all required, as for the other channels): ``event``, ``title``, ``text``,
``link`` (str or None), ``manage_url``, ``unsubscribe_url``, ``recipient`` (``name``,
``postal_address``: list of lines), ``city``, ``sender`` (``name``, ``address`` lines, ``phone``,
``email``, ``web``), ``today`` (date).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import segno
import yaml
from markupsafe import Markup

from notify.render import candidate_names, file_environment

GEOMETRY_FILE = Path(__file__).resolve().parent / "data" / "letter_geometry.yaml"
MM = 72 / 25.4  # PDF points per millimetre
A4_PT = (595.28, 841.89)

# "Seite 1 von 2" in the letter's language; the words around the two numbers.
PAGE_LABELS = {"de": ("Seite ", " von "), "en": ("Page ", " of "), "tr": ("Sayfa ", " / ")}


@cache
def geometry() -> dict[str, Any]:
    """Letter geometry in millimetres (DIN 5008 form B), see ``data/letter_geometry.yaml``."""
    return yaml.safe_load(GEOMETRY_FILE.read_text(encoding="utf-8"))


@cache
def stylesheet() -> str:
    return file_environment().get_template("letter/letter.css.j2").render(g=geometry())


@lru_cache(maxsize=1024)
def qr_data_uri(url: str) -> str:
    """A QR code as PNG data URI, with the standard quiet zone of four modules built in.

    PNG (not SVG) so the pre-flight can find the code as an image and check its quiet zone.
    One pixel per module: the stylesheet scales it up with ``image-rendering: pixelated``.
    Cached because every letter about one event carries the same link.
    """
    return segno.make(url, error="m").png_data_uri(scale=1, border=4)


# A QR code to be made later: the daily batch keeps this in a pending letter and the process that
# lays the letter out turns it into the image (``resolve_qr_codes``), so the parent that collects
# the day's letters does not encode a QR code per letter (most of what adding a letter cost).
# The URL is percent-encoded: nothing in it that HTML escaping would touch.
QR_PLACEHOLDER = "stadtbote-qr:"
_QR_PLACEHOLDER = re.compile(re.escape(QR_PLACEHOLDER) + r"([A-Za-z0-9_.~%-]*)")


def qr_placeholder(url: str) -> str:
    """Stands for ``qr_data_uri(url)`` until ``resolve_qr_codes`` makes the image."""
    return QR_PLACEHOLDER + quote(url, safe="")


def resolve_qr_codes(html: str) -> str:
    """``html`` with every ``qr_placeholder`` replaced by its QR code (the same HTML as if the
    code had been made at once)."""
    if QR_PLACEHOLDER not in html:
        return html
    return _QR_PLACEHOLDER.sub(lambda m: qr_data_uri(unquote(m.group(1))), html)


@dataclass
class Letter:
    """One letter to print: the template context and which template variant to use.

    ``large_print`` defaults to on for Leichte Sprache, whose rules ask for 14 pt or more.
    ``ref`` identifies the letter in the batch manifest; use a reference, not a name.
    """

    context: dict[str, Any]
    name: str = "default"
    language: str = "de"
    profile: str = "standard"
    large_print: bool | None = None
    ref: str = ""
    html: str = field(default="", repr=False)
    refs: tuple[str, ...] = ()  # every delivery in this letter (one resident's messages of a day)

    @property
    def is_large_print(self) -> bool:
        return self.profile == "leicht" if self.large_print is None else self.large_print


def render_letter_content(letter: Letter, part: str = "whole", qr: Callable[[str], str] = qr_data_uri) -> str:
    """Render the letter's own template (the part inside its ``<section>``).

    ``part``: "whole" (a letter with one message), or for a letter that carries several
    messages of one day its "frame" and each "message" (see ``letter/_frame.html.j2``).
    ``qr`` makes the image source of a QR code (``qr_placeholder``: made when laid out).
    """
    context = dict(letter.context)
    context["language"] = letter.language
    context["letter_part"] = part
    # The full text: the archive's short link (typeable from paper), else the event's own link.
    context["full_text_url"] = context.get("message_url") or context.get("link")
    context["qr_link"] = qr(context["full_text_url"]) if context["full_text_url"] else None
    context["qr_feedback"] = qr(context["feedback_url"]) if context.get("feedback_url") else None
    context["qr_manage"] = qr(context["manage_url"]) if context.get("manage_url") else None
    env = file_environment()
    template = env.select_template(candidate_names("letter", letter.name, "html", letter.language, letter.profile))
    return template.render(**context)


def frame_language(letter: Letter) -> str:
    """The language of the template the letter is printed with: "de" for an Arabic reader's letter
    (we ship German, English and Turkish frames), whatever language the message itself is in."""
    names = candidate_names("letter", letter.name, "html", letter.language, letter.profile)
    template = file_environment().select_template(names)
    parts = (template.name or "").rsplit("/", 1)[-1].split(".")
    return parts[1] if len(parts) > 3 else "de"


def render_letters_html(letters: list[Letter], title: str = "Briefe") -> str:
    """One HTML document with each letter in its own section and page numbering."""
    prepared = []
    for index, letter in enumerate(letters):
        letter_id = f"letter-{index + 1}"
        frame = frame_language(letter)  # the frame's words; the text marks its own
        prepared.append(
            {
                "id": letter_id,
                "page_name": letter_id,
                "page_label": PAGE_LABELS.get(frame, PAGE_LABELS["de"]),
                "language": frame,
                "large_print": letter.is_large_print,
                "html": Markup(resolve_qr_codes(letter.html) if letter.html else render_letter_content(letter)),
            }
        )
    document = file_environment().get_template("letter/_document.html.j2")
    return document.render(css=Markup(stylesheet()), letters=prepared, title=title)


def render_letter_html(
    context: dict[str, Any],
    name: str = "default",
    language: str = "de",
    profile: str = "standard",
    large_print: bool | None = None,
) -> str:
    """The complete HTML of one letter (what ``notify preview --channel letter`` can show)."""
    letter = Letter(context, name, language, profile, large_print)
    return render_letters_html([letter], title=str(context.get("title", "Brief")))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while WeasyPrint lays out or writes a document.

    Layout creates millions of small objects, and the collector scanning them over and over
    costs about a quarter of a daily batch (measured with ``bench/letters.py``). Reference
    counting still frees nearly everything; the rest goes at the next collection afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render_document(html: str) -> Any:
    """Lay out ``html`` with WeasyPrint; the returned document knows which page is which."""
    from weasyprint import HTML  # imported late: loading WeasyPrint takes a moment

    with gc_paused():
        return HTML(string=html, base_url=str(GEOMETRY_FILE.parent)).render()


def write_pdf(document: Any) -> bytes:
    """PDF bytes of a laid-out document (or of ``document.copy(pages)``)."""
    with gc_paused():
        return document.write_pdf()


def render_letter_pdf(
    context: dict[str, Any],
    name: str = "default",
    language: str = "de",
    profile: str = "standard",
    large_print: bool | None = None,
) -> bytes:
    """One letter as PDF bytes."""
    html = render_letter_html(context, name, language, profile, large_print)
    return write_pdf(render_document(html))
