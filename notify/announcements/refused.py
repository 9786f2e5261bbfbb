"""The one exception the announcement actions raise: an action that is not allowed now."""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """An action that is not allowed now: ``status`` is the HTTP status, ``detail`` plain German."""

    def __init__(self, status: int, detail: str, **extra: Any):
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra
