"""The durable broker (Tansu on PostgreSQL) restarts in the middle of a fan-out: the web API says
503 with Retry-After while it is away and accepts again after, the worker reconnects by itself,
and nobody is left out."""

from __future__ import annotations

import os
import uuid

import pytest
from fault_kit import FaultStack, private_dir, report, size
from sqlalchemy import create_engine, text

from notify.devstack import free_port
from notify.embedded.broker import BrokerUnavailable, start_broker

pytestmark = pytest.mark.e2e

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def durable_storage():
    """A fresh PostgreSQL database for Tansu; skipped when PostgreSQL does not answer or the
    shipped Tansu has no PostgreSQL engine built in."""
    name = f"tansu_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        pytest.skip(f"PostgreSQL does not answer at {PG_URL}: {type(exc).__name__}")
    base = (
        PG_URL.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgres://").replace("postgresql://", "postgres://")
    )
    storage = f"{base}/{name}"
    try:
        probe = start_broker("127.0.0.1", free_port(), storage=storage)
    except BrokerUnavailable as exc:
        pytest.skip(f"durable broker not available: {exc}")
    else:
        probe.terminate()
        probe.wait(10)
    yield storage
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_durable_broker_restarted_mid_fan_out_loses_nothing(durable_storage):
    with private_dir() as data_dir, FaultStack(data_dir, size(400, 20_000), broker_storage=durable_storage) as run:
        run.post_event("F-durable")
        run.wait_for_share(0.3)
        run.stop_broker()
        refused = run.post_raw("F-durable-2")
        run.start_broker()
        figures = run.wait_done(timeout=size(300, 2400))
        report("durable broker restarted at 30 %", figures)
    assert refused.status_code == 503 and refused.headers.get("retry-after"), refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert figures["lost"] == 0, figures
