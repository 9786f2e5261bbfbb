"""The faster paths of the checker give the same answers as the slow ones they replace.

Tokens (``plainlang.tokens``) as spaCy's own tokenizer makes them, lemmas as spaCy's lookup
lemmatizer gives them, and Partizip II answers as HanTa gives them (``data/participles.tsv.gz``).
If one of these drifted, reports would change without anybody changing a rule.
"""

import spacy

from plainlang import frequency, pos, tokens
from plainlang.nlp import get_nlp
from plainlang.segment import analyse

TRICKY = [
    "Die Straße wird z.B. am Mo. gesperrt, vgl. Nr. 5 (siehe u.a. Abs. 3).",
    "Bürger*innen, Lehrer_innen und Ärzt:innen: Bitte www.stadt.de/abfall oder info@stadt.de nutzen!",
    "  Zwei  Leerzeichen,\tein Tab\n\nund Leerzeilen.\n- Punkt eins\n• Punkt zwei \n",
    "Am 1.1.2027 um 9.30 Uhr – bis 14. März – kostet es 12,50 € bzw. 3 % mehr :) xD",
    "„Das geht’s nicht“, sagte er. 'So' ist’s... Wirklich?! Ja!!! (Ende)",
    "Kita-Gebühren, E-Government-Strategie und Park·flächen; Hauptstr. 5, 12345 Stadt.",
    " Ein Satz am Anfang mit Leerzeichen und am Ende ",
    "",
]


def _tokens(doc) -> list[tuple[str, int, str]]:
    return [(t.text, t.idx, t.whitespace_) for t in doc]


def test_tokens_are_the_same_as_spacys_own_tokenizer_also_when_cached():
    nlp = get_nlp()
    spacy_tokenizer = nlp.tokenizer.tokenizer  # spaCy's tokenizer with the checker's special cases
    for text in TRICKY:
        expected = _tokens(spacy_tokenizer(text))
        assert _tokens(nlp.make_doc(text)) == expected, text
        assert _tokens(nlp.make_doc(text)) == expected, text  # second time from the chunk cache
        assert nlp.make_doc(text).text == text


def test_the_words_left_on_the_doc_are_its_tokens_and_offsets():
    nlp = get_nlp()
    for text in TRICKY:
        doc = nlp(text)
        assert tokens.WORDS in doc.user_data  # else the check below would compare the Doc with itself
        assert tokens.words_and_spaces(doc) == ([t.text for t in doc], [bool(t.whitespace_) for t in doc]), text
        analysis = analyse(doc)
        assert analysis.idx == [t.idx for t in doc], text
        assert analysis.texts == [t.text for t in doc], text


def test_words_of_letters_only_are_one_token_for_spacy():
    spacy_tokenizer = get_nlp().tokenizer.tokenizer
    forms = sorted(frequency._load())[::400]
    words = [w for w in forms if w.isalpha()] + ["Straße", "ÄRGER", "Öffnungszeiten", "xD"]
    for word in words + [w[:1].upper() + w[1:] for w in words]:
        assert [t.text for t in spacy_tokenizer(word)] == [word]


def test_lemmas_are_the_same_as_spacys_lookup_lemmatizer():
    reference = spacy.blank("de")
    reference.add_pipe("lemmatizer", config={"mode": "lookup"})
    reference.initialize()
    lemmatizer = reference.get_pipe("lemmatizer")
    nlp = get_nlp()
    for text in TRICKY[:6]:
        expected = [t.lemma_ for t in lemmatizer(nlp.make_doc(text))]
        assert [t.lemma_ for t in nlp(text)] == expected, text


def test_participle_table_gives_hantas_answers():
    table = pos.participle_table()
    hanta = pos._hanta()
    sample = sorted(table)[::600] + ["gesperrt", "abgeholt", "geöffnet", "erneuert", "arbeiten", "großgeschrieben"]
    for word in sample:
        tagged = hanta.tag_word(word, cutoff=0)[0][0].replace("(", "").replace(")", "")
        assert pos.is_participle_form(word) == (tagged in pos.PARTICIPLE_TAGS), word
        if table.get(word) is not None:
            lemma, tag = hanta.analyze(word)
            assert pos.analyse_word(word) == (lemma, tag.replace("(", "").replace(")", "")), word


def test_a_word_the_table_does_not_hold_is_asked_of_hanta():
    word = "zerknautschelt"  # not in the word lists
    assert word not in pos.participle_table()
    tagged = pos._hanta().tag_word(word, cutoff=0)[0][0].replace("(", "").replace(")", "")
    assert pos.is_participle_form(word) == (tagged in pos.PARTICIPLE_TAGS)


def test_one_hanta_tagging_gives_the_answers_of_tag_word_and_analyze():
    """word_tag and analyse_word share HanTa's first step; the answers stay those of its public calls."""
    hanta = pos._hanta()
    words = ["schiefgewickelt", "zerknautschelt", "grüngestrichen", "Müllabfuhrkalender", "Bürgerbüros", "schnell"]
    for word in words:
        assert word not in pos.participle_table(), word
        lemma, tag = hanta.analyze(word)
        assert pos.analyse_word(word) == (lemma, tag.replace("(", "").replace(")", "")), word
        tagged = hanta.tag_word(word, cutoff=0)[0][0]
        assert pos.word_tag(word) == tagged.replace("(", "").replace(")", ""), word
