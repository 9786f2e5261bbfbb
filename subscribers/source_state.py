"""What the adapters for other systems remember between runs (NINA, OParl), one JSON value per key.

Examples: the ETag of a NINA feed and the messages already seen there; the time of the last
OParl run and a fingerprint per meeting, so a later run can tell new, changed and cancelled
meetings apart. Kept in the database, so the worker and the CLI share it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text
from sqlmodel import Field, Session, SQLModel

from subscribers.models import utcnow


class SourceState(SQLModel, table=True):
    __tablename__ = "source_state"

    key: str = Field(primary_key=True, max_length=300)
    value: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


def load_state(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(SourceState, key)
    return default if row is None else json.loads(row.value)


def save_state(session: Session, key: str, value: Any) -> None:
    raw = json.dumps(value, ensure_ascii=False, sort_keys=True)
    row = session.get(SourceState, key)
    if row is None:
        session.add(SourceState(key=key, value=raw))
    else:
        row.value = raw
        row.updated_at = utcnow()
