"""Driver-level statements for bulk work: multi-row ``INSERT … VALUES`` and ``IN (…)`` lookups.

SQLAlchemy's Core costs 10–20 µs per row and value (compiling a large ``IN``, binding each value
through its type, ``insertmanyvalues`` falling back to one statement per row for ``RETURNING``
on SQLite): more than the database itself for a city-wide import. These helpers write the SQL
text once per shape and hand plain tuples to the driver. They bind values exactly as SQLAlchemy
would (``Binder``), so rows written here read back the same through the models.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Connection, Dialect

# SQLite allows 32,766 bound values per statement (since 3.32), psycopg 65,535: stay well below.
MAX_VALUES = 30_000
MAX_ROWS = 1000  # rows per multi-row statement: larger gains nothing measurable


class Binder:
    """The placeholder and the datetime form of one dialect, as SQLAlchemy would bind them."""

    def __init__(self, dialect: Dialect):
        self.placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
        self._datetime = DateTime().dialect_impl(dialect).bind_processor(dialect)

    def when(self, value: datetime) -> Any:
        return self._datetime(value) if self._datetime else value

    def marks(self, n: int) -> str:
        return ", ".join([self.placeholder] * n)


@cache
def _binder(dialect: Dialect) -> Binder:
    return Binder(dialect)


def binder(connection: Connection) -> Binder:
    return _binder(connection.dialect)


def _chunks(rows: Sequence[tuple], width: int) -> Iterator[Sequence[tuple]]:
    size = max(1, min(MAX_ROWS, MAX_VALUES // max(width, 1)))
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def insert_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple], returning: str = ""
) -> list[tuple]:
    """Insert ``rows`` (tuples in ``columns`` order) with as few statements as allowed; with
    ``returning`` (e.g. ``"id, public_id"``) the returned rows, in no promised order."""
    b = binder(connection)
    row_marks = f"({b.marks(len(columns))})"
    head = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES '
    tail = f" RETURNING {returning}" if returning else ""
    out: list[tuple] = []
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for part in _chunks(rows, len(columns)):
            cursor.execute(head + ", ".join([row_marks] * len(part)) + tail, [v for row in part for v in row])
            if returning:
                out.extend(tuple(r) for r in cursor.fetchall())
    finally:
        cursor.close()
    return out


def select_in(
    connection: Connection, sql: str, values: Sequence[Any], extra: Sequence[Any] = (), width: int = 1
) -> list[tuple]:
    """Run ``sql`` — with ``{in}`` where the list of placeholders goes — for ``values`` in parts;
    ``extra`` values are bound before the list. Returns all rows."""
    b = binder(connection)
    out: list[tuple] = []
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        size = max(1, min(5000, MAX_VALUES // width))
        for start in range(0, len(values), size):
            part = list(values[start : start + size])
            cursor.execute(sql.format(**{"in": b.marks(len(part)), "p": b.placeholder}), [*extra, *part])
            out.extend(tuple(r) for r in cursor.fetchall())
    finally:
        cursor.close()
    return out


def execute_many(connection: Connection, sql: str, rows: Sequence[tuple]) -> None:
    """``executemany`` at the driver (``{p}`` in ``sql`` stands for the placeholder)."""
    if not rows:
        return
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql.format(p=binder(connection).placeholder), rows)
    finally:
        cursor.close()
