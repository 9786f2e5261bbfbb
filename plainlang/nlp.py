"""The spaCy pipeline, built once per process (module-level lazy singleton).

Why a singleton: building the pipeline loads the lemma lookup table (about a
second); the web API and the Kafka agents call :func:`plainlang.check` for every
text, so the cost must be paid once, not per call. Nothing is downloaded at run
time: a trained German pipeline (``de_core_news_*``) is used when it is already
installed, otherwise ``spacy.blank("de")`` with the lookup lemmatizer from
``spacy-lookups-data``. Set ``PLAINLANG_BLANK=1`` to force the blank pipeline
(reproducible benchmarks).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, cast

import spacy
from spacy.language import Language

from plainlang import lemmas, segment
from plainlang.resources import load_yaml
from plainlang.tokens import ChunkTokenizer

if TYPE_CHECKING:
    from spacy.tokenizer import Tokenizer

TRAINED_PIPELINES = ("de_core_news_sm", "de_core_news_md", "de_core_news_lg")

_lock = threading.Lock()
_nlp: Language | None = None


def get_nlp() -> Language:
    """Return the shared pipeline, building it on first use (thread-safe)."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                _nlp = _build()
    return _nlp


def has_tagger(nlp: Language) -> bool:
    """True when the pipeline sets STTS tags itself (a trained pipeline)."""
    return "tagger" in nlp.pipe_names


def _build() -> Language:
    nlp = _load_trained() if not os.environ.get("PLAINLANG_BLANK") else None
    if nlp is None:
        nlp = spacy.blank("de")
        nlp.add_pipe(lemmas.FACTORY, name="lemmatizer")  # spaCy's lookup lemmas, set in one write
        nlp.initialize()
        _lean_lexemes(nlp)
    _add_tokenizer_rules(nlp)
    nlp.tokenizer = ChunkTokenizer(cast("Tokenizer", nlp.tokenizer))  # same tokens, cached per chunk
    nlp.add_pipe(segment.COMPONENT_NAME, first=not has_tagger(nlp))
    return nlp


# Lexeme attributes the checker reads: the text (always there), LOWER (the Amtsdeutsch phrase
# matcher, ``Token.lower_``) and NORM (spaCy's own default for matching).
_KEPT_LEXEME_ATTRS = ("LOWER", "NORM")


def _lean_lexemes(nlp: Language) -> None:
    """Compute only the lexeme attributes the checker reads. spaCy creates a lexeme for every
    word form it has not seen and computes about twenty attributes for it (shape, prefix,
    suffix, stop word, like_num, …); on text never seen before that was a third of the check.
    Only for the blank pipeline: a trained one uses shape, prefix and suffix as features."""
    from spacy.attrs import IDS

    kept = {IDS[name] for name in _KEPT_LEXEME_ATTRS}
    getters = nlp.vocab.lex_attr_getters  # type: ignore[attr-defined]  # set in Vocab.__init__, not in the stub
    for attr in [a for a in getters if a not in kept]:
        del getters[attr]


def _load_trained() -> Language | None:
    """Try installed trained pipelines; fall back silently (no download)."""
    for name in TRAINED_PIPELINES:
        try:
            return spacy.load(name, exclude=["parser", "ner", "senter"])
        except (OSError, ImportError, ValueError):
            continue
    return None


def _add_tokenizer_rules(nlp: Language) -> None:
    """Keep written-together abbreviations ("z.B.", "ggf.", "Nr.") as one token."""
    for entry in load_yaml("abbreviations.yaml")["abbreviations"]:
        written = entry["written"].replace(" ", "")
        if written.endswith(".") and written.count(".") <= 3:
            # spaCy types Language.tokenizer as "any callable"; the pipelines built here have a Tokenizer.
            cast("Tokenizer", nlp.tokenizer).add_special_case(written, [{"ORTH": written}])
