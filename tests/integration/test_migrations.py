"""The migrations build the schema ``tables.py`` describes, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from adapter.persistence.tables import metadata


async def test_migrated_database_matches_the_table_definitions(db) -> None:
    async with db.reading() as conn:
        differences = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
    assert differences == []


async def test_the_dispatchers_claim_does_not_walk_the_sent_history(db) -> None:
    """PostgreSQL takes the partial index of due rows; SQLite searches the status index.
    Neither scans the table, whose sent rows only grow."""
    if db.is_sqlite:
        query = text("EXPLAIN QUERY PLAN SELECT id FROM outbox WHERE (status = 'pending' AND "
                     "next_attempt_at <= CURRENT_TIMESTAMP) OR (status = 'sending' AND lease_until < "
                     "CURRENT_TIMESTAMP) ORDER BY id LIMIT 10")
    else:
        query = text("EXPLAIN SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= now()) "
                     "OR (status = 'sending' AND lease_until < now()) ORDER BY id LIMIT 10 "
                     "FOR UPDATE SKIP LOCKED")
    async with db.reading() as conn:
        plan = " ".join(str(row[-1]) for row in await conn.execute(query))
    if db.is_sqlite:
        assert "SEARCH outbox USING INDEX" in plan and "SCAN outbox" not in plan, plan
    else:
        assert "ix_outbox_due" in plan and "Seq Scan" not in plan, plan
