"""What every exchanged document carries, independent of XML: envelope and acknowledgement."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

SCHEMA_VERSION = "1.0"


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Envelope:
    """Routing and identity of one document. ``business_serial`` survives retries and replays."""

    message_id: str
    message_type: str
    correlation_id: str
    business_serial: str
    sender: str
    receiver: str
    sent_at: datetime
    schema_version: str = SCHEMA_VERSION

    @classmethod
    def new(cls, message_type: str, *, business_serial: str, sender: str, receiver: str,
            correlation_id: str | None = None) -> Envelope:
        message_id = new_id()
        return cls(message_id=message_id, message_type=message_type,
                   correlation_id=correlation_id or message_id, business_serial=business_serial,
                   sender=sender, receiver=receiver, sent_at=utcnow())


class AckStatus(str, Enum):
    ACCEPTED = "ACCEPTED"
    DUPLICATE = "DUPLICATE"
    REJECTED = "REJECTED"


@dataclass(frozen=True, slots=True)
class AckError:
    code: str
    reason: str
    path: str | None = None


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """The synchronous answer to a document, in either direction."""

    ack_id: str
    status: AckStatus
    sender: str
    received_at: datetime
    ref_message_id: str | None = None
    ref_message_type: str | None = None
    ref_business_serial: str | None = None
    receiver: str | None = None
    original_ack_id: str | None = None
    errors: tuple[AckError, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class OutboundDocument:
    """What a gateway sends: the stored bytes, unchanged, and what identifies them.

    The payload is the document exactly as it was rendered and stored when its state
    change committed; every attempt and every replay sends these same bytes.
    """

    message_type: str
    message_id: str
    business_serial: str
    correlation_id: str
    payload: bytes
