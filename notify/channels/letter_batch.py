"""The daily letter batch: one print-ready PDF and a manifest for a print-and-mail service.

Letters of one day are collected in ``<data dir>/letters/YYYY-MM-DD/``:

- ``add`` renders the letter's content at once and keeps it in ``pending/<ref>.json``, its QR
  codes as placeholders that the process laying the letter out turns into images. The file
  name comes from the delivery reference, so adding the same delivery twice (a replayed event)
  still prints one letter, and a worker restart loses nothing.
- Everything for one resident on one day becomes *one* letter (one envelope, one postage):
  ``add`` also keeps the message on its own (heading, text, QR code) and the letter frame, and
  ``letters`` puts a resident's messages into one frame, each under its own heading.
- ``close`` lays out the letters of the day in few WeasyPrint documents (faster than one PDF
  each, see ``bench/letters.py``): one document, or for a large batch one contiguous chunk per
  CPU, each in its own process (``letter_parallel``). It checks each letter with the pre-flight,
  leaves out the letters with problems ("held"), pads each letter with a blank page where needed
  so the next one starts on a front side (duplex printing), and writes ``letters-YYYY-MM-DD.pdf``
  plus ``manifest.csv`` and ``manifest.json``. A day of more letters than a print file takes
  (500 by default) becomes several print files, each with its manifest part, written one by one
  as they are laid out (``letter_print_files``); ``manifest.csv``/``.json`` then list them all,
  each letter with its file. Closing again rewrites the same files.

Postage classes by sheet count are data (``data/postage.yaml``, with the source of the prices).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from notify.channels.letter import (
    Letter,
    qr_placeholder,
    render_document,
    render_letter_content,
    render_letters_html,
    write_pdf,
)
from notify.channels.letter_parallel import available_cpus, concatenate_pdfs, plan_chunks, run_chunks
from notify.channels.letter_preflight import preflight_pdf_pages
from notify.channels.letter_print_files import part_names, print_file_letters, remove_old_parts, render_print_file

POSTAGE_FILE = Path(__file__).resolve().parent / "data" / "postage.yaml"
_SECTION_ID = re.compile(r"^letter-(\d+)$")
CSV_FIELDS = (
    "ref", "status", "first_page", "last_page", "pages", "blank_pages_added", "sheets",
    "postage_class", "postage_price", "language", "large_print", "problems", "messages", "pdf",
)  # fmt: skip
MESSAGES_MARK = "<!--stadtbote:messages-->"
COUNT_MARK = "§ANZAHL§"


@cache
def postage_table() -> dict[str, Any]:
    return yaml.safe_load(POSTAGE_FILE.read_text(encoding="utf-8"))


def postage_for(sheets: int) -> tuple[str, float]:
    """Postage class and price for a letter of ``sheets`` A4 sheets (see ``data/postage.yaml``)."""
    for postage_class in postage_table()["classes"]:
        if sheets <= postage_class["max_sheets"]:
            return postage_class["name"], float(postage_class["price"])
    raise ValueError(f"{sheets} sheets exceed every postage class")


@dataclass
class ManifestEntry:
    """One line of the manifest; pages are 1-based positions in the letter's print file (``pdf``)."""

    ref: str
    status: str  # "ok" (in the PDF) or "held" (pre-flight problems, not printed)
    pages: int
    language: str
    large_print: bool
    first_page: int | None = None
    last_page: int | None = None
    blank_pages_added: int = 0
    sheets: int = 0
    postage_class: str = ""
    postage_price: float = 0.0
    problems: list[str] = field(default_factory=list)
    deliveries: list[str] = field(default_factory=list)  # all deliveries in this one letter
    pdf: str | None = None  # the print file it is in (None: held)


@dataclass
class BatchFiles:
    """What ``LetterBatch.close`` wrote."""

    pdf: Path | None  # the (first) print file
    manifest_csv: Path
    manifest_json: Path
    entries: list[ManifestEntry]
    processes: int = 1  # how many processes laid out the batch (1 = in-process)
    pdfs: list[Path] = field(default_factory=list)  # every print file, in order


