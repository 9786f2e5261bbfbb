"""Every module that defines tables, so ``init_db`` creates them all.

A capability with tables of its own adds its module here (modules that are not there yet are
skipped, so the list can name work in progress).
"""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "subscribers.models",
    "subscribers.consent",
    "subscribers.staff",
    "subscribers.announcements",
    "subscribers.channel_health",
    "subscribers.team",
    "subscribers.totp",
    "subscribers.templates_store",
    "subscribers.source_state",
    "subscribers.published",
)


def load_all() -> None:
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
