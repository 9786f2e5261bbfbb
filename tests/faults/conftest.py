"""One running stack for the fault runs that can share it (each run posts its own event), so the
suite pays for starting the four processes once."""

from __future__ import annotations

import os

import pytest
from fault_kit import FaultStack, private_dir, size


@pytest.fixture(scope="session")
def fault_stack():
    residents = int(os.environ.get("FAULTS_RESIDENTS", 0)) or size(400, 20_000)
    with private_dir() as data_dir, FaultStack(data_dir, residents, NOTIFY_SMTP_CONNECTIONS="4") as run:
        yield run


def pytest_collection_modifyitems(items):
    """Runs that restart the broker go last: the shared stack's later runs should not start on a
    broker that just lost its memory."""
    items.sort(key=lambda item: item.get_closest_marker("restarts_broker") is not None)
