"""The one interface the dispatcher sends through, and how answers are judged.

A gateway returns the partner's acknowledgement bytes when the partner has the
document (ACCEPTED or DUPLICATE), and otherwise raises :class:`DeliveryFailed` saying
whether trying again can help (design.md §2: connection errors, timeouts, 5xx, 429 and
SOAP Server faults are retried; 4xx, SOAP Client faults and rejections are final).
"""

from __future__ import annotations

from typing import Protocol

import aiohttp
from lxml import etree

from adapter.config import PartnerSettings
from adapter.domain.exchange import AckStatus
from adapter.errors import DeliveryFailed
from adapter.mappings import acknowledgement
from adapter.mappings.registry import DocumentType
from adapter.persistence.outbox import OutboundMessage


class Gateway(Protocol):
    async def send(self, message: OutboundMessage, doc_type: DocumentType) -> bytes: ...

    async def close(self) -> None: ...


def partner_session(partner: PartnerSettings, *, timeout_seconds: float,
                    headers: dict[str, str] | None = None) -> aiohttp.ClientSession:
    """The HTTP client both gateways send through: the partner's credentials, a time limit
    per call, and room for the dispatcher's sends in flight."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout_seconds),
        connector=aiohttp.TCPConnector(limit=64),
        headers={**(headers or {}), "Authorization": aiohttp.encode_basic_auth(
            partner.username, partner.password.get_secret_value())},
    )


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
