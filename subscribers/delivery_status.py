"""What a delivery's ledger status means to a person, per channel — only what we know.

"sent" means "handed to the next hop", and that hop differs: a mail server accepted the e-mail
(whether it reaches the inbox we do not know), a letter waits in today's print batch, an SMS
provider took the message. So nothing here says "zugestellt": we never learn that.
"""

from __future__ import annotations

from typing import Any

# (channel, status) → label; channels not listed use GENERIC.
BY_CHANNEL: dict[tuple[str, str], str] = {
    ("email", "sent"): "vom Mailserver angenommen",
    ("email", "failed"): "vom Mailserver abgewiesen",
    ("email", "dead"): "vom Mailserver nicht angenommen, aufgegeben",
    ("letter", "sent"): "wartet auf Druck",
    ("letter", "handed_over"): "an den Druckdienst übergeben",
    ("letter", "too_late"): "nicht rechtzeitig erreichbar",
    ("letter", "failed"): "nicht druckbar",
    ("sms", "sent"): "vom SMS-Anbieter angenommen",
    ("sms", "failed"): "vom SMS-Anbieter abgewiesen",
    ("push", "sent"): "vom Push-Dienst angenommen",
    ("push", "failed"): "vom Push-Dienst abgewiesen",
}
GENERIC: dict[str, str] = {
    "pending": "wartet auf Versand",
    "sending": "wird gesendet",
    "retry": "neuer Versuch geplant",
    "sent": "übergeben",
    "failed": "fehlgeschlagen",
    "dead": "aufgegeben",
    "held": "angehalten (Prüfung auf Verständlichkeit)",
    "skipped": "nicht gesendet",
    "digest": "wartet auf die Zusammenfassung",
    "bundled": "in der Zusammenfassung verschickt",
    "deferred": "wartet bis nach der Ruhezeit",
    "waiting": "wartet auf die Fassung in der eigenen Sprache oder Sprachstufe",
    "too_late": "nicht rechtzeitig erreichbar",
    "handed_over": "übergeben",
}


# Every ledger status → the group a person filters and counts by. One table for the delivery log's
# filter, the dashboard's series and the city systems' counts; a status missing here is a bug
# (tests/test_delivery_status.py checks the statuses the code writes).
GROUPS: dict[str, str] = {
    "sent": "delivered", "bundled": "delivered", "handed_over": "delivered",
    "failed": "failed", "dead": "failed",
    "held": "held",
    "pending": "pending", "sending": "pending", "retry": "pending", "digest": "pending", "deferred": "pending",
    "waiting": "pending",  # waits for its version (notify/version_waits.py)
    "skipped": "skipped", "too_late": "skipped",
}  # fmt: skip
# Never "Zugestellt": we learn that a mail server or the print service took it, not that anyone read it.
GROUP_NAMES: dict[str, str] = {"delivered": "Angenommen", "failed": "Fehlgeschlagen", "held": "Angehalten",
                               "pending": "Wartet", "skipped": "Nicht gesendet"}  # fmt: skip


# Per channel where a status means less than its group: a letter "sent" is in today's print batch,
# it has not been handed to the print service yet ("handed_over" is).
CHANNEL_GROUPS: dict[tuple[str, str], str] = {("letter", "sent"): "pending"}


def group_of(channel: str, status: str) -> str:
    """``group_of("letter", "sent")`` → "pending"; ``group_of("email", "sent")`` → "delivered"."""
    return CHANNEL_GROUPS.get((channel, status)) or GROUPS.get(status, "pending")


def delivered_clause(channel_col: Any, status_col: Any) -> Any:
    """SQL condition for "Angenommen" (group ``delivered``, letters only once handed over)."""
    from sqlalchemy import and_, not_

    exceptions = [and_(channel_col == ch, status_col == st) for (ch, st), g in CHANNEL_GROUPS.items()
                  if g != "delivered"]  # fmt: skip
    clause = status_col.in_(statuses_of("delivered"))
    return and_(clause, *[not_(e) for e in exceptions])


def statuses_of(*groups: str) -> tuple[str, ...]:
    """``statuses_of("failed")`` → ("failed", "dead"): the ledger statuses in these groups."""
    return tuple(status for status, group in GROUPS.items() if group in groups)


# A try in a delivery's history: what happened then, not what the status means now. A letter's
# "sent" try put it into the day's print batch; the row itself may say "an den Druckdienst übergeben".
ATTEMPT_LABELS: dict[tuple[str, str], str] = {("letter", "sent"): "in den Druck-Stapel des Tages gelegt"}


def attempt_label(channel: str, outcome: str) -> str:
    return ATTEMPT_LABELS.get((channel, outcome)) or status_label(channel, outcome)


def status_label(channel: str, status: str) -> str:
    """``status_label("letter", "sent")`` → "wartet auf Druck"."""
    return BY_CHANNEL.get((channel, status)) or GENERIC.get(status, status)
