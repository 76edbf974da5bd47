"""The outbox: documents written with the state change that causes them, drained later.

Dispatchers claim due rows by moving them to ``sending`` with a lease; on PostgreSQL the
claim skips rows another dispatcher holds (``FOR UPDATE SKIP LOCKED``), so several
processes share one outbox without sending a row twice. A crashed dispatcher's lease
runs out and the rows become due again: delivery is at least once, and the business
serial lets the insurer recognise a resend.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.exchange import Envelope, utcnow
from adapter.domain.records import OutboxItem, OutboxStatus
from adapter.persistence.tables import outbox

PENDING, SENDING, SENT, DEAD = (s.value for s in OutboxStatus)

_LISTED = (outbox.c.id, outbox.c.message_id, outbox.c.message_type, outbox.c.business_serial,
           outbox.c.correlation_id, outbox.c.object_type, outbox.c.object_id, outbox.c.status,
           outbox.c.attempts, outbox.c.created_at, outbox.c.sent_at, outbox.c.last_error_code,
           outbox.c.last_error)
_MARK_DELIVERED = (
    update(outbox)
    .where(outbox.c.id == bindparam("row_id"), outbox.c.claimed_by == bindparam("worker"))
    .values(status=SENT, sent_at=bindparam("now"), lease_until=None, attempts=bindparam("n"),
            remote_ack=bindparam("ack"))
)


def _due(now: datetime) -> Any:
    return or_(
        and_(outbox.c.status == PENDING, outbox.c.next_attempt_at <= now),
        and_(outbox.c.status == SENDING, outbox.c.lease_until < now),
    )


class SqlOutbox:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, envelope: Envelope, payload: bytes, *, partner: str, object_type: str,
                  object_id: str) -> None:
        now = utcnow()
        await self.conn.execute(insert(outbox).values(
            message_id=envelope.message_id, message_type=envelope.message_type, partner=partner,
            business_serial=envelope.business_serial, correlation_id=envelope.correlation_id,
            object_type=object_type, object_id=object_id, payload=payload, status=PENDING,
            attempts=0, created_at=now, next_attempt_at=now,
        ))

    async def claim(self, *, worker: str, limit: int, lease: timedelta) -> list[OutboxItem]:
        """Take up to ``limit`` due rows for this worker, oldest first, in one statement."""
        now = utcnow()
        due_ids = (
            select(outbox.c.id).where(_due(now)).order_by(outbox.c.id).limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        result = await self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(due_ids))
            .values(status=SENDING, claimed_by=worker, lease_until=now + lease)
            .returning(*_LISTED, outbox.c.payload)
        )
        return sorted((OutboxItem(**row._mapping) for row in result), key=lambda m: m.id)

    async def mark_delivered(self, *, worker: str,
                             delivered: Sequence[tuple[int, int, bytes]]) -> None:
        if delivered:
            now = utcnow()
            await self.conn.execute(_MARK_DELIVERED, [
                {"row_id": row_id, "worker": worker, "now": now, "n": attempts, "ack": ack}
                for row_id, attempts, ack in delivered])

    async def release(self, *, worker: str, row_ids: Sequence[int]) -> None:
        """Hand back rows claimed but never sent (shutdown), so they need not wait out the lease."""
        if row_ids:
            await self.conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(row_ids), outbox.c.claimed_by == worker,
                       outbox.c.status == SENDING)
                .values(status=PENDING, lease_until=None, claimed_by=None))

    async def mark_dead(self, *, worker: str, row_id: int, attempts: int, error_code: str,
                        error: str) -> None:
        await self.conn.execute(
            update(outbox)
            .where(outbox.c.id == row_id, outbox.c.claimed_by == worker)
            .values(status=DEAD, lease_until=None, attempts=attempts, last_error_code=error_code,
                    last_error=error))

    async def note_attempt(self, *, row_id: int, attempts: int, error_code: str,
                           error: str) -> None:
        """Keep the latest failure on the row while a message is still being retried."""
        await self.conn.execute(
            update(outbox).where(outbox.c.id == row_id)
            .values(attempts=attempts, last_error_code=error_code, last_error=error))

    async def replay(self, row_id: int) -> OutboxItem | None:
        """Put a dead letter back in line, unchanged: same message id, same business serial."""
        result = await self.conn.execute(
            update(outbox)
            .where(outbox.c.id == row_id, outbox.c.status == DEAD)
            .values(status=PENDING, next_attempt_at=utcnow(), lease_until=None, claimed_by=None)
            .returning(*_LISTED))
        row = result.first()
        return OutboxItem(**row._mapping) if row else None

    async def listing(self, *, status: OutboxStatus, limit: int,
                      before_id: int | None) -> list[OutboxItem]:
        query = select(*_LISTED).where(outbox.c.status == status.value).order_by(outbox.c.id.desc())
        if before_id:
            query = query.where(outbox.c.id < before_id)
        return [OutboxItem(**row._mapping) for row in await self.conn.execute(query.limit(limit))]

    async def get(self, row_id: int) -> OutboxItem | None:
        row = (await self.conn.execute(select(*_LISTED, outbox.c.payload, outbox.c.remote_ack)
                                       .where(outbox.c.id == row_id))).first()
        return OutboxItem(**row._mapping) if row else None

    async def counts(self) -> dict[str, int]:
        result = await self.conn.execute(select(outbox.c.status, func.count())
                                         .group_by(outbox.c.status))
        return {status: count for status, count in result.all()}
