"""Style proposals that people make in nearly every simplified text (edits on the input text).

- ``quotation_marks``: „…“, »…«, «…» and "…" are dropped; direct speech stays after its
  colon ("Er sagt: Ich komme."). Leichte Sprache avoids signs that readers stumble over
  (Netzwerk Leichte Sprache 2022: Anführungszeichen are named among them).
- ``filler_word``: modal particles without a fact of their own ("Das ist ja bekannt" → "Das
  ist bekannt", "gar nicht" → "nicht"), only inside a clause, between two words, so the verb
  order stays; "so" only before an adjective without "wie"/"dass" after it ("so große Zähne");
  list and reasons in ``data/grammar.yaml`` (``filler_particles``).
- ``sentence_adverb``: linking and time adverbs inside a clause that people leave out when they
  simplify ("Der Saal ist aber voll" → "Der Saal ist voll", "Die Anmeldung ist bereits offen" →
  "Die Anmeldung ist offen"; aber, jedoch, allerdings, zudem, außerdem, somit, schon, bereits);
  the same places as ``filler_word`` (never at the start of a clause, never after a negation);
  list and reasons in ``data/grammar.yaml`` (``sentence_adverbs``).
- ``spelling``: spellings from before the reform ("daß" → "dass", "Thür" → "Tür").
- ``dash``: a dash pair around an insertion becomes a comma pair ("hat nur – je nach Region –
  andere Namen" → "hat nur, je nach Region, andere Namen"); a single dash between two clauses
  ends the first ("… verkauft – 800 Millionen sind es im Jahr." → "… verkauft. 800 Millionen
  …"); a dash that opens a line of dialogue goes ("– Keine Koffer." → "Keine Koffer."); ranges
  ("9 – 12 Uhr", "Montag – Freitag") stay.
- ``semicolon``: a semicolon that ends a line or the text ends the sentence ("… mit seinen
  Kindern;" → "… mit seinen Kindern."), when a clause with a verb and at least three words
  stands before it (an item of a list, "- Ausweis;", stays); Leichte and Einfache Sprache do without semicolons, and only a sentence
  with its full stop gets the sentence rules. A semicolon inside a sentence is split there.
- ``elision``: a word shortened with an apostrophe is written out ("gibt's" → "gibt es", "wie's"
  → "wie es", "'s ist" → "es ist", "hab' ich" → "habe ich", "wär'" → "wäre"); the apostrophe
  is a sign readers stumble over. Only after a verb or a conjunction ("dir's" stays: "es"
  would have to move), and only where the form with "e" is a finite verb ("gut'" is no "gute").
- ``konjunktiv``: Konjunktiv I of reported speech → indicative ("er sei krank" → "er ist
  krank", "sie könne kommen" → "sie kann kommen"); "es sei denn" stays.
- ``correlate``: the "so" that repeats a clause in front ("Wenn Sie kommen, so bringen Sie …" →
  "Wenn Sie kommen, bringen Sie …"; "Weil es regnet, so bleiben wir …"): it adds nothing, and
  without it the clause in front can become a sentence of its own.
- ``genitive``: "die Herkunft des Wortes" → "die Herkunft vom Wort", "der Rand eines großen
  Feldes" → "der Rand von einem großen Feld": only after a noun, never after a genitive
  preposition ("wegen des Wetters") or a verb ("starb eines Todes"); the noun loses its -(e)s
  where the shorter form is the more frequent word.
"""

from __future__ import annotations

import re
from functools import cache

from plainlang import compounds, frequency, pos
from plainlang.resources import load_yaml, word_set
from plainlang.simplify.edits import Edit
from plainlang.simplify.lexical import MONTHS

QUOTES = '«»„“”"‚‘›‹'
_QUOTE = re.compile("[" + re.escape(QUOTES) + "]")
_FILLER_CONTEXT_BEFORE = re.compile(r"[^\W\d_] $")
_NEXT_WORD = re.compile(r" [^\W_]")
_WORD = re.compile(r"[^\W\d_]+")
NEGATIONS = frozenset({"nicht", "nichts", "kein", "keine", "keinen", "keinem", "keiner", "nie", "niemand"})
GENITIVE_TO_DATIVE = {
    "des": "vom",
    "eines": "von einem",
    "dieses": "von diesem",
    "jedes": "von jedem",
    "meines": "von meinem",
    "deines": "von deinem",
    "seines": "von seinem",
    "ihres": "von ihrem",
    "Ihres": "von Ihrem",
    "unseres": "von unserem",
    "eures": "von eurem",
}
# "des" + up to two adjectives in -en + a capitalised noun
_GENITIVE = re.compile(
    r"(?<![\w-])(" + "|".join(GENITIVE_TO_DATIVE) + r") ((?:[a-zäöüß]+en ){0,2})([A-ZÄÖÜ][a-zäöüß]+)(?![\w-])"
)
_WORD_BEFORE = re.compile(r"([^\W\d_]+)\s$")


