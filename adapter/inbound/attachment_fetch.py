"""The insurer's side of a claim's files (C-10, C-8): ``GET /insurer/v1/attachments/{sha256}``.

A claim document (X-OUT-7) lists each attachment's name, media type, size and SHA-256 and
the URL to fetch it from; the bytes do not travel inside the document, which must stay
under ``limits.max_document_bytes`` while a claim may hold 40M of files. The insurer fetches
each with the same HTTP Basic partner credential it pushes documents with, and checks the
digest it was told. Only bytes a submitted claim sent are served (an attachment uploaded
before the claim's latest submission, or its sealed shipment report); a digest the hub does
not hold, or holds only for a claim not yet sent, is 404 exactly alike, so the endpoint
tells nothing about what enterprises keep. Failed credentials are throttled like every
``/insurer/`` route (``throttle.py``).
"""

from __future__ import annotations

from aiohttp import web

from adapter.config import Settings
from adapter.domain.attachments import AttachmentUnknown
from adapter.downloads import send_file
from adapter.inbound.http_edge import authenticated_sender, unauthorized
from adapter.ports.attachments import AttachmentStore, is_sha256
from adapter.service_layer.claim_attachments import FETCH_PATH, insurer_copy
from adapter.service_layer.unit_of_work import UnitsOfWork


def routes(uows: UnitsOfWork, store: AttachmentStore, settings: Settings) -> list[web.RouteDef]:
    async def fetch(request: web.Request) -> web.StreamResponse:
        if authenticated_sender(request, settings.inbound) is None:
            return unauthorized()
        sha256 = request.match_info["sha256"]
        if not is_sha256(sha256):
            raise AttachmentUnknown(f"{sha256[:80]!r} is no SHA-256", path="$path.sha256")
        copy = await insurer_copy(uows, store, sha256)
        return await send_file(request, copy.content, media_type=copy.media_type, name=copy.name,
                               size=copy.size)

    return [web.get(FETCH_PATH, fetch)]
