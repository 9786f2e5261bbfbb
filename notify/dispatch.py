"""Sending a batch of deliveries on any channel: claim → render → plain-language gate → send → ledger.

Each delivery ends in exactly one of these outcomes, and the worker routes it:

- ``sent``      — done.
- ``held``      — the rendered text failed a hold rule; kept for staff review, not sent.
- ``retry``     — a transient failure; published again after a back-off.
- ``dead``      — still failing after ``max_attempts``; goes to the dead-letter topic.
- ``fallback``  — a permanent failure on this channel; the next channel in the resident's
                  preference list gets a new ledger row (the letter comes last).
- ``skipped``   — not ours any more (already sent, claimed elsewhere, subscriber gone).
- ``digest``    — the resident wants a daily or weekly digest; ``notify.digests`` bundles it later.
- ``deferred``  — SMS or push inside the resident's quiet hours; released when they end.
- ``waiting``   — the resident's version of the text is not there yet and the topic's policy is
                  ``wait_for_version``: released when it arrives or the wait is over
                  (``notify/version_waits.py``).
- ``too_late``  — a letter that could not arrive while the message is valid (``notify.letter_timing``).

Urgent events skip digests and quiet hours. A permanent failure of an e-mail address or phone
number also unsubscribes that address (``mark_bounced``), so it is never tried again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import insert, select

from notify.channels.base import ChannelSender, SendResult
from notify.circuit import Circuits
from notify.events import CityEvent
from notify.letter_timing import letter_too_late
from notify.matched import matched_subscriptions, subscriptions_of
from notify.pipeline import Runtime, event_context, readable_text, template_context
from notify.recorder import GroupRecorder, Slots
from notify.timing import QUIET_CHANNELS, quiet_until
from notify.versions import Chosen, missing_policy
from subscribers import leases
from subscribers.announcements import ReleasedDelivery
from subscribers.consent import mark_bounced
from subscribers.db import session_scope
from subscribers.ledger import delivery_id, finish_many, write_deliveries
from subscribers.models import Delivery, DeliveryAttempt, EventRecord, utcnow
from subscribers.settings_code import ensure_codes
from subscribers.store import Contact, contacts

if TYPE_CHECKING:
    import plainlang

log = logging.getLogger(__name__)

YIELD_EVERY = 8  # deliveries rendered between two turns of the event loop


@dataclass
class Outcome:
    delivery_id: str
    channel: str
    subscriber_id: int
    status: str
    event_pk: int = 0
    error: str | None = None
    message_id: str | None = None
    not_before: datetime | None = None
    bounced: str | None = None  # the address that failed permanently
    attempts: int = 0
    next_delivery: tuple[str, int, str] | None = None  # (id, subscriber, channel) for a fallback
    version: str | None = None  # "language/profile" read (or, while waiting, waited for)
    outage: bool = False  # not sent because the provider is away: waits, the attempt not counted


def backoff_seconds(attempts: int, base: float = 2.0, cap: float = 300.0) -> float:
    """Exponential back-off with full jitter: 0 … min(cap, base·2^(n−1)) seconds."""
    return random.uniform(0, min(cap, base * 2 ** max(attempts - 1, 0)))


class Dispatcher:
    def __init__(self, rt: Runtime, senders: dict[str, ChannelSender], max_attempts: int | None = None,
                 circuits: Circuits | None = None):  # fmt: skip
        self.rt = rt
        self.senders = senders
        self.max_attempts = max_attempts or rt.settings.max_attempts
        # Claims are leased (subscribers/leases.py); outcomes are committed as the providers answer.
        self.owner = leases.new_owner()
        self.circuits = circuits or Circuits(rt.settings.circuit_threshold, max_probe_s=rt.settings.circuit_max_probe_s)
        s = rt.settings
        k = s.in_doubt_per_connection
        self._slots = Slots({"email": s.smtp_connections * k, "sms": s.provider_concurrency * k,
                             "push": s.provider_concurrency * k})  # fmt: skip
        self._recorder = GroupRecorder(self._record)
        self._claimed: dict[str, datetime] = {}  # in flight: id → when its row was written
        self._events: OrderedDict[int, tuple[str, CityEvent]] = OrderedDict()  # pk → (payload, event)
        self._gate: dict[tuple, plainlang.GateDecision] = {}
        self._bases: dict[tuple, dict] = {}

    # -- database steps (run in a thread) ----------------------------------------------------
    def _claim_and_load(self, ids: list[str]):
        with session_scope(self.rt.db_url) as session:
            owned = leases.claim(session, ids, self.owner, self.rt.settings.lease_s)
            if not owned:
                return [], {}, {}, set(), {}
            self._claimed.update(owned)
            # Plain column tuples, not ORM objects: this runs for every message sent.
            jobs = session.execute(
                select(Delivery.id, Delivery.event_pk, Delivery.subscriber_id, Delivery.channel,
                       Delivery.attempts, Delivery.urgent, Delivery.created_at).where(Delivery.id.in_(list(owned)))
            ).all()  # fmt: skip
            # Every event of the batch, also those cached: an update may have added versions.
            payloads = {
                pk: payload
                for pk, payload in session.execute(
                    select(EventRecord.id, EventRecord.payload).where(EventRecord.id.in_(list({j[1] for j in jobs})))
                ).all()
            }
            people = contacts(session, [j[2] for j in jobs])
            # letters print a short code for the settings page instead of a long link
            need = [c.subscriber_id for c in people.values() if not c.service_code and "letter" in c.addresses]
            for sid, code in (ensure_codes(session, need) if need else {}).items():
                people[sid].service_code = code
            subscriptions = subscriptions_of(session, people)
            jobs = [tuple(j) for j in jobs]
            # Held texts that staff released after reading the report go out despite the gate.
            released = set(
                session.execute(
                    select(ReleasedDelivery.delivery_id).where(ReleasedDelivery.delivery_id.in_(list(owned)))
                ).scalars()
            )
        return jobs, payloads, people, released, subscriptions

    def _record(self, outcomes: list[Outcome], reports: dict[str, tuple[float | None, str | None]]) -> None:
        """Write every outcome in one transaction; a bounced address is unsubscribed there too."""
        now = utcnow()
        results = []
        for o in outcomes:
            amstad, report = reports.get(o.delivery_id, (None, None))
            row = {"id": o.delivery_id, "status": {"fallback": "failed"}.get(o.status, o.status), "last_error": o.error}
            if o.status == "sent":
                row["sent_at"] = now
            if o.message_id:
                row["message_id"] = o.message_id
            if amstad is not None:
                row["amstad"] = amstad
            if report is not None:
                row["readability"] = report
            if o.not_before is not None:
                row["not_before"] = o.not_before
            if o.version is not None:
                row["version"] = o.version
            if o.outage:
                row["attempts"] = o.attempts  # an outage is not the message's attempt
            results.append(row)
        # Every failed attempt stays in the ledger's history; the delivery row has the outcome.
        failures = [
            {"delivery_id": o.delivery_id, "attempt": max(o.attempts, 1), "at": now,
             "outcome": {"fallback": "failed"}.get(o.status, o.status), "error": o.error}
            for o in outcomes
            if o.status in ("retry", "dead", "fallback") and not o.outage
        ]  # fmt: skip
        with session_scope(self.rt.db_url) as session:
            finish_many(session, results)
            if failures:
                session.execute(insert(DeliveryAttempt), failures)
            for o in outcomes:
                if o.bounced:
                    mark_bounced(session, o.channel, o.bounced, o.error or "permanent failure")
            for o in outcomes:
                if o.next_delivery is not None:
                    record = session.get(EventRecord, o.event_pk)
                    _, sid, channel = o.next_delivery
                    write_deliveries(session, record, [(sid, channel)], urgent=False)
        for o in outcomes:
            self._claimed.pop(o.delivery_id, None)

    def in_flight(self) -> list[str]:
        return list(self._claimed)

    def renew_leases(self, ids: list[str]) -> int:
        """Extend the leases of these deliveries if this worker still holds them (run in a thread)."""
        if not ids:
            return 0
        with session_scope(self.rt.db_url) as session:
            return leases.renew(session, ids, self.owner, self.rt.settings.lease_s)

    # -- the batch ----------------------------------------------------------------------------
    def _event(self, pk: int, payloads: dict[int, str]) -> CityEvent:
        payload = payloads.get(pk)
        cached = self._events.get(pk)
        if cached is None or (payload is not None and cached[0] != payload):
            if cached is not None:  # the event got new versions: what was rendered from it is stale
                self._bases.clear()
                self._gate.clear()
            self._events[pk] = (payload, CityEvent.model_validate_json(payload))
            if len(self._events) > 256:
                self._events.popitem(last=False)
        return self._events[pk][1]

    def _gate_for(self, key: tuple, text: str, profile: str, event: CityEvent, channel: str):
        # The readable text differs between residents only in their personal links, which the gate
        # ignores; so one check per event × channel × language × profile is enough.
        if key not in self._gate:
            if len(self._gate) > 4096:
                self._gate.clear()
            import plainlang  # loaded by the worker's start-up before the dispatcher is used

            self._gate[key] = plainlang.gate(
                readable_text(text), profile=profile, topic=event.data.topics[0], channel=channel, urgent=event.urgent
            )
        return self._gate[key]

    def _next_channel(self, contact: Contact, failed: str) -> str | None:
        order = list(contact.addresses)
        if failed not in order:
            return None
        for channel in order[order.index(failed) + 1 :]:
            if channel in self.senders:
                return channel
        return None

    async def run_batch(self, ids: list[str]) -> list[Outcome]:
        jobs, payloads, people, released, subscriptions = await asyncio.to_thread(self._claim_and_load, ids)
        outcomes: list[Outcome] = []
        reports: dict[str, tuple[float | None, str | None]] = {}
        sends: list[asyncio.Future] = []
        sent_here: set[str] = set()
        for number, (did, event_pk, sid, channel, attempts, urgent, created_at) in enumerate(jobs):
            if number % YIELD_EVERY == YIELD_EVERY - 1:
                # Rendering is CPU work on the event loop: let the sends already started read
                # their SMTP replies, so the connections never wait for the whole batch.
                await asyncio.sleep(0)
            outcome = Outcome(did, channel, sid, "skipped", event_pk=event_pk, attempts=attempts)
            outcomes.append(outcome)
            contact = people.get(sid)
            sender = self.senders.get(channel)
            if contact is None or channel not in contact.addresses or sender is None:
                outcome.error = "no address or sender for this channel"
                outcome.status = "fallback" if contact is not None else "skipped"
                if contact is not None and (nxt := self._next_channel(contact, channel)):
                    outcome.next_delivery = (self._fallback_id(event_pk, payloads, sid, nxt), sid, nxt)
                continue
            try:
                event = self._event(event_pk, payloads)
                if not (urgent or event.urgent) and self._waits(outcome, event, contact, channel):
                    continue
                if channel == "letter" and (late := letter_too_late(event, self.rt.settings, datetime.now(UTC))):
                    outcome.status, outcome.error = "too_late", late  # the ledger's "nicht rechtzeitig erreichbar"
                    continue
                language, profile = contact.language, contact.profile
                base_key = (event_pk, language, profile)
                if base_key not in self._bases:
                    if len(self._bases) > 1024:
                        self._bases.clear()
                    self._bases[base_key] = event_context(self.rt, event, language, profile)
                version: Chosen = self._bases[base_key]["version"]
                outcome.version = version.key
                if self._waits_for_version(outcome, event, version, urgent, created_at):
                    continue
                matched = matched_subscriptions(self.rt.catalogue, event.data.topics, event.data.area,
                                                subscriptions.get(sid, ()))  # fmt: skip
                context = template_context(self.rt, event, contact, language, self._bases[base_key], matched)
                prepared = sender.prepare(did, context, contact.addresses[channel], language, profile)
                # Each version is checked against its own profile: the text this reader got.
                decision = self._gate_for(
                    (event_pk, channel, language, profile), prepared.readable, version.profile, event, channel
                )
            except Exception as exc:  # a template or data error must not stop the stream
                log.exception("could not prepare delivery %s", did)
                outcome.status, outcome.error = "dead", f"render: {type(exc).__name__}: {exc}"
                continue
            report = decision.report
            stored = json.dumps(report.to_dict(), ensure_ascii=False) if decision.action != "pass" else None
            reports[did] = (report.metrics.get("amstad"), stored)
            if decision.action == "hold" and did not in released:
                outcome.status, outcome.error = "held", "; ".join(decision.reasons) or "plain-language hold"
                continue
            # starts sending now; each outcome is committed as soon as the provider answers
            sends.append(asyncio.ensure_future(self._send(outcome, sender, prepared, people, payloads, reports)))
            sent_here.add(did)

        decided = [o for o in outcomes if o.delivery_id not in sent_here]
        await self._recorder.record(decided, {o.delivery_id: reports[o.delivery_id] for o in decided
                                              if o.delivery_id in reports})  # fmt: skip
        for failed in await asyncio.gather(*sends, return_exceptions=True):
            if isinstance(failed, BaseException):  # not recorded: the lease runs out, the row is retried
                log.error("could not record an outcome: %s", failed)
        return outcomes

    async def _send(self, outcome: Outcome, sender: ChannelSender, prepared, people, payloads, reports) -> None:
        """Send in one of the channel's slots; the slot is free again once the outcome is committed,
        so at most ``slots`` messages are ever in doubt (see notify/recorder.py)."""
        circuit = self.circuits[outcome.channel]
        async with self._slots(outcome.channel):
            if not circuit.allows():  # the provider went away while this waited: do not even try
                result = SendResult(ok=False, outage=True, error=f"Versand pausiert: {circuit.last_error}")
            else:
                try:
                    result = await sender.send(prepared)
                except Exception as exc:
                    result = SendResult(ok=False, error=f"{type(exc).__name__}: {exc}")
                circuit.record(result)
            self._classify(outcome, result, people, payloads)
            report = reports.get(outcome.delivery_id)
            try:
                await self._recorder.record([outcome], {outcome.delivery_id: report} if report else {})
            except Exception:
                self._claimed.pop(outcome.delivery_id, None)  # stop renewing: another claim may take it
                raise

    def _waits(self, outcome: Outcome, event: CityEvent, contact: Contact, channel: str) -> bool:
        """Digest and quiet-hour rules for a normal (not urgent) delivery; True if it must wait."""
        from notify.digests import DIGEST_SOURCE

        if event.source == DIGEST_SOURCE:
            return False
        if contact.frequency in ("daily", "weekly"):
            outcome.status = "digest"
            return True
        if channel in QUIET_CHANNELS and (
            until := quiet_until(contact.quiet_start, contact.quiet_end, datetime.now(UTC))
        ):
            outcome.status, outcome.not_before = "deferred", until.astimezone(UTC)
            return True
        return False

    def _waits_for_version(self, outcome: Outcome, event: CityEvent, version: Chosen, urgent: bool,
                           created_at: datetime | None) -> bool:  # fmt: skip
        """Policy ``wait_for_version``: keep the delivery back until the resident's own version
        arrives or ``wait_hours`` after it was planned. Urgent events never wait."""
        if version.exact or urgent or event.urgent:
            return False
        policy, hours = missing_policy(event.data.topics[0], self.rt.catalogue)
        if policy != "wait_for_version" or hours <= 0:
            return False
        planned = created_at if created_at is None or created_at.tzinfo else created_at.replace(tzinfo=UTC)
        deadline = (planned or datetime.now(UTC)) + timedelta(hours=hours)
        if datetime.now(UTC) >= deadline:
            return False
        wanted = "/".join(version.wanted)
        outcome.status, outcome.not_before, outcome.version = "waiting", deadline, wanted
        outcome.error = f"wartet auf die Fassung {wanted}"
        return True

    def _fallback_id(self, event_pk: int, payloads: dict[int, str], sid: int, channel: str) -> str:
        event = self._event(event_pk, payloads)
        return delivery_id(event.source, event.id, sid, channel)

    def _classify(self, outcome: Outcome, result: SendResult, people: dict[int, Contact], payloads) -> None:
        if result.ok:
            outcome.status, outcome.message_id = "sent", result.message_id
            return
        outcome.error = result.error
        if result.permanent:
            outcome.status = "fallback"
            contact = people[outcome.subscriber_id]
            if outcome.channel in ("email", "sms"):
                outcome.bounced = contact.addresses.get(outcome.channel)
            if nxt := self._next_channel(contact, outcome.channel):
                outcome.next_delivery = (
                    self._fallback_id(outcome.event_pk, payloads, outcome.subscriber_id, nxt),
                    outcome.subscriber_id,
                    nxt,
                )
            return
        delay = backoff_seconds(outcome.attempts)
        born = self._claimed.get(outcome.delivery_id)
        horizon = timedelta(hours=self.rt.settings.retry_horizon_h)
        past_horizon = born is not None and utcnow() + timedelta(seconds=delay) > born + horizon
        if result.outage and not past_horizon:  # the provider is away: wait, the attempt does not count
            outcome.status, outcome.outage, outcome.attempts = "retry", True, max(outcome.attempts - 1, 0)
            return
        if outcome.attempts >= self.max_attempts or past_horizon:
            outcome.status = "dead"
            return
        outcome.status, outcome.not_before = "retry", utcnow() + timedelta(seconds=delay)

    async def close(self) -> None:
        for sender in self.senders.values():
            await sender.close()
