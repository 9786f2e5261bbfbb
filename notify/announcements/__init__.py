"""Announcements from the communications team: checking, audience, approval, publishing, previews.

A sent announcement is an ordinary city event (CloudEvent, source ``/stadtbote/announcements``,
id ``ANN-<id>``) on ``city-events``, so it takes exactly the path of every other event: ingest,
match, plain-language gate, delivery ledger. Because ingest registers an event once under
(source, id), publishing the same announcement twice can never reach a resident twice.

The web routes (``notify/web/staff``) and the worker's timer (:func:`publish_due`) call these.

The package is split by concern: ``drafts`` (fields, create, edit, correction), ``approval`` (four
eyes), ``audience``, ``event`` (the CloudEvent), ``sending`` (now and scheduled), ``held`` (release
what the gate held), ``previews``, ``versions`` (other levels and languages). Everything public stays importable from ``notify.announcements``.
"""

from notify.announcements.approval import (
    approval_threshold,
    approve,
    cancel,
    is_approved,
    needs_approval,
    submit,
)
from notify.announcements.audience import audience, audience_of, readers
from notify.announcements.drafts import DraftFields, NewDraft, check_text, correction, create, edit, unknown_ids
from notify.announcements.event import CORRECTION_PREFIX, SOURCE, city_slug, event_id, to_event
from notify.announcements.held import event_record, release_held
from notify.announcements.previews import letter_pdf, letter_png, preview
from notify.announcements.refused import Refused
from notify.announcements.sending import SCHEDULER, STALE_SENDING, SendResult, publish_due, publish_event, send
from notify.announcements.versions import (
    MACHINE_LABEL,
    REVIEWED_LABEL,
    add_to_sent,
    mark_reviewed,
    parse_tab,
    propose,
    save_version,
    tabs,
)
from subscribers.announcements import is_released

__all__ = [
    "CORRECTION_PREFIX", "SCHEDULER", "SOURCE", "STALE_SENDING", "DraftFields", "NewDraft", "Refused", "SendResult",
    "approval_threshold", "approve", "audience", "audience_of", "cancel", "check_text", "city_slug", "correction",
    "create", "edit", "event_id", "event_record", "is_approved", "is_released", "letter_pdf", "letter_png",
    "needs_approval", "preview", "publish_due", "publish_event", "release_held", "send", "submit", "to_event",
    "unknown_ids", "MACHINE_LABEL", "REVIEWED_LABEL", "add_to_sent", "mark_reviewed", "parse_tab", "propose",
    "readers", "save_version", "tabs",
]  # fmt: skip
