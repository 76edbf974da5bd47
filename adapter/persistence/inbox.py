"""The inbox: every inbound request stored as received, and idempotent delivery.

The unique pair (sender, message id) rejects a second copy inside the database, so two
concurrent deliveries cannot both apply; the loser's INSERT waits for the winner's
commit and then reads the winner's acknowledgement (INSERT … ON CONFLICT DO UPDATE …
RETURNING, one round trip, no caught exception, nothing cached before commit).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.records import Delivery, InboundRecord, InboxItem
from adapter.persistence.dialect import column_arrays, unnest_rows
from adapter.persistence.outbox import estimated_rows, inline
from adapter.persistence.tables import inbound_messages as inbox


def _row(record: InboundRecord, *, deduplicate: bool) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(record, name) for name in _RECORD_FIELDS}
    values["duplicates"] = 0
    values["dedup_sender"] = record.sender if deduplicate else None
    values["dedup_message_id"] = record.message_id if deduplicate else None
    return values


_RECORD_FIELDS = tuple(InboundRecord.__dataclass_fields__)


@cache
def _claim_statement(dialect: str) -> Any:
    """Built once per dialect: the hot path only binds values."""
    columns = [c for c in inbox.c if c.name not in ("id", "last_duplicate_at")]
    insert_into = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(inbox)
    stmt = insert_into.values({c.name: bindparam(c.name, type_=c.type) for c in columns})
    return stmt.on_conflict_do_update(
        index_elements=[inbox.c.dedup_sender, inbox.c.dedup_message_id],
        set_={"duplicates": inbox.c.duplicates + 1, "last_duplicate_at": stmt.excluded.received_at},
    ).returning(inbox.c.id, inbox.c.duplicates, inbox.c.ack_id, inbox.c.ack_xml,
                inbox.c.dedup_sender, inbox.c.dedup_message_id)


_CLAIMED = [c.name for c in inbox.c if c.name not in ("id", "last_duplicate_at")]
_CLAIM_MANY_PG = text(
    f"INSERT INTO {inbox.name} ({', '.join(_CLAIMED)}) {unnest_rows(inbox, _CLAIMED)} "
    f"ON CONFLICT (dedup_sender, dedup_message_id) DO UPDATE SET "
    f"duplicates = {inbox.name}.duplicates + 1, last_duplicate_at = excluded.received_at "
    f"RETURNING id, duplicates, ack_id, ack_xml, dedup_sender, dedup_message_id"
)
_STORE_MANY_PG = text(
    f"INSERT INTO {inbox.name} ({', '.join(_CLAIMED)}) {unnest_rows(inbox, _CLAIMED)}")
# What a rule's refusal changes in a stored row; the message id is freed for a corrected copy.
_REJECTED = ("status", "ack_id", "ack_status", "ack_xml", "error_code", "error_path",
             "error_reason")
_REJECT_ONE = text(
    f"UPDATE {inbox.name} SET {', '.join(f'{name} = :{name}' for name in _REJECTED)}, "
    f"dedup_sender = NULL, dedup_message_id = NULL WHERE id = :id")
_REJECT_MANY_PG = text(
    f"UPDATE {inbox.name} AS i SET {', '.join(f'{name} = u.{name}' for name in _REJECTED)}, "
    f"dedup_sender = NULL, dedup_message_id = NULL "
    f"FROM ({unnest_rows(inbox, ('id', *_REJECTED))}) AS u WHERE i.id = u.id")
_LISTED = (inbox.c.id, inbox.c.received_at, inbox.c.channel, inbox.c.sender, inbox.c.message_id,
           inbox.c.message_type, inbox.c.business_serial, inbox.c.status, inbox.c.ack_status,
           inbox.c.error_code, inbox.c.error_path, inbox.c.duplicates, inbox.c.raw_size)


class SqlInbox:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def store_rejected(self, records: Sequence[InboundRecord]) -> None:
        """Rejected documents take no message id, so they never conflict: a plain insert,
        array-bound on PostgreSQL like the claims."""
        rows = [_row(r, deduplicate=False) for r in records]
        if self.conn.dialect.name == "postgresql" and len(rows) > 1:
            await self.conn.execute(_STORE_MANY_PG, column_arrays(_CLAIMED, rows))
        elif rows:
            await self.conn.execute(insert(inbox), rows)

    async def claim_many(self, records: Sequence[InboundRecord]
                         ) -> dict[tuple[str | None, str | None], Delivery]:
        """Store accepted documents, or count repeats of ones already stored: one statement.

        On PostgreSQL the group's rows travel as arrays (``unnest``): one parameter set however
        many documents, which is what keeps a large group cheap.
        """
        rows = [_row(r, deduplicate=True) for r in records]
        if self.conn.dialect.name == "postgresql" and len(rows) > 1:
            result = await self.conn.execute(_CLAIM_MANY_PG, column_arrays(_CLAIMED, rows))
        else:
            result = await self.conn.execute(_claim_statement(self.conn.dialect.name),
                                             rows[0] if len(rows) == 1 else rows)
        return {(row.dedup_sender, row.dedup_message_id):
                Delivery(row.id, row.duplicates > 0, row.ack_id, row.ack_xml) for row in result}

    async def reject_after_rules(self, rejections: Sequence[tuple[int, InboundRecord]]) -> None:
        if not rejections:
            return
        rows = [{"id": row_id, **{name: getattr(record, name) for name in _REJECTED}}
                for row_id, record in rejections]
        if self.conn.dialect.name == "postgresql" and len(rows) > 1:
            await self.conn.execute(_REJECT_MANY_PG, column_arrays(("id", *_REJECTED), rows))
        else:
            await self.conn.execute(_REJECT_ONE, rows[0] if len(rows) == 1 else rows)

    async def prune(self, *, older_than: datetime) -> int:
        """Forget deduplication keys once the partner can no longer retry; the rows stay."""
        result = await self.conn.execute(
            update(inbox)
            .where(inbox.c.received_at < older_than, inbox.c.dedup_message_id.is_not(None))
            .values(dedup_sender=None, dedup_message_id=None))
        return result.rowcount

    async def estimated_rows(self) -> int:
        """The history's size for metrics: the planner's estimate, never a count."""
        return await estimated_rows(self.conn, inbox.name)

    async def recent(self, *, limit: int, status: str | None, before_id: int | None,
                     message_type: str | None = None) -> list[InboxItem]:
        """Newest first, keyset-paged on id. Each filter has its index: the primary key,
        (message_type, id), and partial indexes of the rejected rows."""
        rows = await self.conn.execute(_page(status, message_type, keyset=bool(before_id)),
                                       {"limit": limit, "before": before_id})
        return [InboxItem(*row) for row in rows]


@lru_cache(maxsize=256)
def _page(status: str | None, message_type: str | None, *, keyset: bool) -> Any:
    """A page's statement, built once per filter: building and keying a select cost more
    than running it. Its columns are ``InboxItem``'s fields, in order."""
    query = select(*_LISTED)
    if status:
        query = query.where(inbox.c.status == inline(status))
    if message_type:
        query = query.where(inbox.c.message_type == inline(message_type))
    if keyset:
        query = query.where(inbox.c.id < bindparam("before"))
    return query.order_by(inbox.c.id.desc()).limit(bindparam("limit"))
