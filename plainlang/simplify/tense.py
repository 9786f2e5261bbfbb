"""Präteritum → Perfekt in a main clause: "Sie öffnete die Tür." → "Sie hat die Tür geöffnet."

Leichte and Einfache Sprache tell the past with haben/sein (Netzwerk Leichte Sprache 2013/2022;
Bredel & Maaß 2016, ch. 11.2): readers know the Perfekt from speech, many Präteritum forms
("fing", "mied") they rarely meet. The rewrite is deliberately narrow and returns ``None``
whenever it is not sure:

- only a full verb in second place of a main clause (after a subject, a pronoun, one adverb
  or a fronted prepositional phrase); sein, haben, werden and the modal verbs stay ("war",
  "hatte", "konnte" are allowed by the guides);
- weak verbs by rule (HanTa's lemma must give the form: "öffnete" = "öffn" + "ete"), strong and
  mixed verbs from ``data/preterite.tsv``;
- the participle goes to the end of the clause: the sentence end, or a comma that opens a
  subordinate or a new clause ("Er sagte, dass …" → "Er hat gesagt, dass …"); a separated
  particle at the end joins it ("siedelten sich … an" → "haben sich … angesiedelt");
- not when the clause coordinates ("öffnete die Tür und ging"): the second verb would need
  its own auxiliary; an "und" between two words of the clause is fine ("kaufte Bänke und
  Tische" → "hat Bänke und Tische gekauft").
"""

from __future__ import annotations

from functools import cache

from plainlang import compounds, pos
from plainlang.resources import load_table
from plainlang.rules.passive import SEPARABLE_PREFIXES
from plainlang.simplify import words as w

INSEPARABLE = ("be", "emp", "ent", "er", "ge", "miss", "ver", "zer", "hinter", "über", "unter", "wider")
# Weak verbs of motion or change of state that take "sein" in the Perfekt (Duden-Grammatik).
WEAK_WITH_SEIN = frozenset(
    {
        "reisen",
        "wandern",
        "folgen",
        "passieren",
        "landen",
        "klettern",
        "segeln",
        "eilen",
        "stürzen",
        "begegnen",
        "erwachen",
        "scheitern",
        "rasen",
        "marschieren",
        "spazieren",
        "stolpern",
        "rutschen",
        "verreisen",
        "joggen",
    }
)
# Particle verbs that take "sein" where the simple verb takes "haben" ("aufstehen", "einschlafen").
SEIN_PARTICIPLES = frozenset({"aufgestanden", "eingeschlafen", "aufgewacht", "ausgegangen", "eingetreten"})
NOT_FULL_VERBS = frozenset({"sein", "haben", "werden", "können", "müssen", "sollen", "wollen", "dürfen", "mögen"})
CLAUSE_OPENERS = frozenset(
    {
        "dass",
        "weil",
        "wenn",
        "als",
        "ob",
        "obwohl",
        "damit",
        "während",
        "nachdem",
        "bevor",
        "sodass",
        "bis",
        "ehe",
        "wo",
        "wann",
        "warum",
        "wer",
        "wie",
        "was",
        "der",
        "die",
        "das",
        "den",
        "dem",
        "deren",
        "dessen",
        "aber",
        "sondern",
        "denn",
        "doch",
        "um",
        "ohne",
    }
)
PARTICLES = frozenset(SEPARABLE_PREFIXES) | {
    "hinab",
    "herab",
    "hinunter",
    "herunter",
    "hinauf",
    "herauf",
    "hinein",
    "heran",
    "herum",
    "empor",
    "entgegen",
    "hinzu",
    "dazu",
    "fort",
    "davon",
    "entlang",
    "zurecht",
}
OPENERS = frozenset({"Und", "Aber", "Oder", "Denn", "Doch"})
AUX = {
    ("haben", "sg"): "hat",
    ("haben", "pl"): "haben",
    ("haben", "ich"): "habe",
    ("sein", "sg"): "ist",
    ("sein", "pl"): "sind",
    ("sein", "ich"): "bin",
}


@cache
def _strong() -> dict[str, tuple[str, str, str]]:
    """Präteritum form → (Partizip II, auxiliary, number) for the strong and mixed verbs."""
    table: dict[str, tuple[str, str, str]] = {}
    for form, participle, aux in load_table("preterite.tsv"):
        table[form] = (participle, aux, "sg")
        table[form + ("n" if form.endswith("e") else "en")] = (participle, aux, "pl")
    return table


def _particle(lemma: str) -> tuple[str, str] | None:
    """ "auflauern" → ("auf", "lauern"); "antworten" → None (no verb "tworten")."""
    for prefix in sorted(PARTICLES, key=len, reverse=True):
        rest = lemma[len(prefix) :]
        if lemma.startswith(prefix) and len(rest) > 3 and rest in compounds.vocabulary():
            return prefix, rest
    return None


