"""spaCy's lookup lemmatizer, one array write per text instead of one Python call per token.

Why: spaCy's ``Lemmatizer`` in lookup mode looks every token up by its text and sets
``token.lemma_`` one token at a time; on text never seen before that was a tenth of the
check. This subclass gives every token the same lemma (the table's entry for its text, else
the text itself), read by the token's ORTH hash (the table is keyed by the same hashes), with
the answer per word form cached, and writes all lemmas at once. Everything else (loading the
table, ``lemmatize`` for single tokens) is spaCy's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy
from spacy.attrs import LEMMA, ORTH
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc

if TYPE_CHECKING:
    from thinc.types import Ints2d

FACTORY = "plainlang_lemmatizer"
MAX_CACHED_FORMS = 200_000  # word forms whose lemma is kept (about 20 MB); later ones are looked up each time


class LookupLemmatizer(Lemmatizer):
    """Lookup-mode lemmatizer with the same lemmas as spaCy's, set in one write."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lemma_of: dict[int, int] = {}  # ORTH hash → LEMMA hash

    def __call__(self, doc: Doc) -> Doc:
        if not self._validated:
            self._validate_tables()
        if not len(doc):
            return doc
        table = self.lookups.get_table("lemma_lookup", {})
        strings = doc.vocab.strings
        cache = self._lemma_of
        orths = doc.to_array([ORTH]).tolist()
        lemmas = [cache.get(orth) for orth in orths]  # None: not looked up yet
        if not self.overwrite:
            old = doc.to_array([LEMMA]).tolist()
            if any(old):  # lemmas set before (a trained pipeline's) stay
                lemmas = [lemma or found for lemma, found in zip(old, lemmas, strict=True)]
        for k in [k for k, found in enumerate(lemmas) if found is None]:
            orth = orths[k]
            found = cache.get(orth)  # a form seen earlier in this text
            if found is None:
                result = table.get(orth)
                if isinstance(result, list):
                    result = result[0]
                found = orth if result is None else strings.add(result)
                if len(cache) < MAX_CACHED_FORMS:
                    cache[orth] = found
            lemmas[k] = found
        values = numpy.array(lemmas, dtype="uint64").reshape(-1, 1)
        doc.from_array([LEMMA], cast("Ints2d", values))
        return doc


@Language.factory(FACTORY)
def make_lemmatizer(nlp: Language, name: str) -> LookupLemmatizer:
    return LookupLemmatizer(nlp.vocab, None, name, mode="lookup")
