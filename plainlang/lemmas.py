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
        old = doc.to_array([LEMMA]).tolist()
        lemmas = []
        for orth, lemma in zip(doc.to_array([ORTH]).tolist(), old, strict=True):
            if lemma and not self.overwrite:
                lemmas.append(lemma)
                continue
            found = cache.get(orth)
            if found is None:
                result = table.get(orth)
                if isinstance(result, list):
                    result = result[0]
                found = orth if result is None else strings.add(result)
                cache[orth] = found
            lemmas.append(found)
        values = numpy.array(lemmas, dtype="uint64").reshape(-1, 1)
        doc.from_array([LEMMA], cast("Ints2d", values))
        return doc


@Language.factory(FACTORY)
def make_lemmatizer(nlp: Language, name: str) -> LookupLemmatizer:
    return LookupLemmatizer(nlp.vocab, None, name, mode="lookup")
