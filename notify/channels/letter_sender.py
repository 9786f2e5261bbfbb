"""The letter channel: each delivery joins today's print batch; the batch is closed periodically.

"Sent" for a letter means: rendered and in today's batch, *waiting for print*; when the batch is
closed, the ledger says ``handed_over`` (an den Druckdienst übergeben). The batch keeps each
letter under its delivery id, so a repeated delivery still prints once; all letters of one
resident on one day are printed as one letter (``letter_batch``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from notify.channels.base import Prepared, SendResult
from notify.channels.letter_batch import LetterBatch


class LetterSender:
    channel = "letter"

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir

    def prepare(self, delivery_id: str, context: dict[str, Any], address: str, language: str, profile: str) -> Prepared:
        readable = f"{context['title']}.\n\n{context['text']}"
        lines = [line for line in address.splitlines() if line.strip()]
        context = {**context, "recipient": {**context["recipient"], "postal_address": lines}}
        return Prepared(delivery_id, readable, (context, context["event"].template_name, language, profile))

    async def send(self, prepared: Prepared) -> SendResult:
        context, name, language, profile = prepared.payload
        if not context["recipient"]["postal_address"]:
            return SendResult(ok=False, permanent=True, error="keine Postanschrift")
        batch = LetterBatch(self.data_dir)
        try:
            path = await asyncio.to_thread(
                batch.add, context, ref=prepared.delivery_id, name=name, language=language, profile=profile,
                group=context.get("resident_key"),
            )  # fmt: skip
        except Exception as exc:  # a template problem is permanent for this letter
            return SendResult(ok=False, permanent=True, error=f"{type(exc).__name__}: {exc}")
        return SendResult(ok=True, message_id=f"letter:{batch.day.isoformat()}/{path.stem}")

    async def close(self) -> None:
        return None


def close_batch(data_dir: Path, day=None, force: bool = False, db_url: str | None = None):
    """Write the day's batch PDF and manifest; None when there is nothing new since the last time.

    With ``db_url`` the ledger learns what happened to each letter: printed ones are now
    "an den Druckdienst übergeben" (``handed_over``), ones the pre-flight stopped are ``held``.
    """
    batch = LetterBatch(data_dir, day)
    pending = sorted(batch.pending.glob("*.json")) if batch.pending.exists() else []
    if not pending:
        return None
    stamp = f"{len(pending)}:{max(p.stat().st_mtime_ns for p in pending)}"
    marker = batch.directory / ".closed"
    if not force and marker.exists() and marker.read_text() == stamp:
        return None
    files = batch.close()
    marker.write_text(stamp)
    if db_url:
        record_handover(db_url, files)
    return files


def record_handover(db_url: str, files) -> None:
    """Ledger status of the letters in a closed batch (only rows still "sent": nothing goes back)."""
    from sqlalchemy import update

    from subscribers.db import session_scope
    from subscribers.models import Delivery, utcnow

    printed = [ref for e in files.entries if e.status == "ok" for ref in (e.deliveries or [e.ref])]
    held = {ref: "; ".join(e.problems) for e in files.entries if e.status != "ok" for ref in (e.deliveries or [e.ref])}
    with session_scope(db_url) as session:
        for start in range(0, len(printed), 500):
            session.execute(
                update(Delivery).where(Delivery.id.in_(printed[start : start + 500]), Delivery.channel == "letter",
                                       Delivery.status == "sent").values(status="handed_over", updated_at=utcnow())
            )  # fmt: skip
        for ref, problems in held.items():
            session.execute(
                update(Delivery).where(Delivery.id == ref, Delivery.channel == "letter", Delivery.status == "sent")
                .values(status="held", last_error=f"Druckprüfung: {problems}", updated_at=utcnow())
            )  # fmt: skip
