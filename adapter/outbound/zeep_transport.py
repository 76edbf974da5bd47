"""zeep's async transport, with aiohttp underneath instead of httpx.

zeep decides the envelopes' headers and reads the replies; this only carries them. The
gateway hands over envelopes that are already bytes (``post_bytes``), so the stored
document is never re-serialised on its way out.

httpx's connection pool re-scans every connection for every queued request, which at the
dispatcher's 32 sends in flight cost more CPU than zeep itself; aiohttp is the hub's HTTP
client everywhere else. The WSDL is still loaded once, synchronously, by zeep's own
client at start-up.
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
        return await self.post_bytes(address, message, headers)

    async def post_bytes(self, address: str, message: bytes, headers: dict[str, str]) -> Response:
        """POST an envelope that is already bytes; the answer comes back in the shape
        zeep's bindings read (``requests.Response``)."""
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
