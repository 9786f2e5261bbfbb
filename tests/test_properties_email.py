"""E-mails for any event text: whatever a title, a text or a name contains (line breaks, NUL, Unicode
line separators, "Bcc:" lines, markup), the message parses, carries exactly our headers, shows the
title as the subject and never turns the text into markup."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from notify.channels.email import EmailSender
from notify.events import InvalidEvent, parse_event
from notify.formatting import with_mark
from notify.pipeline import Runtime, template_context
from notify.settings import Settings
from notify.textformat import to_plain
from subscribers.store import Contact

# Renders and signs only; the database is never opened.
RT = Runtime(
    Settings(
        data_dir=Path("unused"), database_url="sqlite://", secret_key="test-secret", base_url="https://stadtbote.test"
    )
)
MAIL_FROM = "Stadt Gelsenkirchen <stadtbote@gelsenkirchen.de>"
HEADERS = {"From", "To", "Subject", "Date", "Message-ID", "Content-Language", "List-Unsubscribe",
           "List-Unsubscribe-Post", "Auto-Submitted", "X-Stadtbote-Delivery", "MIME-Version", "Content-Type"}  # fmt: skip

EXAMPLES = settings(max_examples=120, derandomize=True, deadline=None)

BREAKS = ["\r\n", "\n", "\r", "\x00"]
NASTY = [
    *BREAKS,
    "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\t", "  ", "\u00a0", "\u200b", "\ufeff", "\x7f", "\x1b",
    "\r\nBcc: opfer@example.org", "\nBcc: opfer@example.org\n", "\r\n\r\n<html>", "Bcc: opfer@example.org",
    "To: x@example.org", "Content-Type: text/html", "--=_sb_boundary", "\n.\n", "=0D=0A", "=?",
    "<script>alert(1)</script>", "<SCRIPT SRC=//x.example>", "<scr<script>ipt>", "&lt;script&gt;", "<!--", "]]>",
    '"><img src=x onerror=alert(1)>', "**fett**", "- Liste", "Ä", "ß", "€", "„", "🚧", "שלום", "مرحبا", "İ",
    "x" * 90,
]  # fmt: skip
nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=8)), max_size=12).map("".join)
# Titles with CR, LF or NUL are refused when the event arrives (first test); these are the rest.
titles = nasty_text.map(lambda t: t.translate({ord(c): " " for c in "\r\n\x00"}))
addresses = st.sampled_from(["anna@example.org", "b.c+stadt@mail.example.de", "x@y.zz"])


def one_line(text: str) -> str:
    return " ".join(text.split())


def same_lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def make_event(title: str, text: str, urgent: bool):
    return parse_event(
        {
            "specversion": "1.0",
            "id": "p1",
            "source": "/props",
            "type": "de.gelsenkirchen.baustelle",
            "data": {
                "title": title,
                "text": text,
                "topics": ["baustellen"],
                "area": ["buer"],
                "urgency": "urgent" if urgent else "normal",
            },
        },
        RT.catalogue,
    )


def prepare(event, name: str, address: str):
    contact = Contact(7, "pub7", name, "de", "standard", {"email": address, "letter": name})
    context = template_context(RT, event, contact, "de")
    sender = EmailSender(pool=None, mail_from=MAIL_FROM)  # a new one each time: it caches by event id
    return context, sender.prepare("0123456789abcdef0123", context, address, "de", "standard")


@EXAMPLES
@given(before=nasty_text, line_break=st.sampled_from(BREAKS), after=nasty_text)
def test_a_title_with_a_line_break_is_refused_before_it_reaches_a_header(before, line_break, after):
    with pytest.raises(InvalidEvent) as refused:
        make_event(f"Sperrung{before}{line_break}{after} Ende", "Text.", urgent=False)
    assert "data.title" in [error["field"] for error in refused.value.errors]


@EXAMPLES
@given(title=titles, text=nasty_text, name=nasty_text, urgent=st.booleans(), address=addresses)
@example(
    title="Sperrung\u2028Bcc: opfer@example.org",
    text="<script>x</script>",
    name="A\r\nBcc: b@c.de",
    urgent=True,
    address="anna@example.org",
)
@example(title="x" * 69, text="x", name="", urgent=False, address="anna@example.org")
@example(title="Warnung: Starkregen heute Abend", text="x", name="", urgent=True, address="anna@example.org")
@example(title="=?utf-8?q?Bcc:_opfer@example.org?=", text="x", name="", urgent=False, address="x@y.zz")
def test_any_event_gives_a_well_formed_email_with_exactly_our_headers(title, text, name, urgent, address):
    title, text = f"{title} Baustelle", f"Text {text}"
    try:
        event = make_event(title, text, urgent)
    except InvalidEvent:
        assume(False)  # too long, or empty once trimmed: nothing is sent
    context, prepared = prepare(event, name, address)
    raw = prepared.payload[1]
    assert isinstance(raw, bytes)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")

    message = message_from_bytes(raw, policy=policy.default)
    assert not message.defects
    assert sorted(message.keys()) == sorted(HEADERS)  # each exactly once, nothing injected
    assert message["To"] == address
    # The subject is the title on one line: "Warnung: " in front for urgent events (once: not for a
    # title that says it already, as the demo's "Warnung: Starkregen heute Abend"), then every
    # run of white space (also U+2028, NEL, form feed …) collapsed into one space.
    assert str(message["Subject"]) == one_line(with_mark(event.data.title, "Warnung") if urgent else event.data.title)
    assert message["List-Unsubscribe"] == f"<{context['unsubscribe_url']}>"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]

    plain = message.get_body(("plain",)).get_content()
    assert same_lines(to_plain(event.data.text)) in same_lines(plain)
    assert context["manage_url"] in plain and context["unsubscribe_url"] in plain
    html = message.get_body(("html",)).get_content()
    assert "<script" not in html.lower() and "<img" not in html.lower()  # the templates have neither
    assert html.count("<h1") == 1 and html.count("<title>") == 1


@settings(EXAMPLES, max_examples=40)
@given(title=titles, text=nasty_text, urgent=st.booleans())
def test_an_internationalised_address_gets_the_same_message_from_the_standard_library(title, text, urgent):
    title, text = f"{title} Baustelle", f"Text {text}"
    try:
        event = make_event(title, text, urgent)
    except InvalidEvent:
        assume(False)
    context, prepared = prepare(event, "", "jürgen@beispiel.de")
    raw = prepared.payload[1].as_bytes(policy=prepared.payload[1].policy.clone(utf8=True))  # as sent (SMTPUTF8)
    message = message_from_bytes(raw, policy=policy.default)
    assert sorted(message.keys()) == sorted(HEADERS)
    assert message["To"] == "jürgen@beispiel.de"
    assert str(message["Subject"]) == one_line(with_mark(event.data.title, "Warnung") if urgent else event.data.title)
    assert "<script" not in message.get_body(("html",)).get_content().lower()


def test_a_title_that_looks_like_an_encoded_word_is_shown_as_written_for_internationalised_addresses():
    title = "=?utf-8?q?Bcc:_opfer@example.org?= Baustelle"
    _, prepared = prepare(make_event(title, "Text", urgent=False), "", "jürgen@beispiel.de")
    message = message_from_bytes(
        prepared.payload[1].as_bytes(policy=prepared.payload[1].policy.clone(utf8=True)), policy=policy.default
    )
    assert str(message["Subject"]) == title
