"""Confirming a channel: the e-mail link (bound to the address it was sent to) and the codes sent by
SMS, push or letter. Confirming may take an address away from another resident who had entered it
unconfirmed (``consent.release_elsewhere``); their ids come back so the workers hear of both."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from notify.pipeline import Runtime
from notify.web.residents.service import LinkProblem, _subscriber, pepper, read_link
from subscribers import confirm_codes, consent
from subscribers.db import session_scope
from subscribers.models import ChannelAddress, Subscriber


@dataclass
class Confirmed:
    subscriber_id: int
    public_id: str
    changed: bool
    others: list[int] = field(default_factory=list)  # residents who lost this address to the confirmer

    @property
    def changed_ids(self) -> list[int]:
        return [self.subscriber_id, *self.others]


def confirm_email(rt: Runtime, token: str) -> Confirmed:
    payload = read_link(rt, token, ("confirm",))
    with session_scope(rt.db_url) as session:
        sub = _subscriber(session, payload["s"])
        row = (
            session.execute(
                select(ChannelAddress).where(ChannelAddress.subscriber_id == sub.id, ChannelAddress.channel == "email")
            )
            .scalars()
            .first()
        )
        if row is None or consent.address_fingerprint(row.address) != payload.get("h"):
            raise LinkProblem(404)
        if row.confirmed_at is not None and sub.status == "active":
            return Confirmed(sub.id, sub.public_id, False)
        changed = consent.confirm_channel(session, sub, "email")
        return Confirmed(sub.id, sub.public_id, changed, consent.release_elsewhere(session, sub, "email"))


def confirm_code(rt: Runtime, code: str, phone: str | None) -> Confirmed | None:
    with session_scope(rt.db_url) as session:
        found = confirm_codes.verify_code(session, code, pepper(rt), phone=phone)
        if found is None:
            return None
        sid, channel = found
        sub = session.get(Subscriber, sid)
        if sub is None:
            return None
        changed = consent.confirm_channel(session, sub, channel)
        return Confirmed(sub.id, sub.public_id, changed, consent.release_elsewhere(session, sub, channel))
