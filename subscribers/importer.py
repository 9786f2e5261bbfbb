"""CSV import of subscribers (e.g. from an existing newsletter list or paper forms typed in).

Columns: ``email,topics,districts,channels`` are required in the header; ``name, phone, push,
postal_address, language, profile, frequency`` are optional. List cells use ``;``. A bad row is
reported with its line number and not imported; the good rows are. Importing the same file again
changes nothing: a subscriber is found again by their e-mail address (else phone, else postal
address), and their subscriptions become exactly those of the row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from sqlmodel import Session

from subscribers.models import CHANNELS, FREQUENCIES, PROFILES

REQUIRED_COLUMNS = ("email", "topics", "districts", "channels")
CHANNEL_COLUMN = {"email": "email", "sms": "phone", "push": "push", "letter": "postal_address"}
LANGUAGES = ("de", "en", "tr", "ar", "uk", "pl", "ru")


class ImportFormatError(ValueError):
    """The file as a whole cannot be read (wrong header, not CSV)."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)

    @property
    def rows_ok(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class Row:
    line: int
    name: str | None
    addresses: list[tuple[str, str]]
    subscriptions: set[tuple[str, str]]
    language: str
    profile: str
    frequency: str


def _split(cell: str | None) -> list[str]:
    return [part.strip() for part in (cell or "").split(";") if part.strip()]


# A plain ASCII address (dot-atom local part, letters-only TLD): the case of nearly every row.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,64}(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_SPECIAL_USE = frozenset(SPECIAL_USE_DOMAIN_NAMES)


def normalized_email(value: str) -> str:
    """Lower-cased address, or EmailNotValidError. Plain ASCII addresses are checked by a strict
    pattern (email_validator costs ~60 µs a row, a third of a city-wide import); anything else —
    international addresses, quoted local parts, special-use domains — goes to email_validator."""
    if (len(value) <= 254 and len(value.split("@", 1)[0]) <= 64 and _PLAIN_EMAIL.fullmatch(value)
            and "--" not in value.split("@", 1)[-1] and value.rsplit(".", 1)[-1].lower() not in _SPECIAL_USE):  # fmt: skip
        return value.lower()
    return validate_email(value, check_deliverability=False).normalized.lower()


def parse_row(line: int, raw: dict[str, str], topics: Collection[str], districts: Collection[str]) -> Row:
    """Validate one CSV row; raises ValueError with a German message naming the problem."""
    return _parse(line, {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}, topics, districts)


def _parse(line: int, cell: dict[str, str], topics: Collection[str], districts: Collection[str]) -> Row:
    """``parse_row`` for a row whose keys are the lower-cased header and whose cells are stripped."""
    row_topics = _split(cell.get("topics"))
    row_districts = _split(cell.get("districts"))
    channels = [c.lower() for c in _split(cell.get("channels"))]
    language = (cell.get("language") or "de").lower()
    profile = (cell.get("profile") or "standard").lower()
    frequency = (cell.get("frequency") or "immediate").lower()
    addresses: list[tuple[str, str]] = []
    # The common case first: every value known, one address per channel, no problem to name.
    if (row_topics and row_districts and channels and language in LANGUAGES and profile in PROFILES
            and frequency in FREQUENCIES and all(t in topics for t in row_topics)
            and all(d == "citywide" or d in districts for d in row_districts)
            and len(set(channels)) == len(channels) and all(c in CHANNELS for c in channels)):  # fmt: skip
        problems = _addresses(cell, channels, addresses)
    else:
        problems = _problems(row_topics, row_districts, channels, topics, districts)
        problems += _addresses(cell, list(dict.fromkeys(channels)), addresses)
        if language not in LANGUAGES:
            problems.append(f"unbekannte Sprache: {language}")
        if profile not in PROFILES:
            problems.append(f"unbekanntes Sprachprofil: {profile} (erlaubt: {', '.join(PROFILES)})")
        if frequency not in FREQUENCIES:
            problems.append(f"unbekannte Häufigkeit: {frequency}")
    if problems:
        raise ValueError("; ".join(problems))
    return Row(
        line=line,
        name=cell.get("name") or None,
        addresses=addresses,
        subscriptions={(t, d) for t in row_topics for d in row_districts},
        language=language,
        profile=profile,
        frequency=frequency,
    )


def _problems(row_topics, row_districts, channels, topics, districts) -> list[str]:
    problems: list[str] = []
    if not row_topics:
        problems.append("keine Themen angegeben")
    if bad := [t for t in row_topics if t not in topics]:
        problems.append(f"unbekannte Themen: {', '.join(bad)}")
    if not row_districts:
        problems.append('keine Stadtteile angegeben (oder "citywide")')
    if bad := [d for d in row_districts if d != "citywide" and d not in districts]:
        problems.append(f"unbekannte Stadtteile: {', '.join(bad)}")
    if not channels:
        problems.append("keine Kanäle angegeben")
    if bad := [c for c in channels if c not in CHANNELS]:
        problems.append(f"unbekannte Kanäle: {', '.join(bad)} (erlaubt: {', '.join(CHANNELS)})")
    if len(set(channels)) != len(channels):
        problems.append("ein Kanal steht doppelt")
    return problems


def _addresses(cell: dict[str, str], channels: list[str], addresses: list[tuple[str, str]]) -> list[str]:
    """Fill ``addresses`` (channel, normalised address) in the row's order; returns the problems."""
    problems: list[str] = []
    for channel in channels:
        if channel not in CHANNEL_COLUMN:
            continue
        column = CHANNEL_COLUMN[channel]
        value = cell.get(column, "")
        if not value:
            problems.append(f'Kanal "{channel}" braucht die Spalte "{column}"')
            continue
        if channel == "email":
            try:
                value = normalized_email(value)
            except EmailNotValidError:
                problems.append(f"ungültige E-Mail-Adresse: {value}")
                continue
        if channel == "letter":
            value = "\n".join(part.strip() for part in value.replace("|", "\n").splitlines() if part.strip())
        addresses.append((channel, value))
    return problems


def _identity(row: Row) -> tuple[str, str]:
    by_channel = dict(row.addresses)
    for channel in ("email", "sms", "push", "letter"):
        if channel in by_channel:
            return channel, by_channel[channel]
    raise ValueError("keine Adresse")


CHUNK = 2000  # rows written per round of bulk statements: bounded memory, few round trips


def import_csv(
    session: Session,
    text: str | Iterable[str],
    *,
    topics: Collection[str],
    districts: Collection[str],
    progress: Callable[[int], None] | None = None,
    on_written: Callable[[list[int]], None] | None = None,
) -> ImportReport:
    """Import a CSV text or a stream of lines (an open file): validated row by row, written in
    chunks of ``CHUNK`` rows with a handful of bulk statements each (``subscribers.bulk``).

    With ``on_written`` every chunk is committed at once and the callback gets the ids whose
    state changed (to tell the workers while the import goes on): a long import then never
    holds the database's write lock for more than one chunk, and an interrupted one keeps what
    it wrote (running it again completes it)."""
    lines = io.StringIO(text.lstrip("\ufeff")) if isinstance(text, str) else text
    reader = csv.reader(lines)
    header = [h.strip().lower() for h in next(reader, [])]
    if missing := [c for c in REQUIRED_COLUMNS if c not in header]:
        raise ImportFormatError(
            f"Die Kopfzeile braucht die Spalten {', '.join(REQUIRED_COLUMNS)}; es fehlt: {', '.join(missing)}."
        )
    report = ImportReport()
    seen: dict[tuple[str, str], int] = {}
    chunk: list[tuple[Row, tuple[str, str]]] = []
    read = 0  # rows read since the last progress report
    for values in reader:
        if not values:
            continue  # a blank line
        line = reader.line_num
        read += 1
        try:
            row = _parse(line, {k: v.strip() for k, v in zip(header, values, strict=False) if k}, topics, districts)
            identity = _identity(row)
        except ValueError as exc:
            report.errors.append((line, str(exc)))
            continue
        if identity in seen:
            report.errors.append((line, f"dieselbe Adresse steht schon in Zeile {seen[identity]}"))
            continue
        seen[identity] = line
        chunk.append((row, identity))
        if len(chunk) >= CHUNK:
            _write(session, chunk, report, on_written)
            chunk = []
            if progress:
                progress(read)
            read = 0
    _write(session, chunk, report, on_written)
    if progress and read:
        progress(read)
    return report


def _write(
    session: Session,
    chunk: list[tuple[Row, tuple[str, str]]],
    report: ImportReport,
    on_written: Callable[[list[int]], None] | None,
) -> None:
    from subscribers.bulk import save_rows

    changed: list[int] = []
    for outcome, sid in save_rows(session, chunk) if chunk else []:
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome != "unchanged":
            changed.append(sid)
    report.changed_ids += changed
    if on_written is not None:
        session.commit()
        if changed:
            on_written(changed)
