"""Drains the outbox: claim due rows, send each with retries, record every attempt.

Runs inside the app (a background task) or as its own process (``sw-hub dispatch``).
Successful sends are marked in batches, one transaction per batch; failures are written
as they happen, so the timeline shows every attempt even while a message is retrying.
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
from datetime import timedelta

from adapter.config import Settings
from adapter.domain.errors import DeliveryFailed, DeliveryInternal
from adapter.domain.records import OutboxItem
from adapter.domain.timeline import TimelineEntry
from adapter.outbound.gateway import Gateway
from adapter.outbound.retry import retrying
from adapter.service_layer.unit_of_work import UnitOfWork, UnitsOfWork, outbound_document

log = logging.getLogger(__name__)


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
                 database: str = "") -> None:
        self.uows = uows
        self.database = database
        self.gateway = gateway
        self.settings = settings
        self.worker = worker_name()
        self.lease = timedelta(seconds=settings.lease_seconds)
        self._delivered: list[Sent] = []
        self._in_flight: set[asyncio.Task[None]] = set()
        self._backlog: deque[OutboxItem] = deque()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a commit that queued a message, so it leaves without waiting for a poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        log.info("dispatcher started", extra={"worker": self.worker, "database": self.database})
        while not stop.is_set():
            try:
                await self._step(stop)
            except Exception:  # one bad cycle must not stop the outbox from draining
                log.exception("dispatcher cycle failed")
                await asyncio.sleep(self.settings.dispatcher.idle_poll_seconds)
        await self._finish()

    async def drain(self, *, timeout: float = 30.0) -> None:
        """Send everything that is due now and wait for it (tests, CLI, benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            claimed = await self._cycle()
            if not (claimed or self._in_flight or self._delivered or self._backlog):
                return
            await self._wait_some(0.05)
        raise TimeoutError("outbox not drained in time")

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
        cycle lasts as long as a few rounds of sends; a shorter lead left slots empty.
        """
        batch, self._delivered = self._delivered, []
        room = 4 * self.settings.dispatcher.concurrency - len(self._in_flight) - len(self._backlog)
        if not batch and room <= 0:
            return 0
        async with self.uows.begin() as uow:
            await self._mark(uow, batch)
            messages = [] if room <= 0 else await uow.outbox.claim(
                worker=self.worker, limit=min(room, self.settings.dispatcher.batch_size),
                lease=self.lease)
            await uow.commit()
        self._backlog.extend(messages)
        self._start_waiting()
        return len(messages)

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
            ack, attempts = await self._first_then_retries(message)
        except Exhausted as out:
            await self._bury(message, out.attempts, out.failure)
            return
        except Exception as exc:  # a document the gateway cannot even build will not improve
            log.exception("delivery crashed", extra={"message_id": message.message_id})
            await self._bury(message, message.attempts + 1,
                             DeliveryInternal(f"{type(exc).__name__}: {exc}"))
            return
        self._delivered.append(Sent(message, attempts, ack, time.monotonic() - started))

    async def _first_then_retries(self, message: OutboxItem) -> tuple[bytes, int]:
        """The first attempt goes straight out; only a retryable failure builds the retry loop."""
        document = outbound_document(message)
        attempt_no = message.attempts + 1
        try:
            return await self.gateway.send(document), attempt_no
        except DeliveryFailed as failure:
            await self._note_failure(message, attempt_no, failure)
            if not failure.retryable or attempt_no >= self.settings.retry.max_attempts:
                raise Exhausted(failure, attempt_no) from failure
        try:
            async for attempt in retrying(self.settings.retry, attempts_already_made=attempt_no):
                with attempt:
                    attempt_no += 1
                    try:
                        return await self.gateway.send(document), attempt_no
                    except DeliveryFailed as failure:
                        await self._note_failure(message, attempt_no, failure)
                        raise
        except DeliveryFailed as failure:
            raise Exhausted(failure, attempt_no) from failure
        raise AssertionError("retry loop ended without an outcome")

    async def _note_failure(self, message: OutboxItem, attempt_no: int,
                            failure: DeliveryFailed) -> None:
        log.warning("delivery attempt failed", extra={
            "correlation_id": message.correlation_id, "message_id": message.message_id,
            "attempt": attempt_no, "error_code": failure.code, "retryable": failure.retryable})
        async with self.uows.begin() as uow:
            await uow.outbox.note_attempt(row_id=message.id, attempts=attempt_no,
                                          error_code=failure.code, error=failure.detail[:2000])
            uow.timeline.record(_entry(message, "attempt",
                                       "retry" if failure.retryable else "failed",
                                       attempt=attempt_no, error_code=failure.code,
                                       error=failure.detail[:500]))
            await uow.commit()

    async def _bury(self, message: OutboxItem, attempt_no: int,
                    failure: DeliveryFailed) -> None:
        """Out of retries, or failed for good: a dead letter that an operator can replay."""
        log.error("dead letter", extra={"correlation_id": message.correlation_id,
                                        "message_id": message.message_id, "error_code": failure.code})
        async with self.uows.begin() as uow:
            await uow.outbox.mark_dead(worker=self.worker, row_id=message.id, attempts=attempt_no,
                                       error_code=failure.code, error=failure.detail[:2000])
            uow.timeline.record(_entry(message, "dead_letter", failure.code, attempt=attempt_no,
                                       error=failure.detail[:500]))
            await uow.commit()

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

    async def _finish(self) -> None:
        """On shutdown: let in-flight sends end (their leases cover a hard stop), then record them."""
        waiting, self._backlog = list(self._backlog), deque()
        if waiting:
            async with self.uows.begin() as uow:
                await uow.outbox.release(worker=self.worker, row_ids=[m.id for m in waiting])
                await uow.commit()
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=5)
            for task in self._in_flight:
                task.cancel()
        await self._flush()


def _entry(message: OutboxItem, event: str, outcome: str,
           **detail: str | float | None) -> TimelineEntry:
    return TimelineEntry(message.object_type, message.object_id, event, outcome=outcome,
                         message_type=message.message_type, message_id=message.message_id,
                         correlation_id=message.correlation_id,
                         detail={"business_serial": message.business_serial, **detail})