def quotation_marks(text: str) -> list[Edit]:
    edits = []
    for match in _QUOTE.finditer(text):
        start, end = match.start(), match.end()
        before = text[start - 1] if start else " "
        if before.isspace() and end < len(text) and text[end] == " ":
            end += 1  # "« Da sprach" → "Da sprach"
        elif end >= len(text) and start and before == " ":
            start -= 1
        edits.append(Edit(start, end, "", "quotation_marks"))
    return edits


@cache
def _fillers() -> frozenset[str]:
    return word_set("grammar.yaml", "filler_particles")


@cache
def _sentence_adverbs() -> frozenset[str]:
    return word_set("grammar.yaml", "sentence_adverbs")


def filler_words(text: str) -> list[Edit]:
    return _drop_inside_clause(text, _fillers(), "filler_word")


def sentence_adverbs(text: str) -> list[Edit]:
    return _drop_inside_clause(text, _sentence_adverbs(), "sentence_adverb")


def _drop_inside_clause(text: str, fillers: frozenset[str], rule: str) -> list[Edit]:
    edits = []
    for match in _WORD.finditer(text):
        word, start, end = match.group(0), match.start(), match.end()
        if word not in fillers or start < 2:
            continue
        if not _FILLER_CONTEXT_BEFORE.search(text, max(start - 2, 0), start) or not _NEXT_WORD.match(text, end):
            continue  # at the start of a clause, or before a comma: the particle may be a conjunction
        before = _WORD_BEFORE.search(text, max(0, start - 40), start)
        after = _WORD.match(text, end + 1)
        previous = before.group(1).lower() if before else ""
        following = after.group(0).lower() if after else ""
        if word == "gar" and following not in NEGATIONS:
            continue  # "gar nicht" → "nicht"; "das Fleisch ist gar" stays
        if previous in NEGATIONS or previous.startswith("kein"):
            continue  # "nicht ganz", "nicht wirklich", "keine durchaus": the degree is the fact
        if "und" in (previous, following) or following in ("oder", "nein") or previous == "sei":
            continue  # "ganz und gar", "ja oder nein", "es sei denn"
        if word == "so" and not _degree_so(text, end, following):
            continue
        edits.append(Edit(start - 1, end, "", rule))
    return edits


_SO_CONSEQUENCE = re.compile(r"[^.!?;:]*?\b(?:dass|daß|wie|als)\b")
_SO_KEEP = frozenset({"oft", "lange", "bald", "weit", "viel", "viele", "vieles", "wenig", "sehr", "dass", "daß", "wie"})


def _degree_so(text: str, end: int, following: str) -> bool:
    """ "so große Zähne", "so heftig": "so" before an adjective says only "very"; not "so groß wie",
    "so groß, dass" (a comparison or a consequence), "so oft Sie wollen", "so 20 Leute"."""
    if following in _SO_KEEP or following.startswith("genannt") or not following.isalpha():
        return False
    if pos.word_tag(following) not in ("ADJA", "ADJD"):
        return False
    return not _SO_CONSEQUENCE.match(text, end)


@cache
def _old_spellings() -> dict[str, str]:
    return {str(k): str(v) for k, v in load_yaml("grammar.yaml")["old_spellings"].items()}


# A capitalised word after one of these is a noun ("Das Thor"); after any other capitalised word
# it is a name ("Frau Roth", "Thomas Thor") and keeps its spelling.
_BEFORE_A_NOUN = frozenset(
    "Der Die Das Den Dem Des Ein Eine Einen Einem Einer Eines Kein Keine Am Im Ins Zum Zur Vom Beim Ans Aufs "
    "Mein Meine Sein Seine Ihr Ihre Unser Unsere Dein Deine Jeder Jede Jedes Alle Dieser Diese Dieses".split()
)


def spelling(text: str) -> list[Edit]:
    table = _old_spellings()
    edits = []
    previous: re.Match[str] | None = None
    for match in _WORD.finditer(text):
        word, before, previous = match.group(0), previous, match
        if word[:1].isupper() and _after_a_name_word(text, before):
            continue
        new = table.get(word)
        if new is None and word[:1].isupper() and _sentence_start(text, before):
            lower = table.get(word.lower())  # "Roth" is old "rot" only where a sentence starts
            new = lower[0].upper() + lower[1:] if lower else None
        if new is not None and new != word:
            edits.append(Edit(match.start(), match.end(), new, "spelling"))
    return edits


