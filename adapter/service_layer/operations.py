"""Operator use cases shared by the CLI and the operator API: inspect and replay."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapter.domain.circuit import CircuitRecord, CircuitState
from adapter.domain.exchange import utcnow
from adapter.domain.overdue import OverdueRule, WorkCalendar
from adapter.domain.records import InboxItem, OutboxItem, OutboxLevels, OutboxStatus
from adapter.domain.timeline import TimelineEntry, TimelineRecord
from adapter.service_layer import overdue
from adapter.service_layer.unit_of_work import UnitOfWork, UnitsOfWork


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A dead letter with the attempts and outcomes the timeline holds for its message."""

    message: OutboxItem
    timeline: tuple[TimelineRecord, ...]


@dataclass(frozen=True, slots=True)
class OutboxPage:
    levels: OutboxLevels
    items: list[OutboxItem]


# Counts that readiness, metrics and operator pages report exactly up to this many rows.
LEVEL_CAP = 10_000


async def timeline_of(uows: UnitsOfWork, object_type: str, object_id: str) -> list[TimelineRecord]:
    async with uows.reading() as uow:
        return await uow.timeline.for_object(object_type, object_id)


async def outbox_page(uows: UnitsOfWork, status: OutboxStatus, *, limit: int,
                      before_id: int | None) -> OutboxPage:
    async with uows.reading() as uow:
        items = await uow.outbox.listing(status=status, limit=limit, before_id=before_id)
        return OutboxPage(await uow.outbox.levels(cap=LEVEL_CAP), items)


async def dead_letters(uows: UnitsOfWork, *, limit: int, before_id: int | None) -> list[OutboxItem]:
    async with uows.reading() as uow:
        return await uow.outbox.listing(status=OutboxStatus.DEAD, limit=limit, before_id=before_id)


async def inbox_page(uows: UnitsOfWork, *, status: str | None, limit: int,
                     before_id: int | None, message_type: str | None = None) -> list[InboxItem]:
    async with uows.reading() as uow:
        return await uow.inbox.recent(limit=limit, status=status, before_id=before_id,
                                      message_type=message_type)


async def dead_letter(uows: UnitsOfWork, row_id: int) -> DeadLetter | None:
    async with uows.reading() as uow:
        item = await uow.outbox.get(row_id)
        if item is None or item.status != OutboxStatus.DEAD.value:
            return None
        entries = await uow.timeline.for_object(item.object_type, item.object_id)
    return DeadLetter(item, tuple(e for e in entries if e.message_id == item.message_id))


async def replay(uows: UnitsOfWork, row_id: int) -> OutboxItem | None:
    """Send a dead letter again, unchanged: the partner sees the same business serial."""
    async with uows.begin() as uow:
        replayed = await uow.outbox.replay(row_id)
        if replayed is None:
            return None
        uow.timeline.record(TimelineEntry(
            replayed.object_type, replayed.object_id, "replayed", outcome="pending",
            message_type=replayed.message_type, message_id=replayed.message_id,
            correlation_id=replayed.correlation_id))
        await uow.commit()
    return replayed


async def backlog(uows: UnitsOfWork) -> dict[str, int]:
    """Messages per outbox status, counted over the whole outbox (CLI, tests)."""
    async with uows.reading() as uow:
        return await uow.outbox.counts()


@dataclass(frozen=True, slots=True)
class Readiness:
    """What a probe or a scrape reads: bounded by indexes, whatever the history."""

    outbox: OutboxLevels
    circuits: list[CircuitRecord]
    inbox_estimate: int = 0


async def readiness(uows: UnitsOfWork, partners: list[str]) -> Readiness:
    """The outbox's levels and every partner's circuit (closed when it never opened)."""
    async with uows.reading() as uow:
        return await _readiness(uow, partners, history=False)


async def scrape(uows: UnitsOfWork, partners: list[str], rules: Iterable[OverdueRule],
                 calendar: WorkCalendar, *, now: datetime) -> tuple[Readiness, dict[str, int]]:
    """What a metrics scrape reads, in one unit of work: readiness's levels, the inbox's
    estimated size, and the overdue conversations counted per rule."""
    async with uows.reading() as uow:
        found = await _readiness(uow, partners, history=True)
        late = await overdue.counts_in(uow, rules, calendar, now=now, cap=LEVEL_CAP)
    return found, late


async def _readiness(uow: UnitOfWork, partners: list[str], *, history: bool) -> Readiness:
    levels = await uow.outbox.levels(cap=LEVEL_CAP)
    known = {c.partner: c for c in await uow.circuits.all()}
    inbox = await uow.inbox.estimated_rows() if history else 0
    now = utcnow()
    for partner in partners:
        known.setdefault(partner, CircuitRecord(partner, CircuitState.CLOSED, 0, now))
    return Readiness(levels, sorted(known.values(), key=lambda c: c.partner), inbox)


async def prune_deduplication(uows: UnitsOfWork, *, days: int) -> int:
    async with uows.begin() as uow:
        pruned = await uow.inbox.prune(older_than=utcnow() - timedelta(days=days))
        await uow.commit()
    return pruned
