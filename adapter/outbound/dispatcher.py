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
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.config import Settings
from adapter.errors import DeliveryFailed
from adapter.mappings.registry import DocumentType, by_message_type
from adapter.outbound.gateway import Gateway
from adapter.outbound.retry import retrying
from adapter.persistence import outbox
from adapter.persistence.database import Database
from adapter.persistence.timeline import TimelineEntry, record

log = logging.getLogger(__name__)


class Exhausted(Exception):
    """A message that will not be delivered now: its last failure and how many attempts it took."""

    def __init__(self, failure: DeliveryFailed, attempts: int) -> None:
        super().__init__(failure.detail)
        self.failure = failure
        self.attempts = attempts


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Dispatcher:
    def __init__(self, db: Database, gateway: Gateway, settings: Settings) -> None:
        self.db = db
        self.gateway = gateway
        self.settings = settings
        self.worker = worker_name()
        self.lease = timedelta(seconds=settings.lease_seconds)
        self._delivered: list[tuple[outbox.OutboundMessage, outbox.Delivered, float]] = []
        self._in_flight: set[asyncio.Task[None]] = set()
        self._backlog: deque[outbox.OutboundMessage] = deque()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a commit that queued a message, so it leaves without waiting for a poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        log.info("dispatcher started", extra={"worker": self.worker, "database": self.db.dialect})
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
        async with self.db.transaction() as conn:
            await self._mark(conn, batch)
            messages = [] if room <= 0 else await outbox.claim(
                conn, worker=self.worker, limit=min(room, self.settings.dispatcher.batch_size),
                lease=self.lease)
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

    async def _deliver(self, message: outbox.OutboundMessage) -> None:
        doc_type = by_message_type(message.message_type)
        started = time.monotonic()
        try:
            ack, attempts = await self._first_then_retries(message, doc_type)
        except Exhausted as out:
            await self._bury(message, out.attempts, out.failure)
            return
        except Exception as exc:  # a document the gateway cannot even build will not improve
            log.exception("delivery crashed", extra={"message_id": message.message_id})
            await self._bury(message, message.attempts + 1, DeliveryFailed(
                f"{type(exc).__name__}: {exc}", retryable=False, code="E-DELIVERY-INTERNAL"))
            return
        self._delivered.append((message, outbox.Delivered(message.id, attempts, ack),
                                time.monotonic() - started))

    async def _first_then_retries(self, message: outbox.OutboundMessage,
                                  doc_type: DocumentType) -> tuple[bytes, int]:
        """The first attempt goes straight out; only a retryable failure builds the retry loop."""
        attempt_no = message.attempts + 1
        try:
            return await self.gateway.send(message, doc_type), attempt_no
        except DeliveryFailed as failure:
            await self._note_failure(message, attempt_no, failure)
            if not failure.retryable or attempt_no >= self.settings.retry.max_attempts:
                raise Exhausted(failure, attempt_no) from failure
        try:
            async for attempt in retrying(self.settings.retry, attempts_already_made=attempt_no):
                with attempt:
                    attempt_no += 1
                    try:
                        return await self.gateway.send(message, doc_type), attempt_no
                    except DeliveryFailed as failure:
                        await self._note_failure(message, attempt_no, failure)
                        raise
        except DeliveryFailed as failure:
            raise Exhausted(failure, attempt_no) from failure
        raise AssertionError("retry loop ended without an outcome")

    async def _note_failure(self, message: outbox.OutboundMessage, attempt_no: int,
                            failure: DeliveryFailed) -> None:
        log.warning("delivery attempt failed", extra={
            "correlation_id": message.correlation_id, "message_id": message.message_id,
            "attempt": attempt_no, "error_code": failure.code, "retryable": failure.retryable})
        async with self.db.transaction() as conn:
            await outbox.note_attempt(conn, row_id=message.id, attempts=attempt_no,
                                      error_code=failure.code, error=failure.detail[:2000])
            await record(conn, _entry(message, "attempt", "retry" if failure.retryable else "failed",
                                      attempt=attempt_no, error_code=failure.code,
                                      error=failure.detail[:500]))

    async def _bury(self, message: outbox.OutboundMessage, attempt_no: int,
                    failure: DeliveryFailed) -> None:
        """Out of retries, or failed for good: a dead letter that an operator can replay."""
        log.error("dead letter", extra={"correlation_id": message.correlation_id,
                                        "message_id": message.message_id, "error_code": failure.code})
        async with self.db.transaction() as conn:
            await outbox.mark_dead(conn, worker=self.worker, row_id=message.id, attempts=attempt_no,
                                   error_code=failure.code, error=failure.detail[:2000])
            await record(conn, _entry(message, "dead_letter", failure.code, attempt=attempt_no,
                                      error=failure.detail[:500]))

    async def _mark(self, conn: AsyncConnection,
                    batch: list[tuple[outbox.OutboundMessage, outbox.Delivered, float]]) -> None:
        if not batch:
            return
        await outbox.mark_delivered(conn, worker=self.worker, delivered=[d for _, d, _ in batch])
        await record(conn, *(
            _entry(message, "message_sent", "delivered", attempt=delivered.attempts,
                   seconds=round(seconds, 4))
            for message, delivered, seconds in batch))

    async def _flush(self) -> None:
        batch, self._delivered = self._delivered, []
        if batch:
            async with self.db.transaction() as conn:
                await self._mark(conn, batch)

    async def _finish(self) -> None:
        """On shutdown: let in-flight sends end (their leases cover a hard stop), then record them."""
        waiting, self._backlog = list(self._backlog), deque()
        if waiting:
            async with self.db.transaction() as conn:
                await outbox.release(conn, worker=self.worker, row_ids=[m.id for m in waiting])
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=5)
            for task in self._in_flight:
                task.cancel()
        await self._flush()


def _entry(message: outbox.OutboundMessage, event: str, outcome: str, **detail: object) -> TimelineEntry:
    return TimelineEntry(message.object_type, message.object_id, event, outcome=outcome,
                         message_type=message.message_type, message_id=message.message_id,
                         correlation_id=message.correlation_id,
                         detail={"business_serial": message.business_serial, **detail})
