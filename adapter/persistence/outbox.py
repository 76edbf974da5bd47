"""The outbox: documents written with the state change that causes them, drained later.

Dispatchers claim due rows by moving them to ``sending`` with a lease; on PostgreSQL the
claim skips rows another dispatcher holds (``FOR UPDATE SKIP LOCKED``), so several
processes share one outbox without sending a row twice. The lease is short and renewed
while the dispatcher holds the row (:meth:`SqlOutbox.renew`); a crashed dispatcher's
lease runs out within seconds and the rows become due again: delivery is at least once,
and the business serial lets the insurer recognise a resend.

What operators and probes read is bounded by an index, never by the sent history: a
status in id order (``ix_outbox_status_id``: pages, and the counts of due and dead rows),
the rows still to send (``ix_outbox_due``, the claim), the rows not delivered by age
(``ix_outbox_undelivered``, the overdue report); the history's size is the planner's
estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    String,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.errors import DeliveryExpired
from adapter.domain.exchange import Envelope, utcnow
from adapter.domain.records import OutboxItem, OutboxLevels, OutboxStatus
from adapter.persistence.tables import outbox

PENDING, SENDING, SENT, DEAD = (s.value for s in OutboxStatus)

_LISTED = (outbox.c.id, outbox.c.message_id, outbox.c.message_type, outbox.c.business_serial,
           outbox.c.correlation_id, outbox.c.object_type, outbox.c.object_id, outbox.c.status,
           outbox.c.attempts, outbox.c.created_at, outbox.c.sent_at, outbox.c.last_error_code,
           outbox.c.last_error, outbox.c.next_attempt_at)
_LISTED_NAMES = tuple(column.name for column in _LISTED)
_MARK_DELIVERED = (
    update(outbox)
    .where(outbox.c.id == bindparam("row_id"), outbox.c.claimed_by == bindparam("worker"))
    .values(status=SENT, sent_at=bindparam("now"), lease_until=None, attempts=bindparam("n"),
            remote_ack=bindparam("ack"))
)


def inline(value: str) -> Any:
    """A filter value written into the statement, not bound: statuses and message types
    are few and skewed (a million sent, ten dead), and PostgreSQL's generic plan for
    ``status = $1`` takes them all as equally common, reads the primary key backwards and
    walks the whole history for a page of dead letters; a bound status also hides from the
    planner that a partial index (due rows, dead rows) applies. Each value gets a plan
    (and a prepared statement) of its own."""
    return bindparam(None, value, type_=String(), literal_execute=True)


def _due(now: datetime) -> Any:
    return or_(
        and_(outbox.c.status == inline(PENDING), outbox.c.next_attempt_at <= now),
        and_(outbox.c.status == inline(SENDING), outbox.c.lease_until < now),
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
        """Newest first below ``before_id``: a range of (status, id) read backwards."""
        rows = await self.conn.execute(_page(status.value, keyset=bool(before_id)),
                                       {"limit": limit, "before": before_id})
        return [_listed(row) for row in rows]

    async def get(self, row_id: int) -> OutboxItem | None:
        row = (await self.conn.execute(select(*_LISTED, outbox.c.payload, outbox.c.remote_ack)
                                       .where(outbox.c.id == row_id))).first()
        return OutboxItem(**row._mapping) if row else None

    async def renew(self, *, worker: str, row_ids: Sequence[int], lease: timedelta) -> int:
        """The heartbeat: extend the lease of the rows this worker still holds; how many."""
        if not row_ids:
            return 0
        result = await self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(row_ids), outbox.c.claimed_by == worker,
                   outbox.c.status == SENDING)
            .values(lease_until=utcnow() + lease))
        return result.rowcount

    async def expire(self, *, due_before: datetime, limit: int) -> list[OutboxItem]:
        """Waiting messages that have waited too long become dead letters (no dispatcher
        holds them: they are pending, locked here so no claim takes them meanwhile)."""
        old = (select(outbox.c.id)
               .where(outbox.c.status == inline(PENDING), outbox.c.next_attempt_at < due_before)
               .order_by(outbox.c.id).limit(limit).with_for_update(skip_locked=True)
               .scalar_subquery())
        result = await self.conn.execute(
            update(outbox).where(outbox.c.id.in_(old))
            .values(status=DEAD, lease_until=None, claimed_by=None,
                    last_error_code=DeliveryExpired.code, last_error="waited past the maximum age")
            .returning(*_LISTED))
        return [OutboxItem(**row._mapping) for row in result]

    async def levels(self, *, cap: int) -> OutboxLevels:
        """Readiness and metrics, in one statement (see :func:`_levels`)."""
        row = (await self.conn.execute(_levels(self.conn.dialect.name, cap))).one()
        held = row.pending + row.sending + row.dead
        return OutboxLevels(row.pending, row.sending, row.dead, max(0, int(row.total) - held),
                            _aware(row.oldest), cap)

    async def counts(self) -> dict[str, int]:
        result = await self.conn.execute(select(outbox.c.status, func.count())
                                         .group_by(outbox.c.status))
        return {status: count for status, count in result.all()}


# Statements the operator's pages and probes run, built once: building and keying a select
# cost more than running it.
@cache
def _page(status: str, *, keyset: bool) -> Any:
    query = select(*_LISTED).where(outbox.c.status == inline(status))
    if keyset:
        query = query.where(outbox.c.id < bindparam("before"))
    return query.order_by(outbox.c.id.desc()).limit(bindparam("limit"))


def _listed(row: Any) -> OutboxItem:
    """A page's row (``_LISTED``), without the row's mapping view (a third of a page's cost)."""
    return OutboxItem(**dict(zip(_LISTED_NAMES, row, strict=True)))


@cache
def _levels(dialect: str, cap: int) -> Any:
    """A count per status still to send and of the dead letters, each an index-only range
    of (status, id) cut at ``cap``; the oldest due row from the partial index; the
    history's size estimated."""
    oldest = (select(outbox.c.next_attempt_at)
              .where(outbox.c.status.in_([inline(PENDING), inline(SENDING)]))
              .order_by(outbox.c.id).limit(1).scalar_subquery())
    return select(
        *(_capped_count(status, cap).label(status) for status in (PENDING, SENDING, DEAD)),
        oldest.label("oldest"),
        literal_column(estimate_sql(dialect, outbox.name)).label("total"),
    )


def _capped_count(status: str, cap: int) -> Any:
    capped = select(outbox.c.id).where(outbox.c.status == inline(status)).limit(cap).subquery()
    return select(func.count()).select_from(capped).scalar_subquery()


def _aware(value: datetime | None) -> datetime | None:
    """A column read through a subquery label skips its type: naive UTC, made aware here."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def estimate_sql(dialect: str, table: str) -> str:
    """How many rows a table holds, without counting them, as an SQL expression:
    PostgreSQL's planner estimate (kept by autovacuum's analyze), else (never analyzed, or
    SQLite) the highest id; ids are never reused."""
    highest = f"(SELECT coalesce(max(id), 0) FROM {table})"
    if dialect != "postgresql":
        return highest
    return (f"(SELECT CASE WHEN reltuples >= 0 THEN reltuples::bigint ELSE {highest} END "
            f"FROM pg_class WHERE oid = '{table}'::regclass)")


async def estimated_rows(conn: AsyncConnection, table: str) -> int:
    estimate = (await conn.execute(text(f"SELECT {estimate_sql(conn.dialect.name, table)}"))).scalar()
    return int(estimate or 0)

