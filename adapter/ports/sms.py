"""The SMS gateway (I-4): sends a verification code to a mobile number.

A deployment names its gateway's client in ``HUB_SMS__GATEWAY`` (``package.module:factory``);
the built-in fake keeps what it would have sent, so tests and the demo read the code
(the operator API shows it) instead of a phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from adapter.domain.exchange import utcnow


@dataclass(frozen=True, slots=True)
class SmsMessage:
    mobile: str
    text: str
    sent_at: datetime


class SmsGateway(Protocol):
    async def send(self, mobile: str, text: str) -> None:
        """Hand one message to the gateway; raises when it cannot be sent."""


class DemoSmsGateway:
    """Sends nothing: keeps the last messages in memory, newest last."""

    KEEP = 200

    def __init__(self) -> None:
        self.sent: list[SmsMessage] = []

    async def send(self, mobile: str, text: str) -> None:
        self.sent.append(SmsMessage(mobile, text, utcnow()))
        del self.sent[:-self.KEEP]

    def messages(self, mobile: str | None = None) -> list[SmsMessage]:
        return [m for m in self.sent if mobile is None or m.mobile == mobile]
