"""Speed of the plain-language checker, with bare spaCy tokenisation for comparison.

    .venv/bin/python bench/plainlang.py [--quick]

Measures (one process, one core): words per second of ``plainlang.check`` over a
corpus of announcements; p50/p95 latency for a 1,000-word announcement; words per
second of ``spacy.blank("de")`` tokenisation on the same texts. Figures are
recorded, not asserted. The last line of output is one JSON object.

The 1,000-word announcement is checked again and again, so the per-word caches (part-of-speech
tags, syllables) are warm. ``varied_words_per_s`` measures the other extreme first: texts the
checker has never seen, each checked once — the city's strategy texts in ``../shared/seeds``
(when that folder is there) and the five calibration texts. One such pass takes about 45 ms,
so one pass is at the mercy of the machine (35–59 ms for the same code, session 6): it runs in
several fresh processes (``--cold-runs``, each with cold caches) and the median is reported,
with every run in ``varied_runs``.
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

# bench/email.py (a contract name) would shadow the standard library's `email` package for every
# script in this folder; keep the folder itself off the import path.
_sys.path[:] = [p for p in _sys.path if p not in ("", str(_Path(__file__).resolve().parent))]

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLAINLANG_BLANK", "1")

import spacy  # noqa: E402

import plainlang  # noqa: E402
from plainlang.checker import analyse_text  # noqa: E402

CALIBRATION = ROOT / "tests" / "plainlang" / "data" / "calibration"
SEEDS = next(
    (p / "shared" / "seeds" for p in ROOT.parents if (p / "shared" / "seeds").is_dir()),
    ROOT.parent / "shared" / "seeds",
)


def varied_texts() -> list[str]:
    """Distinct real texts: the city's strategy texts (if present) and the calibration texts."""
    paths = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    return [p.read_text(encoding="utf-8") for p in [*paths, *sorted(CALIBRATION.glob("*.txt"))]]


def varied_words_per_s() -> tuple[float, int, float]:
    """Words/s over texts never checked before in this process (cold per-word caches): by the
    wall clock and by the process's CPU time (the fairer figure on a machine shared with others,
    where the wall clock also counts the time other processes had the cores)."""
    plainlang.warm_up()  # pipeline, tagger, compound vocabulary: once per process, not per word
    texts = varied_texts()
    start, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        plainlang.check(text)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    # Counted afterwards: counting first would tokenise the texts and count their syllables,
    # i.e. warm the per-word caches this figure is about (it did until session 5).
    words = sum(analyse_text(t).n_words for t in texts)
    return words / wall, words, words / cpu


def cold_runs(n: int) -> list[dict[str, float]]:
    """``varied_words_per_s`` in ``n`` fresh processes, one after the other."""
    runs = []
    for _ in range(n):
        out = subprocess.run([sys.executable, __file__, "--varied-only"], capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return runs


def simplify_words_per_s(texts: list[str]) -> tuple[float, float]:
    """Words/s of ``plainlang.simplify`` (einfach, then leicht) over the varied texts, each once
    per profile, right after the check of the same texts (the checker's caches are warm, the
    assistant's own rewrites are not)."""
    words = sum(len(t.split()) for t in texts) * 2
    start, cpu = time.perf_counter(), time.process_time()
    for profile in ("einfach", "leicht"):
        for text in texts:
            plainlang.simplify(text, profile)
    return words / (time.perf_counter() - start), words / (time.process_time() - cpu)


def announcement(words: int) -> str:
    """A realistic announcement of about ``words`` words, built from the calibration texts."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(CALIBRATION.glob("*.txt"))]
    parts, n, k = [], 0, 0
    while n < words:
        paragraph = texts[k % len(texts)].split("\n\n")[k // len(texts) % 3]
        parts.append(paragraph)
        n += len(paragraph.split())
        k += 1
    return "\n\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized run (a few seconds)")
    parser.add_argument("--cold-runs", type=int, default=None, help="fresh processes for the unseen-text figure")
    parser.add_argument("--varied-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.varied_only:
        wall, words, cpu = varied_words_per_s()
        print(json.dumps({"wall": round(wall), "cpu": round(cpu), "words": words}))
        return
    rounds = 20 if args.quick else 100
    runs = cold_runs(args.cold_runs or (3 if args.quick else 7))
    varied = statistics.median(r["wall"] for r in runs)
    varied_cpu = statistics.median(r["cpu"] for r in runs)
    varied_words = int(runs[0]["words"])
    varied_words_per_s()  # this process's own first pass: the simplify figure below follows a check
    simplify_speed, simplify_cpu = simplify_words_per_s(varied_texts())
    text = announcement(1000)
    n_words = analyse_text(text).n_words
    plainlang.check(text)  # warm-up: pipeline, matchers, HanTa and word caches

    latencies = []
    for _ in range(rounds):
        start = time.perf_counter()
        plainlang.check(text)
        latencies.append((time.perf_counter() - start) * 1000)
    total_s = sum(latencies) / 1000
    words_per_s = n_words * rounds / total_s

    blank = spacy.blank("de")
    start = time.perf_counter()
    for _ in range(rounds):
        blank(text)
    spacy_words_per_s = n_words * rounds / (time.perf_counter() - start)

    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    result = {
        "words_per_s": round(words_per_s),
        "p50_ms_1000_words": round(statistics.median(latencies), 2),
        "p95_ms_1000_words": round(p95, 2),
        "spacy_tokenize_words_per_s": round(spacy_words_per_s),
        "ratio_to_spacy_tokenize": round(words_per_s / spacy_words_per_s, 3),
        "varied_words_per_s": round(varied),
        "varied_words": varied_words,
        "varied_cpu_words_per_s": round(varied_cpu),
        "varied_runs": [r["wall"] for r in runs],
        "simplify_words_per_s": round(simplify_speed),
        "simplify_cpu_words_per_s": round(simplify_cpu),
        "words_per_text": n_words,
        "rounds": rounds,
        "pipeline": "blank" if os.environ.get("PLAINLANG_BLANK") else "auto",
    }
    print(
        f"plainlang.check: {result['words_per_s']:,} words/s, p95 {result['p95_ms_1000_words']} ms "
        f"for {n_words} words; spaCy tokenizer: {result['spacy_tokenize_words_per_s']:,} words/s; "
        f"unseen texts: {result['varied_words_per_s']:,} words/s over {varied_words} words "
        f"(median of {len(runs)} fresh processes: {', '.join(f'{r:,.0f}' for r in result['varied_runs'])}); "
        f"simplify: {result['simplify_words_per_s']:,} words/s"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
