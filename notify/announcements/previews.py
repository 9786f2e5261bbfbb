"""What a sample resident would get from an announcement, on every channel."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from notify.announcements.event import to_event
from notify.announcements.refused import Refused
from notify.pipeline import Runtime
from subscribers.announcements import Announcement


def preview(
    rt: Runtime, ann: Announcement, channel: str, language: str = "de", profile: str = "standard"
) -> dict[str, Any]:
    """What a sample resident reading ``language`` at ``profile`` would get on ``channel``
    (email HTML, SMS with cost, push): the version they would read, as notify/versions.py chooses."""
    from notify.channels.email import render_email
    from notify.channels.gsm import sms_info
    from notify.channels.short_text import fit_push_for, fit_sms_for, shortening_notes
    from notify.pipeline import template_context
    from notify.preview import SAMPLE

    event = to_event(ann, rt.catalogue)
    sample = replace(SAMPLE, language=language, profile=profile)
    context = template_context(rt, event, sample, language)
    if channel == "email":
        mail = render_email(event.template_name, context, language, profile)
        return {"channel": "email", "subject": mail.subject, "html": mail.html, "text": mail.text}
    if channel == "sms":
        budget = rt.settings.sms_segment_budget
        fitted = fit_sms_for(event.template_name, context, language, profile, budget, rt.settings.sms_urgent_segments)
        return {"channel": "sms", "text": fitted.text, **sms_info(fitted.text).as_dict(), "budget": fitted.limit,
                "notes": shortening_notes(fitted, "sms", budget)}  # fmt: skip
    if channel == "push":
        push, fitted = fit_push_for(event.template_name, context, language, profile)
        return {"channel": "push", "title": push.title, "body": push.body, "link": push.link,
                "notes": shortening_notes(fitted, "push")}  # fmt: skip
    raise Refused(404, f"Keine Vorschau für „{channel}“.")


_LETTERS: OrderedDict[str, bytes] = OrderedDict()


def letter_pdf(rt: Runtime, ann: Announcement, language: str = "de", profile: str = "standard") -> bytes:
    """The letter for a sample resident; rendering takes a moment, so the last few are kept."""
    from notify.preview import render_preview

    event = to_event(ann, rt.catalogue, now=datetime(2000, 1, 1, tzinfo=UTC))  # stable cache key
    key = f"{language}/{profile}\x1f{event.to_json()}"
    if key not in _LETTERS:
        _LETTERS[key] = render_preview(rt, event, "letter", language, profile).content
        while len(_LETTERS) > 16:
            _LETTERS.popitem(last=False)
    return _LETTERS[key]


def letter_png(
    rt: Runtime, ann: Announcement, scale: float = 1.2, language: str = "de", profile: str = "standard"
) -> bytes:
    """Page 1 of the letter as PNG, for a quick look without a PDF viewer."""
    import io

    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(letter_pdf(rt, ann, language, profile))
    try:
        image = pdf[0].render(scale=scale).to_pil()
    finally:
        pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
