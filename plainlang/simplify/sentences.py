"""Sentence rewrites on word lists: split long sentences, passive → active, nominal → verb.

Each function takes the words of one sentence (final punctuation included) and returns the
rewritten sentence(s), or ``None`` when its pattern does not apply or it is not sure.
- ``split``: at semicolons; at ", und/aber/oder/denn/doch" before a new main clause (the new
  sentence starts with "Und", "Aber", …, as Leichte Sprache allows and DEplain-web's people write); a
  sentence-final *dass* clause after a correlate ("weist darauf hin, dass …" → "weist auf
  Folgendes hin. …"); a sentence-final relative clause ("…, die zur Schule führt." →
  "… . Die Straße führt zur Schule."); a sentence-final *weil* clause ("…, weil sie krank ist." →
  "… . Denn sie ist krank."). The verb at the end of the clause moves to second place.
- ``coordination`` (inside ``split``): one subject with several predicates, "Sie hörte nicht
  darauf, eilte nach Hause und vergaß den Frosch." → "Sie hörte nicht darauf. Sie eilte nach
  Hause. Sie vergaß den Frosch." (the subject is repeated, as Leichte Sprache repeats nouns; also
  after "Denn …", with the subject after the verb ("Dann öffnete die Stadt das Bad und …") and
  after "Da" + verb + subject, where "da" is "then", not "because"; a final colon stays);
  and main clauses joined by "und" without a comma ("… und sie spielten im Hof." → "… . Und sie
  spielten im Hof."; fitted on the DEplain-web fit part: SARI 29.90 → 30.08 with both "Und").
- ``active``: "X wird von der Stadt gesperrt." → "Die Stadt sperrt X." (only with a named agent).
- ``nominal``: "Eine Nutzung der Halle ist nicht möglich." → "Sie können die Halle nicht nutzen."
"""

from __future__ import annotations

from functools import cache

from plainlang import compounds, pos
from plainlang.resources import word_set
from plainlang.simplify import clauses
from plainlang.simplify import words as w

END = frozenset({".", "!", "?"})
COORDINATING = {"und": "Und", "aber": "Aber", "oder": "Oder", "denn": "Denn", "doch": "Doch"}
CORRELATES = {
    "darauf": ["auf", "Folgendes"],
    "daran": ["an", "Folgendes"],
    "darum": ["um", "Folgendes"],
    "dafür": ["für", "Folgendes"],
    "darüber": ["über", "Folgendes"],
    "davon": ["von", "Folgendem"],
    "damit": ["mit", "Folgendem"],
    "dazu": ["zu", "Folgendem"],
}
RELATIVE = frozenset({"der", "die", "das", "den", "dem"})
MODALS = {
    "möglich": "können",
    "erlaubt": "dürfen",
    "gestattet": "dürfen",
    "zulässig": "dürfen",
    "erforderlich": "müssen",
    "notwendig": "müssen",
    "nötig": "müssen",
}
WERDEN = {"wird": False, "werden": True}


def _words(sentence: list[str]) -> int:
    return sum(1 for t in sentence if t[0].isalnum())


def _body(sentence: list[str]) -> tuple[list[str], list[str]]:
    if sentence and (sentence[-1] in END or sentence[-1] == ":"):  # "… und sprach:" keeps its colon
        return sentence[:-1], sentence[-1:]
    return sentence, ["."]


def _start(sentence: list[str]) -> list[str]:
    return [w.capitalise(sentence[0]), *sentence[1:]] if sentence else sentence


