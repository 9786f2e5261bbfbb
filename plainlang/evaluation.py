"""Figures for judging the checker and the assistant against texts people rated or simplified.

- :func:`spearman`: rank correlation (ties get their mean rank), for TextComplexityDE19.
- :func:`sari`: SARI (Xu, Napoles, Pavlick, Chen & Callison-Burch 2016, "Optimizing
  Statistical Machine Translation for Text Simplification", TACL 4), the mean of the F1 of
  n-grams kept, the precision of n-grams deleted and the F1 of n-grams added, each averaged
  over n = 1…4, comparing the system output with the source and the people's reference.
  Plain implementation of the authors' ``SARI.py`` for one reference: lower-cased word and
  punctuation tokens, sentence scores averaged over the corpus (as EASSE's corpus SARI).
- :func:`split_part`: a fixed split by hash, so that weights are fitted on one part and
  figures reported on the other, identically on every run.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence

_TOKEN = re.compile(r"\w+|[^\w\s]")


def split_part(key: str, fit_share: float = 0.3) -> str:
    """ "fit" or "test" for an item, fixed by the SHA-1 of its key."""
    bucket = int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "fit" if bucket < fit_share else "test"


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    rx, ry = _ranks(xs), _ranks(ys)
    n = len(rx)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy) if vx and vy else 0.0


def _ngrams(tokens: list[str], n: int) -> Counter[str]:
    return Counter(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _sari_n(source: Counter[str], output: Counter[str], reference: Counter[str]) -> tuple[float, float, float]:
    keep = source & output
    keep_good = keep & reference
    keep_all = source & reference
    keep_p = sum(keep_good[g] / keep[g] for g in keep) / len(keep) if keep else 0.0
    keep_r = sum(keep_good[g] / keep_all[g] for g in keep_good) / len(keep_all) if keep_all else 0.0
    keep_f = 2 * keep_p * keep_r / (keep_p + keep_r) if keep_p + keep_r else 0.0
    deleted = source - output
    deleted_good = deleted - reference
    del_p = sum(deleted_good[g] / deleted[g] for g in deleted) / len(deleted) if deleted else 0.0
    added = set(output) - set(source)
    added_good = added & set(reference)
    added_all = set(reference) - set(source)
    add_p = len(added_good) / len(added) if added else 0.0
    add_r = len(added_good) / len(added_all) if added_all else 0.0
    add_f = 2 * add_p * add_r / (add_p + add_r) if add_p + add_r else 0.0
    return keep_f, del_p, add_f


def sari_parts(source: str, output: str, reference: str) -> tuple[float, float, float]:
    """(keep F1, deletion precision, addition F1) of one sentence, each 0…1."""
    s, o, r = (_TOKEN.findall(t.lower()) for t in (source, output, reference))
    parts = [_sari_n(_ngrams(s, n), _ngrams(o, n), _ngrams(r, n)) for n in range(1, 5)]
    return tuple(sum(p[k] for p in parts) / 4 for k in range(3))  # type: ignore[return-value]


def sari(sources: Sequence[str], outputs: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Corpus SARI (0…100) and its three parts, the mean over sentences."""
    totals = [0.0, 0.0, 0.0]
    for s, o, r in zip(sources, outputs, references, strict=True):
        for k, value in enumerate(sari_parts(s, o, r)):
            totals[k] += value
    n = max(len(sources), 1)
    keep, delete, add = (100 * t / n for t in totals)
    return {"sari": (keep + delete + add) / 3, "keep": keep, "delete": delete, "add": add}