@dataclass
class RenderedBatch:
    """A laid-out batch: the WeasyPrint document and each letter's pages in it (0-based)."""

    document: Any
    page_ranges: list[range]


def render_batch(letters: list[Letter]) -> RenderedBatch:
    """Lay out all ``letters`` in one WeasyPrint document and find where each one starts."""
    document = render_document(render_letters_html(letters, title="Briefe"))
    starts: dict[int, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            match = _SECTION_ID.match(anchor)
            if match:
                starts.setdefault(int(match.group(1)) - 1, number)
    if sorted(starts) != list(range(len(letters))):
        raise RuntimeError("could not find the first page of every letter in the batch")
    bounds = [starts[i] for i in range(len(letters))] + [len(document.pages)]
    return RenderedBatch(document, [range(bounds[i], bounds[i + 1]) for i in range(len(letters))])


@dataclass
class RenderedChunk:
    """Print-ready PDF of consecutive letters and their manifest lines (pages relative to it)."""

    pdf: bytes | None  # None when every letter of the chunk was held
    pages: int
    entries: list[ManifestEntry]


def render_chunk(letters: list[Letter], max_pages: int | None = None, check: bool = True) -> RenderedChunk:
    """Lay out, pre-flight and pad ``letters``; runs in a worker process for a large batch.

    WeasyPrint writes the PDF once; the pre-flight (PDFium) reads exactly those bytes, and pypdf
    then picks the pages of the letters that passed and adds the blank pages for duplex. That is
    far cheaper than a second ``write_pdf`` of the selected pages.
    """
    from pypdf import PdfReader, PdfWriter

    rendered = render_batch(letters)
    laid_out = write_pdf(rendered.document)
    rendered.document = None  # frees the layout tree before pypdf reads the PDF
    problems: list[list[str]] = [[] for _ in letters]
    if check:
        problems = preflight_pdf_pages(laid_out, rendered.page_ranges, max_pages)
    reader = PdfReader(io.BytesIO(laid_out))
    writer = PdfWriter()
    bookmarks = _bookmarks_by_page(reader)
    entries: list[ManifestEntry] = []
    for letter, page_range, issues in zip(letters, rendered.page_ranges, problems, strict=True):
        entry = ManifestEntry(
            ref=letter.ref,
            status="held" if issues else "ok",
            pages=len(page_range),
            language=letter.language,
            large_print=letter.is_large_print,
            problems=issues,
            deliveries=list(letter.refs or (letter.ref,)),
        )
        if not issues:
            entry.first_page = len(writer.pages) + 1
            for n in page_range:
                writer.add_page(reader.pages[n])
                for title, fit in bookmarks.get(n, []):
                    writer.add_outline_item(title, len(writer.pages) - 1, fit=fit)
            entry.last_page = len(writer.pages)
            # Duplex: the next letter must start on a front side (an odd page).
            entry.blank_pages_added = len(writer.pages) % 2
            if entry.blank_pages_added:
                box = reader.pages[page_range[-1]].mediabox
                writer.add_blank_page(float(box.width), float(box.height))
            entry.sheets = (entry.pages + entry.blank_pages_added) // 2
            entry.postage_class, entry.postage_price = postage_for(entry.sheets)
        entries.append(entry)
    if not len(writer.pages):
        return RenderedChunk(None, 0, entries)
    if reader.metadata:
        writer.add_metadata(dict(reader.metadata))  # title and producer, as WeasyPrint wrote them
    out = io.BytesIO()
    writer.write(out)
    return RenderedChunk(out.getvalue(), len(writer.pages), entries)


def _bookmarks_by_page(reader: Any) -> dict[int, list[tuple[str, Any]]]:
    """WeasyPrint's bookmarks (one per letter heading) by page, so the batch PDF keeps them."""
    from pypdf.generic import Fit

    found: dict[int, list[tuple[str, Any]]] = {}
    stack = list(reader.outline)
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):  # nested headings: keep them, flattened
            stack[:0] = item
            continue
        page = reader.get_destination_page_number(item)
        fit = Fit.xyz(item.get("/Left"), item.get("/Top"), item.get("/Zoom"))
        found.setdefault(page, []).append((str(item.title), fit))
    return found


