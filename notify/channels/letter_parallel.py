"""Lay out a large letter batch in several processes and join the parts into one PDF.

WeasyPrint's layout is pure Python, so a batch uses one core no matter how many letters it
holds (the pre-flight, on PDFium, costs little next to it). ``LetterBatch.close`` therefore splits the day's letters into
contiguous chunks, one per CPU, renders each chunk in its own process and concatenates the chunk
PDFs in order. Small batches stay in-process: starting a process and loading WeasyPrint costs
about a second, which only pays off from a few dozen letters on.

Processes are *spawned*, never forked: a fork of a worker that holds an event loop, a Kafka
client or threads can deadlock, and spawn behaves the same on every platform. ``close`` may
itself run in a worker of a ``ProcessPoolExecutor`` (non-daemonic, so it may start children);
in a daemonic process (``multiprocessing.Pool``) or where no process can be started at all, the
chunks are rendered in-process instead - slower, but the batch is still written.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

MIN_LETTERS_PARALLEL = 24  # below this the start-up of a process costs more than it saves
MIN_LETTERS_PER_CHUNK = 12
MAX_PROCESSES = 8  # beyond this, concatenation and memory grow faster than the gain
WORKERS_ENV = "NOTIFY_LETTER_WORKERS"  # operators can pin the number (1 = always in-process)

T = TypeVar("T")


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask, where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def plan_chunks(count: int, workers: int | None = None) -> list[range]:
    """Split ``count`` letters into contiguous, nearly equal chunks, one per process.

    ``workers`` None means automatic: one chunk per CPU (at most ``MAX_PROCESSES``), and a single
    chunk below ``MIN_LETTERS_PARALLEL`` letters. An explicit ``workers`` is taken as given
    (still never more chunks than letters), which lets tests exercise the parallel path cheaply.
    """
    if count <= 0:
        return []
    if workers is None and os.environ.get(WORKERS_ENV, "").strip():
        workers = int(os.environ[WORKERS_ENV])
    if workers is None:
        workers = 1
        if count >= MIN_LETTERS_PARALLEL:
            workers = min(available_cpus(), MAX_PROCESSES, count // MIN_LETTERS_PER_CHUNK)
    workers = max(1, min(workers, count))
    size, extra = divmod(count, workers)
    chunks, start = [], 0
    for index in range(workers):
        stop = start + size + (1 if index < extra else 0)
        chunks.append(range(start, stop))
        start = stop
    return chunks


def _can_start_processes() -> bool:
    # multiprocessing refuses children in daemonic processes (e.g. multiprocessing.Pool workers).
    return not multiprocessing.current_process().daemon


def run_chunks(
    function: Callable[..., T], jobs: Sequence[tuple[Any, ...]], processes: int | None = None
) -> tuple[list[T], int]:
    """``[function(*job) for job in jobs]``, one process per job when there is more than one
    (at most ``processes`` at a time; each process then takes the next job).

    Returns the results in the order of ``jobs`` and how many processes did the work (1 means
    in-process). Errors raised by ``function`` itself propagate as they would in-process; only a
    pool that cannot start or dies (out of memory, killed) falls back to in-process rendering.
    """
    if len(jobs) <= 1 or not _can_start_processes():
        return [function(*job) for job in jobs], 1
    try:
        context = multiprocessing.get_context("spawn")
        workers = min(len(jobs), processes or len(jobs))
        if workers <= 1:
            return [function(*job) for job in jobs], 1
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(function, *job) for job in jobs]  # starts the processes
            return [future.result() for future in futures], workers
    except (BrokenProcessPool, OSError) as exc:
        # OSError: the processes could not be started (no fork/spawn allowed, no file handles).
        # An OSError raised by ``function`` in a child lands here too; in-process it would
        # simply be raised again, so falling back never hides an error.
        log.warning("letter batch: worker processes failed (%s: %s), rendering in-process", type(exc).__name__, exc)
        return [function(*job) for job in jobs], 1


def concatenate_pdfs(parts: Sequence[bytes]) -> bytes:
    """Join PDFs in order, keeping each part's bookmarks and the first part's metadata."""
    from pypdf import PdfReader, PdfWriter  # imported late: only the batch needs it

    if len(parts) == 1:
        return parts[0]
    writer = PdfWriter()
    for index, part in enumerate(parts):
        reader = PdfReader(io.BytesIO(part))
        writer.append(reader, import_outline=True)
        if index == 0 and reader.metadata:
            writer.add_metadata(dict(reader.metadata))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
