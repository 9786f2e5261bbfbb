"""What residents can do, as functions the API, the pages and the CLI share.

Each function does its database work in one transaction and then sends what has to be sent.
Routes stay a few lines: parse, call one of these, answer.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from notify.kafka import BrokerDown
from notify.links import InvalidLink
from notify.pipeline import Runtime
from notify.subscriptions import publish_changes
from notify.web.residents import messages
from notify.web.residents.validation import ADDRESS_FIELD, InvalidInput, SubscriptionInput, parse_subscription
from subscribers import confirm_codes, consent
from subscribers.db import session_scope
from subscribers.models import ChannelAddress, Subscriber, Subscription, utcnow
from subscribers.store import save_subscriber
from topics.catalogue import CITYWIDE

log = logging.getLogger(__name__)


class LinkProblem(Exception):
    """A signed link that is broken (404) or too old (410), or whose person no longer exists (404)."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


# -- links -------------------------------------------------------------------------------------------


def pepper(rt: Runtime) -> str:
    return rt.settings.resolved_secret_key().split()[0]


def confirm_url(rt: Runtime, public_id: str, address: str) -> str:
    token = rt.signer.token("confirm", public_id, c="email", h=consent.address_fingerprint(address))
    return f"{rt.signer.base_url}/bestaetigen/{token}"


def links(rt: Runtime, public_id: str) -> dict[str, str]:
    return {
        "manage": rt.signer.url("manage", public_id),
        "unsubscribe": rt.signer.url("unsubscribe", public_id),
        "export": rt.signer.url("export", public_id),
        "delete": rt.signer.url("delete", public_id),
    }


def read_link(rt: Runtime, token: str, purposes: tuple[str, ...]) -> dict:
    """The payload of a token signed for any of ``purposes``; LinkProblem(404/410) otherwise."""
    expired = False
    for purpose in purposes:
        try:
            return rt.signer.verify(purpose, token)
        except InvalidLink as exc:
            expired = expired or exc.reason == "expired"
    raise LinkProblem(410 if expired else 404)


def _subscriber(session: Session, public_id: str) -> Subscriber:
    sub = session.execute(select(Subscriber).where(Subscriber.public_id == public_id)).scalars().first()
    if sub is None:
        raise LinkProblem(404)
    return sub


# -- telling the workers -----------------------------------------------------------------------------


async def announce(app: Any, subscriber_ids: list[int]) -> None:
    """Publish the new matching state. Never blocks or fails the resident's request: without a
    broker the workers read the database when they start."""
    ids = [i for i in subscriber_ids if i is not None]
    if not ids:
        return
    hook = getattr(app.state, "resident_publish", None)
    if hook is not None:
        await hook(ids)
        return

    async def _run() -> None:
        try:
            await asyncio.wait_for(publish_changes(app.state.rt.settings, ids, app.state.publisher), 30)
        except (BrokerDown, TimeoutError, OSError) as exc:
            log.warning("subscription change of %s not published: %s", ids, exc)
        except Exception:  # noqa: BLE001 - a broken broker must never break a resident's request
            log.exception("subscription change of %s not published", ids)

    tasks = app.state.__dict__.setdefault("_resident_tasks", set())
    task = asyncio.get_running_loop().create_task(_run())
    tasks.add(task)
    task.add_done_callback(tasks.discard)


# -- state -------------------------------------------------------------------------------------------


def state_of(session: Session, sub: Subscriber) -> dict[str, Any]:
    """The current settings in the shape the API accepts (and the forms show)."""
    addresses = (
        session.execute(
            select(ChannelAddress).where(ChannelAddress.subscriber_id == sub.id).order_by(ChannelAddress.priority)
        )
        .scalars()
        .all()
    )
    pairs = session.execute(
        select(Subscription.topic_id, Subscription.district_id).where(Subscription.subscriber_id == sub.id)
    ).all()
    out: dict[str, Any] = {
        "status": sub.status,
        "name": sub.name,
        "topics": sorted({t for t, _ in pairs}),
        "districts": sorted({d for _, d in pairs}),
        "channels": [a.channel for a in addresses],
        "confirmed": {a.channel: a.confirmed_at is not None for a in addresses},
        "language": sub.language,
        "profile": sub.profile,
        "frequency": sub.frequency,
        "quiet_start": sub.quiet_start,
        "quiet_end": sub.quiet_end,
    }
    for a in addresses:
        out[ADDRESS_FIELD[a.channel]] = a.address.replace("\n", " | ") if a.channel == "letter" else a.address
    return out


