"""A large letter day as several print files, each laid out in small documents and written at once.

Print-and-mail services take print files of a limited size (a few hundred letters per job is
usual; the exact limit is in the contract), and a WeasyPrint document of thousands of letters
holds its whole layout tree in memory (several GB for a letter day of 10,000). So
``LetterBatch.close`` splits the day into print files of at most ``print_file_letters()``
letters (``NOTIFY_LETTER_PRINT_FILE_LETTERS``, default 500): ``letters-YYYY-MM-DD-001.pdf`` … with
their manifest parts ``manifest-001.csv`` / ``.json``. A day that fits into one file keeps the
single ``letters-YYYY-MM-DD.pdf``.

Each print file is one job for a worker process (``letter_parallel``); the job lays out
``LAYOUT_LETTERS`` letters per WeasyPrint document, joins them and writes the file itself, so
only its manifest lines travel back and a process never holds more than one file's pages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from notify.channels.letter import Letter
from notify.channels.letter_parallel import concatenate_pdfs

PRINT_FILE_ENV = "NOTIFY_LETTER_PRINT_FILE_LETTERS"
DEFAULT_PRINT_FILE_LETTERS = 500
LAYOUT_LETTERS = 100  # letters per WeasyPrint document: layout memory stays in the tens of MB


def print_file_letters() -> int:
    """Most letters in one print file (``NOTIFY_LETTER_PRINT_FILE_LETTERS``, default 500)."""
    value = os.environ.get(PRINT_FILE_ENV, "").strip()
    return max(1, int(value)) if value else DEFAULT_PRINT_FILE_LETTERS


def part_names(day: str, parts: int) -> list[tuple[str, str]]:
    """(PDF name, manifest stem) per print file; one file keeps the day's plain names."""
    if parts <= 1:
        return [(f"letters-{day}.pdf", "manifest")]
    return [(f"letters-{day}-{n:03d}.pdf", f"manifest-{n:03d}") for n in range(1, parts + 1)]


def remove_old_parts(directory: Path, day: str) -> None:
    """A batch closed again may have fewer print files than before: no stale part may stay."""
    for pattern in (f"letters-{day}.pdf", f"letters-{day}-*.pdf", "manifest-*.csv", "manifest-*.json"):
        for path in directory.glob(pattern):
            path.unlink(missing_ok=True)


@dataclass
class PrintFile:
    path: Path | None  # None when every letter of it was held
    pages: int
    entries: list  # ManifestEntry, pages relative to this file


def render_print_file(letters: list[Letter], max_pages: int | None, check: bool, path: Path) -> PrintFile:
    """Lay out, check and pad ``letters`` in documents of ``LAYOUT_LETTERS`` and write one PDF."""
    from notify.channels.letter_batch import render_chunk

    parts: list[bytes] = []
    entries = []
    offset = 0  # pages of the documents before; always even, so odd first pages stay odd
    for start in range(0, len(letters), LAYOUT_LETTERS):
        chunk = render_chunk(letters[start : start + LAYOUT_LETTERS], max_pages, check)
        for entry in chunk.entries:
            if entry.first_page is not None and entry.last_page is not None:
                entry.first_page += offset
                entry.last_page += offset
            entry.pdf = path.name if entry.status == "ok" else None
            entries.append(entry)
        if chunk.pdf is not None:
            parts.append(chunk.pdf)
        offset += chunk.pages
    if not parts:
        return PrintFile(None, 0, entries)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(concatenate_pdfs(parts))
    os.replace(temporary, path)
    return PrintFile(path, offset, entries)
