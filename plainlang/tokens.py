"""spaCy's tokenisation, with a cache that works and a shortcut for plain words.

Why: spaCy's tokenizer caches the tokens of every whitespace-separated chunk, but stops
caching for the rest of a text as soon as one chunk hits a special case ("z.B.", "Nr.",
"usw."; the flag set for the check added for spaCy issue #1250 is shared by the whole text).
Real texts hit one in the first lines, so spaCy split every later chunk anew with its
prefix, suffix and infix expressions, text after text: 2.6 µs per token even for words it had
seen a thousand times, 20 times more than with the cache working.

:class:`ChunkTokenizer` produces the same tokens: it cuts the text into chunks at whitespace
exactly as spaCy does (a single space after a chunk is that token's trailing whitespace, any
other whitespace becomes a token of its own), asks spaCy's tokenizer about each chunk it has
not seen (with the same special cases; spaCy tokenises chunks independently of each other),
keeps the answer, and builds the ``Doc`` from the words. A chunk of letters only is one token
without asking: none of spaCy's German prefix, suffix or infix patterns matches letters (checked
on 1.8 million word forms, ``tests/plainlang/test_plainlang_tokens.py`` keeps a sample), and its
letters-only special cases ("xD") are one token each. Letters followed by one of , ; : ! ? are two
tokens unless the chunk is a special case itself, and so are letters ending in a lower-case
letter followed by a full stop ("Straße."; not "GmbH.", "A.", "Nr."); checked on the same word
forms.

The tokenizer also leaves the words and their trailing spaces on the ``Doc``
(``doc.user_data[WORDS]``): the sentence splitter and :func:`plainlang.segment.analyse` read them
from there instead of walking the ``Doc``, whose every step creates a spaCy ``Token`` anew
(two passes, a tenth of the segmentation on new text).
"""

from __future__ import annotations

import re
import threading

from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

MAX_CACHED_CHUNKS = 100_000  # about 15 MB; spaCy keeps 10,000 and then stops caching too
TRAILING = frozenset(".,;:!?")  # spaCy splits these off a word of letters, unless a special case
LOWER_BEFORE_STOP = frozenset("abcdefghijklmnopqrstuvwxyzäöüß")
_RUNS = re.compile(r"\s+|\S+")
WORDS = "plainlang_words"  # doc.user_data key: (token texts, trailing space or not)


def words_and_spaces(doc: Doc) -> tuple[list[str], list[bool]]:
    """The tokens' texts and whether each has a trailing space: as :class:`ChunkTokenizer` built
    the ``Doc``, else read token by token (a ``Doc`` made otherwise, or a list of token-likes)."""
    user_data = getattr(doc, "user_data", None)
    found = user_data.get(WORDS) if user_data else None
    if found is not None and len(found[0]) == len(doc):
        return found
    texts, spaces = [], []
    for token in doc:  # one pass: every step over a Doc creates its Token objects anew
        texts.append(token.text)
        spaces.append(bool(token.whitespace_))
    return texts, spaces


class ChunkTokenizer:
    """A callable like ``spacy.tokenizer.Tokenizer`` (text → Doc) with the same tokens."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.vocab = tokenizer.vocab
        self._chunks: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self._special = frozenset(tokenizer.rules or ())

    def _shortcut(self, chunk: str) -> tuple[str, ...] | None:
        """The tokens of a chunk of letters, or of letters and one final punctuation mark
        ("Straße,", "gesperrt.") that is no special case ("Nr.", "usw."), without asking spaCy."""
        if chunk.isalpha():
            return (chunk,)
        word, mark = chunk[:-1], chunk[-1]
        if mark in TRAILING and word.isalpha() and chunk not in self._special:
            # spaCy splits a full stop off after a lower-case letter only ("GmbH.", "A." stay)
            if mark != "." or (len(word) > 1 and word[-1] in LOWER_BEFORE_STOP):
                return word, mark
        return None

    def chunk_tokens(self, chunk: str) -> tuple[str, ...]:
        """The tokens spaCy makes of one chunk (no whitespace inside, or whitespace only)."""
        found = self._chunks.get(chunk)
        if found is None:
            found = self._shortcut(chunk) or tuple(t.text for t in self.tokenizer(chunk))
            self._keep({chunk: found})
        return found

    def _keep(self, found: dict[str, tuple[str, ...]]) -> None:
        if len(self._chunks) < MAX_CACHED_CHUNKS:
            with self._lock:
                self._chunks.update(found)

    def _learn(self, chunks: set[str]) -> None:
        """Tokenise new chunks of non-space characters in one call: joined by single spaces,
        each chunk is tokenised on its own, and the tokens' offsets tell which is whose."""
        new: dict[str, tuple[str, ...]] = {}
        rest = []
        for chunk in chunks:
            found = self._shortcut(chunk)
            if found is None:
                rest.append(chunk)
            else:
                new[chunk] = found
        if rest:
            doc = self.tokenizer(" ".join(rest))
            ends, k, end = [], 0, -1
            for chunk in rest:
                end += len(chunk) + 1
                ends.append(end)  # offset of the space after each chunk
            pieces: list[str] = []
            for token in doc:
                while token.idx >= ends[k]:
                    new[rest[k]] = tuple(pieces)
                    pieces, k = [], k + 1
                pieces.append(token.text)
            new[rest[k]] = tuple(pieces)
        self._keep(new)

    def __call__(self, text: str) -> Doc:
        runs = _RUNS.findall(text)
        known = self._chunks
        unknown = {r for r in runs if r not in known and not r.isspace()}
        if unknown:
            self._learn(unknown)
        words: list[str] = []
        spaces: list[bool] = []
        for run in runs:
            if run[0] == " " and words:
                spaces[-1] = True  # one space after a chunk belongs to its last token
                if run == " ":
                    continue
                run = run[1:]
            found = known.get(run) or self.chunk_tokens(run)
            if len(found) == 1:
                words.append(found[0])
                spaces.append(False)
            else:
                words.extend(found)
                spaces.extend([False] * len(found))
        doc = Doc(self.vocab, words=words, spaces=spaces)
        doc.user_data[WORDS] = (words, spaces)
        return doc
