"""What every channel sender shares: the outcome of one send, and the sender protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class SendResult:
    """``permanent`` failures (invalid address, 5xx) fall back to the next channel; others retry."""

    ok: bool
    permanent: bool = False
    # The provider itself is away (connection refused, timeout, gateway 5xx): not this message's
    # fault. Such a failure pauses the channel (notify/circuit.py) and does not count as an attempt.
    outage: bool = False
    error: str | None = None
    message_id: str | None = None


@dataclass
class Prepared:
    """A rendered message ready to send, and the text a resident will read (for the gate)."""

    delivery_id: str
    readable: str
    payload: Any


class ChannelSender(Protocol):
    channel: str

    def prepare(
        self, delivery_id: str, context: dict[str, Any], address: str, language: str, profile: str
    ) -> Prepared: ...

    async def send(self, prepared: Prepared) -> SendResult: ...

    async def close(self) -> None: ...
