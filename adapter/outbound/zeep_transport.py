"""zeep's async transport, with aiohttp underneath instead of httpx.

zeep builds and reads the SOAP envelopes; this only carries them. httpx's connection pool
re-scans every connection for every queued request, which at the dispatcher's 32 sends
in flight cost more CPU than zeep itself; aiohttp is the hub's HTTP client everywhere
else. The WSDL is still loaded once, synchronously, by zeep's own client at start-up.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import httpx
from requests import Response
from requests.structures import CaseInsensitiveDict
from zeep.transports import AsyncTransport
from zeep.wsdl.utils import etree_to_string


class AiohttpTransport(AsyncTransport):
    def __init__(self, http: aiohttp.ClientSession, *, wsdl_timeout_seconds: float) -> None:
        super().__init__(wsdl_client=httpx.Client(timeout=wsdl_timeout_seconds))  # type: ignore[no-untyped-call]
        self.http = http

    async def post_xml(self, address: str, envelope: Any, headers: dict[str, str]) -> Response:
        message = etree_to_string(envelope)  # type: ignore[no-untyped-call]
        async with self.http.post(address, data=message, headers=headers) as answer:
            body = await answer.read()
            reply = Response()
            reply._content = body
            reply.status_code = answer.status
            reply.headers = CaseInsensitiveDict(answer.headers)
            reply.encoding = answer.charset
        return reply

    async def aclose(self) -> None:
        await self.http.close()
        await super().aclose()  # type: ignore[no-untyped-call]  # zeep's own httpx client, unused
        self.wsdl_client.close()