def _safe_name(ref: str) -> str:
    digest = hashlib.sha256(ref.encode()).hexdigest()[:10]
    return f"{re.sub(r'[^A-Za-z0-9._-]', '_', ref)[:60]}-{digest}"


class LetterBatch:
    """Collects the letters of one day and writes the print batch on ``close``."""

    def __init__(
        self,
        data_dir: Path | str | None = None,
        day: date | None = None,
        max_pages: int | None = None,
    ) -> None:
        base = Path(data_dir if data_dir is not None else os.environ.get("NOTIFY_DATA_DIR", "./var"))
        self.day = day or datetime.now(UTC).date()
        self.directory = base / "letters" / self.day.isoformat()
        self.pending = self.directory / "pending"
        self.max_pages = max_pages

    def add(
        self,
        context: dict[str, Any],
        *,
        ref: str,
        name: str = "default",
        language: str = "de",
        profile: str = "standard",
        large_print: bool | None = None,
        group: str | None = None,
    ) -> Path:
        """Render and keep one letter for today's batch; ``ref`` is the delivery id (no names).

        ``group`` (an opaque key for the resident): everything with the same group on one day
        is printed as one letter — one envelope, one postage — each message under its own
        heading. Without a group the letter stays on its own (e.g. a confirmation code).
        """
        if not ref:
            raise ValueError("a letter needs a ref (the delivery id) for the manifest")
        letter = Letter(context, name, language, profile, large_print, ref)
        path = self.pending / f"{_safe_name(ref)}.json"
        # A replayed delivery replaces its letter but keeps its place in the batch.
        added_at = (
            json.loads(path.read_text(encoding="utf-8"))["added_at"] if path.exists() else datetime.now(UTC).isoformat()
        )
        record = {
            "ref": ref,
            "language": language,
            "large_print": letter.is_large_print,
            "added_at": added_at,
            "html": render_letter_content(letter, qr=qr_placeholder),
            "group": group or f"ref:{ref}",
        }
        if group:
            record["frame"] = render_letter_content(letter, "frame", qr_placeholder)
            record["message"] = render_letter_content(letter, "message", qr_placeholder)
        self.pending.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)  # atomic: a crash never leaves half a letter behind
        return path

    def letters(self) -> list[Letter]:
        """The letters to print, in the order their first message was added: one per resident
        (``group``), carrying all of that resident's messages of the day."""
        records = [json.loads(p.read_text(encoding="utf-8")) for p in self.pending.glob("*.json")]
        records.sort(key=lambda r: (r["added_at"], r["ref"]))
        groups: dict[str, list[dict]] = {}
        for r in records:
            groups.setdefault(r.get("group") or f"ref:{r['ref']}", []).append(r)
        return [self._letter(members) for members in groups.values()]

    @staticmethod
    def _letter(members: list[dict]) -> Letter:
        first, last = members[0], members[-1]
        if len(members) == 1 or "frame" not in last:
            html = first["html"]
        else:  # the latest frame: the name and address as the resident last gave them
            messages = "".join(m["message"] for m in members)
            html = last["frame"].replace(MESSAGES_MARK, messages).replace(COUNT_MARK, str(len(members)))
        return Letter(
            {},
            language=last["language"],
            large_print=any(m["large_print"] for m in members),
            ref=first["ref"],
            html=html,
            refs=tuple(m["ref"] for m in members),
        )

    def close(self, check: bool = True, workers: int | None = None) -> BatchFiles:
        """Render the day's letters, pre-flight them, write the PDF and the manifest.

        ``workers`` None splits a large batch over the CPUs (see ``letter_parallel``); 1 keeps
        everything in this process. The files are the same either way.
        """
        letters = self.letters()
        self.directory.mkdir(parents=True, exist_ok=True)
        day = self.day.isoformat()
        remove_old_parts(self.directory, day)
        size = print_file_letters()
        if len(letters) > size:
            return self._close_in_parts(letters, size, check, workers)
        entries: list[ManifestEntry] = []
        parts: list[bytes] = []
        processes = 1
        if letters:
            jobs = [(letters[c.start : c.stop], self.max_pages, check) for c in plan_chunks(len(letters), workers)]
            chunks, processes = run_chunks(render_chunk, jobs)
            offset = 0  # pages of the chunks before; always even, so odd first pages stay odd
            for chunk in chunks:
                for entry in chunk.entries:
                    if entry.first_page is not None and entry.last_page is not None:
                        entry.first_page += offset
                        entry.last_page += offset
                    entries.append(entry)
                if chunk.pdf is not None:
                    parts.append(chunk.pdf)
                offset += chunk.pages

        pdf_path = None
        if parts:
            pdf_path = self.directory / part_names(day, 1)[0][0]
            pdf_path.write_bytes(concatenate_pdfs(parts))
            for entry in entries:
                entry.pdf = pdf_path.name if entry.status == "ok" else None
        csv_path, json_path = self._write_manifest(entries, [pdf_path] if pdf_path else [])
        return BatchFiles(pdf_path, csv_path, json_path, entries, processes, [pdf_path] if pdf_path else [])

    def _close_in_parts(self, letters: list[Letter], size: int, check: bool, workers: int | None) -> BatchFiles:
        """Several print files: one job each, at most one process per CPU at a time."""
        names = part_names(self.day.isoformat(), -(-len(letters) // size))
        jobs = [(letters[i * size : (i + 1) * size], self.max_pages, check, self.directory / pdf)
                for i, (pdf, _) in enumerate(names)]  # fmt: skip
        limit = workers or min(available_cpus(), 8)
        files, processes = run_chunks(render_print_file, jobs, processes=limit)
        entries: list[ManifestEntry] = []
        for printed, (_, stem) in zip(files, names, strict=True):
            self._write_manifest(printed.entries, [printed.path] if printed.path else [], stem)
            entries += printed.entries
        pdfs = [f.path for f in files if f.path is not None]
        csv_path, json_path = self._write_manifest(entries, pdfs)
        return BatchFiles(pdfs[0] if pdfs else None, csv_path, json_path, entries, processes, pdfs)

    def _write_manifest(
        self, entries: list[ManifestEntry], pdfs: list[Path], stem: str = "manifest"
    ) -> tuple[Path, Path]:
        printed = [e for e in entries if e.status == "ok"]
        postage: dict[str, int] = {}
        for e in printed:
            postage[e.postage_class] = postage.get(e.postage_class, 0) + 1
        manifest = {
            "day": self.day.isoformat(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "pdf": pdfs[0].name if len(pdfs) == 1 else None,
            "pdfs": [p.name for p in pdfs],
            "duplex": True,
            "totals": {
                "letters": len(printed),
                "held": len(entries) - len(printed),
                "pages": sum(e.pages + e.blank_pages_added for e in printed),
                "sheets": sum(e.sheets for e in printed),
                "postage": round(sum(e.postage_price for e in printed), 2),
                "by_postage_class": postage,
                "currency": postage_table()["currency"],
            },
            "letters": [asdict(e) for e in entries],
        }
        json_path = self.directory / f"{stem}.json"
        json_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        csv_path = self.directory / f"{stem}.csv"
        with csv_path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
            writer.writeheader()
            for e in entries:
                row = asdict(e)
                row["problems"] = " | ".join(e.problems)
                row["messages"] = len(e.deliveries)
                writer.writerow({k: row[k] for k in CSV_FIELDS})
        return csv_path, json_path
