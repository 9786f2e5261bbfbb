"""Printed letters: DIN 5008 form B geometry, content, page numbers, QR codes and pre-flight."""

import io

import pdfplumber
import pytest
from channel_samples import TEXT, make_context
from pypdf import PdfReader

from notify.channels.letter import (
    MM,
    geometry,
    render_document,
    render_letter_html,
    render_letter_pdf,
)
from notify.channels.letter_preflight import (
    page_facts_pdfium,
    page_facts_pdfplumber,
    preflight,
    preflight_pages,
    preflight_pdf_pages,
    window_area,
)

LONG = "\n\n".join([TEXT] * 12)


def words(pdf: bytes, page: int = 0):
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return doc.pages[page].extract_words()


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def standard_pdf():
    return render_letter_pdf(make_context())


@pytest.mark.parametrize(
    ("language", "profile", "greeting"),
    [
        ("de", "standard", "Guten Tag Erika Mustermann,"),
        ("de", "einfach", "Guten Tag Erika Mustermann,"),
        ("de", "leicht", "Hallo Erika Mustermann,"),
        ("en", "standard", "Dear Erika Mustermann,"),
        ("tr", "standard", "Sayın Erika Mustermann,"),
    ],
)
def test_variants_render_a_clean_a4_letter(language, profile, greeting):
    pdf = render_letter_pdf(make_context(), language=language, profile=profile)
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(595.28, abs=1)
        assert float(page.mediabox.height) == pytest.approx(841.89, abs=1)
    text = " ".join(page_texts(pdf))
    assert greeting in text
    assert "Sperrung der Hauptstraße" in text
    assert preflight(pdf) == []


def test_page_is_a4(standard_pdf):
    with pdfplumber.open(io.BytesIO(standard_pdf)) as doc:
        assert (float(doc.pages[0].width), float(doc.pages[0].height)) == pytest.approx((595.28, 841.89), abs=1)


def test_recipient_address_lies_in_the_window_field(standard_pdf):
    window = (20 * MM, 45 * MM, (20 + 85) * MM, (45 + 45) * MM)
    address = ["Erika", "Mustermann", "Hauptstraße", "12", "45894", "Gelsenkirchen"]
    found = [
        w for w in words(standard_pdf) if w["text"] in address and 40 * MM < w["top"] < 95 * MM and w["x0"] < 110 * MM
    ]
    assert {w["text"] for w in found} == set(address)
    for w in found:
        assert w["x0"] >= window[0] and w["top"] >= window[1], w
        assert w["x1"] <= window[2] and w["bottom"] <= window[3], w


def test_return_address_sits_above_the_recipient_in_the_window(standard_pdf):
    found = [w for w in words(standard_pdf) if w["text"] == "Ebertstraße"]
    top_of_address = min(w["top"] for w in words(standard_pdf) if w["text"] == "Hauptstraße")
    assert found and all(45 * MM <= w["top"] < top_of_address for w in found)


def test_subject_and_info_block_positions(standard_pdf):
    ws = words(standard_pdf)
    subject = next(w for w in ws if w["text"] == "Sperrung")
    assert subject["top"] == pytest.approx(98.5 * MM, abs=3 * MM)
    date_word = next(w for w in ws if w["text"] == "März" and w["top"] < 95 * MM)
    assert date_word["x0"] >= 125 * MM and date_word["top"] >= 50 * MM


def test_fold_and_punch_marks(standard_pdf):
    with pdfplumber.open(io.BytesIO(standard_pdf)) as doc:
        page = doc.pages[0]
        marks = [o for o in page.rects + page.lines if o["x0"] < 15 * MM]
    tops = sorted({round(m["top"] / MM) for m in marks})
    for y in (105, 148.5, 210):
        assert any(abs(t - y) <= 1 for t in tops), (y, tops)


def test_page_numbers_and_qr_codes(standard_pdf):
    texts = page_texts(standard_pdf)
    assert "Seite 1 von 1" in texts[0]
    with pdfplumber.open(io.BytesIO(standard_pdf)) as doc:
        images = doc.pages[-1].images
    assert len(images) == 2  # online text and subscription settings
    for image in images:
        assert image["x1"] - image["x0"] == pytest.approx(26 * MM, abs=1)
    assert "https://www.gelsenkirchen.de/baustellen/hauptstrasse" in texts[-1]
    assert "https://stadtbote.gelsenkirchen.de/s/0001.c2lnbmVk" in texts[-1]


