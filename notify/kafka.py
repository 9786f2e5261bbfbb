"""Topic names, topic creation and a small producer for processes that are not Faust workers.

The web API and the CLI publish with plain aiokafka; only the worker runs Faust.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

CITY_EVENTS = "city-events"
EVENTS_ACCEPTED = "events-accepted"
SUBSCRIPTION_CHANGES = "subscription-changes"
DEAD_LETTER = "dead-letter"
DELIVERIES = {ch: f"deliveries-{ch}" for ch in ("email", "sms", "push", "letter")}
DELIVERIES_URGENT = "deliveries-urgent"


def topic_plan(partitions: int) -> dict[str, int]:
    """Every topic the service uses, with its partition count.

    ``subscription-changes`` has one partition: every worker reads all of it, in order.
    """
    plan = {CITY_EVENTS: partitions, EVENTS_ACCEPTED: partitions, DEAD_LETTER: 1, SUBSCRIPTION_CHANGES: 1}
    plan.update({name: partitions for name in DELIVERIES.values()})
    plan[DELIVERIES_URGENT] = partitions
    return plan


def limit_faust_fetch_wait(max_wait_ms: int) -> None:
    """Make the consumers Faust creates wait at most ``max_wait_ms`` per fetch on the broker.

    faust-streaming passes a fixed ``fetch_max_wait_ms=1500`` to aiokafka and has no setting for
    it. Kafka answers a waiting fetch as soon as a record arrives, so there it hardly matters;
    Tansu keeps the fetch open for the full time, which added up to 1.5 s to every hop of an
    event (measured: 0.26 s on average per hop with 1,500 ms, 0.025 s with 100 ms). aiokafka
    reads the value when the consumer starts, so setting it on the new consumer is enough.
    """
    from faust.transport.drivers import aiokafka as driver

    thread_class = driver.AIOKafkaConsumerThread
    original = getattr(thread_class, "_stadtbote_original_create", thread_class._create_worker_consumer)

    def create_worker_consumer(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        consumer._fetch_max_wait_ms = max_wait_ms
        return consumer

    thread_class._stadtbote_original_create = original
    thread_class._create_worker_consumer = create_worker_consumer


class BrokerDown(RuntimeError):
    pass


async def ensure_topics(bootstrap: str, plan: dict[str, int], timeout: float = 15.0) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(admin.start(), timeout)
    except (KafkaError, OSError, TimeoutError) as exc:
        raise BrokerDown(f"Kafka at {bootstrap} does not answer: {exc}") from None
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(name, n, 1) for name, n in plan.items() if name not in existing]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass
    finally:
        await admin.close()


class Publisher:
    """A lazily started producer; ``send_json`` waits for the broker's acknowledgement.

    With ``partitions`` it makes sure every topic of the service exists before its first message,
    once per process — so no caller has to remember to.
    """

    def __init__(self, bootstrap: str, partitions: int | None = None):
        self.bootstrap = bootstrap
        self.partitions = partitions
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def _get(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                if self.partitions is not None:
                    await ensure_topics(self.bootstrap, topic_plan(self.partitions))
                producer = AIOKafkaProducer(
                    bootstrap_servers=self.bootstrap, acks="all", linger_ms=5, request_timeout_ms=10_000
                )
                try:
                    await asyncio.wait_for(producer.start(), 10)
                except (KafkaError, OSError, TimeoutError) as exc:
                    await producer.stop()
                    raise BrokerDown(f"Kafka at {self.bootstrap} does not answer: {exc}") from None
                self._producer = producer
            return self._producer

    async def send(self, topic: str, value: bytes, key: bytes | None = None) -> None:
        producer = await self._get()
        try:
            await producer.send_and_wait(topic, value=value, key=key)
        except KafkaError as exc:
            raise BrokerDown(f"Kafka did not take the message: {exc}") from None

    async def send_json(self, topic: str, value: Any, key: str | None = None) -> None:
        await self.send(topic, json.dumps(value, default=str).encode(), key.encode() if key else None)

    async def send_many_json(self, topic: str, items: Iterable[tuple[str | None, Any]]) -> int:
        producer = await self._get()
        futures = [
            await producer.send(topic, value=json.dumps(v, default=str).encode(), key=k.encode() if k else None)
            for k, v in items
        ]
        await asyncio.gather(*futures)
        return len(futures)

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
