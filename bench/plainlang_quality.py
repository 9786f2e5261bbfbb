"""Quality of the checker and the assistant: rules, index and simplification against people.

    .venv/bin/python bench/plainlang_quality.py [--quick] [--profile einfach] [--errors] [--holdout]

1. precision and recall per rule on the labelled corpus (tests/plainlang/data);
2. on public reference data in ``../shared/data/real/plainlang`` (see SOURCES.md there):
   - TextComplexityDE19: Spearman ρ between the index and the learners' complexity ratings;
   - DEplain-web documents: share of pairs where the index rates the simplification easier;
   - DEplain-web sentence alignments (``aligned``): SARI of ``simplify(original, "einfach")``
     against the people's simplification, the share of sentences changed and words/s.
   Every item is put in a fixed part by the SHA-1 of its id (``plainlang.evaluation.split_part``,
   30 % "fit", 70 % "test"); anything tuned was tuned on "fit", figures are reported on "test".
The last line of output is one JSON object with the figures.
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
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLAINLANG_BLANK", "1")

import csv  # noqa: E402
import time  # noqa: E402

import plainlang  # noqa: E402
from plainlang.evaluation import sari, spearman, split_part  # noqa: E402
from plainlang.quality import evaluate, load_corpus  # noqa: E402

CORPUS = ROOT / "tests" / "plainlang" / "data" / "quality_corpus.yaml"
HOLDOUT = ROOT / "tests" / "plainlang" / "data" / "holdout_corpus.yaml"
REAL = next(
    (
        p / "shared" / "data" / "real" / "plainlang"
        for p in ROOT.parents
        if (p / "shared" / "data" / "real" / "plainlang").is_dir()
    ),
    ROOT.parent / "shared" / "data" / "real" / "plainlang",
)
TARGETS = ("passive", "nominal_style", "amtsdeutsch", "konjunktiv", "long_sentence")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="einfach")
    parser.add_argument("--errors", action="store_true", help="list false positives and negatives")
    parser.add_argument("--holdout", action="store_true", help="use the held-out corpus instead")
    parser.add_argument("--quick", action="store_true", help="CI-sized: 300 SARI sentences")
    parser.add_argument("--part", default="test", choices=("fit", "test", "all"))
    args = parser.parse_args()
    items = load_corpus(HOLDOUT if args.holdout else CORPUS)
    scores = evaluate(items, profile=args.profile)
    print(f"{len(items)} items, profile {args.profile}")
    print(f"{'rule':20} {'P':>6} {'R':>6} {'TP':>4} {'FP':>4} {'FN':>4}  target")
    figures = {}
    for rule, s in scores.items():
        target = "P≥0.9 R≥0.8" if rule in TARGETS else ""
        print(
            f"{rule:20} {s.precision:6.2f} {s.recall:6.2f} {s.true_positives:4} "
            f"{s.false_positives:4} {s.false_negatives:4}  {target}"
        )
        figures[rule] = {
            "precision": round(s.precision, 3),
            "recall": round(s.recall, 3),
            "tp": s.true_positives,
            "fp": s.false_positives,
            "fn": s.false_negatives,
        }
        if args.errors:
            for error in s.errors:
                print("   ", error)
    result: dict = {"items": len(items), "profile": args.profile, "rules": figures}
    if REAL.is_dir():
        result["part"] = args.part
        result.update(reference_figures(args.part, args.quick))
    print(json.dumps(result, ensure_ascii=False))


def _rows(name: str) -> list[dict[str, str]]:
    with open(REAL / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _in(part: str, key: str) -> bool:
    return part == "all" or split_part(key) == part


def reference_figures(part: str, quick: bool) -> dict:
    plainlang.warm_up()
    figures: dict = {}
    rows = [r for r in _rows("textcomplexityde19_ratings.csv") if _in(part, "tcde:" + r["ID"])]
    index = [plainlang.check(r["Sentence"]).index for r in rows]
    rho = spearman(index, [float(r["MOS_Complexity"]) for r in rows])
    figures["textcomplexityde19"] = {"sentences": len(rows), "spearman_rho": round(rho, 3)}
    print(f"TextComplexityDE19 ({len(rows)} sentences): Spearman ρ(index, complexity) = {rho:.3f}  target |ρ| ≥ 0.75")

    docs = [r for r in _rows("deplain_web_doc_manual_open_test.csv") if _in(part, "doc:" + r["pair_id"])]
    easier = 0
    for r in docs:
        easier += plainlang.check(r["simplification"]).index > plainlang.check(r["original"]).index
    share = easier / len(docs)
    figures["deplain_docs"] = {"pairs": len(docs), "share_rated_easier": round(share, 3)}
    print(f"DEplain-web documents ({len(docs)} pairs): simplification rated easier in {share:.3f}  target ≥ 0.95")

    pairs = [
        r
        for r in _rows("deplain_web_sentence_alignments_test.csv")
        if r["alignment"] == "aligned" and _in(part, "sent:" + r["original_id"] + ">" + r["simplification_id"])
    ]
    if quick:
        pairs = pairs[:300]
    sources = [r["original"] for r in pairs]
    references = [r["simplification"] for r in pairs]
    words = sum(len(s.split()) for s in sources)
    start = time.perf_counter()
    outputs = [plainlang.simplify(s, "einfach").text for s in sources]
    seconds = time.perf_counter() - start
    score = sari(sources, outputs, references)
    copy = sari(sources, sources, references)
    changed = sum(o != s for o, s in zip(outputs, sources, strict=True)) / max(len(sources), 1)
    figures["deplain_sari"] = {
        "sentences": len(pairs),
        "sari": round(score["sari"], 2),
        "keep": round(score["keep"], 2),
        "delete": round(score["delete"], 2),
        "add": round(score["add"], 2),
        "copy_sari": round(copy["sari"], 2),
        "share_changed": round(changed, 3),
        "simplify_words_per_s": round(words / seconds),
    }
    print(
        f"DEplain-web sentences ({len(pairs)}): SARI {score['sari']:.2f} (keep {score['keep']:.1f}, "
        f"delete {score['delete']:.1f}, add {score['add']:.1f}); copying the input {copy['sari']:.2f}; "
        f"changed {changed:.1%}; {words / seconds:,.0f} words/s  target SARI ≥ 30"
    )
    return figures


if __name__ == "__main__":
    main()
