"""The pre-flight of printed letters: what a print-and-mail service checks before it prints.

A letter's pages must be exactly A4, print nothing in the unprintable margin, carry the address
inside the envelope window (and nothing else near it, at most six lines) and keep the quiet zones
of the QR codes free. The numbers come from ``data/letter_geometry.yaml``, the same the
stylesheet is built from (``letter.geometry``). Messages are German: staff read them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from notify.channels.letter import A4_PT, MM, geometry

# -- pre-flight ------------------------------------------------------------------------------------
#
# The checks work on ``PageFacts``: the page size and the boxes of what is printed, in millimetres
# from the top-left corner (as a print service's upload guidelines measure). PDFium
# (``pypdfium2``) reads those facts from the PDF; it is some twenty times faster than pdfplumber,
# which cost more than the layout itself. ``page_facts_pdfplumber`` reads the same facts with
# pdfplumber (pdfminer), for tests and for callers that already hold pdfplumber pages.
#
# What counts, the same in both readers (pdfminer's model):
# - every character the PDF draws, whitespace included (PDFium's generated spaces and line breaks
#   are not drawn and are left out), boxed by its advance width and from the baseline's descent
#   up by the font size;
# - every subpath of a painted path (a rectangle, line or curve), boxed by its points, without
#   the stroke width;
# - every image, boxed by its placement on the page.

Box = tuple[float, float, float, float]  # left, top, right, bottom in mm from the top-left corner


@dataclass
class PageFacts:
    """What the pre-flight needs to know about one page."""

    width: float  # PDF points
    height: float
    chars: list[tuple[str, Box]]
    shapes: list[Box]  # rectangles, lines and curves
    images: list[Box]


def _box_mm(obj: dict[str, Any]) -> Box:
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
    with _pdfium_document(pdf) as doc:
        return _preflight_facts(_pdfium_page_facts(doc, range(len(doc))), max_pages)


def preflight_pdf_pages(pdf: bytes, page_ranges: list[range], max_pages: int | None = None) -> list[list[str]]:
    """``preflight`` for each letter of a batch PDF: ``page_ranges`` are its pages (0-based).

    Opens the PDF once. Reads each page once, and only pages of some letter.
    """
    with _pdfium_document(pdf) as doc:
        return [_preflight_facts(_pdfium_page_facts(doc, pages), max_pages) for pages in page_ranges]


def preflight_pages(pages: list[Any], max_pages: int | None = None) -> list[str]:
    """``preflight`` for pdfplumber pages of one letter (e.g. a slice of a batch PDF)."""
    return _preflight_facts([page_facts_pdfplumber(page) for page in pages], max_pages)


def _preflight_facts(pages: list[PageFacts], max_pages: int | None = None) -> list[str]:
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


# -- reading the facts: pdfplumber -----------------------------------------------------------------


def page_facts_pdfplumber(page: Any) -> PageFacts:
    """The pre-flight's facts from a pdfplumber page."""
    return PageFacts(
        width=float(page.width),
        height=float(page.height),
        chars=[(c["text"], _box_mm(c)) for c in page.chars],
        shapes=[_box_mm(o) for o in [*page.rects, *page.lines, *page.curves]],
        images=[_box_mm(o) for o in page.images],
    )


# -- reading the facts: PDFium ---------------------------------------------------------------------

Matrix = tuple[float, float, float, float, float, float]  # a b c d e f, as in PDF


@contextmanager
def _pdfium_document(pdf: bytes) -> Iterator[Any]:
    import pypdfium2 as pdfium  # imported late: only the pre-flight needs it

    doc = pdfium.PdfDocument(pdf)
    try:
        yield doc
    finally:
        doc.close()


def _pdfium_page_facts(doc: Any, numbers: range) -> list[PageFacts]:
    facts = []
    for n in numbers:
        page = doc[n]
        try:
            facts.append(page_facts_pdfium(page))
        finally:
            page.close()
    return facts