def to_main_clause(clause: list[str]) -> list[str] | None:
    """Verb-final clause → verb-second: "die Stadt die Straße sperrt" → "die Stadt sperrt die Straße"."""
    if len(clause) < 2 or not clause[-1].isalpha() or not clause[-1].islower() or "," in clause:
        return None
    if clause[-2] in ("und", "oder", "sowie"):
        return None  # "… handeln und lernen": two verbs would have to move
    if not pos.word_tag(clause[-1]).startswith("V"):
        return None  # the clause does not end in a verb: not a verb-final clause
    verb, particle = clause[-1], []
    split_verb = w.separable(verb)
    if split_verb and not verb.startswith(("be", "ge", "er", "ver", "zer", "ent", "emp")):
        rest, prefix = split_verb
        if not (rest in compounds.vocabulary() and _finite(rest)):
            return None  # "abholt" → "holt … ab" only when "holt" is a known finite verb
        verb, particle = rest, [prefix]
    end = w.noun_phrase_end(clause, 0)
    if end is None or end >= len(clause) - 1 and end != len(clause) - 1:
        return None
    return [*clause[:end], verb, *clause[end:-1], *particle]


def _verb_first(clause: list[str]) -> list[str] | None:
    """Verb-final clause → verb first, for a linking adverb in front: "die Zufahrt möglich bleibt"
    → "bleibt die Zufahrt möglich" ("Dabei bleibt die Zufahrt möglich.")."""
    main = to_main_clause(clause)
    end = w.noun_phrase_end(clause, 0)
    if main is None or end is None:
        return None
    return [main[end], *main[:end], *main[end + 1 :]]


@cache
def _front_adverbs() -> frozenset[str]:
    return frozenset(w.capitalise(word) for word in word_set("grammar.yaml", "front_adverbs"))


def front_adverb(sentence: list[str]) -> list[str] | None:
    return clauses.front_adverb(sentence, _front_adverbs(), _finite)


def relative_main(clause: list[str]) -> list[str] | None:
    """ "die Frauen Kinder haben" (relative pronoun, its noun, the rest of the relative clause) →
    "die Frauen haben Kinder": the subject is the relative pronoun with its noun, also when a
    noun follows ("Kinder" is the object); after a name ("die Fairtrade beauftragt hat") the
    name may be the subject: not sure."""
    rest = clause[2:]
    if not rest or not (rest[0][:1].isupper() and w.is_noun(rest[0])):
        return to_main_clause(clause)
    if pos.word_tag(rest[0]) != "NN":
        return None
    main = to_main_clause(["er", *rest])  # a one-word subject in its place
    return None if main is None else [*clause[:2], *main[1:]]


def split(sentence: list[str], leicht: bool) -> list[list[str]] | None:
    body, end = _body(sentence)
    for k, token in enumerate(body):
        if token == ";" and _words(body[:k]) >= 3 and _words(body[k + 1 :]) >= 3:
            return [[*body[:k], "."], _start([*body[k + 1 :], *end])]
    for k in range(1, len(body) - 2):
        if body[k] != "," or body[k + 1] not in COORDINATING:
            continue
        left, right = body[:k], body[k + 2 :]
        if (
            _words(left) < 3
            or _words(right) < 3
            or not (w.is_noun(right[0]) or right[0].lower() in w.PRONOUNS | w.DETERMINERS)
        ):
            continue
        opener = COORDINATING[body[k + 1]]
        return [[*left, "."], _start([*([opener] if opener else []), *right, *end])]
    for k in range(2, len(body) - 3):
        if body[k] != "," or "," in body[k + 1 :]:
            continue
        nxt = body[k + 1]
        if nxt in ("weil", "da") and _words(body[:k]) >= 3:
            if nxt == "da" and _finite(body[k + 2]):
                continue  # "…, da ging er": the adverb "then"
            clause = to_main_clause(body[k + 2 :])
            if clause is None:
                return None
            return [[*body[:k], "."], ["Denn", w.lower_function_word(clause[0]), *clause[1:], *end]]
        if nxt in TRAILING and _words(body[:k]) >= 3:
            inverted = _verb_first(body[k + 2 :])
            if inverted is None:
                return None
            return [[*body[:k], "."], [TRAILING[nxt], w.lower_function_word(inverted[0]), *inverted[1:], *end]]
        if nxt == "dass":
            main = body[:k]
            clause = to_main_clause(body[k + 2 :])
            if clause is None or _words(main) < 2:
                return None
            if main[-1] in CORRELATES:
                main = [*main[:-1], *CORRELATES[main[-1]]]
            elif main[-2:-1] and main[-2] in CORRELATES:  # "darauf hin"
                main = [*main[:-2], *CORRELATES[main[-2]], main[-1]]
            else:
                return [[*main, ":"], _start([*clause, *end])] if not leicht else None
            return [[*main, "."], _start([*clause, *end])]
        if nxt in RELATIVE and w.is_noun(body[k - 1]) and w.antecedent_agrees(body, k - 1, nxt, body[-1]):
            clause = relative_main([body[k + 1], body[k - 1], *body[k + 2 :]])
            if clause is None or _words(body[:k]) < 3:
                return None
            return [[*body[:k], "."], _start([*clause, *end])]
    return (
        clauses.front_clause(body, end, _finite, to_main_clause)
        or clauses.embedded_relative(body, end, relative_main, _verb)
        or clauses.comma_splice(body, end, _verb, SUBORDINATORS)
        or coordination(body, end)
    )


