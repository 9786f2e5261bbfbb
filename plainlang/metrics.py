"""Readability figures from our own counts, and the combined 0…20 index.

Why our own counts: textstat counts German syllables with pyphen and splits
sentences at every full stop, so "z. B." and "1. Januar" distort its figures.
All formulas below use :mod:`plainlang.segment` and :mod:`plainlang.syllables`.

Counting conventions (documented because every figure depends on them):
- a sentence is a sentence, a heading or a list item with at least one word;
- words are alphabetic words, numbers ("2027", "9.30") and URLs; sentence
  length counts all of them, letter and syllable figures only alphabetic words;
- hyphenated compounds ("Kita-Gebühren") are one word; letters exclude hyphens.

Formulas (ASL = words per sentence, ASW = syllables per alphabetic word, MS =
% words with 3+ syllables, IW = % words over 6 letters, ES = % one-syllable words):
- Amstad (Flesch for German): 180 − ASL − 58.5 · ASW
- Wiener Sachtextformel 1: 0.1935·MS + 0.1672·ASL + 0.1297·IW − 0.0327·ES − 0.875
- Wiener Sachtextformel 2: 0.2007·MS + 0.1682·ASL + 0.1373·IW − 2.779
- Wiener Sachtextformel 3: 0.2963·MS + 0.1905·ASL − 1.1144
- Wiener Sachtextformel 4: 0.2744·MS + 0.2656·ASL − 1.693
- LIX: ASL + IW
- share_rare_words: alphabetic words with a Zipf frequency below 3 (wordfreq's German list,
  :mod:`plainlang.frequency`; a word joined with "-" or "·" counts by its rarest part, a word
  the list does not know counts as rare); mean_zipf: their mean Zipf frequency (unknown = 1);
- passive_share: share of sentences with a Vorgangspassiv; nominal_share: abstract
  nouns (-ung, -heit, -keit, -ion, -ität) per alphabetic word.
The index (``data/index.yaml``) maps each figure onto 0…20 and averages them.
"""

from __future__ import annotations

from dataclasses import dataclass

from plainlang.frequency import word_zipf
from plainlang.resources import load_yaml
from plainlang.segment import Analysis

RARE_METRIC_ZIPF = 3.0


@dataclass(slots=True)
class Counts:
    sentences: int = 0
    words: int = 0
    alpha_words: int = 0
    syllables: int = 0
    long_words: int = 0  # more than 6 letters
    polysyllabic: int = 0  # 3 or more syllables
    monosyllabic: int = 0
    sentences_over_20: int = 0
    passive_sentences: int = 0
    abstract_nouns: int = 0
    rare_words: int = 0
    zipf_sum: float = 0.0


def count(analysis: Analysis, passive_sentences: int, abstract_nouns: int) -> Counts:
    """Tally the counts the formulas need, in one pass over the words."""
    counts = Counts(passive_sentences=passive_sentences, abstract_nouns=abstract_nouns)
    kinds, letters, sylls, texts = analysis.word_kind, analysis.letters, analysis.syllables, analysis.texts
    rare = 0
    zipf_sum = 0.0
    for sentence in analysis.sentences:
        counts.sentences += 1
        n = len(sentence.words)
        counts.words += n
        if n > 20:
            counts.sentences_over_20 += 1
        for i in sentence.words:
            if kinds[i] != "alpha":
                continue
            counts.alpha_words += 1
            z = word_zipf(texts[i])
            zipf_sum += z
            if z < RARE_METRIC_ZIPF:
                rare += 1
            s = sylls[i]
            counts.syllables += s
            if letters[i] > 6:
                counts.long_words += 1
            if s >= 3:
                counts.polysyllabic += 1
            elif s == 1:
                counts.monosyllabic += 1
    counts.rare_words = rare
    counts.zipf_sum = zipf_sum
    return counts


def compute(counts: Counts) -> dict[str, float]:
    """All figures, rounded for reports. An empty text gets neutral zeros."""
    sentences = max(counts.sentences, 1)
    alpha = max(counts.alpha_words, 1)
    asl = counts.words / sentences
    asw = counts.syllables / alpha if counts.alpha_words else 0.0
    ms = 100 * counts.polysyllabic / alpha
    iw = 100 * counts.long_words / alpha
    es = 100 * counts.monosyllabic / alpha
    metrics = {
        "amstad": 180 - asl - 58.5 * asw if counts.alpha_words else 0.0,
        "wiener_sachtextformel_1": 0.1935 * ms + 0.1672 * asl + 0.1297 * iw - 0.0327 * es - 0.875,
        "wiener_sachtextformel_2": 0.2007 * ms + 0.1682 * asl + 0.1373 * iw - 2.779,
        "wiener_sachtextformel_3": 0.2963 * ms + 0.1905 * asl - 1.1144,
        "wiener_sachtextformel_4": 0.2744 * ms + 0.2656 * asl - 1.693,
        "lix": asl + iw,
        "mean_sentence_length": asl,
        "mean_syllables_per_word": asw,
        "share_sentences_over_20_words": counts.sentences_over_20 / sentences,
        "share_words_over_6_letters": iw / 100,
        "share_words_3plus_syllables": ms / 100,
        "share_rare_words": counts.rare_words / alpha,
        "mean_zipf": counts.zipf_sum / alpha if counts.alpha_words else 0.0,
        "passive_share": counts.passive_sentences / sentences,
        "nominal_share": counts.abstract_nouns / alpha,
        "sentences": float(counts.sentences),
        "words": float(counts.words),
    }
    metrics = {key: round(value, 3) for key, value in metrics.items()}
    metrics["index"] = readability_index(metrics) if counts.words else 0.0
    return metrics


def readability_index(metrics: dict[str, float]) -> float:
    """Weighted mean of the components in ``data/index.yaml``, each mapped to 0…20."""
    total = weights = 0.0
    for component in load_yaml("index.yaml")["components"]:
        easy, hard = component["easy"], component["hard"]
        score = (metrics[component["metric"]] - hard) / (easy - hard)
        total += component["weight"] * 20 * min(max(score, 0.0), 1.0)
        weights += component["weight"]
    index = total / weights
    for penalty in load_yaml("index.yaml").get("penalties", []):  # e.g. long texts
        share = (metrics[penalty["metric"]] - penalty["free"]) / (penalty["full"] - penalty["free"])
        index -= penalty["points"] * min(max(share, 0.0), 1.0)
    return round(max(index, 0.0), 1)
