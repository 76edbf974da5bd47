"""An upload on a slow line is not cut at the body timeout; a trickle still is.

The real deadline middleware in front of a handler that reads the whole body, over a real
socket: a multipart body sent at 48 KiB/s takes twice the 1 s body timeout and is read
whole (its 96 KiB earn 3 s at the 32 KiB/s floor); the same declared length trickled a byte
at a time is answered 408 once those 1 + 3 s are spent, and a JSON body as slow as the
upload is cut at 1 s.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from adapter.config import HttpSettings
from adapter.serving import body_deadline_middleware

HTTP = HttpSettings(body_timeout_seconds=1.0, upload_min_bytes_per_second=32 * 1024)
LENGTH = 96 * 1024
DEADLINE = 1.0 + LENGTH / (32 * 1024)


@asynccontextmanager
async def reading_server() -> AsyncIterator[int]:
    async def read_all(request: web.Request) -> web.Response:
        return web.json_response({"read": len(await request.read())})

    app = web.Application(middlewares=[body_deadline_middleware(HTTP)])
    app.router.add_post("/upload", read_all)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    sockets = site._server.sockets  # type: ignore[union-attr]
    try:
        yield int(sockets[0].getsockname()[1])
    finally:
        await runner.cleanup()


async def send_slowly(port: int, content_type: str, *, chunk: int, pause: float,
                      limit: float) -> tuple[bytes, float]:
    """POST ``LENGTH`` declared bytes, ``chunk`` bytes every ``pause`` s; the answer and when."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write((f"POST /upload HTTP/1.1\r\nHost: hub\r\nContent-Type: {content_type}\r\n"
                  f"Content-Length: {LENGTH}\r\n\r\n").encode())
    started, sent, answer = time.monotonic(), 0, b""
    while not reader.at_eof() and time.monotonic() - started < limit:
        if sent < LENGTH and not writer.is_closing():
            piece = min(chunk, LENGTH - sent)
            writer.write(b"x" * piece)
            sent += piece
        try:
            answer += await asyncio.wait_for(reader.read(4096), timeout=pause)
        except TimeoutError:
            continue
        if b"\r\n\r\n" in answer and answer.startswith(b"HTTP/1.1 200"):
            break
    writer.close()
    return answer, time.monotonic() - started


async def test_an_upload_slower_than_the_body_timeout_but_not_than_the_floor_is_read_whole() -> None:
    async with reading_server() as port:
        answer, seconds = await send_slowly(port, "multipart/form-data; boundary=b",
                                            chunk=4800, pause=0.1, limit=DEADLINE + 2)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert HTTP.body_timeout_seconds < seconds < DEADLINE


async def test_an_upload_trickled_below_the_floor_is_cut_when_its_length_is_spent() -> None:
    async with reading_server() as port:
        answer, seconds = await send_slowly(port, "multipart/form-data; boundary=b",
                                            chunk=1, pause=0.1, limit=DEADLINE + 3)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert DEADLINE * 0.9 <= seconds <= DEADLINE + 1.5


async def test_a_json_body_as_slow_as_the_upload_is_cut_at_the_body_timeout() -> None:
    async with reading_server() as port:
        answer, seconds = await send_slowly(port, "application/json",
                                            chunk=4800, pause=0.1, limit=DEADLINE + 2)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert seconds <= HTTP.body_timeout_seconds + 1.0
