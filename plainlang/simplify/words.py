"""Small German grammar helpers for the sentence rewrites: tokens, noun phrases, verb forms.

Deliberately conservative: every helper returns ``None`` when it is not sure, and the rewrite
that asked then leaves the sentence as it was. A proposal that is not made costs the editor
nothing; a wrong one costs trust.
"""

from __future__ import annotations

import re
from functools import cache

from plainlang import compounds, pos
from plainlang.resources import load_table
from plainlang.rules import nominal
from plainlang.rules.passive import SEPARABLE_PREFIXES

# "baum- oder feldfrisch", "Ein- und Ausgang": the hyphen of a word cut short stays on it.
_TOKEN = re.compile(
    r"\d+\.(?=\s+[^\W\d_])|\d+(?:[.:,]\d+)*(?:ern|ers|er)?|[^\W\d_][\w·-]*-(?= (?:und|oder|bis|sowie) )"
    r"|[^\W\d_](?:[\w·-]*\w)?|…|\.\.\.|[^\w\s]"
)
NO_SPACE_BEFORE = frozenset({".", ",", ";", ":", "!", "?", ")", "]", "“", "«", "…"})
NO_SPACE_AFTER = frozenset({"(", "[", "„", "»"})
DETERMINERS = frozenset(
    {
        "der",
        "die",
        "das",
        "ein",
        "eine",
        "kein",
        "keine",
        "diese",
        "dieser",
        "dieses",
        "unser",
        "unsere",
        "ihr",
        "ihre",
        "jede",
        "jeder",
        "jedes",
        "alle",
        "viele",
        "den",
        "dem",
        "des",
        "einen",
        "einem",
        "einer",
        "eines",
    }
)
PRONOUNS = frozenset({"er", "sie", "es", "wir", "ihr", "man", "ich", "du", "das", "dies", "alle"})
PREPOSITIONS = frozenset(
    {
        "an",
        "am",
        "auf",
        "aus",
        "bei",
        "beim",
        "bis",
        "durch",
        "für",
        "gegen",
        "hinter",
        "in",
        "im",
        "mit",
        "nach",
        "neben",
        "ohne",
        "seit",
        "über",
        "um",
        "unter",
        "von",
        "vom",
        "vor",
        "wegen",
        "zu",
        "zum",
        "zur",
        "zwischen",
        "ab",
        "ins",
        "ans",
    }
)
ABSTRACT_ENDINGS = ("ung", "heit", "keit", "ion", "ität", "nahme", "gabe", "ungen")
_STRONG_3SG = {
    "geben": "gibt",
    "nehmen": "nimmt",
    "sprechen": "spricht",
    "treffen": "trifft",
    "helfen": "hilft",
    "werfen": "wirft",
    "lesen": "liest",
    "sehen": "sieht",
    "empfehlen": "empfiehlt",
    "vergessen": "vergisst",
    "messen": "misst",
    "essen": "isst",
    "fahren": "fährt",
    "tragen": "trägt",
    "schlagen": "schlägt",
    "laden": "lädt",
    "halten": "hält",
    "lassen": "lässt",
    "fallen": "fällt",
    "laufen": "läuft",
    "stoßen": "stößt",
    "wissen": "weiß",
    "treten": "tritt",
    "brechen": "bricht",
    "sterben": "stirbt",
    "gelten": "gilt",
    "raten": "rät",
    "waschen": "wäscht",
    "graben": "gräbt",
    "schlafen": "schläft",
    "geschehen": "geschieht",
    "befehlen": "befiehlt",
    "stehlen": "stiehlt",
    "werden": "wird",
    "sein": "ist",
    "haben": "hat",
    "tun": "tut",
}
_REGULAR_EXCEPTIONS = ("beantragen", "veranlassen")
_NEUTER_HEADS = (
    "amt",
    "werk",
    "werke",
    "büro",
    "referat",
    "team",
    "unternehmen",
    "land",
    "ministerium",
    "zentrum",
    "institut",
    "gericht",
    "präsidium",
    "krankenhaus",
    "rathaus",
    "gesundheitsamt",
)
_MASCULINE_HEADS = (
    "dienst",
    "betrieb",
    "rat",
    "verband",
    "verein",
    "kreis",
    "bürgermeister",
    "träger",
    "bezirk",
    "vorstand",
    "ausschuss",
    "oberbürgermeister",
    "versorger",
    "entsorger",
)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def join(words: list[str]) -> str:
    out: list[str] = []
    for k, word in enumerate(words):
        if k and word not in NO_SPACE_BEFORE and words[k - 1] not in NO_SPACE_AFTER:
            out.append(" ")
        out.append(word)
    return "".join(out)


