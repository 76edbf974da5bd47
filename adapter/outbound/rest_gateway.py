"""REST gateway: ``POST {base}/{slug}`` with the stored document, through aiohttp."""

from __future__ import annotations

import aiohttp

from adapter.config import PartnerSettings
from adapter.domain.errors import (
    DeliveryConnection,
    DeliveryFailed,
    DeliveryHttpStatus,
    DeliveryMalformedAnswer,
)
from adapter.domain.exchange import OutboundDocument
from adapter.mappings.registry import by_message_type
from adapter.outbound.gateway import judge_ack, partner_session, read_answer


class RestGateway:
    def __init__(self, partner: PartnerSettings, *, timeout_seconds: float) -> None:
        self.base_url = partner.rest_base_url.rstrip("/")
        self.session = partner_session(partner, timeout_seconds=timeout_seconds,
                                       headers={"Content-Type": "application/xml; charset=utf-8"})

    async def send(self, document: OutboundDocument) -> bytes:
        url = f"{self.base_url}/{by_message_type(document.message_type).slug}"
        try:
            async with self.session.post(url, data=document.payload,
                                         headers={"X-Correlation-Id": document.correlation_id}
                                         ) as response:
                body = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise DeliveryConnection(f"{type(exc).__name__}: {exc}") from exc
        if status != 200:
            raise DeliveryHttpStatus(status, f"HTTP {status}: {_reasons(body)}")
        return judge_ack(read_answer(body))

    async def close(self) -> None:
        await self.session.close()


def _reasons(body: bytes) -> str:
    """The partner's own words when its error answer is an acknowledgement, else the raw start."""
    try:
        judge_ack(read_answer(body))
    except DeliveryMalformedAnswer:
        pass
    except DeliveryFailed as failure:
        return failure.detail
    return repr(body[:300])
