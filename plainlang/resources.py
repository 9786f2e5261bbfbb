"""Loads the checker's word lists and thresholds from ``plainlang/data``.

Domain knowledge lives in data files so that editors (not only programmers) can
extend it; every file starts with a comment that says where its facts come from.
Each loader is cached: the files are read once per process.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"


@cache
def load_yaml(name: str) -> Any:
    """Parse ``data/<name>`` (YAML); comments carry the source notes."""
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def load_table(name: str) -> tuple[tuple[str, ...], ...]:
    """Rows of a tab-separated file, skipping blank lines and ``#`` comments."""
    rows = []
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
                continue
            rows.append(tuple(cell.strip() for cell in row))
    return tuple(rows)


@cache
def word_set(name: str, key: str) -> frozenset[str]:
    """A lower-cased word list stored under ``key`` in a YAML file."""
    return frozenset(str(word).lower() for word in load_yaml(name)[key])
