"""The inbox: every inbound request stored as received, and idempotent delivery.

The unique pair (sender, message id) rejects a second copy inside the database, so two
concurrent deliveries cannot both apply; the loser's INSERT waits for the winner's
commit and then reads the winner's acknowledgement (INSERT … ON CONFLICT DO UPDATE …
RETURNING, one round trip, no caught exception, nothing cached before commit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.persistence.dialect import column_arrays, unnest_rows
from adapter.persistence.tables import inbound_messages as inbox


@dataclass(frozen=True, slots=True)
class InboundRecord:
    """One request as it arrived, with the acknowledgement the hub answers."""

    channel: str
    received_at: datetime
    raw: bytes
    raw_size: int
    truncated: bool
    status: str
    ack_id: str
    ack_status: str
    ack_xml: bytes
    sender: str | None = None
    message_id: str | None = None
    message_type: str | None = None
    business_serial: str | None = None
    correlation_id: str | None = None
    error_code: str | None = None
    error_path: str | None = None
    error_reason: str | None = None

    def row(self, *, deduplicate: bool) -> dict[str, object]:
        values: dict[str, object] = {
            name: getattr(self, name) for name in self.__dataclass_fields__
        }
        values["duplicates"] = 0
        if deduplicate:
            values["dedup_sender"] = self.sender
            values["dedup_message_id"] = self.message_id
        return values


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the inbox says about a delivery: its row, and the original ack if it is a repeat."""

    row_id: int
    is_duplicate: bool
    original_ack_id: str
    original_ack_xml: bytes


async def store_rejected(conn: AsyncConnection, record: InboundRecord) -> int:
    result = await conn.execute(insert(inbox).values(record.row(deduplicate=False)))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


@cache
def _claim_statement(dialect: str) -> Any:
    """Built once per dialect: the hot path only binds values (design.md §5)."""
    columns = [c for c in inbox.c if c.name not in ("id", "last_duplicate_at")]
    insert_into = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(inbox)
    stmt = insert_into.values({c.name: bindparam(c.name, type_=c.type) for c in columns})
    return stmt.on_conflict_do_update(
        index_elements=[inbox.c.dedup_sender, inbox.c.dedup_message_id],
        set_={"duplicates": inbox.c.duplicates + 1, "last_duplicate_at": stmt.excluded.received_at},
    ).returning(inbox.c.id, inbox.c.duplicates, inbox.c.ack_id, inbox.c.ack_xml,
                inbox.c.dedup_sender, inbox.c.dedup_message_id)


def _values(record: InboundRecord) -> dict[str, object]:
    values = record.row(deduplicate=True)
    values.setdefault("dedup_sender", None)
    values.setdefault("dedup_message_id", None)
    return values


async def claim(conn: AsyncConnection, record: InboundRecord) -> Delivery:
    """Store an accepted document, or count a repeat of one already stored."""
    row = (await conn.execute(_claim_statement(conn.dialect.name), _values(record))).one()
    return Delivery(row.id, row.duplicates > 0, row.ack_id, row.ack_xml)


_CLAIMED = [c.name for c in inbox.c if c.name not in ("id", "last_duplicate_at")]
_CLAIM_MANY_PG = text(
    f"INSERT INTO {inbox.name} ({', '.join(_CLAIMED)}) {unnest_rows(inbox, _CLAIMED)} "
    f"ON CONFLICT (dedup_sender, dedup_message_id) DO UPDATE SET "
    f"duplicates = {inbox.name}.duplicates + 1, last_duplicate_at = excluded.received_at "
    f"RETURNING id, duplicates, ack_id, ack_xml, dedup_sender, dedup_message_id"
)


async def claim_many(conn: AsyncConnection,
                     records: list[InboundRecord]) -> dict[tuple[str | None, str | None], Delivery]:
    """``claim`` for documents with distinct (sender, message id), in one statement.

    On PostgreSQL the group's rows travel as arrays (``unnest``): one parameter set however
    many documents, which is what keeps a large group cheap.
    """
    if len(records) == 1:
        return {(records[0].sender, records[0].message_id): await claim(conn, records[0])}
    if conn.dialect.name == "postgresql":
        result = await conn.execute(_CLAIM_MANY_PG,
                                    column_arrays(_CLAIMED, [_values(r) for r in records]))
    else:
        result = await conn.execute(_claim_statement(conn.dialect.name), [_values(r) for r in records])
    return {(row.dedup_sender, row.dedup_message_id): Delivery(row.id, row.duplicates > 0, row.ack_id,
                                                               row.ack_xml)
            for row in result}


async def reject_after_rules(conn: AsyncConnection, row_id: int, record: InboundRecord) -> None:
    """A business rule refused a stored document: keep the bytes, free its message id."""
    await conn.execute(
        update(inbox)
        .where(inbox.c.id == row_id)
        .values(
            status=record.status, ack_id=record.ack_id, ack_status=record.ack_status,
            ack_xml=record.ack_xml, error_code=record.error_code, error_path=record.error_path,
            error_reason=record.error_reason, dedup_sender=None, dedup_message_id=None,
        )
    )


async def prune(conn: AsyncConnection, *, older_than: datetime) -> int:
    """Forget deduplication keys once the partner can no longer retry; the rows stay."""
    result = await conn.execute(
        update(inbox)
        .where(inbox.c.received_at < older_than, inbox.c.dedup_message_id.is_not(None))
        .values(dedup_sender=None, dedup_message_id=None)
    )
    return result.rowcount


async def recent(conn: AsyncConnection, *, limit: int = 50, status: str | None = None,
                 before_id: int | None = None) -> list[dict[str, object]]:
    query = select(
        inbox.c.id, inbox.c.received_at, inbox.c.channel, inbox.c.sender, inbox.c.message_id,
        inbox.c.message_type, inbox.c.business_serial, inbox.c.status, inbox.c.ack_status,
        inbox.c.error_code, inbox.c.error_path, inbox.c.duplicates, inbox.c.raw_size,
    ).order_by(inbox.c.id.desc()).limit(limit)
    if status:
        query = query.where(inbox.c.status == status)
    if before_id:
        query = query.where(inbox.c.id < before_id)
    return [dict(row._mapping) for row in await conn.execute(query)]


async def counts(conn: AsyncConnection) -> dict[str, int]:
    result = await conn.execute(select(inbox.c.status, func.count()).group_by(inbox.c.status))
    return {status: count for status, count in result.all()}


