"""More sentence splits: a subordinate clause in front, and two main clauses joined by a comma;
and direct speech with its speaker first.

Both return the new sentences as word lists, or ``None`` when the shape is not sure.
- ``front_clause``: "Als der Regen aufhörte, öffnete die Stadt das Bad." → "Der Regen hörte
  auf. Dann öffnete die Stadt das Bad." The subordinate clause becomes a main clause (its
  final verb moves to second place) and a connecting adverb keeps the relation: als/sobald →
  "Dann", nachdem → "Danach", weil → "Deshalb", obwohl → "Trotzdem". Leichte and Einfache
  Sprache put one statement in each sentence and keep such relations as a word at the start
  (Netzwerk Leichte Sprache 2022; Bredel & Maaß 2016, ch. 11.3). "wenn" and "da" stay: a
  condition must not turn into a statement, and "da" is also "there".
- ``embedded_relative``: "Hier werden Dinge, die man nicht braucht, verlost." → "Hier werden
  Dinge verlost. Die Dinge braucht man nicht." (the relative pronoun becomes the article of
  its noun, so only der/die/das/den/dem, and only when it agrees with the noun before it).
- ``comma_splice``: "Frauen haben kleinere Hände, sie essen auch kleinere Portionen." → two
  sentences, when a personal pronoun and a finite verb start the part after the comma, and
  ", denn so …", ", doch dann …" when an adverb and a finite verb follow the conjunction.
- ``front_adverb``: a linking adverb in front of a main clause goes, the subject after the verb
  takes its place ("Außerdem gibt es die Ostseeinseln." → "Es gibt die Ostseeinseln."); list
  in ``data/grammar.yaml`` (``front_adverbs``); not before a colon ("So erreichen Sie uns:").
- ``speech_tag``: "Wir helfen, sagte die Sprecherin." → "Die Sprecherin sagte: Wir helfen." (also
  with the tag in the middle); not when a clause comes first, the story goes on after the
  speaker or an apposition follows it. It runs before the splits, so ", sagte sie" is never
  taken for a second predicate of the subject before it ("Er kam heim, sagte sie.").
"""

from __future__ import annotations

from collections.abc import Callable

from plainlang.simplify import tense
from plainlang.simplify import words as w

Test = Callable[[str], bool]
Rewrite = Callable[[list[str]], "list[str] | None"]

FRONT = {"als": "Dann", "sobald": "Dann", "nachdem": "Danach", "weil": "Deshalb", "obwohl": "Trotzdem"}
SUBJECT_PRONOUNS = frozenset({"er", "sie", "es", "wir", "ich", "du", "ihr", "man"})
CONJUNCTIONS = {"denn": "Denn", "doch": "Doch", "aber": "Aber"}


def _words(part: list[str]) -> int:
    return sum(1 for t in part if t[0].isalnum())


def front_clause(body: list[str], end: list[str], finite: Test, to_main_clause: Rewrite) -> list[list[str]] | None:
    """Split "Als S … V, V2 …" (``finite`` and ``to_main_clause`` come from :mod:`.sentences`)."""
    if len(body) < 7 or body[0].lower() not in FRONT or "," not in body:
        return None
    comma = body.index(",")
    clause, rest = body[1:comma], body[comma + 1 :]
    if _words(clause) < 2 or _words(rest) < 3 or not finite(clause[-1]) or not finite(rest[0]):
        return None
    if clause[0].lower() in CONJUNCTIONS or clause[0].lower() in ("die", "der", "das") and len(clause) < 3:
        return None
    main = to_main_clause(clause)
    if main is None:
        return None
    return [[w.capitalise(main[0]), *main[1:], "."], [FRONT[body[0].lower()], *rest, *end]]


RELATIVE = frozenset({"der", "die", "das", "den", "dem"})


