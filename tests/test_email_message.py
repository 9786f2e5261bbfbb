"""E-mail messages parsed back with the standard library and checked header by header."""

from __future__ import annotations

from email import message_from_bytes, policy

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from notify.channels.dkim_signing import DkimSigner
from notify.channels.email import EmailSender, RenderedEmail, build_message
from notify.channels.mime import HeaderInjection, encode_from, encode_subject, message_bytes
from notify.events import parse_event
from notify.pipeline import template_context
from subscribers.store import Contact

SUBJECTS = ["Sperrung der Hauptstraße", "Abfuhr", "Çöp toplama ertelendi – İstanbul Caddesi 🚧",
            "Ein sehr langer Betreff mit Umlauten wie äöü, der über mehrere Zeilen gefaltet werden muss, damit er passt"]  # fmt: skip


def parse(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def fast(
    subject="Sperrung der Hauptstraße", text="Hallo.\nDie Straße ist gesperrt.\n", html="<p>Hallo.</p>\n", dkim=None
):
    return message_bytes(from_header=encode_from("Stadt Gelsenkirchen <stadtbote@gelsenkirchen.de>"),
                         to="anna@example.org", subject_header=encode_subject(subject), text=text, html=html,
                         language="de", unsubscribe_url="https://stadtbote.test/abmelden/abc.def",
                         delivery_id="0123456789abcdef0123", domain="gelsenkirchen.de", dkim=dkim)  # fmt: skip


@pytest.mark.parametrize("subject", SUBJECTS)
def test_fast_message_parses_to_the_same_as_the_standard_library(subject):
    text, html = "Zeile 1 mit ß und € \nZeile 2 " + "lang " * 40 + "\n", '<p lang="de">Grüße &amp; mehr</p>\n'
    ours = parse(fast(subject, text, html))
    reference = parse(build_message(RenderedEmail(subject, text, html), mail_from="Stadt Gelsenkirchen <stadtbote@gelsenkirchen.de>",
                                    to="anna@example.org", unsubscribe_url="https://stadtbote.test/abmelden/abc.def",
                                    language="de", delivery_id="0123456789abcdef0123").as_bytes())  # fmt: skip
    for header in (
        "From",
        "To",
        "Subject",
        "Content-Language",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "Auto-Submitted",
    ):
        assert str(ours[header]) == str(reference[header]), header
    assert str(ours["Subject"]) == subject
    assert ours.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in ours.iter_parts()] == ["text/plain", "text/html"]
    assert ours.get_body(("plain",)).get_content() == reference.get_body(("plain",)).get_content()
    assert ours.get_body(("html",)).get_content() == reference.get_body(("html",)).get_content()
    assert ours["Message-ID"].endswith("@gelsenkirchen.de>") and ours["Date"]
    assert ours["X-Stadtbote-Delivery"] == "0123456789abcdef0123"


def test_every_line_is_short_and_ends_in_crlf():
    raw = fast(SUBJECTS[3], text="x" * 500 + "\n")
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 998 for line in lines)
    assert b"\n" not in raw.replace(b"\r\n", b"")


@pytest.mark.parametrize("bad", ["Betreff\r\nBcc: opfer@example.org", "Betreff\nX: y", "a\x00b"])
def test_a_header_can_never_be_injected(bad):
    with pytest.raises(HeaderInjection):
        encode_subject(bad)
    with pytest.raises(HeaderInjection):
        message_bytes(from_header="a@b.de", to=f"x@example.org{bad}", subject_header="s", text="t", html="h",
                      language="de", unsubscribe_url="https://x.test/u")  # fmt: skip


def test_dkim_signature_verifies():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())  # fmt: skip
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    import base64

    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    raw = fast(dkim=DkimSigner("stadtbote", "gelsenkirchen.de", pem))
    assert raw.startswith(b"DKIM-Signature:")
    assert dkim.verify(
        raw, dnsfunc=lambda name, timeout=5: record if name == b"stadtbote._domainkey.gelsenkirchen.de." else None
    )
    tampered = raw.replace(b"Sperrung", b"Freigabe")
    assert not dkim.verify(tampered, dnsfunc=lambda name, timeout=5: record)


