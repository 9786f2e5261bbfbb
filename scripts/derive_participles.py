"""Derive ``plainlang/data/participles.tsv.gz``: HanTa's answer for every word that could be a
Partizip II, computed once instead of at check time.

    .venv/bin/python scripts/derive_participles.py            # about 5 minutes on one core

Why: the passive rule asks whether a word after a werden-form is a Partizip II, and for a
participle it suggests the verb ("abgeholt" → "holen … ab"). HanTa answers both out of context
(the answer depends on the word alone), but at 0.3–3 ms per new word it was a third of checking
a text never seen before. This table holds HanTa's answers for the words that pass the passive
rule's spelling test (lower case, alphabetic, more than 3 letters, ending in -t or -en) in
wordfreq's German list (which spells ß as ss; each "ss" is also tried as ß) and in spaCy's German
lemma table (for the forms with ß). ``plainlang.pos`` looks words up here first and asks HanTa only about the others, so
the answers are the same as before. Rebuild it after upgrading HanTa.

Format: one word per line, sorted; a participle (``tag_word`` says VVPP, VAPP or VMPP) is
followed by the lemma and the tag ``analyze`` gives it (tab-separated; the assistant asks
``analyze`` about the same participles); every other word stands alone.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plainlang import frequency, pos  # noqa: E402

OUT = ROOT / "plainlang" / "data" / "participles.tsv.gz"
PARTICIPLE_TAGS = frozenset({"VVPP", "VAPP", "VMPP"})
HEADER = """\
# HanTa's answers for words that could be a Partizip II (see scripts/derive_participles.py):
# word<TAB>lemma<TAB>tag for a participle (lemma and tag from HanTa's analyze), the word alone
# otherwise. HanTa 1.2.1 (Wartena 2019, morphmodel_ger.pgz); words from wordfreq 3.1 (German
# list) and spacy-lookups-data 1.0.5.
"""


def shape(word: str) -> bool:
    """The passive rule's spelling test, without its list of known non-participles."""
    return len(word) > 3 and word.islower() and word.isalpha() and word.endswith(("t", "en"))


def domain() -> list[str]:
    import spacy_lookups_data  # type: ignore[import-untyped]

    path = Path(spacy_lookups_data.__file__).parent / "data" / "de_lemma_lookup.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        table = json.load(handle)
    words = {w for w in frequency._load() if shape(w)}
    words |= {w for w in [*table, *table.values()] if "ß" in w and shape(w)}
    # wordfreq writes ß as ss, and spaCy's table lacks many compounds ("großgeschrieben"): add
    # every spelling with ß for ss (most are no words; they cost a line each, not a wrong answer)
    words |= {v for w in list(words) if "ss" in w for v in sharp_s_spellings(w)}
    return sorted(words)


def sharp_s_spellings(word: str) -> set[str]:
    """The word with ß for some or all of its "ss" ("grossgeschrieben" → "großgeschrieben")."""
    parts = word.split("ss")
    spellings = {parts[0]}
    for part in parts[1:]:
        spellings = {s + link + part for s in spellings for link in ("ss", "ß")}
    return spellings - {word}


def entry(word: str) -> str:
    if pos.word_tag(word) in PARTICIPLE_TAGS:
        lemma, tag = pos.analyse_word(word)
        return f"{word}\t{lemma}\t{tag}"
    return word


def write(lines: list[str]) -> None:
    text = HEADER + "".join(line + "\n" for line in lines)
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as handle:
        handle.write(text.encode("utf-8"))  # mtime=0: the same words give the same bytes


def main() -> None:
    words = domain()
    lines = []
    for k, word in enumerate(words):
        lines.append(entry(word))
        if k % 20_000 == 0:
            print(f"{k:,} / {len(words):,}", flush=True)
    write(lines)
    participles = sum("\t" in line for line in lines)
    print(f"{len(lines):,} words, {participles:,} participles → {OUT}")


if __name__ == "__main__":
    main()
