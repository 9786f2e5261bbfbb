"""Part-of-speech look-ups for the few places where rules are ambiguous.

Why this way: HanTa is accurate but slow (≈0.2 ms per word), so it is asked only
about candidate words (e.g. a possible participle after "wird") and every answer
is cached per word form. When a trained spaCy pipeline is installed its STTS tags
are used instead. Tags are STTS without HanTa's brackets: "VV(PP)" → "VVPP".
"""

from __future__ import annotations

import threading
from functools import lru_cache

from spacy.tokens import Token

_lock = threading.Lock()
_tagger = None


def _hanta():
    global _tagger
    if _tagger is None:
        with _lock:
            if _tagger is None:
                from HanTa import HanoverTagger

                _tagger = HanoverTagger.HanoverTagger("morphmodel_ger.pgz")
    return _tagger


@lru_cache(maxsize=100_000)
def analyse_word(word: str) -> tuple[str, str]:
    """(lemma, STTS tag) of a word form out of context, cached."""
    lemma, tag = _hanta().analyze(word)
    return lemma, tag.replace("(", "").replace(")", "")


@lru_cache(maxsize=100_000)
def word_tag(word: str) -> str:
    """STTS tag of a word form out of context, without the lemma (about half the work of
    :func:`analyse_word`, whose answer is used when it is already cached)."""
    return _hanta().tag_word(word, cutoff=0)[0][0].replace("(", "").replace(")", "")


def tag(token: Token) -> str:
    """STTS tag of a token: from the trained pipeline if it has one, else HanTa."""
    if token.tag_:
        return token.tag_
    return word_tag(token.text)


def is_participle(token: Token) -> bool:
    """Partizip II of a full, auxiliary or modal verb ("gesperrt", "vergeben")."""
    return tag(token) in ("VVPP", "VAPP", "VMPP")
