"""Driver-level statements for bulk work: many rows in, many rows looked up by a list of values.

SQLAlchemy's Core costs 10–20 µs per row and value (compiling a large ``IN``, binding each value
through its type, ``insertmanyvalues`` falling back to one statement per row for ``RETURNING``
on SQLite): more than the database itself for a city-wide import. These helpers hand plain
tuples to the driver, in the form that is fast for it:

* SQLite: multi-row ``INSERT … VALUES (…), (…)`` and ``IN (?, ?, …)``;
* PostgreSQL: ``COPY … FROM STDIN`` (new ids drawn from the table's sequence first) and
  ``= ANY(%s)`` with one array — psycopg parses a query's text for every placeholder, so a
  statement with 20,000 of them cost more than the server's work.

Values are bound as SQLAlchemy would bind them (``Binder``), so rows written here read back the
same through the models. In SQL passed here, ``{p}`` is a placeholder and ``{in_}`` the list
test (``IN (…)`` or ``= ANY(…)``).
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
        self.postgres = dialect.name == "postgresql"
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


def _cursor(connection: Connection) -> Any:
    return connection.connection.driver_connection.cursor()  # type: ignore[union-attr]


def insert_rows(connection: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) with as few statements as allowed."""
    if not rows:
        return
    cursor = _cursor(connection)
    try:
        if binder(connection).postgres:
            with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            return
        row_marks = f"({binder(connection).marks(len(columns))})"
        head = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES '
        for part in _chunks(rows, len(columns)):
            cursor.execute(head + ", ".join([row_marks] * len(part)), [v for row in part for v in row])
    finally:
        cursor.close()


def insert_with_ids(
    connection: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple], unique: int
) -> list[int]:
    """Insert ``rows`` and return their new ``id`` values in the order of ``rows``.

    ``unique`` is the position of a column whose values are unique and fresh (a random public
    id): SQLite's ``RETURNING`` promises no order, so ids are matched by it. PostgreSQL draws the
    ids from the sequence first and copies the rows with them."""
    if not rows:
        return []
    cursor = _cursor(connection)
    try:
        if binder(connection).postgres:
            cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
                           [len(rows)])  # fmt: skip
            ids = [r[0] for r in cursor.fetchall()]
            insert_rows(connection, table, ("id", *columns), [(i, *row) for i, row in zip(ids, rows, strict=True)])
            return ids
        row_marks = f"({binder(connection).marks(len(columns))})"
        head = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES '
        by_key: dict[Any, int] = {}
        for part in _chunks(rows, len(columns)):
            cursor.execute(head + ", ".join([row_marks] * len(part)) + f" RETURNING id, {columns[unique]}",
                           [v for row in part for v in row])  # fmt: skip
            by_key.update((key, new_id) for new_id, key in cursor.fetchall())
        return [by_key[row[unique]] for row in rows]
    finally:
        cursor.close()


def select_in(
    connection: Connection, sql: str, values: Sequence[Any], extra: Sequence[Any] = (), width: int = 1
) -> list[tuple]:
    """Run ``sql`` — with ``{in_}`` for the list test — for ``values`` in parts; ``extra``
    values are bound before the list. Returns all rows."""
    b = binder(connection)
    out: list[tuple] = []
    cursor = _cursor(connection)
    try:
        size = 50_000 if b.postgres else max(1, min(5000, MAX_VALUES // width))
        for start in range(0, len(values), size):
            part = list(values[start : start + size])
            test = "= ANY(%s)" if b.postgres else f"IN ({b.marks(len(part))})"
            params = [*extra, part] if b.postgres else [*extra, *part]
            cursor.execute(sql.format(in_=test, p=b.placeholder), params)
            out.extend(tuple(r) for r in cursor.fetchall())
    finally:
        cursor.close()
    return out


def execute_in(connection: Connection, sql: str, values: Sequence[Any]) -> None:
    """Run a statement without results (``DELETE … WHERE id {in_}``) for ``values`` in parts."""
    b = binder(connection)
    cursor = _cursor(connection)
    try:
        size = 50_000 if b.postgres else 5000
        for start in range(0, len(values), size):
            part = list(values[start : start + size])
            test = "= ANY(%s)" if b.postgres else f"IN ({b.marks(len(part))})"
            cursor.execute(sql.format(in_=test, p=b.placeholder), [part] if b.postgres else part)
    finally:
        cursor.close()


def execute_many(connection: Connection, sql: str, rows: Sequence[tuple]) -> None:
    """``executemany`` at the driver (``{p}`` in ``sql`` stands for the placeholder)."""
    if not rows:
        return
    cursor = _cursor(connection)
    try:
        cursor.executemany(sql.format(p=binder(connection).placeholder), rows)
    finally:
        cursor.close()
