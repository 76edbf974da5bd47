"""What both inbound channels do at the HTTP edge: authenticate the partner, read within limits."""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass

from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError

from adapter.config import InboundCredential
from adapter.domain.credentials import same_secret
from adapter.domain.errors import DocumentRejected, IncompleteBody, UndecodableBody


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
    # Both compared, always: which half was wrong must not show in the time taken.
    user_ok = same_secret(user, credential.username)
    if same_secret(password, expected) and user_ok:
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
    # Set when the body could not be read whole: the bytes that came are kept with it.
    error: DocumentRejected | None = None


async def read_limited(request: web.Request, *, limit: int, keep_prefix: int) -> Body:
    """Read at most ``limit`` bytes; past it, stop reading and keep a prefix for the record.

    The declared length is checked first, so a 20 MB body is refused without being read.
    A body that does not decode (its Content-Encoding lies) or stops before its end (the
    client went away) is kept as far as it came, with the reason, never raised.
    """
    declared = request.content_length
    chunks: list[bytes] = []
    size = 0
    try:
        if declared is not None and declared > limit:
            prefix = await request.content.read(min(keep_prefix, declared))
            return Body(prefix, declared, True)
        async for chunk in request.content.iter_chunked(64 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                return Body(b"".join(chunks)[:keep_prefix], size, True)
    except (RequestPayloadError, ConnectionError, asyncio.IncompleteReadError) as broken:
        return Body(b"".join(chunks)[:limit], size, True, _unreadable(broken))
    return Body(b"".join(chunks), size, False)


def _unreadable(broken: Exception) -> DocumentRejected:
    if "content-encoding" in str(broken).lower():
        return UndecodableBody(str(broken).strip()[:200])
    return IncompleteBody(f"{type(broken).__name__}: {str(broken).strip()[:200]}")


def close_if_unread(response: web.Response, body: Body) -> web.Response:
    """An oversized body was left unread: close the connection rather than drain it."""
    if body.truncated:
        response.force_close()
    return response
