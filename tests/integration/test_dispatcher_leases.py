"""Short leases renewed by a heartbeat: a slow send is never taken by another dispatcher,
and rows handed back at shutdown are due at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from adapter.config import DispatcherSettings, Settings
from adapter.outbound.dispatcher import Dispatcher
from adapter.outbound.gateways import build_gateway
from adapter.persistence.database import Database
from adapter.persistence.tables import outbox
from adapter.persistence.unit_of_work import SqlUnitOfWork, SqlUnitsOfWork
from mock_insurer import running_mock_insurer
from tests.conftest import POSTGRES_URL, _fresh_postgres
from tests.harness import eventually, hub_settings, sign_many, uscc_for


@pytest.fixture
async def pg() -> AsyncIterator[Database]:
    await _fresh_postgres()
    db = Database(POSTGRES_URL)
    yield db
    await db.dispose()


def short_leases(insurer_url: str, lease: float) -> Settings:
    settings = hub_settings(POSTGRES_URL, insurer_url=insurer_url, dispatcher=False)
    return settings.model_copy(update={"dispatcher": DispatcherSettings(
        enabled=False, lease_seconds=lease, concurrency=4, idle_poll_seconds=0.05)})


async def sent(db: Database) -> int:
    async with db.reading() as conn:
        return (await SqlUnitOfWork(conn).outbox.counts()).get("sent", 0)


async def test_sends_slower_than_the_lease_are_never_taken_by_another_dispatcher(pg) -> None:
    """Each send takes 2.5 leases; without the heartbeat the second dispatcher would
    reclaim every one of them mid-send and the insurer would get each twice."""
    async with running_mock_insurer() as mock:
        settings = short_leases(mock.base_url, lease=0.8)
        await mock.set_fault("slow", seconds=2.0)
        await sign_many(pg, [(f"SA-LSE-{n:02d}", uscc_for(n)) for n in range(8)])
        stop = asyncio.Event()
        gateways = [build_gateway(settings) for _ in range(2)]
        tasks = [asyncio.create_task(Dispatcher(SqlUnitsOfWork(pg), g, settings).run(stop))
                 for g in gateways]
        try:
            await eventually(lambda: _all(pg, 8), timeout=30, interval=0.1)
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            for gateway in gateways:
                await gateway.close()
    assert mock.store.business_count == 8
    assert mock.store.duplicate_count == 0


async def test_a_stopped_dispatcher_hands_back_what_it_held(pg) -> None:
    """Rows claimed but not sent at shutdown are pending again at once, not after a lease."""
    async with running_mock_insurer() as mock:
        settings = short_leases(mock.base_url, lease=60)
        await mock.set_fault("refuse")
        await sign_many(pg, [(f"SA-HND-{n:02d}", uscc_for(n)) for n in range(6)])
        gateway = build_gateway(settings)
        stop = asyncio.Event()
        dispatcher = Dispatcher(SqlUnitsOfWork(pg), gateway, settings)
        task = asyncio.create_task(dispatcher.run(stop))
        await eventually(lambda: _claimed(pg), timeout=10)
        stop.set()
        await task
        await gateway.close()
    async with pg.reading() as conn:
        statuses = (await conn.execute(select(outbox.c.status, outbox.c.claimed_by))).all()
    assert statuses and all(row == ("pending", None) for row in statuses)


async def _all(db: Database, expected: int) -> bool:
    return await sent(db) == expected


async def _claimed(db: Database) -> bool:
    async with db.reading() as conn:
        rows = (await conn.execute(select(outbox.c.status))).scalars().all()
    return "sending" in rows
