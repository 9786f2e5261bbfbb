"""How common a German word is: Zipf frequency from ``wordfreq``'s German list.

Why wordfreq: its German list (Speer et al., wordfreq 3, 2022; subtitles, Wikipedia, news,
web text, books) is big (634,000 forms), offline and MIT/CC BY-SA licensed; a word's
frequency is the best single predictor of how hard learners find it (TextComplexityDE19's
"lexical difficulty" ratings correlate with it). The Zipf scale is log10 of occurrences per
billion words: 7 = "die", 5 = "Montag", 3 = "Vergänglichkeit", below 2 = rare.

The list is read once per process straight from wordfreq's packed file (about 0.7 s; the
``wordfreq`` lookup functions tokenise every call, which is too slow for the checker).
Lookup is case-insensitive and spells ß as ss, like wordfreq itself.
"""

from __future__ import annotations

import gzip
import threading
from functools import lru_cache

RARE_ZIPF = 2.5  # below this a word is rare (rule ``rare_word``); a compound may be rarer
UNKNOWN = 0.0
_lock = threading.Lock()
_table: dict[str, int] | None = None


def _load() -> dict[str, int]:
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                import msgpack  # type: ignore[import-untyped]
                from wordfreq import DATA_PATH

                with gzip.open(DATA_PATH / "large_de.msgpack.gz", "rb") as handle:
                    pack = msgpack.load(handle, raw=False)
                table: dict[str, int] = {}
                for bucket, words in enumerate(pack[1:], 1):  # pack[0] is the header
                    for word in words:
                        if word.isalpha():
                            table[word] = bucket
                _table = table
    return _table


def key(word: str) -> str:
    return word.lower().replace("ß", "ss")


@lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    """Zipf frequency of a word form (0.0 when the list does not know it)."""
    bucket = _load().get(key(word))
    return UNKNOWN if bucket is None else round(9 - bucket / 100, 2)


def warm_up() -> None:
    _load()


@lru_cache(maxsize=200_000)
def word_zipf(text: str) -> float:
    """Zipf of a word as written for the metrics: joined words ("Park·flächen", "Kita-Gebühren")
    by their rarest part; a word the list does not know counts as 1.0 (very rare)."""
    if "-" in text or "·" in text or "•" in text or "∙" in text:
        parts = [p for p in text.replace("·", "-").replace("•", "-").replace("∙", "-").split("-") if p]
        return min((word_zipf(p) for p in parts), default=1.0)
    z = zipf(text)
    return z if z > 0 else 1.0
