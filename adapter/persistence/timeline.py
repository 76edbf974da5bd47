"""Timeline rows: written with the unit of work's commit, read in the order they happened."""

from __future__ import annotations

import json

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.exchange import utcnow
from adapter.domain.timeline import TimelineEntry, TimelineRecord
from adapter.persistence.dialect import column_arrays, unnest_rows
from adapter.persistence.tables import timeline

_INSERT = insert(timeline)
_COLUMNS = ("object_type", "object_id", "at", "event", "outcome", "message_type", "message_id",
            "correlation_id", "detail")
_INSERT_MANY_PG = text(f"INSERT INTO {timeline.name} ({', '.join(_COLUMNS)}) "
                       f"{unnest_rows(timeline, _COLUMNS)}")


def _row(entry: TimelineEntry) -> dict[str, object]:
    return {
        "object_type": entry.object_type, "object_id": entry.object_id,
        "at": entry.at or utcnow(), "event": entry.event, "outcome": entry.outcome,
        "message_type": entry.message_type, "message_id": entry.message_id,
        "correlation_id": entry.correlation_id,
        "detail": json.dumps(dict(entry.detail), ensure_ascii=False, default=str)
        if entry.detail else None,
    }


class SqlTimeline:
    """Entries gather in memory and are written in one statement when the unit commits."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.pending: list[TimelineEntry] = []

    def record(self, *entries: TimelineEntry) -> None:
        self.pending.extend(entries)

    async def flush(self) -> None:
        """One statement; on PostgreSQL one parameter set of arrays however many entries, as
        the inbox claims a group, so a group's history costs no more than one row."""
        if not self.pending:
            return
        rows, self.pending = [_row(entry) for entry in self.pending], []
        if self.conn.dialect.name == "postgresql" and len(rows) > 1:
            await self.conn.execute(_INSERT_MANY_PG, column_arrays(_COLUMNS, rows))
        else:
            await self.conn.execute(_INSERT, rows)

    async def for_object(self, object_type: str, object_id: str) -> list[TimelineRecord]:
        result = await self.conn.execute(
            select(timeline)
            .where(timeline.c.object_type == object_type, timeline.c.object_id == object_id)
            .order_by(timeline.c.id))
        return [TimelineRecord(**{**row._asdict(),
                                  "detail": json.loads(row.detail) if row.detail else {}})
                for row in result]