def capitalise(word: str) -> str:
    return word[:1].upper() + word[1:]


def lower_function_word(word: str) -> str:
    """Lower-case a capitalised determiner or pronoun that no longer opens the sentence."""
    if word.lower() in DETERMINERS | PRONOUNS and word != "Sie":
        return word.lower()
    return word


def is_word(token: str) -> bool:
    return bool(token) and token[0].isalpha()


def is_noun(token: str) -> bool:
    return is_word(token) and token[0].isupper()


def noun_phrase_end(words: list[str], i: int) -> int | None:
    """End (exclusive) of a noun phrase starting at ``i``: pronoun, or determiner + adjectives
    + noun (+ names), with a genitive attribute after an abstract noun; else None."""
    n = len(words)
    if i >= n:
        return None
    lower = words[i].lower()
    if lower in PRONOUNS and (i + 1 == n or not is_noun(words[i + 1]) or lower not in DETERMINERS):
        return i + 1
    if lower in DETERMINERS:
        j = i + 1
        while j < n and j - i <= 3 and words[j].isalpha() and words[j].islower():
            j += 1
        if j >= n or not is_noun(words[j]):
            return None
        j += 1
    elif is_noun(words[i]):
        j = i + 1
    else:
        bare = _bare_adjectives_end(words, i)  # "verspätet eingehende Anträge"
        if bare is None:
            return None
        j = bare + 1
    while j < n and is_noun(words[j]) and words[j] != "Sie":
        j += 1
    head = words[j - 1]
    if j < n and words[j] in ("der", "des") and head.endswith(ABSTRACT_ENDINGS):
        end = noun_phrase_end(words, j)
        if end is not None:
            return end
    return j


def _bare_adjectives_end(words: list[str], i: int) -> int | None:
    """Where the noun stands after adjectives without an article ("neue Anträge", "verspätet
    eingehende Anträge", "viele Menschen"): the last word before the noun is attributive."""
    j = i
    while j < len(words) and j - i < 3 and words[j].isalpha() and words[j].islower():
        j += 1
    if j == i or j >= len(words) or not is_noun(words[j]):
        return None
    tags = [pos.word_tag(word) for word in words[i:j]]
    if tags[-1] not in ("ADJA", "PIAT") or any(t not in ("ADJA", "ADJD", "PIAT", "ADV") for t in tags):
        return None
    return j


def separable(word: str) -> tuple[str, str] | None:
    """ "abholt" → ("holt", "ab") when the word starts with a separable prefix, else None."""
    for prefix in SEPARABLE_PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix) + 2:
            return word[len(prefix) :], prefix
    return None


def participle_lemma(word: str) -> str | None:
    """Infinitive of a Partizip II ("gesperrt" → "sperren"), or None if it is not one."""
    if not (word.isalpha() and word.islower() and len(word) > 3):
        return None
    lemma, tag = pos.analyse_word(word)
    if tag not in ("VVPP", "VAPP", "VMPP") or not lemma.endswith("n"):
        return None
    return lemma.lower()


def finite(infinitive: str, plural: bool) -> tuple[str, str] | None:
    """(finite verb, separated particle) for 3rd person present: "hinweisen" → ("weist", "hin")."""
    particle = ""
    verb = infinitive
    for prefix in SEPARABLE_PREFIXES:
        rest = infinitive[len(prefix) :]
        if infinitive.startswith(prefix) and len(rest) > 3 and rest in compounds.vocabulary():
            particle, verb = prefix, rest
            break
    if plural:
        return verb, particle
    if verb.endswith(_REGULAR_EXCEPTIONS):
        strong = None
    else:
        strong = next(
            (verb[: -len(b)] + f for b, f in sorted(_STRONG_3SG.items(), key=lambda x: -len(x[0])) if verb.endswith(b)),
            None,
        )
    if strong:
        return strong, particle
    stem = verb[:-2] if verb.endswith("en") else verb[:-1]
    if stem.endswith(("t", "d")) or (stem.endswith(("m", "n")) and len(stem) > 2 and stem[-2] not in "aeiouäöülrmnh"):
        return stem + "et", particle
    return stem + "t", particle


