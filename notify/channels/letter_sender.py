"""The letter channel: each delivery joins today's print batch; the batch is closed periodically.

"Sent" for a letter means: rendered and in today's batch for the print-and-mail service. The
batch keeps each letter under its delivery id, so a repeated delivery still prints once.
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
                batch.add, context, ref=prepared.delivery_id, name=name, language=language, profile=profile
            )
        except Exception as exc:  # a template problem is permanent for this letter
            return SendResult(ok=False, permanent=True, error=f"{type(exc).__name__}: {exc}")
        return SendResult(ok=True, message_id=f"letter:{batch.day.isoformat()}/{path.stem}")

    async def close(self) -> None:
        return None


def close_batch(data_dir: Path, day=None, force: bool = False):
    """Write the day's batch PDF and manifest; None when there is nothing new since the last time."""
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
    return files
