"""REST gateway: ``POST {base}/{slug}`` with the XML document, through aiohttp."""

from __future__ import annotations

import aiohttp
from lxml import etree

from adapter.config import PartnerSettings
from adapter.errors import DeliveryFailed
from adapter.mappings.registry import DocumentType
from adapter.outbound.gateway import judge_ack, partner_session, retryable_status
from adapter.persistence.outbox import OutboundMessage

_ANSWER_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class RestGateway:
    def __init__(self, partner: PartnerSettings, *, timeout_seconds: float) -> None:
        self.base_url = partner.rest_base_url.rstrip("/")
        self.session = partner_session(partner, timeout_seconds=timeout_seconds,
                                       headers={"Content-Type": "application/xml; charset=utf-8"})

    async def send(self, message: OutboundMessage, doc_type: DocumentType) -> bytes:
        url = f"{self.base_url}/{doc_type.slug}"
        try:
            async with self.session.post(url, data=message.payload,
                                         headers={"X-Correlation-Id": message.correlation_id}) as response:
                body = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}", retryable=True,
                                 code="E-DELIVERY-CONNECTION") from exc
        if status != 200:
            raise DeliveryFailed(f"HTTP {status}: {_reasons(body)}", retryable=retryable_status(status),
                                 code=f"E-DELIVERY-HTTP-{status}")
        try:
            return judge_ack(etree.fromstring(body, _ANSWER_PARSER))
        except etree.XMLSyntaxError as exc:
            raise DeliveryFailed(f"answer is not XML: {body[:120]!r}", retryable=True,
                                 code="E-DELIVERY-MALFORMED-ANSWER") from exc

    async def close(self) -> None:
        await self.session.close()


def _reasons(body: bytes) -> str:
    """The partner's own words when its error answer is an acknowledgement, else the raw start."""
    try:
        judge_ack(etree.fromstring(body, _ANSWER_PARSER))
    except DeliveryFailed as failure:
        return failure.detail
    except etree.XMLSyntaxError:
        pass
    return repr(body[:300])
