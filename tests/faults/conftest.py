"""One running stack for the fault runs that can share it (each run posts its own event), so the
suite pays for starting the four processes once."""

from __future__ import annotations

import pytest
from fault_kit import FaultStack, private_dir, size


@pytest.fixture(scope="session")
def fault_stack():
    with private_dir() as data_dir, FaultStack(data_dir, size(400, 20_000), NOTIFY_SMTP_CONNECTIONS="4") as run:
        yield run
