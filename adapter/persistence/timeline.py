"""The per-object timeline (X-3): every message, attempt and state change, in order."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.exchange import utcnow
from adapter.persistence.tables import timeline


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    object_type: str
    object_id: str
    event: str
    outcome: str | None = None
    message_type: str | None = None
    message_id: str | None = None
    correlation_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None

    def row(self) -> dict[str, Any]:
        return {
            "object_type": self.object_type,
            "object_id": self.object_id,
            "at": self.at or utcnow(),
            "event": self.event,
            "outcome": self.outcome,
            "message_type": self.message_type,
            "message_id": self.message_id,
            "correlation_id": self.correlation_id,
            "detail": json.dumps(self.detail, ensure_ascii=False, default=str) if self.detail else None,
        }


_INSERT = insert(timeline)
_buffer: ContextVar[list[TimelineEntry] | None] = ContextVar("timeline_buffer", default=None)


async def record(conn: AsyncConnection, *entries: TimelineEntry) -> None:
    """Write entries now, or, inside :func:`gathered`, with the rest of the group."""
    pending = _buffer.get()
    if pending is not None:
        pending.extend(entries)
    elif entries:
        await conn.execute(_INSERT, [entry.row() for entry in entries])


@asynccontextmanager
async def gathered(conn: AsyncConnection) -> AsyncIterator[None]:
    """Collect what a group of documents records and write it in one statement at the end."""
    pending: list[TimelineEntry] = []
    token = _buffer.set(pending)
    try:
        yield
    finally:
        _buffer.reset(token)
    if pending:
        await conn.execute(_INSERT, [entry.row() for entry in pending])


async def for_object(conn: AsyncConnection, object_type: str, object_id: str) -> list[dict[str, Any]]:
    """The object's history in the order a person reads it: oldest first."""
    result = await conn.execute(
        select(timeline)
        .where(timeline.c.object_type == object_type, timeline.c.object_id == object_id)
        .order_by(timeline.c.id)
    )
    return [
        {**row._asdict(), "detail": json.loads(row.detail) if row.detail else {}}
        for row in result
    ]
