"""Part-of-speech look-ups for the few places where rules are ambiguous.

Why this way: HanTa is accurate but slow (0.3–3 ms per new word), so it is asked only
about candidate words (e.g. a possible participle after "wird") and every answer
is cached per word form. Whether a word is a Partizip II, and its verb, is first looked up in
``data/participles.tsv.gz``: HanTa's own answers for 174,000 words, computed once by
``scripts/derive_participles.py`` (HanTa answers out of context, so the table gives the same
answers; HanTa is asked only about words the table does not hold). When a trained spaCy
pipeline is installed its STTS tags are used instead. Tags are STTS without HanTa's
brackets: "VV(PP)" → "VVPP".
"""

from __future__ import annotations

import gzip
import threading
from functools import lru_cache

from spacy.tokens import Token

from plainlang.resources import DATA_DIR

PARTICIPLE_TAGS = frozenset({"VVPP", "VAPP", "VMPP"})
_lock = threading.Lock()
_tagger = None
_participles: dict[str, tuple[str, str] | None] | None = None


def _hanta():
    global _tagger
    if _tagger is None:
        with _lock:
            if _tagger is None:
                from HanTa import HanoverTagger

                _tagger = HanoverTagger.HanoverTagger("morphmodel_ger.pgz")
    return _tagger


@lru_cache(maxsize=100_000)
def _best_tag(word: str) -> int:
    """HanTa's best tag (as its number) for a word out of context. It is the first step of both
    ``tag_word(word, cutoff=0)`` and ``analyze(word)`` (about half the cost of each, 2 ms for a
    long word); asked once here, a word that needs both (a participle the table does not hold:
    "großgeschrieben") no longer makes HanTa tag it twice."""
    return _hanta()._tag_word(word, cutoff=0)[0][0]


@lru_cache(maxsize=100_000)
def analyse_word(word: str) -> tuple[str, str]:
    """(lemma, STTS tag) of a word form out of context, cached: HanTa's ``analyze(word)``, which
    is ``_analyze`` of the best tag."""
    known = participle_table().get(word)
    if known is not None:
        return known
    lemma, tag = _hanta()._analyze(word, _best_tag(word), taglevel=1)
    return lemma, tag.replace("(", "").replace(")", "")


@lru_cache(maxsize=100_000)
def word_tag(word: str) -> str:
    """STTS tag of a word form out of context, without the lemma: HanTa's
    ``tag_word(word, cutoff=0)[0][0]``."""
    return _hanta().int2tag[_best_tag(word)].replace("(", "").replace(")", "")


def participle_table() -> dict[str, tuple[str, str] | None]:
    """Word → HanTa's ``analyze`` answer (lemma, tag) for a participle, None for a word that
    ``tag_word`` does not tag as one; words not in the table are not known."""
    global _participles
    if _participles is None:
        with _lock:
            if _participles is None:
                table: dict[str, tuple[str, str] | None] = {}
                with gzip.open(DATA_DIR / "participles.tsv.gz", "rt", encoding="utf-8") as handle:
                    for line in handle:
                        if line.startswith("#"):
                            continue
                        word, *analysis = line.rstrip("\n").split("\t")
                        table[word] = (analysis[0], analysis[1]) if analysis else None
                _participles = table
    return _participles


@lru_cache(maxsize=100_000)
def is_participle_form(word: str) -> bool:
    """Partizip II out of context, as HanTa's ``tag_word`` says ("gesperrt", "vergeben")."""
    table = participle_table()
    if word in table:
        return table[word] is not None
    return word_tag(word) in PARTICIPLE_TAGS


def participle_verb(word: str) -> str:
    """The verb of a Partizip II as HanTa's ``analyze`` gives it ("abgeholt" → "abholen")."""
    return analyse_word(word)[0]


def tag(token: Token) -> str:
    """STTS tag of a token: from the trained pipeline if it has one, else HanTa."""
    if token.tag_:
        return token.tag_
    return word_tag(token.text)


def is_participle(token: Token) -> bool:
    """Partizip II of a full, auxiliary or modal verb ("gesperrt", "vergeben")."""
    if token.tag_:
        return token.tag_ in PARTICIPLE_TAGS
    return is_participle_form(token.text)
