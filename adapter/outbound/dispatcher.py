"""Drains the outbox: claim due rows, send each with retries, record every attempt.

Runs inside the app (a background task) or as its own process (``sw-hub dispatch``).
Successful sends are marked in batches, one transaction per batch; failures are written
as they happen, so the timeline shows every attempt even while a message is retrying.

Claimed rows carry a short lease that a heartbeat renews while this dispatcher holds them
(in flight, waiting for the partner's circuit, or sent and not yet marked): a killed
process's rows are due again within a lease, and a live one's are never taken from it.
While the partner's circuit is open nothing new is claimed; the messages held wait for it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapter.config import Settings
from adapter.domain.circuit import is_unreachable
from adapter.domain.errors import (
    DeliveryExpired,
    DeliveryFailed,
    DeliveryInternal,
    StoreUnavailable,
)
from adapter.domain.exchange import OutboundDocument, utcnow
from adapter.domain.records import OutboxItem
from adapter.domain.timeline import TimelineEntry
from adapter.log_lines import summarized
from adapter.metrics import HubMetrics
from adapter.outbound.breaker import GO, Admission, Breaker
from adapter.outbound.gateway import Gateway
from adapter.outbound.retry import Budget, retrying
from adapter.service_layer.unit_of_work import UnitOfWork, UnitsOfWork, outbound_document

log = logging.getLogger(__name__)
# Events an outage repeats hundreds of times: one line per kind per interval, then a count.
_attempt_log = summarized(f"{__name__}.attempts")
_dead_log = summarized(f"{__name__}.dead_letters")
_cycle_log = summarized(f"{__name__}.cycle")
EXPIRY_SWEEP_SECONDS = 60.0
MAX_CYCLE_BACKOFF_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Sent:
    """A delivered message waiting to be marked: its attempts, the partner's ack, how long."""

    message: OutboxItem
    attempts: int
    ack: bytes
    seconds: float


