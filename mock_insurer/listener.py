"""The business port as something that can be closed and reopened at runtime.

A 'refuse' fault has to make TCP connects fail for real (ECONNREFUSED), which a
handler cannot fake; so the listening socket is closed and later rebound to the
same port.
"""

from __future__ import annotations

from aiohttp import web


class BusinessListener:
    def __init__(self, runner: web.AppRunner, host: str, port: int) -> None:
        self._runner = runner
        self._host = host
        self._port = port
        self._site: web.TCPSite | None = None

    @property
    def port(self) -> int:
        """The bound port (the real one once opened, even if 0 was asked for)."""
        return self._port

    @property
    def listening(self) -> bool:
        return self._site is not None

    async def open(self) -> None:
        if self._site is not None:
            return
        site = web.TCPSite(self._runner, self._host, self._port, reuse_address=True)
        await site.start()
        self._site = site
        self._port = site.port

    async def close(self) -> None:
        """Stop listening and cut every open connection, as if the insurer went down.

        Pooled keep-alive connections would otherwise still reach the handlers, and
        requests in flight are cut too (a crash does not finish them either).
        """
        if self._site is None:
            return
        site, self._site = self._site, None
        await site.stop()
        server = self._runner.server
        if server is not None:
            for connection in server.connections:
                connection.force_close()
