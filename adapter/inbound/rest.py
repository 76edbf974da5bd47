"""REST channel: ``POST /insurer/v1/documents/{slug}`` with an XML body, one URL per type."""

from __future__ import annotations

from aiohttp import web
from lxml import etree

from adapter.config import Settings
from adapter.domain.errors import UnknownDocumentType, UnsupportedMediaType
from adapter.inbound.http_edge import (
    authenticated_sender,
    close_if_unread,
    read_limited,
    unauthorized,
)
from adapter.inbound.receiver import RETRY_AFTER_SECONDS, Receiver, http_status
from adapter.mappings.registry import INBOUND_BY_SLUG
from adapter.mappings.xml_safety import parse_untrusted
from adapter.service_layer.receiving import Request

XML = "application/xml"


def routes(receiver: Receiver, settings: Settings) -> list[web.RouteDef]:
    limit = settings.limits.max_document_bytes

    def extract(raw: bytes) -> etree._Element:
        return parse_untrusted(raw, max_bytes=limit)

    async def post_document(request: web.Request) -> web.Response:
        sender = authenticated_sender(request, settings.inbound)
        if sender is None:
            return unauthorized()
        doc_type = INBOUND_BY_SLUG.get(request.match_info["slug"])
        if doc_type is None:
            raise web.HTTPNotFound(text=UnknownDocumentType.message_zh)
        body = await read_limited(request, limit=limit,
                                  keep_prefix=settings.limits.stored_prefix_of_oversized_bytes)
        inbound = Request("rest", body.data, body.size, sender, body.truncated,
                          body.error or _media_type_refusal(request))
        reception = await receiver.receive(inbound, extract, doc_type)
        response = web.Response(body=reception.ack_xml, status=http_status(reception.error),
                                content_type=XML, charset="utf-8")
        if response.status == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return close_if_unread(response, body)

    return [web.post("/insurer/v1/documents/{slug}", post_document)]


def _media_type_refusal(request: web.Request) -> UnsupportedMediaType | None:
    """The body must be XML: ``application/xml``, ``text/xml`` or ``…+xml``. A body that
    names no type (no header, or bytes of unspecified kind) is read as XML; one that names
    another type (JSON, a form, an image) is refused before it is parsed."""
    media = request.content_type
    if media in ("application/xml", "text/xml", "application/octet-stream") or media.endswith(
            "+xml"):
        return None
    return UnsupportedMediaType(f"Content-Type {request.headers.get('Content-Type', '(none)')!r}"[:200])

