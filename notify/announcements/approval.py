"""Four eyes: who must approve, whether the current text is approved, and the state changes."""

from __future__ import annotations

from sqlmodel import Session

from notify.announcements.refused import Refused
from subscribers.announcements import Announcement, InvalidTransition, transition
from subscribers.models import utcnow
from subscribers.staff import Staff


def approval_threshold() -> int:
    """Announcements reaching more people than this need a second person's approval.

    Read fresh from the environment (``NOTIFY_APPROVAL_THRESHOLD``) through the settings class, so
    an operator's change applies without a restart of every process.
    """
    from notify.settings import Settings

    return Settings().approval_threshold


def needs_approval(ann: Announcement, total: int, threshold: int | None = None) -> bool:
    return ann.urgent or total > (approval_threshold() if threshold is None else threshold)


def is_approved(ann: Announcement) -> bool:
    """Approved for exactly the version that is there now (an edit takes the approval back)."""
    return ann.approved_version == ann.version and ann.approved_by is not None


# -- approval ------------------------------------------------------------------------------------
def approve(session: Session, ann: Announcement, staff: Staff, override_findings: bool = False,
            note: str | None = None) -> None:  # fmt: skip
    """Four eyes: an approver or admin, never the person who wrote or last changed the text."""
    if not staff.may("approve"):
        raise Refused(403, "Freigeben dürfen nur Personen mit der Rolle Freigabe oder Verwaltung.")
    if staff.email in (ann.created_by, ann.updated_by):
        raise Refused(403, "Vier-Augen-Prinzip: Sie dürfen Ihre eigene Mitteilung nicht freigeben. "
                           "Bitte fragen Sie eine Kollegin oder einen Kollegen.")  # fmt: skip
    if ann.findings and not override_findings:
        raise Refused(409, f"Der Text hat noch {ann.findings} Hinweise zur Verständlichkeit. Bitte lesen Sie sie. "
                           "Wenn Sie trotzdem freigeben wollen, kreuzen Sie an: „Ich habe die Hinweise gelesen und gebe den Text trotzdem frei.“ "
                           "(In der Schnittstelle: override_findings.)",
                      findings=ann.findings)  # fmt: skip
    try:
        text = f"Trotz {ann.findings} Hinweisen freigegeben." if ann.findings else None
        transition(session, ann, "approve", staff.email, "; ".join(x for x in (text, note) if x) or None)
    except InvalidTransition as exc:
        raise Refused(409, exc.detail) from None
    ann.approved_by, ann.approved_at, ann.approved_version = staff.email, utcnow(), ann.version
    ann.override_findings = bool(ann.findings)


def _writer_step(session: Session, ann: Announcement, staff: Staff, action: str, note: str | None) -> None:
    """A step any writer may take (submit, cancel); refused with 403/409 as the API shows it."""
    if not staff.may("write"):
        raise Refused(403, "Ihre Rolle darf das nicht.")
    try:
        transition(session, ann, action, staff.email, note)
    except InvalidTransition as exc:
        raise Refused(409, exc.detail) from None


def submit(session: Session, ann: Announcement, staff: Staff, note: str | None = None) -> None:
    _writer_step(session, ann, staff, "submit", note)


def cancel(session: Session, ann: Announcement, staff: Staff, note: str | None = None) -> None:
    _writer_step(session, ann, staff, "cancel", note)