def test_long_letter_counts_its_pages():
    pdf = render_letter_pdf(make_context(text=LONG))
    texts = page_texts(pdf)
    assert len(texts) >= 2
    for number, text in enumerate(texts, start=1):
        assert f"Seite {number} von {len(texts)}" in text


def test_without_link_only_the_settings_qr_code():
    pdf = render_letter_pdf(make_context(link=None))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages[-1].images) == 1


@pytest.mark.parametrize(
    ("profile", "large_print", "min_pt", "max_pt"),
    [("standard", None, 9.5, 11.5), ("leicht", None, 14, 99), ("standard", True, 14, 99)],
)
def test_large_print(profile, large_print, min_pt, max_pt):
    pdf = render_letter_pdf(make_context(), profile=profile, large_print=large_print)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        chars = [c for c in doc.pages[0].chars if c["top"] > 110 * MM and c["text"].strip()]
        sizes = {round(c["size"], 1) for c in chars if c["top"] < 200 * MM}
    assert sizes and min(sizes) >= min_pt and max(sizes) <= max_pt, sizes


def test_html_is_escaped():
    html = render_letter_html(make_context(title="A <b>bold</b> & risky title"))
    assert "A &lt;b&gt;bold&lt;/b&gt; &amp; risky title" in html


# -- pre-flight -----------------------------------------------------------------------------


def test_preflight_address_with_too_many_lines():
    context = make_context()
    context["recipient"] = {"name": "X", "postal_address": [f"Zeile {i}" for i in range(1, 9)]}
    problems = preflight(render_letter_pdf(context))
    assert any("Adressfeld" in p or "Zeilen" in p for p in problems), problems


def test_preflight_address_too_wide():
    context = make_context()
    context["recipient"] = {"name": "X", "postal_address": ["Sehr " * 20, "45894 Gelsenkirchen"]}
    problems = preflight(render_letter_pdf(context))
    assert any("Adressfeld" in p for p in problems), problems


def test_preflight_page_limit():
    pdf = render_letter_pdf(make_context(text=LONG))
    assert preflight(pdf) == []
    assert any("Seiten" in p for p in preflight(pdf, max_pages=1))


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<style>@page { size: letter; margin: 0 }</style><p>x</p>", "nicht A4"),
        ("<style>@page { size: A4; margin: 0 }</style><p style='margin:1mm'>Rand</p>", "Rand"),
        (
            "<style>@page { size: A4; margin: 20mm }</style><p>kein Adressfeld</p>",
            "keine Anschrift",
        ),
    ],
)
def test_preflight_refuses_bad_pdfs(html, expected):
    pdf = render_document(html).write_pdf()
    assert any(expected in p for p in preflight(pdf)), preflight(pdf)


def test_geometry_is_din_5008_form_b():
    g = geometry()
    assert g["address_field"] == pytest.approx({**g["address_field"], "left": 20, "top": 45, "width": 85, "height": 45})
    assert g["fold_marks"] == [105, 210] and g["punch_mark"] == 148.5


def test_preflight_text_near_the_window():
    html = (
        "<style>@page { size: A4; margin: 0 } p { position: absolute; margin: 0; font-size: 10pt }</style>"
        "<p style='left: 25mm; top: 70mm'>Erika Mustermann</p>"
        "<p style='left: 107mm; top: 70mm'>Zu nah</p>"
    )
    problems = preflight(render_document(html).write_pdf())
    assert any("Zu nah am Adressfeld" in p for p in problems), problems
    assert not any("keine Anschrift" in p for p in problems), problems


def test_pdfium_and_pdfplumber_read_the_same_address_position(standard_pdf):
    """The pre-flight reads the PDF with PDFium; pdfplumber (pdfminer) must see the same geometry."""
    import pypdfium2 as pdfium

    window = window_area()
    with pdfplumber.open(io.BytesIO(standard_pdf)) as doc:
        plumber = page_facts_pdfplumber(doc.pages[0])
        old_problems = preflight_pages(doc.pages)
    document = pdfium.PdfDocument(standard_pdf)
    try:
        facts = page_facts_pdfium(document[0])
    finally:
        document.close()
    assert (facts.width, facts.height) == pytest.approx((plumber.width, plumber.height), abs=0.01)
    assert [t for t, _ in facts.chars] == [t for t, _ in plumber.chars]
    assert len(facts.shapes) == len(plumber.shapes) and len(facts.images) == len(plumber.images)

    def name_box(page):  # the recipient's name in the address block (not the greeting below it)
        name = "Erika Mustermann"
        text = "".join(t for t, _ in page.chars)
        found = []
        for start in (i for i in range(len(text)) if text.startswith(name, i)):
            boxes = [box for _, box in page.chars[start : start + len(name)]]
            box = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
            if box[1] < 95:
                found.append(box)
        assert len(found) == 1, found
        return found[0]

    ours, theirs = name_box(facts), name_box(plumber)
    assert ours == pytest.approx(theirs, abs=0.3)  # mm; PDFium boxes the glyphs' ink at the sides
    for box in (ours, theirs):
        assert window[0] <= box[0] and box[2] <= window[2]
        assert window[1] + geometry()["address_field"]["remark_zone"] - 0.5 <= box[1] and box[3] <= window[3]
    for (_, a), (_, b) in zip(facts.chars, plumber.chars, strict=True):
        assert a == pytest.approx(b, abs=0.3)
    assert preflight(standard_pdf) == old_problems == []