def embedded_relative(body: list[str], end: list[str], to_main_clause: Rewrite, verb: Test) -> list[list[str]] | None:
    """Take a relative clause out of the middle of a main clause and put it after it."""
    for k in range(1, len(body) - 4):
        if body[k] != "," or body[k + 1] not in RELATIVE or not w.is_noun(body[k - 1]):
            continue
        close = next((j for j in range(k + 2, len(body)) if body[j] == ","), None)
        if close is None or "," in body[:k] or not w.antecedent_agrees(body, k - 1, body[k + 1], body[close - 1]):
            return None
        rest = body[close + 1 :]
        if end != ["."] or not rest or ":" in rest or not verb(rest[0]) or not verb(body[close - 1]):
            return None  # the main clause must go on with its verb after a relative clause ending in one
        clause = to_main_clause([body[k + 1], body[k - 1], *body[k + 2 : close]])
        if clause is None:
            return None
        return [[*body[:k], *rest, *end], [w.capitalise(clause[0]), *clause[1:], *end]]
    return None


def comma_splice(
    body: list[str], end: list[str], finite: Test, subordinators: frozenset[str]
) -> list[list[str]] | None:
    """Split "A …, sie V …" and "A …, denn so V …" into two sentences."""
    if not body or body[0].lower() in subordinators or body[0].lower() in FRONT:
        return None
    for k in range(3, len(body) - 3):
        if body[k] != ",":
            continue
        left, right = body[:k], body[k + 1 :]
        if _words(left) < 3 or _words(right) < 3 or "," in left or not left_verb(left, finite):
            continue
        if right[0] in SUBJECT_PRONOUNS and finite(right[1]) and right[1:3] != ["sei", "denn"]:
            return [[*left, "."], [w.capitalise(right[0]), *right[1:], *end]]
        if (
            right[0] in CONJUNCTIONS
            and right[1].isalpha()
            and right[1].islower()
            and right[1] not in w.DETERMINERS | w.PRONOUNS
            and finite(right[2])
        ):
            return [[*left, "."], [CONJUNCTIONS[right[0]], *right[1:], *end]]
        verb_at = _noun_subject_end(right)
        if verb_at is not None and verb_at + 1 < len(right) and finite(right[verb_at]):
            if right[verb_at + 1] not in (",", "und", "oder") and "," not in right[: verb_at]:
                return [[*left, "."], [w.capitalise(right[0]), *right[1:], *end]]  # "…, Erdbeeren gibt es …"
    return None


def _noun_subject_end(right: list[str]) -> int | None:
    """End of "Erdbeeren und Spargel", "ein Mann", "Anna" at the start of a clause, or None;
    never "die/der/das …", which may open a relative clause."""
    first = right[0]
    if first.lower() in RELATIVE or first == "Sie" or first.lower() in w.PRONOUNS:
        return None
    if not (first[:1].isupper() and w.is_noun(first)) and first not in ("ein", "eine", "kein", "keine"):
        return None
    end = w.noun_phrase_end(right, 0)
    if end is not None and end + 1 < len(right) and right[end] in ("und", "oder") and w.is_noun(right[end + 1]):
        end = w.noun_phrase_end(right, end + 1)  # "Erdbeeren und Spargel"
    return end


def left_verb(left: list[str], finite: Test) -> str:
    """The first finite verb of a main clause in its first four words, or ""."""
    return next((t for t in left[1:5] if finite(t)), "")


REPORTING = frozenset(
    {
        *("sagte", "sagten", "sagt", "sagen", "sprach", "sprachen", "spricht", "sprechen", "rief", "riefen"),
        *("ruft", "rufen", "fragte", "fragten", "fragt", "fragen", "antwortete", "antworteten", "antwortet"),
        *("antworten", "dachte", "dachten", "denkt", "denken", "erwiderte", "erwidert", "meinte", "meint"),
        *("entgegnete", "entgegnet", "schrie", "schrien", "schreit", "flüsterte", "flüstert", "erklärte"),
        *("erklärt", "erklären", "betonte", "betont", "berichtete", "berichtet", "erzählte", "erzählt"),
    }
)
SPEECH_SIGNS = frozenset({",", "!", "?"})
NOT_SPEECH = frozenset(
    {"der", "die", "das", "den", "dem", "deren", "dessen", "welcher", "welche", "welches", "als", "wobei", "indem"}
    | {"weil", "da", "wenn", "obwohl", "nachdem", "während", "bevor", "sobald", "falls"}
)
DIALOGUE_DASHES = frozenset({"–", "—", "-", "...", "…"})


