"""Operator use cases shared by the CLI and the operator API: inspect and replay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from adapter.domain.exchange import utcnow
from adapter.domain.records import InboxItem, OutboxItem, OutboxStatus
from adapter.domain.timeline import TimelineEntry, TimelineRecord
from adapter.service_layer.unit_of_work import UnitsOfWork


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A dead letter with the attempts and outcomes the timeline holds for its message."""

    message: OutboxItem
    timeline: tuple[TimelineRecord, ...]


@dataclass(frozen=True, slots=True)
class OutboxPage:
    counts: dict[str, int]
    items: list[OutboxItem]


async def timeline_of(uows: UnitsOfWork, object_type: str, object_id: str) -> list[TimelineRecord]:
    async with uows.reading() as uow:
        return await uow.timeline.for_object(object_type, object_id)


async def outbox_page(uows: UnitsOfWork, status: OutboxStatus, *, limit: int,
                      before_id: int | None) -> OutboxPage:
    async with uows.reading() as uow:
        items = await uow.outbox.listing(status=status, limit=limit, before_id=before_id)
        return OutboxPage(await uow.outbox.counts(), items)


async def dead_letters(uows: UnitsOfWork, *, limit: int, before_id: int | None) -> list[OutboxItem]:
    async with uows.reading() as uow:
        return await uow.outbox.listing(status=OutboxStatus.DEAD, limit=limit, before_id=before_id)


async def inbox_page(uows: UnitsOfWork, *, status: str | None, limit: int,
                     before_id: int | None) -> list[InboxItem]:
    async with uows.reading() as uow:
        return await uow.inbox.recent(limit=limit, status=status, before_id=before_id)


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
    """Messages per outbox status, for readiness."""
    async with uows.reading() as uow:
        return await uow.outbox.counts()


async def prune_deduplication(uows: UnitsOfWork, *, days: int) -> int:
    async with uows.begin() as uow:
        pruned = await uow.inbox.prune(older_than=utcnow() - timedelta(days=days))
        await uow.commit()
    return pruned
