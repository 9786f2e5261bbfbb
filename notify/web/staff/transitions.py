"""Before a state change in the staff editor: save what is on the screen, and confirm a send.

The buttons "Zur Freigabe geben", "Freigeben" and "Jetzt senden" belong to the editor form
(``form="editor"``), so the text on the screen — including a suggestion just taken over — comes
with them. It is saved first, in its own transaction, so that a refused step (four eyes, say)
never throws the text away; if it cannot be saved, nothing happens and the editor says why.
"Jetzt senden" then asks "An N Personen senden?" — with JavaScript as a dialog, without it on a
page of its own — and sends only the state that was confirmed (``stand`` = the revision).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from notify import announcements as domain
from notify.pipeline import Runtime
from subscribers.announcements import EDITABLE
from subscribers.db import session_scope
from subscribers.staff import Staff

EDITOR_FIELDS = ("title", "text")  # present when the buttons came from the editor form


class NotSaved(Exception):
    """The screen's text could not be saved: the state change did not happen."""

    def __init__(self, values: dict[str, Any], errors: list[dict[str, str]], status: int = 400):
        super().__init__("not saved")
        self.values, self.errors, self.status = values, errors, status


def save_first(rt: Runtime, staff: Staff, ann_id: int, form: Any) -> bool:
    """Save the editor's values sent with a state change; True if anything changed."""
    from notify.web.staff.editor_form import form_errors, form_values, to_fields, values_from_form

    if not all(name in form for name in EDITOR_FIELDS):
        return False  # a button outside the editor (the announcement is no longer editable)
    values = values_from_form(form)
    with session_scope(rt.db_url) as session:
        ann = domain_load(session, ann_id)
        if ann.status not in EDITABLE:
            return False
        try:
            to_fields(values, new=True)  # everything a sendable text needs: an empty title is refused
            fields = to_fields(values, new=False)
            if fields == to_fields(form_values(ann), new=False):
                return False  # nothing new on the screen: no edit (an approver may lack "write")
            return domain.edit(session, ann, fields, staff, rt.catalogue)
        except ValidationError as exc:
            raise NotSaved(values, form_errors(exc)) from None
        except domain.Refused as exc:
            raise NotSaved(values, [{"field": "", "label": "", "message": exc.detail}], exc.status) from None


def domain_load(session, ann_id: int):
    from notify.web.staff.api import load

    return load(session, ann_id)


def send_question(rt: Runtime, ann_id: int, staff: Staff) -> dict[str, Any]:
    """What the confirmation asks: how many people, and which revision is being confirmed.

    Refuses (as sending would) when sending is not possible now, so nobody confirms in vain.
    """
    with session_scope(rt.db_url) as session:
        ann = domain_load(session, ann_id)
        total = domain.audience_of(session, rt.catalogue, ann)["total"]
        if not staff.may("send"):
            raise domain.Refused(403, "Ihre Rolle darf nicht senden.")
        if ann.status not in ("draft", "approved"):
            raise domain.Refused(409, f"Die Mitteilung ist „{ann.state_name}“. Senden geht jetzt nicht.")
        if domain.needs_approval(ann, total) and not domain.is_approved(ann):
            raise domain.Refused(409, "Eine zweite Person muss diese Mitteilung erst freigeben.")
        return {"total": total, "stand": ann.version, "schedule_at": ann.schedule_at, "title": ann.title,
                "question": question(total, scheduled=ann.schedule_at is not None)}  # fmt: skip


def question(total: int, scheduled: bool = False) -> str:
    people = "1 Person" if total == 1 else f"{total} Personen"
    return f"An {people} senden?" if not scheduled else f"Für {people} planen oder senden?"


def check_confirmed(rt: Runtime, ann_id: int, stand: str | None) -> None:
    """Refuse a confirmed send when the text changed after the question was asked."""
    with session_scope(rt.db_url) as session:
        ann = domain_load(session, ann_id)
        if stand is not None and stand != str(ann.version):
            raise domain.Refused(409, "Die Mitteilung wurde inzwischen geändert. Bitte prüfen Sie sie noch einmal "
                                      "und senden Sie dann neu.")  # fmt: skip
