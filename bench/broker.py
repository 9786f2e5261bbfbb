"""Produce throughput of the embedded broker: memory against durable (``notify broker --durable``).

Both brokers run at once on free ports (Tansu with ``memory://`` and Tansu with ``s3://`` on our
object store, ``notify/embedded/durable.py``); rounds alternate memory, durable, memory, durable …
so the machine's load hits both alike. A round is one aiokafka producer (acks=all, as the worker
and web API publish) sending N messages of 1 KB to a 4-partition topic, pipelined (``send`` and
one ``flush``), then M messages one at a time (``send_and_wait``: what one ``POST /v1/events``
waits for). Ends with one JSON line.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in ("", _HERE)]  # bench/email.py would shadow `email`

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiokafka import AIOKafkaProducer  # noqa: E402
from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # noqa: E402

from notify.devstack import free_port  # noqa: E402
from notify.embedded.broker import start_broker  # noqa: E402
from notify.embedded.durable import DurableBroker  # noqa: E402

PAYLOAD = b"x" * 1024


async def one_round(port: int, topic: str, pipelined: int, single: int) -> tuple[float, float]:
    """(messages/s pipelined, median ms of one acknowledged send)."""
    producer = AIOKafkaProducer(bootstrap_servers=f"127.0.0.1:{port}", acks="all", linger_ms=5)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"warm-up")
        start = time.perf_counter()
        for _ in range(pipelined):
            await producer.send(topic, PAYLOAD)
        await producer.flush()
        rate = pipelined / (time.perf_counter() - start)
        waits = []
        for _ in range(single):
            t = time.perf_counter()
            await producer.send_and_wait(topic, PAYLOAD)
            waits.append((time.perf_counter() - t) * 1000)
        return rate, statistics.median(waits)
    finally:
        await producer.stop()


async def make_topic(port: int, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=f"127.0.0.1:{port}")
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=4, replication_factor=1)])
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="2 rounds of 2,000 + 50 messages (default 4 of 20,000 + 300)"
    )
    args = parser.parse_args()
    rounds, pipelined, single = (2, 2_000, 50) if args.quick else (4, 20_000, 300)
    with tempfile.TemporaryDirectory(prefix="stadtbote-bench-broker-") as tmp:
        memory_port, durable_port = free_port(), free_port()
        memory = start_broker("127.0.0.1", memory_port)
        durable = DurableBroker(Path(tmp) / "broker", port=durable_port).start()
        results: dict[str, list[tuple[float, float]]] = {"memory": [], "durable": []}
        loads = []
        try:
            for port in (memory_port, durable_port):
                asyncio.run(make_topic(port, "bench"))
            for i in range(rounds):
                for name, port in (("memory", memory_port), ("durable", durable_port)):
                    rate, wait_ms = asyncio.run(one_round(port, "bench", pipelined, single))
                    loads.append(os.getloadavg()[0])
                    results[name].append((rate, wait_ms))
                    print(
                        f"round {i + 1} {name:8s} {rate:8.0f} msg/s pipelined, one acked send {wait_ms:6.1f} ms (median)"
                    )
            objects = sum(1 for _ in (Path(tmp) / "broker" / "objects").rglob("=*"))
        finally:
            memory.terminate()
            memory.wait(10)
            durable.stop()
    mem_rate = statistics.mean(r for r, _ in results["memory"])
    dur_rate = statistics.mean(r for r, _ in results["durable"])
    print(json.dumps({
        "benchmark": "broker_produce", "quick": args.quick, "rounds": rounds, "messages_per_round": pipelined,
        "memory_msgs_per_s": round(mem_rate), "durable_msgs_per_s": round(dur_rate),
        "durable_over_memory": round(dur_rate / mem_rate, 2),
        "memory_ack_ms": round(statistics.mean(w for _, w in results["memory"]), 1),
        "durable_ack_ms": round(statistics.mean(w for _, w in results["durable"]), 1),
        "durable_objects": objects, "load": [round(min(loads), 1), round(max(loads), 1)],
    }))  # fmt: skip


if __name__ == "__main__":
    main()
