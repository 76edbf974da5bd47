"""What the insurer has received, in memory, keyed by BusinessSerial.

The insurer deduplicates on the business serial (it stays the same across the hub's
retries), so that is the key here; the first delivery and its acknowledgement are
kept, later ones only bump the delivery count. Every request, including rejected and
faulted ones, is also logged as an :class:`Attempt` so tests can count retries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class ReceivedDocument:
    business_serial: str
    message_type: str
    message_id: str
    sender: str
    channel: str
    """``rest``, ``soap1.1`` or ``soap1.2``: how the first delivery came in."""
    received_at: datetime
    raw: bytes
    """The first delivery's HTTP request body, byte for byte."""
    document: bytes
    """The business document alone (for SOAP, the element taken out of the Body)."""
    ack_id: str
    ack_xml: bytes
    deliveries: int = 1
    last_received_at: datetime | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "business_serial": self.business_serial,
            "message_type": self.message_type,
            "message_id": self.message_id,
            "sender": self.sender,
            "channel": self.channel,
            "deliveries": self.deliveries,
            "received_at": self.received_at.isoformat(),
            "last_received_at": (self.last_received_at or self.received_at).isoformat(),
            "ack_id": self.ack_id,
        }

    def detail(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "document": self.document.decode("utf-8", errors="replace"),
            "raw": self.raw.decode("utf-8", errors="replace"),
            "ack": self.ack_xml.decode("utf-8"),
        }


@dataclass(frozen=True)
class Attempt:
    """One business request as the insurer saw it, whatever became of it."""

    at: datetime
    channel: str
    outcome: str
    """ACCEPTED, DUPLICATE, REJECTED, or FAULT when an injected fault answered instead."""
    fault: str | None = None
    """The fault mode in force for this request, if any."""
    business_serial: str | None = None
    message_id: str | None = None
    error_codes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "channel": self.channel,
            "outcome": self.outcome,
            "fault": self.fault,
            "business_serial": self.business_serial,
            "message_id": self.message_id,
            "error_codes": list(self.error_codes),
        }


@dataclass
class Store:
    """In-memory store; single event loop, so check-then-insert needs no lock."""

    _by_serial: dict[str, ReceivedDocument] = field(default_factory=dict)
    _attempts: list[Attempt] = field(default_factory=list)

    def get(self, business_serial: str) -> ReceivedDocument | None:
        return self._by_serial.get(business_serial)

    def add(self, record: ReceivedDocument) -> None:
        if record.business_serial in self._by_serial:
            raise ValueError(f"business serial {record.business_serial} already stored")
        self._by_serial[record.business_serial] = record

    def redeliver(self, business_serial: str, at: datetime) -> ReceivedDocument:
        record = self._by_serial[business_serial]
        record.deliveries += 1
        record.last_received_at = at
        return record

    def log(self, attempt: Attempt) -> None:
        self._attempts.append(attempt)

    def records(self) -> list[ReceivedDocument]:
        return sorted(self._by_serial.values(), key=lambda r: r.received_at)

    def attempts(self) -> list[Attempt]:
        return list(self._attempts)

    @property
    def business_count(self) -> int:
        return len(self._by_serial)

    @property
    def duplicate_count(self) -> int:
        return sum(r.deliveries - 1 for r in self._by_serial.values())

    @property
    def rejected_count(self) -> int:
        return sum(1 for a in self._attempts if a.outcome == "REJECTED")

    def reset(self) -> None:
        self._by_serial.clear()
        self._attempts.clear()

    def summary(self) -> dict[str, Any]:
        return {
            "business_count": self.business_count,
            "duplicate_count": self.duplicate_count,
            "rejected_count": self.rejected_count,
            "attempt_count": len(self._attempts),
            "messages": [r.summary() for r in self.records()],
        }
