"""The one interface the dispatcher sends through, and how answers are judged.

A gateway returns the partner's acknowledgement bytes when the partner has the
document (ACCEPTED or DUPLICATE), and otherwise raises :class:`DeliveryFailed` saying
whether trying again can help (design.md §2: connection errors, timeouts, 5xx, 429 and
SOAP Server faults are retried; 4xx, SOAP Client faults and rejections are final).
"""

from __future__ import annotations

from typing import Protocol

from lxml import etree

from adapter.domain.exchange import AckStatus
from adapter.errors import DeliveryFailed
from adapter.mappings import acknowledgement
from adapter.mappings.registry import DocumentType
from adapter.persistence.outbox import OutboundMessage


class Gateway(Protocol):
    async def send(self, message: OutboundMessage, doc_type: DocumentType) -> bytes: ...

    async def close(self) -> None: ...


def retryable_status(status: int) -> bool:
    return status >= 500 or status == 429


def judge_ack(ack_element: etree._Element) -> bytes:
    """Accept ACCEPTED/DUPLICATE; a REJECTED acknowledgement is final."""
    try:
        ack = acknowledgement.from_element(ack_element)
    except (KeyError, ValueError) as exc:
        raise DeliveryFailed(f"unreadable acknowledgement: {exc}", retryable=True,
                             code="E-DELIVERY-MALFORMED-ANSWER") from exc
    if ack.status is AckStatus.REJECTED:
        reasons = "; ".join(f"{e.code} {e.path or ''} {e.reason}" for e in ack.errors)
        raise DeliveryFailed(f"rejected by partner: {reasons}", retryable=False,
                             code="E-DELIVERY-REJECTED")
    return bytes(etree.tostring(ack_element))
