"""Running the mock insurer: in-process for tests, or as a foreground server."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any, Self

from aiohttp import web

from mock_insurer.buyers import BuyerDirectory
from mock_insurer.faults import Fault, FaultMode
from mock_insurer.listener import BusinessListener
from mock_insurer.server import build_apps
from mock_insurer.settings import Settings
from mock_insurer.state import InsurerState
from mock_insurer.store import Store


class MockInsurer:
    """Both apps bound to real sockets, plus direct access to the store and the faults.

    Tests may drive it over HTTP (``admin_url``) like any outside party would, or call
    :meth:`set_fault` / read :attr:`store` directly; both act on the same state.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.state = InsurerState(self.settings)
        self.business_app, self.admin_app = build_apps(self.settings, self.state)
        self._business_runner: web.AppRunner | None = None
        self._admin_runner: web.AppRunner | None = None
        self._listener: BusinessListener | None = None
        self._admin_port = self.settings.admin_port

    @property
    def store(self) -> Store:
        return self.state.store

    @property
    def buyers(self) -> BuyerDirectory:
        """The buyers' list; ``buyers.lookups`` holds every lookup answered, in order."""
        return self.state.buyers

    @property
    def fault(self) -> Fault:
        return self.state.faults.current

    @property
    def port(self) -> int:
        return self._listener.port if self._listener else self.settings.port

    @property
    def admin_port(self) -> int:
        return self._admin_port

    @property
    def base_url(self) -> str:
        return f"http://{_url_host(self.settings.host)}:{self.port}"

    @property
    def admin_url(self) -> str:
        return f"http://{_url_host(self.settings.host)}:{self.admin_port}"

    @property
    def soap_url(self) -> str:
        return f"{self.base_url}/soap"

    @property
    def wsdl_url(self) -> str:
        return f"{self.base_url}/soap?wsdl"

    def rest_url(self, slug: str) -> str:
        return f"{self.base_url}/api/v1/documents/{slug}"

    async def set_fault(
        self, mode: FaultMode | str, count: int | None = None, seconds: float | None = None
    ) -> Fault:
        return await self.state.set_fault(FaultMode(mode), count, seconds)

    async def reset(self) -> None:
        """Forget everything received and clear any fault."""
        await self.state.reset()

    async def start(self) -> None:
        business = web.AppRunner(self.business_app)
        await business.setup()
        self._business_runner = business
        listener = BusinessListener(business, self.settings.host, self.settings.port)
        await listener.open()
        self._listener = listener
        self.state.listener = listener

        admin = web.AppRunner(self.admin_app)
        await admin.setup()
        self._admin_runner = admin
        site = web.TCPSite(admin, self.settings.host, self.settings.admin_port)
        await site.start()
        self._admin_port = site.port

    async def stop(self) -> None:
        await self.state.close()
        for runner in (self._admin_runner, self._business_runner):
            if runner is not None:
                await runner.cleanup()
        self._admin_runner = self._business_runner = None

    async def __aenter__(self) -> Self:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


@contextlib.asynccontextmanager
async def running_mock_insurer(
    *, host: str = "127.0.0.1", port: int = 0, admin_port: int = 0, **overrides: Any
) -> AsyncIterator[MockInsurer]:
    """Run the mock insurer on this event loop; ports default to free ones.

    ``overrides`` are further :class:`Settings` fields (user, password, repo_root, ...).
    """
    settings = replace(Settings(), host=host, port=port, admin_port=admin_port, **overrides)
    async with MockInsurer(settings) as mock:
        yield mock


async def serve_forever(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with MockInsurer(settings) as mock:
        print(f"mock insurer: business {mock.base_url} (WSDL {mock.wsdl_url})", flush=True)
        print(f"mock insurer: admin    {mock.admin_url}/admin/received", flush=True)
        await stop.wait()


def _url_host(host: str) -> str:
    """A host to put in URLs: wildcard binds are reached on loopback."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
