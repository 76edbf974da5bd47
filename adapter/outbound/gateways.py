"""Pick the gateway a partner's config names: SOAP through zeep, or REST through aiohttp."""

from __future__ import annotations

from adapter.config import Settings
from adapter.outbound.gateway import Gateway


def build_gateway(settings: Settings) -> Gateway:
    timeout = settings.retry.request_timeout_seconds
    if settings.insurer.channel == "soap":
        from adapter.outbound.soap_gateway import SoapGateway

        return SoapGateway(settings.insurer, timeout_seconds=timeout)
    from adapter.outbound.rest_gateway import RestGateway

    return RestGateway(settings.insurer, timeout_seconds=timeout)
