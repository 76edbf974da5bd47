"""Operator use cases shared by the CLI and the operator API: inspect and replay."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from adapter.domain.exchange import utcnow
from adapter.persistence import inbox, outbox, timeline
from adapter.persistence.database import Database
from adapter.persistence.timeline import TimelineEntry


async def timeline_of(conn: AsyncConnection, object_type: str, object_id: str) -> list[dict[str, Any]]:
    return await timeline.for_object(conn, object_type, object_id)


async def dead_letter(conn: AsyncConnection, row_id: int) -> dict[str, Any] | None:
    item = await outbox.get(conn, row_id)
    if item is None or item["status"] != outbox.DEAD:
        return None
    item["timeline"] = [entry for entry in await timeline.for_object(conn, item["object_type"], item["object_id"])
                        if entry["message_id"] == item["message_id"]]
    return item


async def replay(db: Database, row_id: int) -> dict[str, Any] | None:
    """Send a dead letter again, unchanged: the partner sees the same business serial."""
    async with db.transaction() as conn:
        replayed = await outbox.replay(conn, row_id)
        if replayed is None:
            return None
        await timeline.record(conn, TimelineEntry(
            replayed["object_type"], replayed["object_id"], "replayed", outcome="pending",
            message_type=replayed["message_type"], message_id=replayed["message_id"],
            correlation_id=replayed["correlation_id"]))
    return replayed


async def prune_deduplication(db: Database, *, days: int) -> int:
    async with db.transaction() as conn:
        return await inbox.prune(conn, older_than=utcnow() - timedelta(days=days))