# A clause at the end that says how or with what result: its own sentence after a linking adverb
# that keeps the relation ("…, wobei die Zufahrt möglich bleibt." → "… . Dabei bleibt die Zufahrt
# möglich."). Conditions (wenn, falls, sofern) stay: they must not turn into statements.
TRAILING = {"wobei": "Dabei", "sodass": "Deshalb", "wodurch": "Dadurch", "weshalb": "Deshalb", "weswegen": "Deshalb"}
FINITE = frozenset({"VVFIN", "VAFIN", "VMFIN"})
SUBORDINATORS = frozenset(
    {"dass", "weil", "wenn", "als", "ob", "obwohl", "da", "damit", "während", "nachdem", "bevor", "sodass", "wie", "wobei",
     "wodurch", "weshalb", "weswegen"}
)


NOT_VERB_ENDINGS = ("lich", "ig", "isch", "bar", "sam", "los", "weise", "ung", "heit", "keit")
CLOSED = w.DETERMINERS | w.PRONOUNS | w.PREPOSITIONS | SUBORDINATORS | frozenset(COORDINATING)


def _verb_tag(word: str) -> str:
    """STTS tag of a lower-case word that could be a verb, "" for closed word classes."""
    if not (word.isalpha() and word.islower()) or word in CLOSED or len(word) > 13 or word.endswith(NOT_VERB_ENDINGS):
        return ""  # the tagger is slow on long unknown words, and finite verbs are short
    return pos.word_tag(word)


def _finite(word: str) -> bool:
    return _verb_tag(word) in FINITE


def _verb(word: str) -> bool:
    """Any verb form out of context: plural finite verbs often look like infinitives."""
    return _verb_tag(word)[:1] == "V"


def _full_verb(word: str) -> bool:
    return _verb_tag(word) == "VVFIN"


def _infinitive(word: str) -> bool:
    """Out of context a plural finite verb often looks like an infinitive ("werden")."""
    return _verb_tag(word) in ("VVINF", "VAINF", "VMINF")


def _plural(verb: str) -> bool:
    return verb.endswith("en") or verb == "sind"


def _adverb_da(body: list[str]) -> bool:
    """ "Da ging er …": "da" directly before a finite verb is the adverb "then", not "because"."""
    if body[0] != "Da" or len(body) < 4 or not _finite(body[1]):
        return False
    return body[2].lower() in w.PRONOUNS or _subject_after_verb(body) is not None


NOMINATIVE_ARTICLES = frozenset({"der", "die", "das", "ein", "eine"})