def agent_nominative(words: list[str]) -> tuple[list[str], bool] | None:
    """The agent of a passive ("von der Stadt") as a subject: (["die", "Stadt"], plural)."""
    if not words:
        return None
    first = words[0].lower()
    rest = words[1:]
    if len(words) == 1:
        return {"ihnen": (["Sie"], True), "uns": (["wir"], True)}.get(first) or (
            (words, False) if is_noun(words[0]) else None
        )
    adjectives = [w for w in rest if w.islower()]
    head = next((w for w in rest if is_noun(w)), "").lower()
    if first == "der":
        return ["die", *[_strip_n(a) for a in adjectives], *[w for w in rest if not w.islower()]], False
    if first == "dem":
        article = "das" if head.endswith(_NEUTER_HEADS) else "der" if head.endswith(_MASCULINE_HEADS) else None
        if article is None:
            return None
        return [article, *[_strip_n(a) for a in adjectives], *[w for w in rest if not w.islower()]], False
    if first == "den":
        nouns = [w for w in rest if not w.islower()]
        if (
            nouns
            and nouns[0].endswith("n")
            and not nouns[0].endswith("nen")
            and compounds.head(nouns[0][:-1]).lower() in compounds.vocabulary()
        ):
            nouns[0] = nouns[0][:-1]
        return ["die", *adjectives, *nouns], True
    if first == "einer" and not adjectives:
        return ["eine", *rest], False
    if first == "einem" and not adjectives:
        return ["ein", *rest], False
    return None


def _strip_n(adjective: str) -> str:
    return adjective[:-1] if adjective.endswith("en") else adjective


@cache
def _nominal_verbs() -> dict[str, str]:
    return {row[0]: row[1] for row in load_table("nominal_verbs.tsv")}


def verb_for_noun(noun: str) -> str | None:
    """The verb a nominal-style noun stands for, when it is known ("Nutzung" → "nutzen")."""
    table = _nominal_verbs()
    if noun in table:
        return table[noun]
    verb = nominal.verb_for(noun) if noun.endswith("ung") and compounds.head(noun).lower() == noun.lower() else None
    if verb and verb in compounds.vocabulary() and len(verb) > 4:
        return verb
    return None


_AGREES = {
    "die": frozenset({"die", "eine", "einer", "keine"}),
    "der": frozenset({"der", "den", "dem", "ein", "einen", "einem", "kein", "keinen"}),
    "das": frozenset({"das", "ein", "einem", "kein"}),
    "den": frozenset({"der", "den", "dem", "ein", "einen", "einem"}),
    "dem": frozenset({"der", "den", "dem", "das", "ein", "einen", "einem"}),
}


def antecedent_agrees(words: list[str], noun_at: int, relative: str, verb: str = "") -> bool:
    """Does the noun before a relative pronoun have a determiner of the same gender/number?
    A noun without one ("Roboter, die … lernen") agrees with "die" when ``verb``, the verb of
    the relative clause, is plural."""
    k = noun_at - 1
    while k >= 0 and k > noun_at - 4 and words[k].lower() not in DETERMINERS and _attributive(words[k]):
        k -= 1
    if k >= 0 and words[k].lower() in DETERMINERS:
        return words[k].lower() in _AGREES.get(relative, frozenset())
    if not (verb.endswith("en") or verb == "sind") or k >= 0 and words[k] in ("und", "oder"):
        return False  # a singular verb, or "Markt und Bahnhof, die …": which noun is meant?
    if k >= 0 and (words[k][:1].isupper() or words[k].lower() in _WITH_ARTICLE):
        return False  # "Stadt Bonn, die", "am Bahnhof, die": not a bare noun
    if pos.word_tag(words[noun_at]) != "NN":
        return False  # "in Deutschland, die …": a name
    return relative == "die"


def _attributive(word: str) -> bool:
    """An adjective or an adverb in a noun phrase ("alte", "sehr")."""
    return (
        word.isalpha()
        and word.islower()
        and (word in _DEGREE or pos.word_tag(word) in ("ADJA", "ADJD", "ADV", "PIAT", "PIDAT", "CARD"))
    )


_WITH_ARTICLE = frozenset({"am", "im", "vom", "zum", "zur", "beim", "ins", "ans", "aufs", "übers", "durchs", "fürs"})
_DEGREE = frozenset({"sehr", "ganz", "besonders", "so", "zu", "recht", "ziemlich"})
