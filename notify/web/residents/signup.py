"""A sign-up: who is new, who is known, and what each of them is sent.

Each sign-up is its own resident. Only an e-mail address or a mobile number that an active
resident has *confirmed* identifies that resident; a postal address, a push address or an
unconfirmed address never does (several people live at one address; anyone can type anything).
A known resident signing up again gets a short note with their manage link on that confirmed
channel of their own, and nothing of theirs changes; the new sign-up never reads or writes
another resident's data.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from notify.pipeline import Runtime
from notify.web.residents import system_texts
from notify.web.residents.service import Outbox, _pairs, _plan_confirmations, _set_preferences, _summary
from notify.web.residents.validation import SubscriptionInput
from subscribers import consent
from subscribers.models import ChannelAddress, Subscriber
from subscribers.store import save_subscriber

IDENTIFYING = ("email", "sms")


def owner_of(session: Session, channel: str, address: str) -> Subscriber | None:
    """The active resident who confirmed this e-mail address or mobile number, if any."""
    if channel not in IDENTIFYING:
        return None
    return (
        session.execute(
            select(Subscriber)
            .join(ChannelAddress, ChannelAddress.subscriber_id == Subscriber.id)
            .where(
                ChannelAddress.channel == channel,
                ChannelAddress.address == address,
                ChannelAddress.confirmed_at.is_not(None),
                Subscriber.status == "active",
            )
        )
        .scalars()
        .first()
    )


def subscribe_db(rt: Runtime, inp: SubscriptionInput, via: str) -> list[Outbox]:
    """Plan the messages of one sign-up: notes to known residents, confirmations to the new one."""
    from subscribers.db import session_scope

    with session_scope(rt.db_url) as session:
        outs: list[Outbox] = []
        told: set[int] = set()
        owned: set[str] = set()
        for channel, address in inp.addresses:
            owner = owner_of(session, channel, address)
            if owner is None:
                continue
            owned.add(channel)
            assert owner.id is not None  # stored
            if owner.id in told:
                continue
            told.add(owner.id)
            out = Outbox(owner.public_id, owner.language, owner.profile, owner.name)
            if channel == "email":
                out.emails.append(("already", address))
            else:
                out.texts.append(("sms", address, system_texts.already_sms(
                    owner.language, rt.catalogue.city, rt.signer.url("manage", owner.public_id))))  # fmt: skip
            consent.audit(session, owner.id, "subscribe-repeat", "resident", f"via={via}")
            outs.append(out)
        rest = [(c, a) for c, a in inp.addresses if c not in owned]
        if owned and not any(c in IDENTIFYING for c, _ in rest):
            return outs  # a known resident again: their settings are changed through their manage link
        sub = Subscriber(origin="web", status="pending")
        _set_preferences(sub, inp)
        session.add(sub)
        session.flush()
        assert sub.id is not None  # flushed
        channels = [c for c in inp.channels if c not in owned]
        save_subscriber(session, sub, rest, _pairs(inp), confirmed=False)
        consent.record_consent(session, sub.id, topics=inp.topics, districts=inp.districts, channels=channels, via=via)
        consent.audit(session, sub.id, "subscribe-requested", "resident", f"via={via}; {_summary(inp)}")
        out = Outbox(sub.public_id, sub.language, sub.profile, sub.name,
                     ordered=system_texts.ordered_lines(sub.language, rt.catalogue, inp.topics, inp.districts, channels))
        _plan_confirmations(session, rt, sub, rest, out)
        outs.append(out)
        return outs
