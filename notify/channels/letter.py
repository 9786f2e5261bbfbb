"""Printed letters: HTML + CSS → PDF (WeasyPrint), DIN 5008 form B on A4, and a pre-flight check.

The printed letter is a first-class channel (ARCHITECTURE.md, invariant 2), so it gets the same
care as the digital ones: the address sits exactly in the envelope window, the pages say
"Seite 1 von 2", two QR codes lead to the online text and to the subscription settings, and a
large-print variant (14 pt) serves Leichte Sprache and anyone who asks for it.

Geometry is data (``data/letter_geometry.yaml``): the stylesheet ``templates/letter/letter.css.j2``
and ``preflight`` read the same numbers. Content comes from ``templates/letter/<name>[.<lang>]
[.<profile>].html.j2`` (see ``notify.render``), framed by ``letter/_frame.html.j2``.

One renderer for one letter and for many: a document holds a list of letters, each a section on
its own named page. ``render_letter_pdf`` is a document of one; the daily batch
(``letter_batch``) lays out a whole day's letters in a single WeasyPrint call, which is many
times faster than one PDF each.

Template context (all required, as for the other channels): ``event``, ``title``, ``text``,
``link`` (str or None), ``manage_url``, ``unsubscribe_url``, ``recipient`` (``name``,
``postal_address``: list of lines), ``city``, ``sender`` (``name``, ``address`` lines, ``phone``,
``email``, ``web``), ``today`` (date).
"""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

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

    @property
    def is_large_print(self) -> bool:
        return self.profile == "leicht" if self.large_print is None else self.large_print


def render_letter_content(letter: Letter) -> str:
    """Render the letter's own template (the part inside its ``<section>``)."""
    context = dict(letter.context)
    context["language"] = letter.language
    context["qr_link"] = qr_data_uri(context["link"]) if context.get("link") else None
    context["qr_manage"] = qr_data_uri(context["manage_url"])
    env = file_environment()
    template = env.select_template(candidate_names("letter", letter.name, "html", letter.language, letter.profile))
    return template.render(**context)


def render_letters_html(letters: list[Letter], title: str = "Briefe") -> str:
    """One HTML document with each letter in its own section and page numbering."""
    prepared = []
    for index, letter in enumerate(letters):
        letter_id = f"letter-{index + 1}"
        prepared.append(
            {
                "id": letter_id,
                "page_name": letter_id,
                "page_label": PAGE_LABELS.get(letter.language, PAGE_LABELS["de"]),
                "language": letter.language,
                "large_print": letter.is_large_print,
                "html": Markup(letter.html or render_letter_content(letter)),
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


# -- pre-flight ------------------------------------------------------------------------------------


def _box_mm(obj: dict[str, Any]) -> tuple[float, float, float, float]:
    return (obj["x0"] / MM, obj["top"] / MM, obj["x1"] / MM, obj["bottom"] / MM)


def _inside(box: tuple[float, ...], area: tuple[float, ...], tolerance: float = 0.2) -> bool:
    return (
        box[0] >= area[0] - tolerance
        and box[1] >= area[1] - tolerance
        and box[2] <= area[2] + tolerance
        and box[3] <= area[3] + tolerance
    )


def _overlaps(box: tuple[float, ...], area: tuple[float, ...]) -> bool:
    return box[0] < area[2] and box[2] > area[0] and box[1] < area[3] and box[3] > area[1]


def window_area() -> tuple[float, float, float, float]:
    """The envelope window (address field) in mm: left, top, right, bottom."""
    a = geometry()["address_field"]
    return (a["left"], a["top"], a["left"] + a["width"], a["top"] + a["height"])


def preflight(pdf: bytes, max_pages: int | None = None) -> list[str]:
    """Check a one-letter PDF as a print-and-mail service would; returns problems (empty = fine).

    Checks: page count, every page exactly A4, nothing printed outside the printable area, the
    address inside the window and nothing else near it, the QR codes' quiet zones free, and the
    address at most six lines. Messages are German: staff read them.
    """
    import pdfplumber  # imported late: only the pre-flight needs it

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return preflight_pages(doc.pages, max_pages)


def preflight_pages(pages: list[Any], max_pages: int | None = None) -> list[str]:
    """``preflight`` for the pdfplumber pages of one letter (also a slice of a batch PDF)."""
    g = geometry()
    max_pages = max_pages or g["max_pages"]
    if not pages:
        return ["Das PDF hat keine Seiten."]
    problems: list[str] = []
    if len(pages) > max_pages:
        problems.append(f"Der Brief hat {len(pages)} Seiten. Erlaubt sind höchstens {max_pages}.")
    for number, page in enumerate(pages, start=1):
        problems.extend(_check_page(page, number, g))
    problems.extend(_check_window(pages[0], g))
    return problems


def _printed_objects(page: Any) -> list[dict[str, Any]]:
    return [*page.chars, *page.rects, *page.lines, *page.curves, *page.images]


def _check_page(page: Any, number: int, g: dict[str, Any]) -> list[str]:
    problems = []
    width, height = float(page.width), float(page.height)
    if abs(width - A4_PT[0]) > 1 or abs(height - A4_PT[1]) > 1:
        problems.append(f"Seite {number} ist nicht A4 ({width / MM:.1f} × {height / MM:.1f} mm statt 210 × 297 mm).")
    m = g["printable_margin"]
    printable = (m, m, width / MM - m, height / MM - m)
    outside = [o for o in _printed_objects(page) if not _inside(_box_mm(o), printable)]
    if outside:
        problems.append(f"Seite {number}: {len(outside)} Elemente liegen näher als {m} mm am Rand.")
    for image in page.images:
        box = _box_mm(image)
        crowding = [c for c in page.chars if _overlaps(_box_mm(c), box)]
        if crowding:
            problems.append(f"Seite {number}: Text ragt in die Ruhezone eines QR-Codes.")
    return problems


def _check_window(page: Any, g: dict[str, Any]) -> list[str]:
    """The address must be in the window, fit it, and be the only thing near it."""
    window = window_area()
    clearance = g["window_clearance"]
    surroundings = (
        window[0] - clearance,
        window[1] - clearance,
        window[2] + clearance,
        window[3] + clearance,
    )
    problems = []
    inside, crossing, near = [], [], []
    for char in page.chars:
        if not char["text"].strip():
            continue
        box = _box_mm(char)
        if _inside(box, window):
            inside.append(char)
        elif _overlaps(box, window):
            crossing.append(char)
        elif _overlaps(box, surroundings):
            near.append(char)
    if not inside:
        problems.append("Im Adressfeld steht keine Anschrift.")
    if crossing:
        text = "".join(c["text"] for c in crossing)[:40]
        problems.append(f"Die Anschrift passt nicht ins Adressfeld (85 × 45 mm): „{text}“.")
    if near:
        problems.append(
            f"Zu nah am Adressfeld steht Text (weniger als {clearance} mm Abstand). "
            "Er wäre im Fenster des Umschlags zu sehen."
        )
    address_top = window[1] + g["address_field"]["remark_zone"]
    lines = {round(c["top"] / MM, 1) for c in inside if c["top"] / MM >= address_top - 0.5}
    limit = g["address_field"]["address_lines_max"]
    if len(lines) > limit:
        problems.append(f"Die Anschrift hat {len(lines)} Zeilen. Erlaubt sind höchstens {limit}.")
    return problems
