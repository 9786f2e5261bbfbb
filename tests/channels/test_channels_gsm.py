"""SMS encoding and segment counting against the GSM 03.38 tables (3GPP TS 23.038/23.040)."""

import pytest

from notify.channels.gsm import GsmAlphabet, fit_sms, normalise_for_sms, sms_info

LINK = "\nGanzer Text: https://www.gelsenkirchen.de/n/abc123"


@pytest.mark.parametrize(
    ("text", "encoding", "characters", "segments"),
    [
        ("", "gsm7", 0, 0),
        ("Hallo", "gsm7", 5, 1),
        ("Straße gesperrt: Ämter öffnen später, Übergänge bleiben frei.", "gsm7", 61, 1),
        ("a" * 160, "gsm7", 160, 1),  # exactly one part
        ("a" * 161, "gsm7", 161, 2),  # one over: split into parts of 153
        ("a" * 306, "gsm7", 306, 2),  # 153 · 2
        ("a" * 307, "gsm7", 307, 3),
        ("a" * 459, "gsm7", 459, 3),  # 153 · 3
        ("Kosten: 5 €", "gsm7", 12, 1),  # € is an extension character: two septets
        ("€" * 80, "gsm7", 160, 1),
        ("€" * 81, "gsm7", 162, 2),
        ("[]{}~^|\\", "gsm7", 16, 1),
        ("a" * 159 + "€", "gsm7", 161, 2),
        # An escape pair is never split across parts: 152 + € does not fit in part one.
        ("a" * 152 + "€" + "a" * 152, "gsm7", 306, 3),
        ("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡¿§ÑñÖäà", "gsm7", 38, 1),
        ("Şehir Belediyesi: yol kapalı", "ucs2", 28, 1),  # Turkish ş, ı
        ("İstanbul ğ", "ucs2", 10, 1),
        ("Zażółć gęślą jaźń", "ucs2", 17, 1),  # Polish
        ("Дорога закрыта", "ucs2", 14, 1),  # Cyrillic
        ("Baustelle 🚧", "ucs2", 12, 1),  # emoji: a surrogate pair, two units
        ("ı" * 70, "ucs2", 70, 1),
        ("ı" * 71, "ucs2", 71, 2),
        ("ı" * 134, "ucs2", 134, 2),  # 67 · 2
        ("ı" * 135, "ucs2", 135, 3),
        ("€" + "ı" * 69, "ucs2", 70, 1),  # € in a UCS-2 message is one unit
        ("🚧" * 35, "ucs2", 70, 1),
        ("🚧" * 36, "ucs2", 72, 2),
        # A surrogate pair is never split: 66 units + emoji does not fit in part one.
        ("ı" * 66 + "🚧" + "ı" * 66, "ucs2", 134, 3),
        ("„Hallo“", "ucs2", 7, 1),  # typographic quotes are not GSM (see normalise_for_sms)
    ],
)
def test_sms_info(text, encoding, characters, segments):
    info = sms_info(text)
    assert (info.encoding, info.characters, info.segments) == (encoding, characters, segments)


def test_tables_have_the_standard_sizes():
    alphabet = GsmAlphabet.load()
    assert len(alphabet.basic) == 127  # 128 codes minus the escape
    assert len(alphabet.extension) == 10
    for char in "äöüÄÖÜß":
        assert alphabet.septets(char) == 1
    for char in "€[]{}~^|\\":
        assert alphabet.septets(char) == 2


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("„Hallo“ – bis 10 Uhr…", '"Hallo" - bis 10 Uhr...'),
        ("Straße\u00a0gesperrt", "Straße gesperrt"),
        ("zwei  Leerzeichen", "zwei Leerzeichen"),
        ("Şehir ğ ı İ", "Şehir ğ ı İ"),  # letters are never replaced
        ("Zażółć 🚧", "Zażółć 🚧"),
    ],
)
def test_normalise_for_sms_only_touches_punctuation(raw, clean):
    assert normalise_for_sms(raw) == clean


@pytest.mark.parametrize("budget", [1, 2, 3])
@pytest.mark.parametrize(
    "message",
    [
        "Die Hauptstraße ist ab Montag gesperrt. " * 20,
        "Şehir merkezinde yol çalışması var. " * 20,
        "Baustelle 🚧 auf der Hauptstraße. " * 20,
    ],
)
def test_fit_sms_keeps_link_and_budget(message, budget):
    fitted = fit_sms(message, budget, keep=LINK)
    assert fitted.endswith(LINK)
    assert sms_info(fitted).segments <= budget
    head = fitted[: -len(LINK)]
    assert head.endswith(("...", "…"))
    # cut at a word boundary: the text before the ellipsis is a prefix made of whole words
    stem = head.rstrip(".…")
    assert message.startswith(stem) and message[len(stem)] in " .,"


def test_fit_sms_leaves_short_text_alone():
    assert fit_sms("Kurz.", 1, keep=LINK) == "Kurz." + LINK


def test_fit_sms_uses_gsm_ellipsis_in_gsm_messages():
    fitted = fit_sms("Wort " * 100, 1, keep=LINK)
    assert sms_info(fitted).encoding == "gsm7"


def test_fit_sms_keeps_the_link_even_when_nothing_else_fits():
    long_link = "\n" + "https://example.org/" + "x" * 170
    assert fit_sms("Text " * 50, 1, keep=long_link) == long_link.strip()
