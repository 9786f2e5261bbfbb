"""The e-mail's footer and its "Nur dieses Thema abbestellen" link name the resident's own
subscriptions that matched the event — not the event's topics (issue 10, item 1).

Real SMTP sink, real web app: the link in the received e-mail is followed with a one-click POST.
"""

from __future__ import annotations

import email
import email.policy
import html as html_module
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_dispatch import dispatch, resident, rt, send_event, sink  # noqa: F401 - fixtures

from notify.web.app import create_app
from subscribers.db import session_scope
from subscribers.models import Subscriber, Subscription

PARKING_WORKS = {"topics": ["baustellen", "parken"], "area": ["buer"]}


def received(maildir) -> email.message.EmailMessage:
    [path] = sorted((maildir / "new").glob("*"))
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def subscriptions(rt, sid) -> set[tuple[str, str]]:  # noqa: F811
    with session_scope(rt.db_url) as s:
        rows = s.execute(
            select(Subscription.topic_id, Subscription.district_id).where(Subscription.subscriber_id == sid)
        )
        return {tuple(r) for r in rows}


@pytest.mark.parametrize(
    ("subs", "event", "footer", "left"),
    [
        # Marie chose Parken in Buer; the event is about Baustellen + Parken in Buer.
        ({("parken", "buer"), ("abfall", "citywide")}, PARKING_WORKS, "Parken in Buer", {("abfall", "citywide")}),
        # A whole Lebenslage for her Stadtbezirk: that is what she ordered, and what the link removes.
        (
            {("verkehr", "nord"), ("schule", "buer")},
            PARKING_WORKS,
            "Verkehr & Baustellen in Gelsenkirchen-Nord",
            {("schule", "buer")},
        ),
        # Two of her subscriptions matched: both are named, both go.
        (
            {("parken", "citywide"), ("baustellen", "buer"), ("kita", "buer")},
            PARKING_WORKS,
            "Baustellen und Straßensperrungen in Buer, Parken in ganz Gelsenkirchen",
            {("kita", "buer")},
        ),
    ],
)
async def test_footer_and_topic_link_name_the_residents_own_matched_subscriptions(rt, sink, subs, event, footer, left):  # noqa: F811
    sid = resident(rt, [("email", "marie.wolf@example.org")], subs=subs)
    [outcome] = await dispatch(rt, send_event(rt, title="Parken an der Horster Straße", **event))
    assert outcome.status == "sent", outcome.error
    mail = received(sink[1])
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = mail.get_body(("html",)).get_content()
    footer_text = " ".join(text.split("\n-- \n", 1)[1].split())
    assert f"weil Sie bestellt haben: {footer}." in footer_text, footer_text
    assert f"weil Sie bestellt haben: {footer}." in html.replace("&amp;", "&")
    link = re.search(r"Nur dieses Thema abbestellen: (\S+)", text).group(1)
    app = create_app(rt)

    async def record(ids):
        return None

    app.state.resident_publish = record
    with TestClient(app, base_url="https://stadtbote.test") as client:
        page = client.get(link.removeprefix("https://stadtbote.test"))
        assert f"„{footer}“" in html_module.unescape(page.text)
        r = client.post(link.removeprefix("https://stadtbote.test"), data={"List-Unsubscribe": "One-Click"})
        assert r.status_code == 200
    assert subscriptions(rt, sid) == left
    with session_scope(rt.db_url) as s:
        assert s.get(Subscriber, sid).status == "active"


async def test_a_footer_never_claims_a_topic_she_did_not_order(rt, sink):  # noqa: F811
    resident(rt, [("email", "marie.wolf@example.org")], subs={("parken", "buer")})
    await dispatch(rt, send_event(rt, **PARKING_WORKS))
    text = received(sink[1]).get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Baustellen" not in text.split("\n-- \n", 1)[1]


@pytest.mark.parametrize(("language", "words"), [("de", "Parken in ganz Gelsenkirchen"), ("en", "Parken in all of Gelsenkirchen"),
                                                 ("tr", "Parken – tüm Gelsenkirchen")])  # fmt: skip
def test_the_whole_city_is_named_in_the_frames_language(rt, language, words):  # noqa: F811
    """The English footer said "Verkehr in ganz Gelsenkirchen"."""
    from notify.matched import describe

    assert describe(rt.catalogue, [("parken", "citywide")], language) == words
