"""How the hub sends bytes it keeps in the attachment store: in chunks, as a download.

Shared by the portal (the enterprise's own attachments) and the insurer's fetch: a 4M
file is never read whole into memory, the name travels only in a Content-Disposition that
no name can break (``domain.attachments.content_disposition``), and the type is the one
the hub detected, never guessed again by a browser (``nosniff``). Never ``inline``: an
uploaded PDF is not to run in the hub's origin.
"""

from __future__ import annotations

import asyncio
from typing import BinaryIO

from aiohttp import web

from adapter.domain.attachments import content_disposition

CHUNK = 64 * 1024


async def send_file(request: web.Request, content: BinaryIO | bytes, *, media_type: str, name: str,
                    size: int) -> web.StreamResponse:
    """Write the bytes out and close the handle, whatever happens."""
    response = web.StreamResponse(headers={
        "Content-Type": media_type, "Content-Disposition": content_disposition(name),
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})
    response.content_length = size
    try:
        await response.prepare(request)
        if isinstance(content, bytes):
            await response.write(content)
        else:
            while chunk := await asyncio.to_thread(content.read, CHUNK):
                await response.write(chunk)
        await response.write_eof()
    finally:
        if not isinstance(content, bytes):
            content.close()
    return response