@pytest.mark.parametrize("kind", ["too_wide", "too_many_lines", "long"])
def test_pdfium_preflight_says_what_the_pdfplumber_reading_says(kind):
    context = make_context(text=LONG) if kind == "long" else make_context()
    if kind == "too_wide":
        context["recipient"] = {"name": "X", "postal_address": ["Sehr " * 20, "45894 Gelsenkirchen"]}
    elif kind == "too_many_lines":
        context["recipient"] = {"name": "X", "postal_address": [f"Zeile {i}" for i in range(1, 9)]}
    pdf = render_letter_pdf(context)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        expected = preflight_pages(doc.pages, max_pages=1)
    assert preflight(pdf, max_pages=1) == expected
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert preflight_pdf_pages(pdf, [range(pages)], max_pages=1) == [expected]


def test_a_leichte_sprache_letter_keeps_one_sentence_per_line_as_written():
    """The demo's Leichte-Sprache text came out as one run-on paragraph: the letter split only at
    blank lines and dropped the line breaks the author set (one sentence per line)."""
    from channel_samples import make_context

    from notify.channels.letter import Letter, render_letter_content

    text = "Ostermontag ist ein Feiertag.\nDarum kommt die Müll·abfuhr 1 Tag später.\n\nStellen Sie Ihre Tonne raus."
    html = render_letter_content(Letter(make_context(text=text), profile="leicht"))
    assert "Ostermontag ist ein Feiertag.<br>Darum kommt die Müll·abfuhr 1 Tag später.</p>" in html
    assert "<p>Stellen Sie Ihre Tonne raus.</p>" in html


def test_a_letter_still_escapes_what_the_city_system_sent():
    from channel_samples import make_context

    from notify.channels.letter import Letter, render_letter_content

    html = render_letter_content(Letter(make_context(text="Tor <b>zu</b>\n& Weg frei")))
    assert "Tor &lt;b&gt;zu&lt;/b&gt;<br>&amp; Weg frei" in html


def test_the_push_preview_says_a_too_long_first_sentence_is_cut_not_missing():
    """The warning said "Er fehlt in der Nachricht" above a preview that showed it, cut at "…"."""
    from notify.channels.sentence_fit import fit_sentences
    from notify.channels.short_text import shortening_notes

    body = "Wegen " + "sehr " * 80 + "vieler Arbeit kommt die Abfuhr später. Danke."
    fitted = fit_sentences(body, lambda text: len(text) <= 240, limit=240)
    assert not fitted.first_sentence_fits
    (push_note,) = shortening_notes(fitted, "push")
    assert "abgeschnitten" in push_note and "fehlt" not in push_note
    assert "fehlt" in shortening_notes(fitted, "sms")[0]


def test_an_arabic_readers_letter_marks_the_german_frame_the_note_and_the_text_each_in_its_language():
    """The section said lang="ar" around German words; the Arabic note ran left to right."""
    note = "هذه الرسالة غير متوفرة بعد باللغة العربية. لديك أسئلة؟ اتصل بنا: 0209 169-0."
    context = make_context(note=note, note_lang="ar", note_dir="rtl", body_text=TEXT, text_lang="de", text_dir="ltr")
    html = render_letter_html(context, language="ar")
    assert 'lang="ar"' not in html.split('<div lang="ar"', 1)[0]  # the frame: German, as printed
    assert f'<div lang="ar" dir="rtl"><p>{note}</p></div>' in html and '<div lang="de" dir="ltr">' in html
    pdf = render_letter_pdf(context, language="ar")
    assert "Seite 1 von 1" in " ".join(page_texts(pdf)[0].split())  # the frame's words for the page count