def _sentence_start(text: str, before: re.Match[str] | None) -> bool:
    return before is None or bool(re.search(r"[.!?:;\n]", text[before.end() : before.end() + 3]))


def _after_a_name_word(text: str, before: re.Match[str] | None) -> bool:
    if before is None or not before.group(0)[:1].isupper():
        return False
    gap = text[before.end() : before.end() + 3]
    return not re.search(r"[.!?:;,\n]", gap) and before.group(0) not in _BEFORE_A_NOUN


@cache
def _genitive_prepositions() -> frozenset[str]:
    return word_set("grammar.yaml", "genitive_prepositions")


def _dative_noun(noun: str) -> str | None:
    """ "Wortes" → "Wort", "Vaters" → "Vater", "Interesses" → "Interesse", "Menschen" stays."""
    if noun.endswith("nisses"):
        return noun[:-3]
    candidates = []
    if noun.endswith("es") and len(noun) > 4:
        candidates.append(noun[:-2])
    if noun.endswith("s") and len(noun) > 3:
        candidates.append(noun[:-1])
    known = [c for c in candidates if frequency.zipf(c) >= 2.5]
    if known:
        return max(known, key=frequency.zipf)
    parts = compounds.split(noun)  # "Tiefbauamtes" → Tiefbau + amtes: the head decides ("Amt")
    if len(parts) > 1:
        head = _dative_noun(parts[-1].capitalize())
        if head is not None and head != parts[-1].capitalize():
            return noun[: len(noun) - len(parts[-1])] + head.lower()
    return None if noun.endswith("s") else noun  # an -s we cannot place: leave the genitive


def genitive(text: str) -> list[Edit]:
    prepositions = _genitive_prepositions()
    edits = []
    for match in _GENITIVE.finditer(text):
        before = _WORD_BEFORE.search(text, max(0, match.start() - 40), match.start())
        if before is None or not before.group(1)[0].isupper() or before.group(1).lower() in prepositions:
            continue  # after a verb, a preposition or at the start: leave it
        determiner, adjectives, noun = match.groups()
        dative = _dative_noun(noun)
        if dative is None:
            continue  # "vom Tiefbauamtes" was the result: keep the genitive rather than guess
        after = f"{GENITIVE_TO_DATIVE[determiner]} {adjectives}{dative}"
        edits.append(Edit(match.start(), match.end(), after, "genitive"))
    return edits


_DASH = re.compile(r"(?<=[^\W\d_]) [–—] (?=\w)")
_RANGE_WORDS = frozenset(
    {"montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", *(m.lower() for m in MONTHS)}
)
_SENTENCE_END = re.compile(r"[.!?:;\n]")


def _words_between(text: str, start: int, end: int) -> int:
    return len(_WORD.findall(text, start, end))


# A dash (after "…") that opens a line of dialogue: after the end of a sentence on the same line,
# or at the start of a text of one line (on several lines it is the bullet of a list).
_DIALOGUE_DASH = re.compile(r"(?<=[.!?] )(?:\.\.\. ?|… ?)?[–—] (?=[^\W\d_])")
_FIRST_DASH = re.compile(r"\s*(?:\.\.\. ?|… ?)?[–—] (?=[^\W\d_])")


def dashes(text: str) -> list[Edit]:
    edits = [Edit(m.start(), m.end(), "", "dash") for m in _DIALOGUE_DASH.finditer(text)]
    first = _FIRST_DASH.match(text)
    if first is not None and "\n" not in text.strip():
        edits.append(Edit(first.start(), first.end(), "", "dash"))
    matches = list(_DASH.finditer(text))
    used: set[int] = set()
    for k, match in enumerate(matches):
        if k in used:
            continue
        start, end = match.start(), match.end()
        left_end = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
        right = _SENTENCE_END.search(text, end)
        right_end = right.start() if right else len(text)
        if _words_between(text, left_end, start) < 3 or _words_between(text, end, right_end) < 3:
            continue
        before = _WORD_BEFORE.search(text, max(0, start - 40), start + 1)
        if before is not None and before.group(1).lower() in _RANGE_WORDS:
            continue  # "Montag – Freitag"
        pair = next((j for j in range(k + 1, len(matches)) if matches[j].start() < right_end), None)
        if pair is not None:
            used.add(pair)
            edits.append(Edit(start, end, ", ", "dash"))
            edits.append(Edit(matches[pair].start(), matches[pair].end(), ", ", "dash"))
            continue
        edits.append(Edit(start, end + 1, ". " + text[end].upper(), "dash"))
    return edits


