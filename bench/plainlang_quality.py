"""Precision and recall per plain-language rule on the labelled corpus.

    .venv/bin/python bench/plainlang_quality.py [--profile einfach] [--errors]

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

from plainlang.quality import evaluate, load_corpus  # noqa: E402

CORPUS = ROOT / "tests" / "plainlang" / "data" / "quality_corpus.yaml"
HOLDOUT = ROOT / "tests" / "plainlang" / "data" / "holdout_corpus.yaml"
TARGETS = ("passive", "nominal_style", "amtsdeutsch", "konjunktiv", "long_sentence")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="einfach")
    parser.add_argument("--errors", action="store_true", help="list false positives and negatives")
    parser.add_argument("--holdout", action="store_true", help="use the held-out corpus instead")
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
    print(json.dumps({"items": len(items), "profile": args.profile, "rules": figures}, ensure_ascii=False))


if __name__ == "__main__":
    main()
