"""What both inbound channels do at the HTTP edge: authenticate the partner, read within limits."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from aiohttp import web

from adapter.config import InboundCredential


def authenticated_sender(request: web.Request, credential: InboundCredential) -> str | None:
    """The partner code behind a valid HTTP Basic credential, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    expected = credential.password.get_secret_value()
    if hmac.compare_digest(user, credential.username) and hmac.compare_digest(password, expected):
        return credential.sender
    return None


def unauthorized() -> web.Response:
    return web.Response(status=401, text="authentication required",
                        headers={"WWW-Authenticate": 'Basic realm="swcredit-hub"'})


@dataclass(frozen=True, slots=True)
class Body:
    data: bytes
    size: int
    truncated: bool


async def read_limited(request: web.Request, *, limit: int, keep_prefix: int) -> Body:
    """Read at most ``limit`` bytes; past it, stop reading and keep a prefix for the record.

    The declared length is checked first, so a 20 MB body is refused without being read.
    """
    declared = request.content_length
    if declared is not None and declared > limit:
        prefix = await request.content.read(min(keep_prefix, declared))
        return Body(prefix, declared, True)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return Body(b"".join(chunks)[:keep_prefix], size, True)
    return Body(b"".join(chunks), size, False)


def close_if_unread(response: web.Response, body: Body) -> web.Response:
    """An oversized body was left unread: close the connection rather than drain it."""
    if body.truncated:
        response.force_close()
    return response
