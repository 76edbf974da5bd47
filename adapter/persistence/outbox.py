"""The outbox: documents written with the state change that causes them, drained later.

Dispatchers claim due rows by moving them to ``sending`` with a lease; on PostgreSQL the
claim skips rows another dispatcher holds (``FOR UPDATE SKIP LOCKED``), so several
processes share one outbox without sending a row twice. A crashed dispatcher's lease
runs out and the rows become due again: delivery is at least once, and the business
serial lets the insurer recognise a resend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.exchange import Envelope, utcnow
from adapter.persistence.tables import outbox

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A claimed row: everything a gateway needs to send it."""

    id: int
    message_id: str
    message_type: str
    business_serial: str
    correlation_id: str
    object_type: str
    object_id: str
    payload: bytes
    attempts: int


@dataclass(frozen=True, slots=True)
class Delivered:
    id: int
    attempts: int
    remote_ack: bytes


async def enqueue(conn: AsyncConnection, envelope: Envelope, payload: bytes, *, partner: str,
                  object_type: str, object_id: str) -> int:
    now = utcnow()
    result = await conn.execute(insert(outbox).values(
        message_id=envelope.message_id, message_type=envelope.message_type, partner=partner,
        business_serial=envelope.business_serial, correlation_id=envelope.correlation_id,
        object_type=object_type, object_id=object_id, payload=payload, status=PENDING,
        attempts=0, created_at=now, next_attempt_at=now,
    ))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def _due(now: datetime) -> Any:
    return or_(
        and_(outbox.c.status == PENDING, outbox.c.next_attempt_at <= now),
        and_(outbox.c.status == SENDING, outbox.c.lease_until < now),
    )


async def claim(conn: AsyncConnection, *, worker: str, limit: int,
                lease: timedelta) -> list[OutboundMessage]:
    """Take up to ``limit`` due rows for this worker, oldest first, in one statement."""
    now = utcnow()
    due_ids = (
        select(outbox.c.id).where(_due(now)).order_by(outbox.c.id).limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(due_ids))
        .values(status=SENDING, claimed_by=worker, lease_until=now + lease)
        .returning(outbox.c.id, outbox.c.message_id, outbox.c.message_type,
                   outbox.c.business_serial, outbox.c.correlation_id, outbox.c.object_type,
                   outbox.c.object_id, outbox.c.payload, outbox.c.attempts)
    )
    return sorted((OutboundMessage(**row._mapping) for row in result), key=lambda m: m.id)


async def mark_delivered(conn: AsyncConnection, *, worker: str, delivered: list[Delivered]) -> None:
    if not delivered:
        return
    now = utcnow()
    await conn.execute(
        update(outbox)
        .where(outbox.c.id == bindparam("row_id"), outbox.c.claimed_by == worker)
        .values(status=SENT, sent_at=now, lease_until=None, attempts=bindparam("n"),
                remote_ack=bindparam("ack")),
        [{"row_id": d.id, "n": d.attempts, "ack": d.remote_ack} for d in delivered],
    )


async def release(conn: AsyncConnection, *, worker: str, row_ids: list[int]) -> None:
    """Hand back rows claimed but never sent (shutdown), so they need not wait out the lease."""
    if row_ids:
        await conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(row_ids), outbox.c.claimed_by == worker, outbox.c.status == SENDING)
            .values(status=PENDING, lease_until=None, claimed_by=None)
        )


async def mark_dead(conn: AsyncConnection, *, worker: str, row_id: int, attempts: int,
                    error_code: str, error: str) -> None:
    await conn.execute(
        update(outbox)
        .where(outbox.c.id == row_id, outbox.c.claimed_by == worker)
        .values(status=DEAD, lease_until=None, attempts=attempts, last_error_code=error_code,
                last_error=error)
    )


async def note_attempt(conn: AsyncConnection, *, row_id: int, attempts: int, error_code: str,
                       error: str) -> None:
    """Keep the latest failure on the row while a message is still being retried."""
    await conn.execute(
        update(outbox).where(outbox.c.id == row_id)
        .values(attempts=attempts, last_error_code=error_code, last_error=error)
    )


async def replay(conn: AsyncConnection, row_id: int) -> dict[str, Any] | None:
    """Put a dead letter back in line, unchanged: same message id, same business serial."""
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.id == row_id, outbox.c.status == DEAD)
        .values(status=PENDING, next_attempt_at=utcnow(), lease_until=None, claimed_by=None)
        .returning(outbox.c.id, outbox.c.object_type, outbox.c.object_id, outbox.c.message_id,
                   outbox.c.message_type, outbox.c.correlation_id)
    )
    row = result.first()
    return dict(row._mapping) if row else None


_LISTED = (outbox.c.id, outbox.c.message_id, outbox.c.message_type, outbox.c.business_serial,
           outbox.c.object_type, outbox.c.object_id, outbox.c.status, outbox.c.attempts,
           outbox.c.created_at, outbox.c.sent_at, outbox.c.last_error_code, outbox.c.last_error)


async def listing(conn: AsyncConnection, *, status: str, limit: int = 50,
                  before_id: int | None = None) -> list[dict[str, Any]]:
    query = select(*_LISTED).where(outbox.c.status == status).order_by(outbox.c.id.desc())
    if before_id:
        query = query.where(outbox.c.id < before_id)
    return [dict(row._mapping) for row in await conn.execute(query.limit(limit))]


async def get(conn: AsyncConnection, row_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(*_LISTED, outbox.c.payload, outbox.c.remote_ack)
                              .where(outbox.c.id == row_id))).first()
    return dict(row._mapping) if row else None


async def counts(conn: AsyncConnection) -> dict[str, int]:
    result = await conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))
    return {status: count for status, count in result.all()}