class Exhausted(Exception):
    """A message that will not be delivered now: its last failure and how many attempts it took."""

    def __init__(self, failure: DeliveryFailed, attempts: int) -> None:
        super().__init__(failure.detail)
        self.failure = failure
        self.attempts = attempts


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Dispatcher:
    def __init__(self, uows: UnitsOfWork, gateway: Gateway, settings: Settings, *,
                 database: str = "", metrics: HubMetrics | None = None) -> None:
        self.uows = uows
        self.database = database
        self.gateway = gateway
        self.settings = settings
        self.metrics = metrics or HubMetrics()
        self.worker = worker_name()
        self.partner = settings.insurer.code
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.heartbeat_seconds = settings.lease_seconds / 4
        self.max_age = timedelta(seconds=settings.breaker.max_message_age_seconds)
        self.breaker = Breaker(uows, self.partner, settings.breaker, worker=self.worker)
        self._delivered: list[Sent] = []
        self._held: set[int] = set()
        self._on_wire: set[int] = set()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._backlog: deque[OutboxItem] = deque()
        self._wake = asyncio.Event()
        self._started = False
        self._last_beat = time.monotonic()
        self._last_sweep = 0.0
        self._cycle_failures = 0

    def wake(self) -> None:
        """Called after a commit that queued a message, so it leaves without waiting for a poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        log.info("dispatcher started", extra={"worker": self.worker, "database": self.database})
        await self._start()
        while not stop.is_set():
            try:
                await self._step(stop)
                self._cycle_failures = 0
            except Exception as exc:  # noqa: BLE001 - one bad cycle must not stop the outbox
                await self._cycle_failed(exc)
        await self._finish()

    async def drain(self, *, timeout: float = 30.0) -> None:
        """Send everything that is due now and wait for it (tests, CLI, benchmarks)."""
        await self._start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            claimed = await self._cycle()
            if not (claimed or self._in_flight or self._delivered or self._backlog):
                return
            await self._wait_some(0.05)
        raise TimeoutError("outbox not drained in time")

    async def _start(self) -> None:
        if not self._started:
            self._started = True
            await self.breaker.load()

    async def _cycle_failed(self, exc: Exception) -> None:
        """One line per kind of failure per interval, no traceback for a database that is
        away; the next cycles back off so an outage is not polled five times a second."""
        self._cycle_failures += 1
        if isinstance(exc, StoreUnavailable):
            _cycle_log.warning("dispatcher cycle failed: database unavailable",
                               extra={"error_code": exc.code, "error": exc.detail[:200]})
        else:
            _cycle_log.exception("dispatcher cycle failed")
        idle = self.settings.dispatcher.idle_poll_seconds
        await asyncio.sleep(min(MAX_CYCLE_BACKOFF_SECONDS, idle * 2 ** self._cycle_failures))

    async def _step(self, stop: asyncio.Event) -> None:
        claimed = await self._cycle()
        if self._in_flight:
            await self._wait_some(0.02 if claimed else self.settings.dispatcher.idle_poll_seconds)
        elif not claimed:
            self._wake.clear()
            stop_wait = asyncio.ensure_future(stop.wait())
            wake_wait = asyncio.ensure_future(self._wake.wait())
            await asyncio.wait({stop_wait, wake_wait}, timeout=self.settings.dispatcher.idle_poll_seconds,
                               return_when=asyncio.FIRST_COMPLETED)
            stop_wait.cancel()
            wake_wait.cancel()

    async def _cycle(self) -> int:
        """Mark what was delivered and claim what is due, in one transaction (one commit).

        Claims run ahead of the sends (up to four times the concurrency), so a send slot that
        frees is refilled at once from memory, not after the next round trip. Under load a
        cycle lasts as long as a few rounds of sends; a shorter lead left slots empty. While
        the partner's circuit is open, only an idle dispatcher claims, one message: its
        send is the probe.
        """
        await self._housekeeping()
        batch, self._delivered = self._delivered, []
        room = self._room()
        if not batch and room <= 0:
            return 0
        try:
            async with self.uows.begin() as uow:
                await self._mark(uow, batch)
                messages = [] if room <= 0 else await uow.outbox.claim(
                    worker=self.worker, limit=min(room, self.settings.dispatcher.batch_size),
                    lease=self.lease)
                await uow.commit()
        except BaseException:
            self._delivered[:0] = batch  # marked next time; the heartbeat keeps their leases
            raise
        self._held.difference_update(sent.message.id for sent in batch)
        self._held.update(m.id for m in messages)
        self._backlog.extend(messages)
        self._start_waiting()
        return len(messages)

    def _room(self) -> int:
        held = len(self._in_flight) + len(self._backlog)
        if not self.breaker.closed:
            return 0 if held else 1
        return 4 * self.settings.dispatcher.concurrency - held

    async def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_beat >= self.heartbeat_seconds:
            self._last_beat = now
            await self._beat()
        if now - self._last_sweep >= EXPIRY_SWEEP_SECONDS:
            self._last_sweep = now
            await self._expire_waiting()

    async def _beat(self) -> None:
        """Renew the lease of every row held, so no other dispatcher takes one mid-send."""
        held = sorted(self._held)
        if not held:
            return
        async with self.uows.begin() as uow:
            renewed = await uow.outbox.renew(worker=self.worker, row_ids=held, lease=self.lease)
            await uow.commit()
        if renewed < len(held):
            log.warning("lease lost on %d of %d held messages", len(held) - renewed, len(held))

    async def _expire_waiting(self) -> None:
        """Messages that waited in the outbox past the maximum age become dead letters."""
        async with self.uows.begin() as uow:
            expired = await uow.outbox.expire(due_before=utcnow() - self.max_age, limit=500)
            uow.timeline.record(*(_entry(m, "dead_letter", DeliveryExpired.code,
                                         attempt=m.attempts) for m in expired))
            await uow.commit()
        for message in expired:
            self.metrics.dead_letters_made.labels(self.partner, DeliveryExpired.code).inc()
            _dead_log.error("dead letter", extra={"correlation_id": message.correlation_id,
                                                  "message_id": message.message_id,
                                                  "error_code": DeliveryExpired.code})

    def _start_waiting(self) -> None:
        while self._backlog and len(self._in_flight) < self.settings.dispatcher.concurrency:
            task = asyncio.create_task(self._deliver(self._backlog.popleft()))
            self._in_flight.add(task)
            task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._start_waiting()

    async def _wait_some(self, timeout: float) -> None:
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=timeout,
                               return_when=asyncio.FIRST_COMPLETED)

    async def _deliver(self, message: OutboxItem) -> None:
        started = time.monotonic()
        try:
            try:
                ack, attempts = await self._first_then_retries(message)
            except Exhausted as out:
                await self._bury(message, out.attempts, out.failure)
                return
            except StoreUnavailable:
                raise
            except Exception as exc:  # a document the gateway cannot even build will not improve
                log.exception("delivery crashed", extra={"message_id": message.message_id})
                await self._bury(message, message.attempts + 1,
                                 DeliveryInternal(f"{type(exc).__name__}: {exc}"))
                return
        except StoreUnavailable as down:
            # Its outcome could not be written: let the lease run out, the next claim resends.
            self._held.discard(message.id)
            _cycle_log.warning("delivery outcome not recorded: database unavailable",
                               extra={"error_code": down.code, "message_id": message.message_id})
            return
        self._delivered.append(Sent(message, attempts, ack, time.monotonic() - started))

    async def _first_then_retries(self, message: OutboxItem) -> tuple[bytes, int]:
        """The first attempt goes straight out; only a retryable failure builds the retry loop."""
        document = outbound_document(message)
        budget = Budget(self.settings.retry)
        expires = (message.next_attempt_at or utcnow()) + self.max_age
        attempt_no = message.attempts + 1
        try:
            return await self._attempt(message, document, attempt_no, budget, expires), attempt_no
        except DeliveryFailed as failure:
            if not failure.retryable or budget.exhausted():
                raise _exhausted(failure, attempt_no) from failure
        try:
            async for attempt in retrying(self.settings.retry, budget, sleep=self.breaker.pause):
                with attempt:
                    attempt_no += 1
                    return await self._attempt(message, document, attempt_no, budget,
                                               expires), attempt_no
        except DeliveryFailed as failure:
            raise _exhausted(failure, attempt_no) from failure
        raise AssertionError("retry loop ended without an outcome")

    async def _attempt(self, message: OutboxItem, document: OutboundDocument, attempt_no: int,
                       budget: Budget, expires: datetime) -> bytes:
        """One send, once the circuit lets it go; its outcome told to the circuit and the budget."""
        admission = await self._admission(expires, budget)
        self._on_wire.add(message.id)
        try:
            ack = await self.gateway.send(document)
        except DeliveryFailed as failure:
            self._on_wire.discard(message.id)
            await self.breaker.failed(failure, admission)
            budget.charge(failure)
            self._count_send(failure)
            await self._note_failure(message, attempt_no, failure, admission)
            raise
        except BaseException:
            self._on_wire.discard(message.id)
            self.breaker.release(admission)
            raise
        self._on_wire.discard(message.id)
        await self.breaker.answered(admission)
        self.metrics.sends.labels(self.partner, "delivered").inc()
        return ack

    async def _admission(self, expires: datetime, budget: Budget) -> Admission:
        """Leave from the circuit to send; the time spent waiting for it costs the budget
        nothing. Past the maximum age the message stops waiting."""
        if self.breaker.closed and utcnow() < expires:
            return GO
        waited = time.monotonic()
        admission = await self.breaker.turn(until=expires)
        budget.pause(time.monotonic() - waited)
        if admission is None:
            raise DeliveryExpired("still undelivered at the maximum age")
        return admission

    def _count_send(self, failure: DeliveryFailed) -> None:
        outcome = ("unreachable" if is_unreachable(failure)
                   else "retryable" if failure.retryable else "final")
        self.metrics.sends.labels(self.partner, outcome).inc()

    async def _note_failure(self, message: OutboxItem, attempt_no: int,
                            failure: DeliveryFailed, admission: Admission) -> None:
        """The attempt on the message's timeline, with the circuit as it stands after it
        (and whether this send was the circuit's probe)."""
        _attempt_log.warning("delivery attempt failed", extra={
            "correlation_id": message.correlation_id, "message_id": message.message_id,
            "attempt": attempt_no, "error_code": failure.code, "retryable": failure.retryable})
        async with self.uows.begin() as uow:
            await uow.outbox.note_attempt(row_id=message.id, attempts=attempt_no,
                                          error_code=failure.code, error=failure.detail[:2000])
            uow.timeline.record(_entry(message, "attempt",
                                       "retry" if failure.retryable else "failed",
                                       attempt=attempt_no, error_code=failure.code,
                                       circuit=self.breaker.state.value,
                                       probe=admission.probe, error=failure.detail[:500]))
            await uow.commit()

    async def _bury(self, message: OutboxItem, attempt_no: int,
                    failure: DeliveryFailed) -> None:
        """Refused for good, out of retries, or too old: a dead letter an operator can replay."""
        _dead_log.error("dead letter", extra={"correlation_id": message.correlation_id,
                                              "message_id": message.message_id,
                                              "error_code": failure.code})
        async with self.uows.begin() as uow:
            await uow.outbox.mark_dead(worker=self.worker, row_id=message.id, attempts=attempt_no,
                                       error_code=failure.code, error=failure.detail[:2000])
            uow.timeline.record(_entry(message, "dead_letter", failure.code, attempt=attempt_no,
                                       error=failure.detail[:500]))
            await uow.commit()
        self._held.discard(message.id)
        self.metrics.dead_letters_made.labels(self.partner, failure.code).inc()

    async def _mark(self, uow: UnitOfWork, batch: list[Sent]) -> None:
        await uow.outbox.mark_delivered(worker=self.worker, delivered=[
            (sent.message.id, sent.attempts, sent.ack) for sent in batch])
        uow.timeline.record(*(
            _entry(sent.message, "message_sent", "delivered", attempt=sent.attempts,
                   seconds=round(sent.seconds, 4))
            for sent in batch))

    async def _flush(self) -> None:
        batch, self._delivered = self._delivered, []
        if batch:
            async with self.uows.begin() as uow:
                await self._mark(uow, batch)
                await uow.commit()
            self._held.difference_update(sent.message.id for sent in batch)

    async def _finish(self) -> None:
        """On shutdown: let sends on the wire end (5 s at most), record them, and hand back
        every row still held (waiting for the circuit or a backoff, or cut off mid-send), so
        another dispatcher need not wait out a lease."""
        self._backlog.clear()
        deadline = time.monotonic() + 5
        while self._on_wire and self._in_flight and time.monotonic() < deadline:
            await asyncio.wait(set(self._in_flight), timeout=0.05,
                               return_when=asyncio.FIRST_COMPLETED)
        for task in self._in_flight:
            task.cancel()
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=1)
        try:
            await self._flush()
            unsent = sorted(self._held)
            if unsent:
                async with self.uows.begin() as uow:
                    await uow.outbox.release(worker=self.worker, row_ids=unsent)
                    await uow.commit()
        except StoreUnavailable:
            log.warning("outbox not handed back at shutdown: leases will run out")


def _exhausted(failure: DeliveryFailed, attempt_no: int) -> Exhausted:
    """An expiry stops before the attempt it would have made."""
    return Exhausted(failure, attempt_no - 1 if isinstance(failure, DeliveryExpired) else attempt_no)


def _entry(message: OutboxItem, event: str, outcome: str,
           **detail: str | float | bool | None) -> TimelineEntry:
    return TimelineEntry(message.object_type, message.object_id, event, outcome=outcome,
                         message_type=message.message_type, message_id=message.message_id,
                         correlation_id=message.correlation_id,
                         detail={"business_serial": message.business_serial, **detail})