def _subject_after_verb(body: list[str], verb_at: int = 1) -> list[str] | None:
    """The subject right after the verb in "Adverb V (sich) der/die/das/ein/eine … N" or a name
    ("Dann segnete Gott …"), capitalised; None when the noun phrase could be the object (a
    nominative "der"/"ein" follows it) or there is none."""
    i = verb_at + 2 if verb_at + 1 < len(body) and body[verb_at + 1] == "sich" else verb_at + 1
    if i >= len(body) or not (body[i] in NOMINATIVE_ARTICLES or pos.word_tag(body[i]) == "NE"):
        return None
    np_end = w.noun_phrase_end(body, i)
    if np_end is None or np_end >= len(body) or body[np_end] in ("der", "ein", ","):
        return None
    return [w.capitalise(body[i]), *body[i + 1 : np_end]]


def coordination(body: list[str], end: list[str]) -> list[list[str]] | None:
    """Split "S V1 …, V2 … und V3 …" into sentences that each repeat S, or "A und S V …" after a
    main clause A; None when the sentence does not have that shape (or a subordinate clause
    comes first: then the subject of a later verb is not sure)."""
    if len(body) < 6 or body[0].lower() in SUBORDINATORS and not _adverb_da(body):
        return None
    if body[0] in ("Und", "Aber", "Oder", "Doch", "Denn"):  # "Aber die Katze sprang …, spie und kratzte."
        parts = coordination(body[1:], end)
        if parts:
            parts[0] = [body[0], w.lower_function_word(parts[0][0]), *parts[0][1:]]
        return parts
    np_end = w.noun_phrase_end(body, 0)
    if np_end == 1 and body[0].lower() not in w.PRONOUNS and pos.word_tag(body[0]) not in ("NN", "NE"):
        np_end = None  # "Dann", "Heute": an adverb, not a subject
    front = body[0].lower() in w.PREPOSITIONS or body[0] in ("Eines", "Des")  # "Am Montag", "Eines Tages"
    if front and np_end is not None and np_end + 2 < len(body) and _finite(body[np_end]):
        verb_at = np_end  # the subject follows the verb: "Am Montag kommt die Stadt und sperrt …"
        if body[np_end + 1].lower() in w.PRONOUNS:
            subject = [w.capitalise(body[np_end + 1])]
        elif (after := _subject_after_verb(body, np_end)) is not None:
            subject = after
        else:
            return None
    elif np_end is not None and np_end < len(body) and _finite(body[np_end]):
        subject, verb_at = body[:np_end], np_end
    elif _finite(body[1]) and w.noun_phrase_end(body, 2) == 3 and body[2].lower() in w.PRONOUNS:
        subject, verb_at = [w.capitalise(body[2])], 1  # "Dann zog er …": the subject after the verb
    elif _finite(body[1]) and (after := _subject_after_verb(body)) is not None:
        subject, verb_at = after, 1  # "Da saß die arme Müllerstochter …", "Dann segnete Gott sie …"
    else:
        return None
    verb = body[verb_at]
    for k in range(verb_at + 1, len(body) - 2):
        token = body[k]
        if token == ":":
            return None  # "Der Esel sagte: Ei was, zieh …": what follows the colon has its own subject
        if token == ",":
            if not _finite(body[k + 1]):
                return None  # an enumeration or a subordinate clause: stop here
            gap = k + 1
        elif token == "und":
            gap = k + 1
        else:
            continue
        left, right = body[:k], body[gap:]
        if _words(left) < 3 or _words(right) < 2:
            continue
        if len(right) > 1 and right[1] in ("du", "ich", "wir", "er", "man"):
            continue  # "…, holst du ihr …": the verb has a subject of its own
        if len(right) > 1 and right[0] in clauses.REPORTING and right[1].lower() in w.PRONOUNS | w.DETERMINERS:
            continue  # "…, sagte die Sprecherin": the speaker, not a second predicate
        if _plural(right[0]) == _plural(verb) and (
            _finite(right[0]) or (_plural(verb) and _full_verb(verb) and _infinitive(right[0]))
        ):
            subject_words = [w.lower_function_word(t) if i else t for i, t in enumerate(subject)]
            return [[*left, "."], _start([*subject_words, *right, *end])]
        if token == "und" and right[0].lower() in w.PRONOUNS | w.DETERMINERS:
            r_end = w.noun_phrase_end(right, 0)
            if r_end is not None and r_end < len(right) - 1 and _finite(right[r_end]) and "," not in left:
                return [[*left, "."], ["Und", w.lower_function_word(right[0]), *right[1:], *end]]
    return None