def speech_tag(sentence: list[str]) -> list[str] | None:
    """ "Wir helfen, sagte die Sprecherin." → "Die Sprecherin sagte: Wir helfen." The speaker comes
    first and a colon opens the words, as Leichte and Einfache Sprache introduce direct speech
    (also with the tag in the middle: "Ei was, sagte der Esel, zieh mit uns fort.")."""
    body, end = (sentence[:-1], sentence[-1:]) if sentence and sentence[-1] in (".", "!", "?") else (sentence, ["."])
    for i in range(2, len(body) - 1):
        if body[i] not in REPORTING or body[i - 1] not in SPEECH_SIGNS:
            continue
        speaker_end = w.noun_phrase_end(body, i + 1)
        if speaker_end is None or body[i + 1] in ("Sie", "sich") or body[i + 1][0].isdigit():
            return None
        tag_end = speaker_end
        while tag_end < len(body) - 1 and body[tag_end] in ("der", "des"):  # "die Sprecherin der Stadt"
            genitive_end = w.noun_phrase_end(body, tag_end)
            if genitive_end is None:
                return None
            tag_end = speaker_end = genitive_end
        if tag_end < len(body) and body[tag_end] in ("zu", "zum", "zur"):  # "sagte er zum Kaiser"
            addressee_end = w.noun_phrase_end(body, tag_end + 1) if body[tag_end] == "zu" else tag_end + 2
            if addressee_end is None or addressee_end > len(body):
                return None
            if not body[addressee_end - 1][:1].isupper() and body[addressee_end - 1] not in ("ihm", "ihr", "ihnen"):
                return None
            tag_end = addressee_end
        if tag_end < len(body) and body[tag_end] != ",":
            return None  # more than speaker and addressee: not a plain tag
        before = list(body[: i - 1])
        while before and before[0] in DIALOGUE_DASHES:
            before = before[1:]
        after = body[tag_end + 1 :]
        if _words(before) < 1 or before[0].lower() in FRONT or ":" in before:
            return None  # "Als er kam, sagte der Mann …", "… nach Bremen: dort, meinte er, …"
        if after and (
            after[0].lower() in NOT_SPEECH
            or after[0] in ("und", "aber", "oder", "doch", "denn")
            or tense.is_preterite(after[0])
            or after[0][:1].isupper() and after[0] not in ("Sie", "Ich") and w.is_noun(after[0])
        ):
            return None  # the story goes on after the speaker ("…, gab seine Karten"), or an apposition
        sign = body[i - 1]
        if sign == "," and before[-1] in ("!", "?"):  # "Wer kommt mit?, fragte sie."
            sign, before = before[-1], before[:-1]
        if sign != "," and after:
            after = [w.capitalise(after[0]), *after[1:]]  # "Verzeiht! Was ist das …"
        words = [*before, *([","] if sign == "," and after else [sign] if sign != "," else []), *after]
        final = end if sign == "," or after else []
        speaker = [w.capitalise(body[i + 1]), *body[i + 2 : speaker_end]]
        return [*speaker, body[i], *body[speaker_end:tag_end], ":", *words, *final]
    return None


NOMINATIVE = frozenset({"er", "sie", "es", "wir", "ich", "du", "ihr", "man", "der", "die", "das", "ein", "eine"})


def front_adverb(sentence: list[str], adverbs: frozenset[str], finite: Test) -> list[str] | None:
    """ "Außerdem gibt es die Ostseeinseln." → "Es gibt die Ostseeinseln.": a linking adverb in
    front goes and the subject after the verb takes its place."""
    if len(sentence) < 5 or sentence[0] not in adverbs or not finite(sentence[1]):
        return None
    if sentence[2] not in NOMINATIVE or sentence[3] in ("der", "ein"):
        return None  # "Da sah sie der Wolf": "sie" is the object
    end = w.noun_phrase_end(sentence, 2)
    if end is None or end >= len(sentence) - 1 or sentence[end] in ("der", "ein", "(") or sentence[-1] == ":":
        return None  # "So erreichen Sie uns:": "so" points to what follows
    return [w.capitalise(sentence[2]), *sentence[3:end], sentence[1], *sentence[end:]]
