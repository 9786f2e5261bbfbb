"""The staff's view of the feedback loop: per message and version — sent, page views, Ja/Nein
shares and comments, next to the readability index of the text (``/staff/verstaendlichkeit``)."""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlmodel import Session

import plainlang
from notify.publishing import present
from notify.publishing.counters import views
from notify.web.deps import get_session
from notify.web.staff.auth import page_staff
from notify.web.staff.pages import page
from subscribers.delivery_status import delivered_clause
from subscribers.models import Delivery
from subscribers.published import MessageFeedback, MessageViews, PublishedMessage
from subscribers.staff import Staff

router = APIRouter(include_in_schema=False)
COMMENTS_SHOWN = 5


def feedback_table(session: Session, limit: int = 50) -> list[dict[str, Any]]:
    messages = list(session.execute(select(PublishedMessage).order_by(PublishedMessage.id.desc()).limit(limit)).scalars())  # type: ignore[union-attr]
    if not messages:
        return []
    ids = [m.id for m in messages]
    by_event = {m.event_pk: m.id for m in messages}
    rows: dict[tuple[int, str], dict[str, Any]] = defaultdict(lambda: {"sent": 0, "views": 0, "yes": 0, "no": 0,
                                                                      "comments": []})  # fmt: skip
    version_col = getattr(Delivery, "version", None)  # the ledger's version column, where it exists
    cols = [Delivery.event_pk, func.count()] + ([version_col] if version_col is not None else [])
    sent = select(*cols).where(Delivery.event_pk.in_(list(by_event)), delivered_clause(Delivery.channel, Delivery.status))  # type: ignore[attr-defined]
    sent = sent.group_by(Delivery.event_pk, *([version_col] if version_col is not None else []))
    for row in session.execute(sent):
        version = _key(row[2]) if len(row) > 2 else ""
        rows[(by_event[row[0]], version)]["sent"] += row[1]
    for mid, version, n in session.execute(select(MessageViews.message_id, MessageViews.version, MessageViews.views)
                                           .where(MessageViews.message_id.in_(ids))):  # type: ignore[attr-defined]  # fmt: skip
        rows[(mid, version)]["views"] += n
    for fb in session.execute(select(MessageFeedback).where(MessageFeedback.message_id.in_(ids))  # type: ignore[attr-defined]
                              .order_by(MessageFeedback.id.desc())).scalars():  # type: ignore[union-attr]  # fmt: skip
        row = rows[(fb.message_id, fb.version)]
        row["yes" if fb.understood else "no"] += 1
        if fb.comment and len(row["comments"]) < COMMENTS_SHOWN:
            row["comments"].append(fb.comment)
    out = []
    for m in messages:
        versions = []
        for v in present.versions_of(m):
            key, label = v["key"], v["label"]
            row = rows.get((m.id, key)) or {"sent": 0, "views": 0, "yes": 0, "no": 0, "comments": []}
            row = {**row, "index": _index(v["title"], v["text"], v["profile"]) if v["language"] == "de" else None}
            answers = row["yes"] + row["no"]
            versions.append({**row, "key": key, "label": label, "answers": answers,
                             "yes_share": round(100 * row["yes"] / answers) if answers else None,
                             "no_share": round(100 * row["no"] / answers) if answers else None})  # fmt: skip
        out.append({"m": m, "versions": versions})
    return out


@lru_cache(maxsize=512)
def _index(title: str, text: str, profile: str) -> float:
    """The 0–20 index of a German version against its own profile, of title and text as the gate
    reads them (``pipeline.checked_text``): the same figure as the staff list shows."""
    from notify.pipeline import readable_text  # the worker's module: loaded only when the page is asked for
    from notify.textformat import to_plain

    checked = readable_text(f"{title}.\n\n{to_plain(text)}")
    return plainlang.check(checked, profile=profile if profile in ("einfach", "leicht") else "standard").index


def _key(value: Any) -> str:
    """A ledger version (``de-einfach``, ``einfach``, None …) as the archive's version key."""
    if not value:
        return ""
    text = str(value).replace("/", "-")  # the ledger writes language/profile (``de/leicht``)
    if text in ("standard", "de-standard", "de"):
        return ""
    return text if "-" in text else f"de-{text}"


@router.get("/staff/verstaendlichkeit", response_class=HTMLResponse)
def dashboard(request: Request, staff: Staff = Depends(page_staff), session: Session = Depends(get_session)):
    views.flush(request.app.state.rt.db_url)
    return page(request, "archive/staff_feedback.html.j2", staff, items=feedback_table(session))
