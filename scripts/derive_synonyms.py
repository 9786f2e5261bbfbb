"""Derive ``plainlang/data/synonyms.tsv`` (rare word → more frequent synonym) from OpenThesaurus.

    apt-get download openthesaurus-de-text && dpkg-deb -x openthesaurus-de-text_*.deb ot
    .venv/bin/python scripts/derive_synonyms.py ot/usr/share/openthesaurus-de/openthesaurus.txt

Why a derived file and not the package at run time: the checker and the assistant need a
few thousand safe pairs, not 2.3 MB of synsets, and must run where the Debian package is
not installed. A pair is kept only when it is safe to offer without reading the context:
- the rare word is one alphabetic word with Zipf < 3 and stands in exactly one synset
  (several synsets = several meanings: "Bank");
- the synset has at most 6 members (big synsets are loose);
- the synonym is one alphabetic word in at most 2 synsets, not a number word or an anglicism of our list, of the same kind (noun ↔ noun, by its capital letter),
  without a usage label ("(ugs.)", "(veraltet)", …), at least 1.0 Zipf more frequent and
  at least Zipf 3.5, and it keeps or drops a negation prefix exactly as the word does.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plainlang.frequency import zipf  # noqa: E402
from plainlang.resources import load_table  # noqa: E402

NUMBER_WORDS = {"eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf"}
OUT = ROOT / "plainlang" / "data" / "synonyms.tsv"
HEADER = """\
# Rare word → a more frequent synonym (word<TAB>synonym<TAB>Zipf of word<TAB>Zipf of synonym).
# Derived by scripts/derive_synonyms.py from OpenThesaurus (www.openthesaurus.de, text export
# 2016-04-24 as packaged by Debian: openthesaurus-de-text 20160424-4), Copyright (C)
# 2003-2014 Daniel Naber and the OpenThesaurus contributors, licensed under the GNU Lesser
# General Public License 2.1 or later; this derived list is under the same licence.
# Frequencies: wordfreq 3.1 German list (Zipf scale). Only unambiguous pairs (see the script).
"""


def _negative(word: str) -> bool:
    return word.lower().startswith(("un", "nicht", "miss", "in"))


def main(path: str) -> None:
    synsets: list[list[str]] = []
    membership: dict[str, int] = defaultdict(int)
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        words = [w.strip() for w in line.split(";") if w.strip()]
        clean = [w for w in words if w.isalpha()]
        synsets.append(clean)
        for w in words:
            if w.isalpha():
                membership[w] += 1
    english = {row[0].lower() for row in load_table("anglicisms.tsv")}
    pairs: dict[str, tuple[str, float, float]] = {}
    for synset in synsets:
        if len(synset) > 6:
            continue  # big synsets are loose ("Moral; Wertmaßstäbe; Ethik; …")
        for word in synset:
            z = zipf(word)
            if membership[word] != 1 or not 0 < z < 3.0 or len(word) < 5:
                continue
            best = None
            for other in synset:
                if (
                    other == word
                    or other[0].isupper() != word[0].isupper()
                    or membership[other] > 2
                    or other.lower() in NUMBER_WORDS | english
                ):
                    continue
                if _negative(other) != _negative(word) or len(other) < 3:
                    continue
                zo = zipf(other)
                if zo >= max(z + 1.0, 3.5) and (best is None or zo > best[1]):
                    best = (other, zo)
            if best:
                pairs[word] = (best[0], z, best[1])
    with open(OUT, "w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for word in sorted(pairs):
            other, z, zo = pairs[word]
            handle.write(f"{word}\t{other}\t{z}\t{zo}\n")
    print(f"{len(pairs)} pairs → {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