def test_each_resident_gets_their_own_links_from_one_rendering(plain_runtime, catalogue):
    event = parse_event({"specversion": "1.0", "id": "x1", "source": "/t", "type": "de.gelsenkirchen.abfall",
                         "data": {"title": "Abfuhr später", "text": "Die Abfuhr kommt <b>später</b>.",
                                  "topics": ["abfuhr"], "area": "citywide"}}, catalogue)  # fmt: skip
    sender = EmailSender(pool=None, mail_from="Stadt <stadtbote@gelsenkirchen.de>")
    messages = []
    for sid, address in ((1, "anna@example.org"), (2, "bert@example.org")):
        contact = Contact(sid, f"pub{sid}", None, "de", "standard", {"email": address})
        context = template_context(plain_runtime, event, contact, "de")
        prepared = sender.prepare(f"d{sid}", context, address, "de", "standard")
        messages.append((context, parse(prepared.payload[1])))
    (ctx_a, a), (ctx_b, b) = messages
    assert ctx_a["unsubscribe_url"] != ctx_b["unsubscribe_url"]
    assert a["List-Unsubscribe"] == f"<{ctx_a['unsubscribe_url']}>"
    assert ctx_a["manage_url"] in a.get_body(("plain",)).get_content()
    assert ctx_b["manage_url"] in b.get_body(("html",)).get_content()
    assert "link.invalid" not in a.get_body(("html",)).get_content()
    assert "&lt;b&gt;später&lt;/b&gt;" in a.get_body(("html",)).get_content()


def test_internationalised_addresses_take_the_standard_library_path(plain_runtime, catalogue):
    event = parse_event({"specversion": "1.0", "id": "x2", "source": "/t", "type": "de.gelsenkirchen.abfall",
                         "data": {"title": "Abfuhr", "text": "Später.", "topics": ["abfuhr"], "area": "citywide"}},
                        catalogue)  # fmt: skip
    sender = EmailSender(pool=None, mail_from="Stadt <stadtbote@gelsenkirchen.de>")
    contact = Contact(3, "pub3", None, "de", "standard", {"email": "jürgen@beispiel.de"})
    prepared = sender.prepare(
        "d3", template_context(plain_runtime, event, contact, "de"), "jürgen@beispiel.de", "de", "standard"
    )
    assert not isinstance(prepared.payload[1], bytes)
    assert prepared.payload[1]["To"] == "jürgen@beispiel.de"


def test_each_resident_gets_their_own_feedback_link_not_the_first_readers(plain_runtime, catalogue):
    """The feedback link carries a personal token (one vote each). It was rendered once per
    version and cached: everyone got the first reader's token, saw "Sie haben schon geantwortet"
    and overwrote that person's answer."""
    event = parse_event({"specversion": "1.0", "id": "x4", "source": "/t", "type": "de.gelsenkirchen.abfall",
                         "data": {"title": "Abfuhr später", "text": "Die Abfuhr kommt später.",
                                  "topics": ["abfuhr"], "area": "citywide"}}, catalogue)  # fmt: skip
    sender = EmailSender(pool=None, mail_from="Stadt <stadtbote@gelsenkirchen.de>")
    bodies = {}
    for sid, address in ((1, "anna@example.org"), (2, "bert@example.org")):
        contact = Contact(sid, f"pub{sid}", None, "de", "standard", {"email": address})
        context = template_context(plain_runtime, event, contact, "de")
        context["feedback_url"] = f"https://stadtbote.example/meldungen/7/verstaendlich?p=token-of-{sid}"
        message = parse(sender.prepare(f"d{sid}", context, address, "de", "standard").payload[1])
        bodies[sid] = message.get_body(("plain",)).get_content() + message.get_body(("html",)).get_content()
    assert "token-of-1" in bodies[1] and "token-of-2" not in bodies[1]
    assert "token-of-2" in bodies[2] and "token-of-1" not in bodies[2]


def test_an_english_reader_is_told_the_text_is_german_only_when_it_is(plain_runtime, catalogue):
    """Every English and Turkish e-mail said "the city's original German text", also above an
    English version or a German Einfache-Sprache rewrite."""
    event = parse_event({"specversion": "1.0", "id": "x5", "source": "/t", "type": "de.gelsenkirchen.abfall",
                         "data": {"title": "Abfuhr später", "text": "Die Abfuhr kommt später.",
                                  "topics": ["abfuhr"], "area": "citywide",
                                  "versions": [{"language": "en", "profile": "standard", "title": "Collection later",
                                                "text": "Collection comes later.", "reviewed": False}]}},
                        catalogue)  # fmt: skip
    sender = EmailSender(pool=None, mail_from="Stadt <stadtbote@gelsenkirchen.de>")
    texts = {}
    for sid, language in ((1, "en"), (2, "tr")):
        contact = Contact(sid, f"pub{sid}", None, language, "standard", {"email": f"r{sid}@example.org"})
        context = template_context(plain_runtime, event, contact, language)
        texts[language] = parse(sender.prepare(f"d{sid}", context, f"r{sid}@example.org", language,
                                               "standard").payload[1]).get_body(("plain",)).get_content()  # fmt: skip
    assert "Collection comes later." in texts["en"] and "German" not in texts["en"]
    assert "Die Abfuhr kommt später." in texts["tr"] and "Almanca metnidir" in texts["tr"]
    assert "orijinal" not in texts["tr"]