def page_facts_pdfium(page: Any) -> PageFacts:
    """The pre-flight's facts from a ``pypdfium2.PdfPage`` (the same as ``page_facts_pdfplumber``)."""
    import ctypes

    import pypdfium2.raw as c

    left, bottom, right, top = page.get_mediabox()  # pdfplumber measures from the media box
    width, height = right - left, top - bottom

    def box(x0: float, y0: float, x1: float, y1: float) -> Box:
        # PDF user space (origin bottom-left) -> mm from the top-left corner
        return ((x0 - left) / MM, (top - y1) / MM, (x1 - left) / MM, (top - y0) / MM)

    chars: list[tuple[str, Box]] = []
    textpage = page.get_textpage()
    try:
        rect = c.FS_RECTF()
        matrix = c.FS_MATRIX()
        for i in range(c.FPDFText_CountChars(textpage)):
            if c.FPDFText_IsGenerated(textpage, i) == 1:  # a space or line break PDFium inferred
                continue
            if not c.FPDFText_GetLooseCharBox(textpage, i, rect):
                continue
            # The loose box is the advance width from the descent up to the font's ascent;
            # pdfminer's goes up by the font size (in page units) instead. Use that height.
            c.FPDFText_GetMatrix(textpage, i, matrix)
            size = c.FPDFText_GetFontSize(textpage, i) * math.hypot(matrix.c, matrix.d)
            text = chr(c.FPDFText_GetUnicode(textpage, i))
            chars.append((text, box(rect.left, rect.bottom, rect.right, rect.bottom + size)))
    finally:
        textpage.close()

    shapes: list[Box] = []
    images: list[Box] = []
    bounds = [ctypes.c_float() for _ in range(4)]
    x, y = ctypes.c_float(), ctypes.c_float()
    fs_matrix = c.FS_MATRIX()

    def own_matrix(obj: Any, parent: Matrix | None) -> Matrix:
        c.FPDFPageObj_GetMatrix(obj, fs_matrix)
        m = (fs_matrix.a, fs_matrix.b, fs_matrix.c, fs_matrix.d, fs_matrix.e, fs_matrix.f)
        return m if parent is None else _compose(m, parent)

    def walk(count: int, get: Any, parent: Matrix | None, depth: int) -> None:
        for i in range(count):
            obj = get(i)
            kind = c.FPDFPageObj_GetType(obj)
            if kind == c.FPDF_PAGEOBJ_IMAGE:
                if c.FPDFPageObj_GetBounds(obj, *bounds):
                    x0, y0, x1, y1 = (b.value for b in bounds)
                    if parent is not None:  # bounds are in the space of the enclosing form
                        x0, y0, x1, y1 = _transform_box(parent, x0, y0, x1, y1)
                    images.append(box(x0, y0, x1, y1))
            elif kind == c.FPDF_PAGEOBJ_PATH:
                m = own_matrix(obj, parent)
                points: list[tuple[float, float]] = []
                for s in range(c.FPDFPath_CountSegments(obj)):
                    segment = c.FPDFPath_GetPathSegment(obj, s)
                    if c.FPDFPathSegment_GetType(segment) == c.FPDF_SEGMENT_MOVETO and points:
                        shapes.append(_points_box(points, box))  # pdfminer: one shape per subpath
                        points = []
                    c.FPDFPathSegment_GetPoint(segment, x, y)
                    points.append(_apply(m, x.value, y.value))
                if points:
                    shapes.append(_points_box(points, box))
            elif kind == c.FPDF_PAGEOBJ_FORM and depth < 15:
                m = own_matrix(obj, parent)
                walk(c.FPDFFormObj_CountObjects(obj), lambda j, f=obj: c.FPDFFormObj_GetObject(f, j), m, depth + 1)

    walk(c.FPDFPage_CountObjects(page), lambda j: c.FPDFPage_GetObject(page, j), None, 0)
    return PageFacts(width=width, height=height, chars=chars, shapes=shapes, images=images)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """``inner`` first, then ``outer``."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _transform_box(m: Matrix, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    corners = [_apply(m, x, y) for x in (x0, x1) for y in (y0, y1)]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def _points_box(points: list[tuple[float, float]], box: Any) -> Box:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return box(min(xs), min(ys), max(xs), max(ys))


# -- the checks --------------------------------------------------------------------------------------


def _check_page(page: PageFacts, number: int, g: dict[str, Any]) -> list[str]:
    problems = []
    width, height = page.width, page.height
    if abs(width - A4_PT[0]) > 1 or abs(height - A4_PT[1]) > 1:
        problems.append(f"Seite {number} ist nicht A4 ({width / MM:.1f} × {height / MM:.1f} mm statt 210 × 297 mm).")
    m = g["printable_margin"]
    printable = (m, m, width / MM - m, height / MM - m)
    printed = [box for _, box in page.chars] + page.shapes + page.images
    outside = [box for box in printed if not _inside(box, printable)]
    if outside:
        problems.append(f"Seite {number}: {len(outside)} Elemente liegen näher als {m} mm am Rand.")
    for image in page.images:
        crowding = [box for _, box in page.chars if _overlaps(box, image)]
        if crowding:
            problems.append(f"Seite {number}: Text ragt in die Ruhezone eines QR-Codes.")
    return problems


def _check_window(page: PageFacts, g: dict[str, Any]) -> list[str]:
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
    for text, box in page.chars:
        if not text.strip():
            continue
        if _inside(box, window):
            inside.append((text, box))
        elif _overlaps(box, window):
            crossing.append((text, box))
        elif _overlaps(box, surroundings):
            near.append((text, box))
    if not inside:
        problems.append("Im Adressfeld steht keine Anschrift.")
    if crossing:
        text = "".join(t for t, _ in crossing)[:40]
        problems.append(f"Die Anschrift passt nicht ins Adressfeld (85 × 45 mm): „{text}“.")
    if near:
        problems.append(
            f"Zu nah am Adressfeld steht Text (weniger als {clearance} mm Abstand). "
            "Er wäre im Fenster des Umschlags zu sehen."
        )
    address_top = window[1] + g["address_field"]["remark_zone"]
    lines = {round(box[1], 1) for _, box in inside if box[1] >= address_top - 0.5}
    limit = g["address_field"]["address_lines_max"]
    if len(lines) > limit:
        problems.append(f"Die Anschrift hat {len(lines)} Zeilen. Erlaubt sind höchstens {limit}.")
    return problems
