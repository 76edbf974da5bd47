"""The one interface the dispatcher sends through, and how answers are judged.

A gateway returns the partner's acknowledgement bytes when the partner has the
document (ACCEPTED or DUPLICATE), and otherwise raises a :class:`DeliveryFailed` whose
class says whether trying again can help: connection errors, timeouts, 5xx, 429, SOAP
Server faults and unreadable answers may pass; 4xx, SOAP Client faults and rejections
will not. A gateway sees only the domain's :class:`OutboundDocument`, never a table row.
"""

from __future__ import annotations

from typing import Protocol

import aiohttp
from lxml import etree

from adapter.config import PartnerSettings
from adapter.domain.errors import (
    DeliveryMalformedAnswer,
    DeliveryRejected,
    DocumentRejected,
    SchemaViolation,
)
from adapter.domain.exchange import AckStatus, OutboundDocument
from adapter.mappings import acknowledgement, schemas
from adapter.mappings.xml_safety import parse_answer


class Gateway(Protocol):
    async def send(self, document: OutboundDocument) -> bytes: ...

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


def read_answer(body: bytes) -> etree._Element:
    """A reply that cannot be read safely may be a glitch on the way: worth another try."""
    try:
        return parse_answer(body)
    except DocumentRejected as exc:
        raise DeliveryMalformedAnswer(f"{exc.code}: {exc.detail[:200]}; "
                                      f"answer starts {body[:120]!r}") from exc


def judge_ack(ack_element: etree._Element) -> bytes:
    """Accept ACCEPTED/DUPLICATE; a REJECTED acknowledgement is final. An answer is held
    to its schema like any inbound document: what the hub reads from it must be there."""
    try:
        schemas.validate(ack_element, acknowledgement.XSD)
        ack = acknowledgement.from_element(ack_element)
    except (SchemaViolation, KeyError, ValueError) as exc:
        raise DeliveryMalformedAnswer(f"unreadable acknowledgement: {exc}") from exc
    if ack.status is AckStatus.REJECTED:
        reasons = "; ".join(f"{e.code} {e.path or ''} {e.reason}" for e in ack.errors)
        raise DeliveryRejected(f"rejected by partner: {reasons}")
    return bytes(etree.tostring(ack_element))
