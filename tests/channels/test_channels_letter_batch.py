"""The daily batch: one PDF, duplex padding, pre-flight holds, manifest in CSV and JSON."""

import csv
import io
import json
from dataclasses import asdict
from datetime import date

import pytest
from channel_samples import TEXT, make_context
from pypdf import PdfReader

from notify.channels import letter_parallel
from notify.channels.letter_batch import LetterBatch, postage_for
from notify.channels.letter_parallel import plan_chunks

DAY = date(2027, 3, 12)


@pytest.fixture(scope="module")
def closed_batch(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("var")
    batch = LetterBatch(data_dir, DAY)
    batch.add(make_context(1), ref="delivery-1")  # one page
    batch.add(make_context(2, text="\n\n".join([TEXT] * 12)), ref="delivery-2")  # two pages
    bad = make_context(3)
    bad["recipient"] = {"name": "X", "postal_address": ["Sehr " * 20, "45894 Gelsenkirchen"]}
    batch.add(bad, ref="delivery-3")  # held by the pre-flight
    batch.add(make_context(4), ref="delivery-4", profile="leicht")
    batch.add(make_context(1), ref="delivery-1")  # replayed: still one letter
    return data_dir, batch.close()


def test_files_are_in_the_days_folder(closed_batch):
    data_dir, files = closed_batch
    folder = data_dir / "letters" / "2027-03-12"
    assert files.pdf == folder / "letters-2027-03-12.pdf"
    assert files.manifest_csv == folder / "manifest.csv"
    assert files.manifest_json == folder / "manifest.json"


def test_every_letter_starts_on_an_odd_page(closed_batch):
    _, files = closed_batch
    reader = PdfReader(files.pdf)
    printed = [e for e in files.entries if e.status == "ok"]
    assert [e.ref for e in printed] == ["delivery-1", "delivery-2", "delivery-4"]
    total = sum(e.pages + e.blank_pages_added for e in printed)
    assert len(reader.pages) == total and total % 2 == 0
    for entry in printed:
        assert entry.first_page % 2 == 1
        first = reader.pages[entry.first_page - 1].extract_text()
        assert f"Seite 1 von {entry.pages}" in first
        assert entry.blank_pages_added == entry.pages % 2
        if entry.blank_pages_added:
            assert reader.pages[entry.last_page].extract_text().strip() == ""
        assert entry.sheets == (entry.pages + 1) // 2


def test_pages_are_a4(closed_batch):
    _, files = closed_batch
    for page in PdfReader(files.pdf).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((595.28, 841.89), abs=1)


def test_preflight_problem_holds_the_letter(closed_batch):
    _, files = closed_batch
    held = [e for e in files.entries if e.status == "held"]
    assert [e.ref for e in held] == ["delivery-3"]
    assert held[0].first_page is None
    assert any("Adressfeld" in p for p in held[0].problems)


def test_manifest_json(closed_batch):
    _, files = closed_batch
    manifest = json.loads(files.manifest_json.read_text())
    assert manifest["day"] == "2027-03-12" and manifest["pdf"] == "letters-2027-03-12.pdf"
    assert manifest["totals"]["letters"] == 3 and manifest["totals"]["held"] == 1
    assert manifest["totals"]["pages"] == len(PdfReader(files.pdf).pages)
    assert manifest["totals"]["postage"] == pytest.approx(3 * 0.95)
    refs = [letter["ref"] for letter in manifest["letters"]]
    assert sorted(refs) == ["delivery-1", "delivery-2", "delivery-3", "delivery-4"]
    leicht = next(letter for letter in manifest["letters"] if letter["ref"] == "delivery-4")
    assert leicht["large_print"] is True


def test_manifest_csv(closed_batch):
    _, files = closed_batch
    rows = list(csv.DictReader(io.StringIO(files.manifest_csv.read_text())))
    by_ref = {row["ref"]: row for row in rows}
    assert by_ref["delivery-2"]["pages"] == "2" and by_ref["delivery-2"]["sheets"] == "1"
    assert by_ref["delivery-1"]["blank_pages_added"] == "1"
    assert by_ref["delivery-1"]["postage_class"] == "Standardbrief"
    assert by_ref["delivery-3"]["status"] == "held" and by_ref["delivery-3"]["problems"]


def test_empty_day_writes_an_empty_manifest(tmp_path):
    files = LetterBatch(tmp_path, DAY).close()
    assert files.pdf is None
    assert json.loads(files.manifest_json.read_text())["letters"] == []


@pytest.mark.parametrize(
    ("sheets", "postage_class", "price"),
    [
        (1, "Standardbrief", 0.95),
        (3, "Standardbrief", 0.95),
        (4, "Kompaktbrief", 1.10),
        (8, "Kompaktbrief", 1.10),
        (9, "Großbrief", 1.80),
    ],
)
def test_postage_by_sheets(sheets, postage_class, price):
    assert postage_for(sheets) == (postage_class, price)


def test_ref_is_required(tmp_path):
    with pytest.raises(ValueError):
        LetterBatch(tmp_path, DAY).add(make_context(), ref="")


def test_parallel_close_writes_the_same_batch(closed_batch, tmp_path):
    """Chunks laid out in worker processes join into the very batch one process writes."""
    data_dir, files = closed_batch
    source = LetterBatch(data_dir, DAY)
    copy = LetterBatch(tmp_path, DAY)
    copy.pending.mkdir(parents=True)
    for path in source.pending.glob("*.json"):
        (copy.pending / path.name).write_bytes(path.read_bytes())
    parallel = copy.close(workers=2)
    assert parallel.processes == 2
    assert [asdict(e) for e in parallel.entries] == [asdict(e) for e in files.entries]
    expected = [page.extract_text() for page in PdfReader(files.pdf).pages]
    assert [page.extract_text() for page in PdfReader(parallel.pdf).pages] == expected


def test_chunks_are_contiguous_and_small_batches_stay_in_process():
    assert plan_chunks(10) == [range(0, 10)]
    assert plan_chunks(0) == []
    assert plan_chunks(5, workers=2) == [range(0, 3), range(3, 5)]
    assert plan_chunks(2, workers=4) == [range(0, 1), range(1, 2)]
    chunks = plan_chunks(300)
    assert chunks[0].start == 0 and chunks[-1].stop == 300
    assert all(a.stop == b.start for a, b in zip(chunks, chunks[1:], strict=False))


def test_without_worker_processes_the_batch_renders_in_process(monkeypatch):
    monkeypatch.setattr(letter_parallel, "_can_start_processes", lambda: False)
    results, processes = letter_parallel.run_chunks(pow, [(2, 3), (3, 2)])
    assert (results, processes) == ([8, 9], 1)


def test_a_day_larger_than_a_print_file_becomes_several_each_with_its_manifest(monkeypatch, tmp_path):
    """Print services take files of limited size: 7 letters with 3 per file → 3 files (3, 3, 1)."""
    from notify.channels import letter_print_files

    monkeypatch.setenv("NOTIFY_LETTER_PRINT_FILE_LETTERS", "3")
    monkeypatch.setattr(letter_print_files, "LAYOUT_LETTERS", 2)  # several documents per file, too
    batch = LetterBatch(tmp_path, DAY)
    for i in range(7):
        text = "\n\n".join([TEXT] * 12) if i == 4 else TEXT  # one letter of two pages
        batch.add(make_context(i, text=text), ref=f"delivery-{i}")
    files = batch.close(workers=2)
    folder = tmp_path / "letters" / "2027-03-12"
    names = [f"letters-2027-03-12-{n:03d}.pdf" for n in (1, 2, 3)]
    assert [p.name for p in files.pdfs] == names and files.pdf == folder / names[0]
    assert not (folder / "letters-2027-03-12.pdf").exists()
    manifest = json.loads(files.manifest_json.read_text())
    assert manifest["pdfs"] == names and manifest["totals"]["letters"] == 7
    for n, name in enumerate(names, start=1):
        part = json.loads((folder / f"manifest-{n:03d}.json").read_text())
        reader = PdfReader(folder / name)
        assert part["pdfs"] == [name] and part["totals"]["pages"] == len(reader.pages)
        assert [e["ref"] for e in part["letters"]] == [f"delivery-{i}" for i in range(3 * (n - 1), min(3 * n, 7))]
        for entry in part["letters"]:  # pages count within its own file, each letter on a front side
            assert entry["pdf"] == name and entry["first_page"] % 2 == 1
            first = reader.pages[entry["first_page"] - 1].extract_text()
            assert f"Seite 1 von {entry['pages']}" in first
    rows = list(csv.DictReader(io.StringIO(files.manifest_csv.read_text())))
    assert [r["pdf"] for r in rows] == [names[0]] * 3 + [names[1]] * 3 + [names[2]]
    # Closed again with room for all in one file: one file, the parts are gone.
    monkeypatch.setenv("NOTIFY_LETTER_PRINT_FILE_LETTERS", "500")
    again = batch.close(workers=1)
    assert again.pdfs == [folder / "letters-2027-03-12.pdf"]
    assert sorted(p.name for p in folder.glob("*.pdf")) == ["letters-2027-03-12.pdf"]
    assert not list(folder.glob("manifest-*"))


def _page_pixels(pdf, page: int = 1) -> bytes:
    """What a page looks like printed (greyscale pixels at 100 dpi)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else pdf.read_bytes())
    try:
        return doc[page - 1].render(scale=100 / 72, grayscale=True).to_pil().tobytes()
    finally:
        doc.close()


def test_each_printed_letter_carries_its_own_qr_codes(tmp_path):
    """The batch makes the QR codes where it lays the letters out: each resident's letter looks
    exactly like the letter on its own, with the codes for their own settings page and message."""
    from notify.channels.letter import render_letter_pdf

    batch = LetterBatch(tmp_path, DAY)
    contexts = [make_context(i, feedback_url=f"https://stadtbote.gelsenkirchen.de/f/{i}") for i in (1, 2)]
    batch.add(contexts[0], ref="delivery-1", group="resident-1")
    batch.add(contexts[1], ref="delivery-2")
    files = batch.close(workers=1)
    first_pages = {e.ref: e.first_page for e in files.entries}
    in_batch = [_page_pixels(files.pdf, first_pages[ref]) for ref in ("delivery-1", "delivery-2")]
    on_their_own = [_page_pixels(render_letter_pdf(context)) for context in contexts]
    assert in_batch[0] == on_their_own[0] and in_batch[1] == on_their_own[1]
    assert in_batch[0] != in_batch[1]  # each resident's own codes


def test_a_letter_added_before_the_placeholders_still_prints_its_codes(tmp_path):
    """Pending letters written by the previous version carry the QR images inline: they print as before."""
    from notify.channels.letter import QR_PLACEHOLDER, render_letter_pdf, resolve_qr_codes

    batch = LetterBatch(tmp_path, DAY)
    path = batch.add(make_context(1), ref="delivery-1")
    record = json.loads(path.read_text())
    assert QR_PLACEHOLDER in record["html"]
    record["html"] = resolve_qr_codes(record["html"])  # as the previous version wrote it
    path.write_text(json.dumps(record))
    files = batch.close(workers=1)
    assert _page_pixels(files.pdf) == _page_pixels(render_letter_pdf(make_context(1)))