_FINAL_SEMICOLON = re.compile(r";[ \t]*(?=\n|$)")
_LIST_ITEM = re.compile(r"\s*(?:[-–•*·]|\d+[.)]|[a-z]\))\s")


def semicolons(text: str) -> list[Edit]:
    edits = []
    for match in _FINAL_SEMICOLON.finditer(text):
        start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, match.start())), default=0)
        words = _WORD.findall(text, start, match.start())
        if len(words) < 3 or _LIST_ITEM.match(text, start):
            continue  # "- Ausweis;": an item of a list
        if any(word.islower() and pos.word_tag(word).startswith("V") for word in words):
            edits.append(Edit(match.start(), match.start() + 1, ".", "semicolon"))
    return edits


APOSTROPHES = "'’"
_ELIDED_ES = re.compile(r"(?<![\w'’])([A-Za-zÄÖÜäöüß][a-zäöüß]*)['’]s(?![\w'’])")
_ELIDED_E = re.compile(r"(?<![\w'’])([a-zäöüß]+)['’](?=[\s,.;:!?]|$)")
_LEADING_ES = re.compile(r"(?<![\w'’])['’]s(?= [a-zäöüß])")
_ES_AFTER = frozenset({"wie", "wenn", "ob", "dass", "so", "da", "was", "wo", "als"})
FINITE = ("VVFIN", "VAFIN", "VMFIN")


def elisions(text: str) -> list[Edit]:
    edits = []
    for match in _ELIDED_ES.finditer(text):
        word = match.group(1)
        if word.lower() in _ES_AFTER or pos.word_tag(word.lower()) in FINITE:
            edits.append(Edit(match.start(), match.end(), word + " es", "elision"))
    for match in _ELIDED_E.finditer(text):
        word = match.group(1)
        if _QUOTE_OPEN.search(text, max(0, match.start() - 60), match.start()):
            continue  # "'gut'": a quotation in single quotes, not an elision
        if pos.word_tag(word + "e") in FINITE and frequency.zipf(word + "e") >= 3:
            edits.append(Edit(match.start(), match.end(), word + "e", "elision"))
    for match in _LEADING_ES.finditer(text):
        start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, match.start())), default=0)
        first = not text[start : match.start()].strip(" –-„“\"»«")
        edits.append(Edit(match.start(), match.end(), "Es" if first else "es", "elision"))
    return edits


_QUOTE_OPEN = re.compile(r"(?:^|\s)['’‚‘]\w")


KONJUNKTIV_I = {
    "sei": "ist",
    "seien": "sind",
    "könne": "kann",
    "müsse": "muss",
    "solle": "soll",
    "wolle": "will",
    "dürfe": "darf",
}
_KONJUNKTIV = re.compile(r"(?<=[^\W\d_] )(sei|seien|könne|müsse|solle|wolle|dürfe)(?![\w-])(?! denn)")


def konjunktiv(text: str) -> list[Edit]:
    edits = []
    for match in _KONJUNKTIV.finditer(text):
        word = match.group(1)
        previous = text[max(0, match.start() - 4) : match.start()]
        if previous == "ich " and word == "sei":
            plain = "bin"
        elif previous[-4:] in ("wir ", "Sie ") and word == "sei":
            continue  # "seien Sie …": an imperative
        else:
            plain = KONJUNKTIV_I[word]
        edits.append(Edit(match.start(), match.end(), plain, "konjunktiv"))
    return edits


_CORRELATE = re.compile(r", so (?=([a-zäöüß]+)\b)")
_FRONT = frozenset({"wenn", "weil", "als", "da", "nachdem", "obwohl", "falls", "sobald", "solange", "wie", "ob"})


def correlate(text: str) -> list[Edit]:
    edits = []
    for match in _CORRELATE.finditer(text):
        if pos.word_tag(match.group(1)) not in ("VVFIN", "VAFIN", "VMFIN", "VVIMP", "VVINF", "VAINF", "VMINF"):
            continue  # ", so groß wie …", ", so dass …": not the correlate
        start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, match.start())), default=0)
        first = _WORD.search(text, start, match.start())
        if first is None or first.group(0).lower() not in _FRONT:
            continue
        edits.append(Edit(match.start() + 1, match.start() + 4, "", "correlate"))
    return edits
