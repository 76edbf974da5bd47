"""Faults the insurer can be told to show, to exercise the hub's retry and dedup logic."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class FaultMode(StrEnum):
    NONE = "none"
    REFUSE = "refuse"
    """The business port stops listening (TCP connects are refused); nothing is stored."""
    SLOW = "slow"
    """Sleep ``seconds``, then answer normally."""
    HTTP500 = "http500"
    HTTP429 = "http429"
    SOAP_SERVER = "soap_server"
    """SOAP Server/Receiver fault (REST: 500 + REJECTED ack); nothing stored."""
    SOAP_CLIENT = "soap_client"
    """SOAP Client/Sender fault (REST: 400 + REJECTED ack); nothing stored."""
    MALFORMED = "malformed"
    """Stored, but the 200 answer is not XML: the client must resend, a duplicate."""
    DROP_RESPONSE = "drop_response"
    """Stored, then the connection is aborted without any HTTP response."""


DEFAULT_SLOW_SECONDS = 2.0


@dataclass(frozen=True)
class Fault:
    mode: FaultMode = FaultMode.NONE
    remaining: int | None = None
    """Business requests still to be affected; None means until changed."""
    seconds: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {"mode": self.mode.value, "count": self.remaining, "seconds": self.seconds}


class FaultState:
    """The current fault, consumed one business request at a time."""

    def __init__(self) -> None:
        self._fault = Fault()

    @property
    def current(self) -> Fault:
        return self._fault

    def set(self, mode: FaultMode, count: int | None = None, seconds: float | None = None) -> Fault:
        if count is not None and count < 1:
            raise ValueError("count must be at least 1")
        if seconds is not None and seconds < 0:
            raise ValueError("seconds must not be negative")
        if mode is FaultMode.SLOW and seconds is None:
            seconds = DEFAULT_SLOW_SECONDS
        self._fault = Fault(mode, None if mode is FaultMode.NONE else count, seconds)
        return self._fault

    def clear(self) -> None:
        self._fault = Fault()

    def take(self) -> Fault:
        """The fault that applies to this request, counting it against ``count``.

        A refusal is bounded by time, not requests, so it is not consumed here (a request
        only reaches the handler during a refusal on a connection opened before it).
        """
        fault = self._fault
        if fault.mode is FaultMode.NONE or fault.mode is FaultMode.REFUSE:
            return fault
        if fault.remaining is not None:
            left = fault.remaining - 1
            self._fault = Fault() if left == 0 else Fault(fault.mode, left, fault.seconds)
        return fault
