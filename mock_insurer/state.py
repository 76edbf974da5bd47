"""Everything the insurer's two apps share: settings, contracts, store and faults."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from mock_insurer.buyers import BuyerDirectory
from mock_insurer.catalogue import SchemaSet
from mock_insurer.claim_files import ClaimFileFetcher
from mock_insurer.faults import Fault, FaultMode, FaultState
from mock_insurer.listener import BusinessListener
from mock_insurer.play import InsurerSide
from mock_insurer.settings import Settings
from mock_insurer.store import Store

log = logging.getLogger(__name__)


class InsurerState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store()
        self.faults = FaultState()
        self.play = InsurerSide(settings)
        self.claim_files = ClaimFileFetcher(hub_url=lambda: self.play.settings.hub_url)
        self.buyers = BuyerDirectory()
        """The foreign buyers' list: the demo's, plus each registration taken in."""
        self.schemas = SchemaSet(settings.xsd_dir)
        self.wsdl_template = settings.insurer_wsdl.read_bytes()
        self.xsd_files = {
            path.name: path.read_bytes() for path in sorted(settings.xsd_dir.glob("*.xsd"))
        }
        self.listener: BusinessListener | None = None
        """Set by whoever runs the business app; needed only for the 'refuse' fault."""
        self._reopen: asyncio.Task[None] | None = None

    async def set_fault(
        self, mode: FaultMode, count: int | None = None, seconds: float | None = None
    ) -> Fault:
        """Switch to ``mode``; for 'refuse' close the business port (reopened after ``seconds``)."""
        self._cancel_reopen()
        if mode is FaultMode.REFUSE:
            if self.listener is None:
                raise RuntimeError("the business port is not run by this process")
            fault = self.faults.set(mode, None, seconds)
            await self.listener.close()
            if seconds is not None:
                self._reopen = asyncio.create_task(self._reopen_after(seconds))
            return fault
        fault = self.faults.set(mode, count, seconds)
        await self._listen_again()
        return fault

    async def reset(self) -> None:
        self.store.reset()
        self.claim_files.reset()
        self.buyers.reset()
        await self.set_fault(FaultMode.NONE)

    async def close(self) -> None:
        await self.play.close()
        await self.claim_files.close()
        task = self._cancel_reopen()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def listening(self) -> bool:
        return self.listener is None or self.listener.listening

    async def _reopen_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        try:
            await self._listen_again()
        except OSError:
            log.exception("could not listen on the business port again")
            return
        if self.faults.current.mode is FaultMode.REFUSE:
            self.faults.clear()

    async def _listen_again(self) -> None:
        if self.listener is not None and not self.listener.listening:
            await self.listener.open()

    def _cancel_reopen(self) -> asyncio.Task[None] | None:
        task, self._reopen = self._reopen, None
        if task is not None and not task.done():
            task.cancel()
            return task
        return None
