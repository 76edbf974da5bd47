"""The partner's circuit breaker, as one dispatcher process lives it.

The state is shared through the database (``partner_circuits``): the dispatcher that sees
the threshold of connection failures first opens it for everyone, the probe of each
interval is taken by one dispatcher of all those sharing the database, and the one whose
probe gets through closes it for all. So the probe rate holds for the whole fleet, and
readiness and metrics on any process show the same circuit. Each process keeps its own
view between those moments: it counts its own consecutive failures (no database write
per failure) and learns that another closed the circuit when its own next probe is due,
at most one interval later.

While open, messages wait here without spending attempts: their sends park on
:meth:`Breaker.turn` until the circuit closes or their probe is due.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapter.config import BreakerSettings
from adapter.domain.circuit import CircuitState, ProbeTurn, is_unreachable
from adapter.domain.errors import DeliveryFailed, StoreUnavailable
from adapter.domain.exchange import utcnow
from adapter.domain.timeline import TimelineEntry
from adapter.log_lines import summarized
from adapter.service_layer.unit_of_work import UnitOfWork, UnitsOfWork

log = logging.getLogger(__name__)
_store_log = summarized(f"{__name__}.store")
PARTNER = "partner"  # the timeline's object type for a partner's own entries


@dataclass(frozen=True, slots=True)
class Admission:
    """Leave to send once; ``probe``: this send decides whether the circuit closes."""

    probe: bool = False


GO = Admission()
PROBE = Admission(probe=True)


class Breaker:
    def __init__(self, uows: UnitsOfWork, partner: str, settings: BreakerSettings, *,
                 worker: str, clock: Callable[[], datetime] = utcnow) -> None:
        self.uows = uows
        self.partner = partner
        self.settings = settings
        self.worker = worker
        self.clock = clock
        self.interval = timedelta(seconds=settings.probe_interval_seconds)
        self.state = CircuitState.CLOSED
        self.failures = 0
        self._probe_after: datetime | None = None
        self._probing = False
        self._changed = asyncio.Event()

    @property
    def closed(self) -> bool:
        return self.state is CircuitState.CLOSED

    async def load(self) -> None:
        """Start from the shared state: a dispatcher started during an outage waits too."""
        try:
            async with self.uows.reading() as uow:
                shared = await uow.circuits.get(self.partner)
        except StoreUnavailable as down:
            _store_log.warning("circuit state unreadable", extra={"error_code": down.code})
            return
        if shared is not None and shared.state is not CircuitState.CLOSED:
            self.state, self._probe_after = CircuitState.OPEN, shared.probe_after

    async def turn(self, *, until: datetime | None = None) -> Admission | None:
        """Wait for leave to send: at once while closed; while open, until this send may be
        the probe or the circuit closes. None when ``until`` came first."""
        while not self.closed:
            now = self.clock()
            if until is not None and now >= until:
                return None
            if not self._probing and (self._probe_after is None or now >= self._probe_after):
                if await self._take_probe(now):
                    return PROBE
                continue
            await self._wait_change(self._next_look(now, until))
        return GO

    async def pause(self, seconds: float) -> None:
        """A backoff between attempts that ends early when the circuit changes."""
        await self._wait_change(seconds)

    async def failed(self, failure: DeliveryFailed, admission: Admission) -> None:
        if not is_unreachable(failure):
            await self.answered(admission)
            return
        if admission.probe:
            await self._probe_failed(failure)
        elif self.closed:
            self.failures += 1
            if self.failures >= self.settings.failure_threshold:
                await self._open(failure)

    async def answered(self, admission: Admission) -> None:
        """The partner answered: reachable, whatever it said."""
        if admission.probe:
            self._probing = False
        if self.closed and not self.failures:
            return
        self.failures = 0
        if not self.closed:
            await self._close()

    def release(self, admission: Admission) -> None:
        """A probe that ended without an outcome (its send crashed or was cancelled): the
        next waiter may take the next one."""
        if admission.probe and self._probing:
            self._probing = False
            self._notify()

    def _next_look(self, now: datetime, until: datetime | None) -> float:
        moments = [m for m in (None if self._probing else self._probe_after, until) if m]
        if not moments:
            return self.settings.probe_interval_seconds
        return max(0.0, (min(moments) - now).total_seconds())

    async def _wait_change(self, seconds: float) -> None:
        changed = self._changed
        try:
            await asyncio.wait_for(changed.wait(), timeout=max(seconds, 0.001))
        except TimeoutError:
            pass

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _take_probe(self, now: datetime) -> bool:
        try:
            async with self.uows.begin() as uow:
                turn = await uow.circuits.take_probe(self.partner, now=now,
                                                     interval=self.interval, worker=self.worker)
                await uow.commit()
        except StoreUnavailable as down:
            _store_log.warning("circuit probe not taken", extra={"error_code": down.code})
            turn = ProbeTurn(wait_until=now + self.interval)
        if turn.closed:
            self._became_closed()
            return False
        if turn.probe:
            self.state, self._probing = CircuitState.HALF_OPEN, True
            return True
        self._probe_after = turn.wait_until
        return False

    async def _open(self, failure: DeliveryFailed) -> None:
        now = self.clock()
        self.state, self._probe_after = CircuitState.OPEN, now + self.interval
        self._notify()
        log.warning("circuit opened: %s unreachable after %d connection failures",
                    self.partner, self.failures, extra={"error_code": failure.code,
                                                         "partner": self.partner})
        entry = TimelineEntry(PARTNER, self.partner, "circuit_opened", outcome="open", detail={
            "failures": self.failures, "error_code": failure.code, "worker": self.worker,
            "error": failure.detail[:300]})
        await self._write(lambda uow: uow.circuits.open(
            self.partner, now=now, probe_after=now + self.interval, failures=self.failures,
            error_code=failure.code, worker=self.worker), entry)

    async def _probe_failed(self, failure: DeliveryFailed) -> None:
        now = self.clock()
        self._probing = False
        self.state, self._probe_after = CircuitState.OPEN, now + self.interval
        self._notify()
        try:
            async with self.uows.begin() as uow:
                await uow.circuits.probe_failed(self.partner, now=now, error_code=failure.code)
                await uow.commit()
        except StoreUnavailable as down:
            _store_log.warning("circuit state not written", extra={"error_code": down.code})

    async def _close(self) -> None:
        now = self.clock()
        self._became_closed()
        try:
            async with self.uows.begin() as uow:
                opened = await uow.circuits.close(self.partner, now=now, worker=self.worker)
                if opened is not None:
                    uow.timeline.record(TimelineEntry(
                        PARTNER, self.partner, "circuit_closed", outcome="closed", detail={
                            "open_seconds": round((now - opened).total_seconds(), 3),
                            "worker": self.worker}))
                await uow.commit()
        except StoreUnavailable as down:
            _store_log.warning("circuit state not written", extra={"error_code": down.code})
            return
        if opened is not None:
            log.info("circuit closed: %s answers again after %.1f s", self.partner,
                     (now - opened).total_seconds(), extra={"partner": self.partner})

    def _became_closed(self) -> None:
        self.state, self.failures, self._probe_after, self._probing = (
            CircuitState.CLOSED, 0, None, False)
        self._notify()

    async def _write(self, change: Callable[[UnitOfWork], Awaitable[bool]],
                     entry: TimelineEntry) -> None:
        """A transition on the shared row, with its timeline entry if this call made it."""
        try:
            async with self.uows.begin() as uow:
                made = await change(uow)
                if made:
                    uow.timeline.record(entry)
                await uow.commit()
        except StoreUnavailable as down:
            _store_log.warning("circuit state not written", extra={"error_code": down.code})