def _apply_addresses(session: Session, sub: Subscriber, addresses: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Write addresses in preference order, keeping the confirmation of those that did not change.
    Returns the new, unconfirmed ones."""
    have = {a.channel: a for a in session.execute(
        select(ChannelAddress).where(ChannelAddress.subscriber_id == sub.id)).scalars()}  # fmt: skip
    new: list[tuple[str, str]] = []
    wanted = dict(addresses)
    for channel, row in have.items():
        if channel not in wanted:
            session.delete(row)
    session.flush()
    for priority, (channel, address) in enumerate(addresses):
        row = have.get(channel)
        if row is not None and row.address == address:
            row.priority = priority
            if row.confirmed_at is None:
                new.append((channel, address))
            continue
        if row is not None:
            row.address, row.priority, row.confirmed_at = address, priority, None
        else:
            session.add(ChannelAddress(subscriber_id=sub.id, channel=channel, address=address, priority=priority))
        new.append((channel, address))
    session.flush()
    return new


def _set_preferences(sub: Subscriber, inp: SubscriptionInput) -> None:
    sub.name = inp.name if inp.name is not None else sub.name
    sub.language, sub.profile, sub.frequency = inp.language, inp.profile, inp.frequency
    sub.quiet_start, sub.quiet_end = inp.quiet_start, inp.quiet_end
    sub.updated_at = utcnow()


def _pairs(inp: SubscriptionInput) -> set[tuple[str, str]]:
    return {(t, d) for t in inp.topics for d in inp.districts}


def _summary(inp: SubscriptionInput) -> str:
    return f"topics={len(inp.topics)}; districts={len(inp.districts)}; channels={','.join(inp.channels)}"


# -- subscribing -------------------------------------------------------------------------------------


@dataclass
class Outbox:
    """What to send once the transaction is committed."""

    public_id: str
    language: str = "de"
    profile: str = "standard"
    name: str | None = None
    emails: list[tuple[str, str]] = field(default_factory=list)  # (template, address)
    codes: list[tuple[str, str, str]] = field(default_factory=list)  # (channel, address, code)
    texts: list[tuple[str, str, str]] = field(default_factory=list)  # (channel, address, text)
    changed_ids: list[int] = field(default_factory=list)
    ordered: list[str] = field(default_factory=list)  # what was ordered, for the confirmation e-mail


@dataclass
class SendReport:
    ok: bool = True
    channels: list[str] = field(default_factory=list)
    public_ids: list[str] = field(default_factory=list)  # who was written to; a new resident first


def _plan_confirmations(session: Session, rt: Runtime, sub: Subscriber, pending: list[tuple[str, str]],
                        out: Outbox) -> None:  # fmt: skip
    """E-mail gets a link, SMS a code; push and letter get a code only when they stand alone."""
    channels = {c for c, _ in pending}
    digital_confirmed = session.execute(
        select(ChannelAddress.id).where(
            ChannelAddress.subscriber_id == sub.id,
            ChannelAddress.confirmed_at.is_not(None),
            ChannelAddress.channel.in_(("email", "sms")),
        )
    ).first()
    for channel, address in pending:
        if channel == "email":
            out.emails.append(("confirm", address))
        elif channel == "sms":
            out.codes.append(("sms", address, confirm_codes.issue_code(session, sub.id, "sms", pepper(rt))))
        elif channel in ("push", "letter"):
            if digital_confirmed is not None:
                consent.confirm_channel(session, sub, channel)  # the resident is known: no extra step
            elif not channels & {"email", "sms"} and (channel == "push" or "push" not in channels):
                out.codes.append((channel, address, confirm_codes.issue_code(session, sub.id, channel, pepper(rt))))


async def deliver(rt: Runtime, out: Outbox) -> SendReport:
    """Send what the transaction planned. Failures are logged and reported, never raised."""
    report = SendReport()
    urls = links(rt, out.public_id)
    for template, address in out.emails:
        context = {"confirm_url": confirm_url(rt, out.public_id, address), "manage_url": urls["manage"],
                   "unsubscribe_url": urls["unsubscribe"], "hours": int(confirm_codes.unconfirmed_hours()),
                   "privacy_url": f"{rt.signer.base_url}/datenschutz", "ordered": out.ordered}  # fmt: skip
        try:
            ok = await messages.send_email(rt, address, template, context, language=out.language, profile=out.profile,
                                           unsubscribe_url=urls["unsubscribe"])  # fmt: skip
        except Exception:  # noqa: BLE001
            log.exception("mail %s failed", template)
            ok = False
        report.ok &= ok
        report.channels.append("email")
    for channel, address, code in out.codes:
        if channel == "letter":
            try:
                await asyncio.to_thread(
                    messages.write_confirmation_letter, rt, ref=out.public_id, name=out.name, postal_address=address,
                    code=code, manage_url=urls["manage"], unsubscribe_url=urls["unsubscribe"],
                    language=out.language, profile=out.profile, paper=False)  # fmt: skip
                ok = True
            except Exception:  # noqa: BLE001
                log.exception("confirmation letter failed")
                ok = False
        else:
            ok = await messages.send_code(rt, channel, address, code, out.language)
        report.ok &= ok
        report.channels.append(channel)
    for channel, address, text in out.texts:
        report.ok &= await messages.send_text(rt, channel, address, text)
        report.channels.append(channel)
    return report


async def subscribe(rt: Runtime, inp: SubscriptionInput, via: str) -> SendReport:
    from notify.web.residents.signup import subscribe_db

    report = SendReport()
    for out in reversed(await asyncio.to_thread(subscribe_db, rt, inp, via)):
        report.public_ids.append(out.public_id)
        part = await deliver(rt, out)
        report.ok &= part.ok
        report.channels += part.channels
    return report


def resend_db(rt: Runtime, public_id: str) -> tuple[SubscriptionInput, Outbox] | None:
    """"Noch einmal senden" on the page after signing up: a pending resident gets their
    confirmations again (new codes), an active one the note with their manage link again."""
    with session_scope(rt.db_url) as session:
        sub = session.execute(select(Subscriber).where(Subscriber.public_id == public_id)).scalars().first()
        if sub is None or sub.status == "unsubscribed":
            return None
        rows = session.execute(select(ChannelAddress).where(ChannelAddress.subscriber_id == sub.id)
                               .order_by(ChannelAddress.priority)).scalars().all()  # fmt: skip
        out = Outbox(sub.public_id, sub.language, sub.profile, sub.name)
        if sub.status == "pending":
            pending = [(r.channel, r.address) for r in rows if r.confirmed_at is None]
            _plan_confirmations(session, rt, sub, pending, out)
            sent = pending
        else:
            row = next((r for r in rows if r.confirmed_at and r.channel in ("email", "sms")), None)
            sent = [(row.channel, row.address)] if row else []
            if row is not None and row.channel == "email":
                out.emails.append(("already", row.address))
            elif row is not None:
                from notify.web.residents.system_texts import already_sms

                out.texts.append(("sms", row.address, already_sms(sub.language, rt.catalogue.city,
                                                                  rt.signer.url("manage", sub.public_id))))  # fmt: skip
        consent.audit(session, sub.id, "confirmation-resent", "resident")
        inp = SubscriptionInput(topics=[], districts=[], channels=[c for c, _ in sent], addresses=sent)
        return inp, out


# -- managing ----------------------------------------------------------------------------------------


def language_of(rt: Runtime, public_id: str) -> str | None:
    """The language a resident chose (None: no such resident, e.g. erased)."""
    with session_scope(rt.db_url) as session:
        return session.execute(select(Subscriber.language).where(Subscriber.public_id == public_id)).scalars().first()


def load_state(rt: Runtime, public_id: str) -> dict[str, Any]:
    with session_scope(rt.db_url) as session:
        return state_of(session, _subscriber(session, public_id))


def update_db(rt: Runtime, public_id: str, changes: dict[str, Any]) -> tuple[dict[str, Any], Outbox]:
    """Apply a partial change (the API's PATCH, the manage form). Raises InvalidInput."""
    with session_scope(rt.db_url) as session:
        sub = _subscriber(session, public_id)
        current = state_of(session, sub)
        merged = {**current, **{k: v for k, v in changes.items() if v is not None or k in ("quiet_start", "quiet_end")}}
        if "channels" in changes:  # addresses of channels given up are dropped
            for channel, name in ADDRESS_FIELD.items():
                if channel not in (changes.get("channels") or []) and name not in changes:
                    merged.pop(name, None)
        inp = parse_subscription(merged, rt.catalogue)
        _set_preferences(sub, inp)
        pending = _apply_addresses(session, sub, inp.addresses)
        save_subscriber(session, sub, inp.addresses, _pairs(inp))
        if sub.status == "unsubscribed":
            sub.status = "active" if any(current.get("confirmed", {}).values()) else "pending"
            consent.record_consent(session, sub.id, topics=inp.topics, districts=inp.districts,
                                   channels=inp.channels, via="web",
                                   confirmed_channel="link" if sub.status == "active" else None)  # fmt: skip
        consent.audit(session, sub.id, "preferences-changed", "resident", _summary(inp))
        out = Outbox(sub.public_id, sub.language, sub.profile, sub.name, changed_ids=[sub.id])
        _plan_confirmations(session, rt, sub, pending, out)
        session.flush()
        return state_of(session, sub), out


def request_manage_link_db(rt: Runtime, email: str) -> Outbox | None:
    """ "Send me my link": the same answer for known and unknown addresses; mail only to known ones."""
    with session_scope(rt.db_url) as session:
        row = session.execute(
            select(ChannelAddress, Subscriber)
            .join(Subscriber, Subscriber.id == ChannelAddress.subscriber_id)
            .where(
                ChannelAddress.channel == "email",
                ChannelAddress.address == email,
                ChannelAddress.confirmed_at.is_not(None),
                Subscriber.status != "pending",
            )  # fmt: skip
        ).first()
        if row is None:
            return None
        address, sub = row
        consent.audit(session, sub.id, "manage-link-sent", "system")
        out = Outbox(sub.public_id, sub.language, sub.profile, sub.name)
        out.emails.append(("already", address.address))
        return out


def area_names(rt: Runtime, districts: list[str]) -> list[str]:
    return [f"ganz {rt.catalogue.city}" if d == CITYWIDE else rt.catalogue.districts[d].name
            for d in districts if d == CITYWIDE or d in rt.catalogue.districts]  # fmt: skip


__all__ = ["InvalidInput", "LinkProblem"]