def active(sentence: list[str]) -> list[str] | None:
    body, end = _body(sentence)
    stop = body.index(",") if "," in body else len(body)
    clause, tail = body[:stop], body[stop:]
    aux = next((k for k, t in enumerate(clause) if t in WERDEN and k > 0), None)
    if aux is None or len(clause) < aux + 3:
        return None
    infinitive = w.participle_lemma(clause[-1])
    if infinitive is None:
        return None
    by = next((k for k in range(aux + 1, len(clause) - 1) if clause[k] in ("von", "vom", "durch")), None)
    if by is None:
        return None
    agent_words = ["dem", *clause[by + 1 :]] if clause[by] == "vom" else clause[by + 1 :]
    agent_end = w.noun_phrase_end(agent_words, 0)
    if agent_end is None:
        return None
    agent = w.agent_nominative(agent_words[:agent_end])
    if agent is None:
        return None
    agent_words_nom, plural = agent
    used = agent_end - (1 if clause[by] == "vom" else 0)
    middle = [*clause[aux + 1 : by], *clause[by + 1 + used : -1]]
    verb = w.finite(infinitive, plural)
    if verb is None:
        return None
    finite_verb, particle = verb
    if WERDEN[clause[aux]] != plural and clause[0] != "Es" and w.noun_phrase_end(clause, 0) == aux:
        pass  # patient and agent differ in number: fine, the verb follows the agent
    if any(
        t in ("der", "ein", "kein") and (k == 0 or middle[k - 1].lower() not in w.PREPOSITIONS)
        for k, t in enumerate(middle)
    ):
        return None  # a nominative "der/ein …" would have to become accusative: not sure of the gender
    front = clause[:aux]
    rest = [*middle, *([particle] if particle else []), *tail, *end]
    if front == ["Es"]:
        return _start([*agent_words_nom, finite_verb, *rest])
    if w.noun_phrase_end(front, 0) == len(front) and front[0].lower() in ("die", "das", "der", "diese", "dieses"):
        patient = [w.lower_function_word(front[0]), *front[1:]]
        if patient[0] == "der":
            patient = ["den", *[(t + "n" if t.islower() and t.endswith("e") else t) for t in patient[1:]]]
        return _start([*agent_words_nom, finite_verb, *patient, *rest])
    if front[0].lower() in w.DETERMINERS | w.PRONOUNS:
        return None  # a subject we cannot turn into an object safely
    return [*front, finite_verb, *[w.lower_function_word(t) for t in agent_words_nom], *rest]


def nominal(sentence: list[str]) -> list[str] | None:
    body, end = _body(sentence)
    if len(body) < 4 or body[0].lower() not in ("eine", "die", "ein", "das") or body[-1] not in MODALS:
        return None
    if "ist" not in body or "," in body:
        return None
    verb = w.verb_for_noun(body[1])
    if verb is None:
        return None
    k = 2
    objects: list[str] = []
    if k < len(body) and body[k] == "der":
        np_end = w.noun_phrase_end(body, k)
        if np_end is None:
            return None
        objects = ["die", *body[k + 1 : np_end]]
        k = np_end
    elif k < len(body) and body[k] == "des":
        return None
    if body[k] != "ist":
        return None
    middle = body[k + 1 : -1]
    return ["Sie", MODALS[body[-1]], *objects, *middle, *verb.split(), *end]