def _weak(form: str, final: bool = False) -> tuple[str, str, str] | None:
    """ "öffnete" → ("geöffnet", "haben", "sg"), "studierten" → ("studiert", "haben", "pl");
    with ``final`` (a verb-final clause) also "auflauerte" → "aufgelauert"."""
    if not (form.isalpha() and form.islower() and 4 < len(form) < 18 and form.endswith(("te", "ten"))):
        return None
    lemma, tag = pos.analyse_word(form)
    if tag != "VVFIN" or lemma in NOT_FULL_VERBS or not lemma.endswith("n") or lemma == form:
        return None
    stem = lemma[:-2] if lemma.endswith("en") else lemma[:-1]
    number = "pl" if form.endswith("n") else "sg"
    suffix = form[len(stem) :]
    if not form.startswith(stem) or suffix not in ("te", "ete", "ten", "eten"):
        return None
    ending = "et" if suffix.startswith("e") else "t"
    aux = "sein" if lemma in WEAK_WITH_SEIN else "haben"
    if stem.endswith("ier") or lemma.startswith(INSEPARABLE) and lemma not in ("erben", "ernten", "bellen"):
        return stem + ending, aux, number
    particle = _particle(lemma)
    if particle is None:
        return "ge" + stem + ending, aux, number
    if not final:
        return None  # "abholte" is a verb-final form: not a main clause
    prefix, rest = particle
    if rest.startswith(INSEPARABLE):
        return None  # "anerkannte": "anerkannt" or "anerkennt"? not sure
    participle = prefix + "ge" + stem[len(prefix) :] + ending
    return participle, "sein" if rest in WEAK_WITH_SEIN or participle in SEIN_PARTICIPLES else aux, number


def _verb(form: str, final: bool = False) -> tuple[str, str, str] | None:
    found = _strong().get(form)
    if found is None and final:
        for prefix in sorted(PARTICLES, key=len, reverse=True):  # "zurückkam" → "zurückgekommen"
            if form.startswith(prefix) and form[len(prefix) :] in _strong():
                participle, aux, number = _strong()[form[len(prefix) :]]
                if participle.startswith("ge"):
                    participle = prefix + participle
                    return participle, "sein" if participle in SEIN_PARTICIPLES else aux, number
    return found or _weak(form, final)


def is_preterite(word: str) -> bool:
    """ "gab", "machte", "öffneten": a Präteritum form of a full verb."""
    return word.islower() and _verb(word) is not None


def _second_place(body: list[str]) -> int | None:
    """Index of the word in second place of a main clause, or None."""
    start = 1 if body and body[0] in OPENERS else 0
    if len(body) < start + 3 or body[start].lower() in CLAUSE_OPENERS - {"der", "die", "das", "den", "dem"}:
        return None
    first = body[start]
    if first.lower() in w.PREPOSITIONS:
        end = w.noun_phrase_end(body, start + 1)
        if end is None and start + 2 < len(body) and body[start + 1][:1].isdigit():
            end = start + 2  # "Nach 28 Jahren"
        if end is not None and end < len(body) and body[end][:1].isdigit():
            end += 1  # "Im Jahr 1875"
        return end
    end = w.noun_phrase_end(body, start)
    if end is not None:
        return end
    if first.isalpha() or first.isdigit():  # one adverb or a year: "Dann", "Später", "1867"
        return start + 1
    return None


def perfect(sentence: list[str]) -> list[str] | None:
    """The sentence with its Präteritum in the Perfekt (main and subordinate clauses), or None."""
    main = _main(sentence)
    sub = _subordinate(main or sentence)
    return sub or main


def _main(sentence: list[str]) -> list[str] | None:
    body, end = (sentence[:-1], sentence[-1:]) if sentence and sentence[-1] in (".", "!", ":") else (sentence, [])
    if not end or "„" in body or "»" in body or '"' in body:
        return None
    at = _second_place(body)
    found = _verb(body[at]) if at is not None and at < len(body) else None
    if at is None or found is None:
        return _reporting(body, end)
    participle, aux, number = found
    clause_end = len(body)
    for k in range(at + 1, len(body)):
        if body[k] in (";", "(", "–"):
            return None
        if body[k] == ":":  # "Da sprach der König: …"
            clause_end = k
            break
        if body[k] == ",":
            following = body[k + 1 : k + 3]
            if following and (
                following[0].lower() in CLAUSE_OPENERS
                or following[0].lower() in w.PREPOSITIONS
                and following[1:] in (["denen"], ["dem"], ["der"], ["den"], ["die"], ["das"], ["welchem"], ["welcher"])
            ):
                clause_end = k
                break
            return None  # an enumeration or a second main clause: not sure where the clause ends
        if body[k] in ("und", "oder", "sowie") and not _joins_words(body, k):
            return None
    middle = body[at + 1 : clause_end]
    if any(t in ("wie", "dass", "ob", "wenn", "weil", "als", "was") for t in middle):
        return None  # a subordinate clause without a comma: the participle would land inside it
    if middle and middle[-1] in w.PREPOSITIONS and middle[-1] not in PARTICLES:
        return None  # "tauchte … unter": a particle we do not know as one
    if middle and _infinitive(middle[-1]):
        return None  # "ließ den Befehl ausgehen", "fand ihn liegen": Ersatzinfinitiv, not sure
    if "zu" in middle[-3:] and middle[-1].islower():
        return None  # "begann zu weinen", "versuchte … zu helfen": the participle goes elsewhere
    if middle and middle[-1] in PARTICLES and middle[-1].islower():
        if participle.startswith("ge"):
            participle = middle[-1] + participle
            middle = middle[:-1]
            aux = "sein" if participle in SEIN_PARTICIPLES else aux
        else:
            return None  # "verband … mit": an inseparable verb with a particle? not sure
    person = number
    neighbours = {body[at - 1].lower(), body[at + 1].lower() if at + 1 < len(body) else ""}
    if number == "sg" and "ich" in neighbours:
        person = "ich"
    if number == "sg" and "du" in neighbours:
        return None
    return [*body[:at], AUX[(aux, person)], *middle, participle, *body[clause_end:], *end]


