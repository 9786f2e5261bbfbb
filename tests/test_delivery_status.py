"""Every status the code writes into the ledger has a group and words for a person."""

from __future__ import annotations

import re
from pathlib import Path

from subscribers.delivery_status import GENERIC, GROUPS, statuses_of

ROOT = Path(__file__).resolve().parents[1]
WRITES = re.compile(r"""(?:Delivery\.status\s*==\s*|status\s*=\s*|\.status,\s*\w+\.error\s*=\s*)["']([a-z_]+)["']""")


def written_statuses() -> set[str]:
    found: set[str] = set()
    for path in [*ROOT.joinpath("notify").rglob("*.py"), *ROOT.joinpath("subscribers").rglob("*.py")]:
        found |= set(WRITES.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_ledger_status_has_a_group_and_a_name():
    ledger = set(GROUPS)
    assert {"sent", "handed_over", "too_late", "waiting", "bundled", "deferred"} <= ledger
    assert set(GENERIC) == ledger  # words for each
    assert set(statuses_of("delivered", "failed", "held", "pending", "skipped")) == ledger  # each in one group


def test_statuses_the_code_writes_are_known():
    other_tables = {"active", "unsubscribed", "ok", "scheduled", "review", "accepted", "received", "matched",
                    "expired", "draft", "approved", "published", "rejected", "open", "closed",
                    "fallback"}  # fmt: skip  # fallback: an in-memory outcome, written as "failed" (dispatch.py)
    unknown = written_statuses() - set(GROUPS) - other_tables
    assert not unknown, unknown
