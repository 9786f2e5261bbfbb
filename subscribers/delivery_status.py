"""What a delivery's ledger status means to a person, per channel — only what we know.

"sent" means "handed to the next hop", and that hop differs: a mail server accepted the e-mail
(whether it reaches the inbox we do not know), a letter waits in today's print batch, an SMS
provider took the message. So nothing here says "zugestellt": we never learn that.
"""

from __future__ import annotations

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
    "too_late": "nicht rechtzeitig erreichbar",
    "handed_over": "übergeben",
}


def status_label(channel: str, status: str) -> str:
    """``status_label("letter", "sent")`` → "wartet auf Druck"."""
    return BY_CHANNEL.get((channel, status)) or GENERIC.get(status, status)