def _joins_words(body: list[str], k: int) -> bool:
    """ "kaufte Brot und Milch": "und" joins two words of one clause, not two clauses (no
    pronoun after it, no verb or comma up to the end)."""
    if k + 1 >= len(body) or body[k + 1].lower() in w.PRONOUNS or body[k + 1] in ("Sie", "ich"):
        return False
    for token in body[k + 1 :]:
        if token in (",", ";", ":", "„", "»", "–") or token.lower() in CLAUSE_OPENERS - RELATIVE_OR_ARTICLE:
            return False
        if token.lower().startswith("welch"):  # a relative clause without its comma
            return False
        if token.islower() and token.isalpha() and pos.word_tag(token).startswith("V"):
            return False
    return True


def _infinitive(word: str) -> bool:
    """An infinitive before the verb ("tanzen sahen"); out of context it may be tagged finite."""
    if not (word.isalpha() and word.islower()):
        return False
    tag = pos.word_tag(word)
    return tag.endswith("INF") or word.endswith("en") and tag.startswith("VV")


def _reporting(body: list[str], end: list[str]) -> list[str] | None:
    """ "Was ist geschehen?, dachte er." → "…, hat er gedacht.": a reporting verb after the words."""
    if "," not in body:
        return None
    comma = len(body) - 1 - body[::-1].index(",")
    if comma + 2 >= len(body) or w.noun_phrase_end(body, comma + 2) != len(body):
        return None
    found = _verb(body[comma + 1])
    if found is None:
        return None
    participle, aux, number = found
    subject = body[comma + 2 :]
    person = "ich" if number == "sg" and subject == ["ich"] else number
    if subject == ["du"]:
        return None
    return [*body[: comma + 1], AUX[(aux, person)], *subject, participle, *end]


# Words after which the verb stands at the end of its clause: the clause openers above without
# the coordinating ones, "um"/"ohne" (infinitive clauses) and "wer", plus a few more subordinators.
VERB_FINAL_OPENERS = (CLAUSE_OPENERS - {"aber", "sondern", "denn", "doch", "um", "ohne", "wer"}) | {
    "seit",
    "seitdem",
    "sobald",
    "denen",
}
CLAUSE_ENDS = frozenset({",", ".", "!", "?", ":", ";"})


def _subordinate(tokens: list[str]) -> list[str] | None:
    """ "…, die den Kindern auflauerte, …" → "…, die den Kindern aufgelauert hat, …"."""
    out = list(tokens)
    changed = False
    k = -1 if out and out[0].lower() in VERB_FINAL_OPENERS - RELATIVE_OR_ARTICLE else 0
    while k < len(out) - 2:
        opens = (
            k == -1
            or out[k] == ","
            and (
                out[k + 1].lower() in VERB_FINAL_OPENERS
                or out[k + 1].lower() in w.PREPOSITIONS
                and out[k + 2] in ("dem", "der", "den", "denen", "welchem", "welcher")
            )
        )
        if opens:
            close = next((j for j in range(k + 2, len(out)) if out[j] in CLAUSE_ENDS), len(out))
            clause = out[k + 1 : close - 1]
            found = _verb(out[close - 1], final=True) if len(clause) >= 2 else None
            before = clause[-1] if clause else ""
            if (
                found is not None
                and not {"und", "oder", "du", "ihr", "„", "»", '"'} & set(clause)
                and before != "zu"
                and not _infinitive(before)
            ):
                participle, aux, number = found
                person = "ich" if number == "sg" and "ich" in clause else number
                out[close - 1 : close] = [participle, AUX[(aux, person)]]
                changed = True
        k += 1
    return out if changed else None


RELATIVE_OR_ARTICLE = frozenset({"der", "die", "das", "den", "dem", "deren", "dessen", "denen", "was", "wie", "wo"})
