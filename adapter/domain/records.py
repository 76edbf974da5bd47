"""Every exchange is a record with explicit states: inbound documents and outbound messages.

An inbound record is the request as it arrived (valid or not) with the acknowledgement
the hub answered. An outbox item is one document to send, with its attempts; its status
moves pending → sending → sent, or to dead when it failed for good (and back to pending
when an operator replays it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


@dataclass(frozen=True, slots=True)
class InboundRecord:
    """One request as it arrived, with the acknowledgement the hub answers."""

    channel: str
    received_at: datetime
    raw: bytes
    raw_size: int
    truncated: bool
    status: str
    ack_id: str
    ack_status: str
    ack_xml: bytes
    sender: str | None = None
    message_id: str | None = None
    message_type: str | None = None
    business_serial: str | None = None
    correlation_id: str | None = None
    error_code: str | None = None
    error_path: str | None = None
    error_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the inbox says about a delivery: its row, and the original ack if it is a repeat."""

    row_id: int
    is_duplicate: bool
    original_ack_id: str
    original_ack_xml: bytes


@dataclass(frozen=True, slots=True)
class InboxItem:
    """An inbound record as operators list it (without the bytes)."""

    id: int
    received_at: datetime
    channel: str
    sender: str | None
    message_id: str | None
    message_type: str | None
    business_serial: str | None
    status: str
    ack_status: str
    error_code: str | None
    error_path: str | None
    duplicates: int
    raw_size: int


class OutboxStatus(str, Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One outbound message. ``payload`` and ``remote_ack`` are loaded only where needed."""

    id: int
    message_id: str
    message_type: str
    business_serial: str
    correlation_id: str
    object_type: str
    object_id: str
    status: str
    attempts: int
    created_at: datetime | None = None
    sent_at: datetime | None = None
    last_error_code: str | None = None
    last_error: str | None = None
    payload: bytes | None = None
    remote_ack: bytes | None = None
    # When it became due (written, or replayed): how long it has waited to be delivered.
    next_attempt_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxLevels:
    """How full the outbox is, from what indexes bound: the messages still to send and the
    dead letters are counted (up to ``cap``; a count at the cap means "at least"), the sent
    history is estimated, and the oldest message still to send says how long it waited."""

    pending: int
    sending: int
    dead: int
    sent_estimate: int
    oldest_due: datetime | None
    cap: int

